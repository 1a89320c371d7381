// expect: 2:23: -32769 is out of range for `i16`
const i16 TOO_SMALL = -32769
