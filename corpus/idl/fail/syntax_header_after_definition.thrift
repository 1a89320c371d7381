// expect: 6:1: `include` must come before the first definition
struct Point {
  1: i32 x
}

include "other.thrift"
