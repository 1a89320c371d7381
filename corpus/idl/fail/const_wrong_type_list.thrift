// expect: 2:34: an integer is not a valid value of type `string`
const list<string> NAMES = ["a", 2, "c"]
