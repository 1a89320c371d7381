// expect: 5:13: field name `name` is used twice
struct User {
  1: i64 id
  2: string name
  3: string name
}
