// expect: b.thrift:2:1: include cycle
include "b.thrift"

struct A {
  1: b.B b
}
