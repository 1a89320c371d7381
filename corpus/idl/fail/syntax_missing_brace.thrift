// expect: 6:13: found `{` (is the `}` that closes the definition above missing?)
struct Point {
  1: i32 x
  2: i32 y

struct Line {
  1: Point from
}
