// expect: 6:6: `User` is defined twice
struct User {
  1: i64 id
}

enum User {
  ADMIN
}
