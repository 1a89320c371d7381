// expect: 2:1: cannot find included file `does_not_exist.thrift`
include "does_not_exist.thrift"

struct User {
  1: does_not_exist.Id id
}
