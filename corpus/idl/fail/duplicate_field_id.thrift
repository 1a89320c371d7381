// expect: 5:3: field id 2 is used twice
struct User {
  1: i64 id
  2: string name
  2: string email
}
