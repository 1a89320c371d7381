// expect: 3:19: constant `NAME` of type `string` is not a valid value of type `i32`
const string NAME = "x"
const i32 COUNT = NAME
