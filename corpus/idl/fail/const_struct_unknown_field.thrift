// expect: 6:31: `Point` has no field `z`
struct Point {
  1: i32 x
  2: i32 y
}
const Point ORIGIN = {"x": 0, "z": 0}
