// expect: 4:6: type `Address` is not defined
struct User {
  1: i64 id
  2: Address home
}
