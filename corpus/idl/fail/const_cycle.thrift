// expect: 2:11: constant `A` refers to itself
const i32 A = B
const i32 B = A
