// expect: 3:11: annotations may follow a base or container type, not the type name `Name`
struct User {
  1: Name (api.body = "n") name
}
