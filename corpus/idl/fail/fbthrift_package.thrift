// expect: 2:1: found `package`
package "example.com/thrift/users"

struct User {
  1: i64 id
}
