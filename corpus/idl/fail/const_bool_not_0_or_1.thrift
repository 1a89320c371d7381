// expect: 2:19: not a valid value of type `bool`
const bool FLAG = 2
