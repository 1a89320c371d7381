// expect: 3:20: 128 is out of range for `i8`
const i8 SMALL = 127
const i8 TOO_BIG = 128
