// expect: 4:3: `AFTER_LAST` = 2147483648 does not fit in i32
enum Status {
  LAST = 2147483647,
  AFTER_LAST
}
