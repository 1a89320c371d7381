// expect: 4:3: `HUGE` = 2147483648 does not fit in i32
enum Status {
  OK = 0,
  HUGE = 2147483648
}
