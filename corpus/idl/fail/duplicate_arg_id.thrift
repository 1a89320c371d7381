// expect: 3:26: field id 1 is used twice
service Users {
  void rename(1: i64 id, 1: string name)
}
