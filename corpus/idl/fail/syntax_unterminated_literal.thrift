// expect: 2:25: string literal is not closed
const string GREETING = "hello

