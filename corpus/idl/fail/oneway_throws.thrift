// expect: 4:15: oneway method `fire` must return void and throw nothing
exception Failed {}
service Events {
  oneway void fire(1: string name) throws (1: Failed f)
}
