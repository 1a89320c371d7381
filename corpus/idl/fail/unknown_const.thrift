// expect: 3:27: constant `ANSWR` is not defined
const i32 ANSWER = 42
const i32 DOUBLE_ANSWER = ANSWR
