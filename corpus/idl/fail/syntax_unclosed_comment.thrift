// expect: 3:13: comment is not closed
struct User {
  1: i64 id /* the key
}
