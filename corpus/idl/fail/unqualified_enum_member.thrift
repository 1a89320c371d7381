// expect: 3:38: write `Day.TUE`: enum members must be qualified
enum Day { MON, TUE, WED }
const list<Day> WORKDAYS = [Day.MON, TUE]
