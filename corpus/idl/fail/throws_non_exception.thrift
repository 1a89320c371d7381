// expect: 7:37: `throws` field `oops` is not an exception
struct NotAnError {
  1: string message
}

service Users {
  void remove(1: i64 id) throws (1: NotAnError oops)
}
