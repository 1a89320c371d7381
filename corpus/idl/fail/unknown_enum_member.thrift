// expect: 3:20: enum `Day` has no member `FRI`
enum Day { MON, TUE, WED }
const Day PAYDAY = Day.FRI
