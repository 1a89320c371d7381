// expect: 5:8: method `ping` is defined twice
service Users {
  void ping()
  string get(1: i64 id)
  void ping(1: i32 times)
}
