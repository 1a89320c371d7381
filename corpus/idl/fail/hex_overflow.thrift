// expect: 2:21: does not fit in 64 bits
const i64 TOO_BIG = 0x10000000000000000
