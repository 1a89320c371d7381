// expect: a.thrift:2:1: include cycle
include "a.thrift"

struct B {
  1: i32 x
}
