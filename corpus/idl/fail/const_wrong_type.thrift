// expect: 2:19: a string is not a valid value of type `i32`
const i32 COUNT = "three"
