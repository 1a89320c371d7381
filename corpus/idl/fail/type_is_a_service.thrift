// expect: 4:6: `Users` is not a type
service Users {}
struct Holder {
  1: Users users
}
