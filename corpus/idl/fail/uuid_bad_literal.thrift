// expect: 2:17: not a valid value of type `uuid`
const uuid ID = "not-a-uuid"
