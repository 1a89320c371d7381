// expect: 2:8: expected a name (without dots), found `shared.Point`
struct shared.Point {
  1: i32 x
}
