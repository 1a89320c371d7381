// expect: 3:14: oneway method `fire` must return void
service Events {
  oneway i32 fire(1: string name)
}
