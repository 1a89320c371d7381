// expect: 3:16: 2147483648 is out of range for `i32`
struct Limits {
  1: i32 max = 2147483648
}
