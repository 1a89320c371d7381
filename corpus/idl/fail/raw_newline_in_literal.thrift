// expect: 3:39: newline inside a string literal
struct Endpoint {
  1: string url (api.doc = "first line
second line")
}
