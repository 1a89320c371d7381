// expect: 3:12: found `$`
struct Point {
  1: i32 x $
}
