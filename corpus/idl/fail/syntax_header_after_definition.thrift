// expect: 6:1: found `include`
struct Point {
  1: i32 x
}

include "other.thrift"
