// expect: 2:29: bad escape character `\x`
const string PATH = "C:\temp\x41"
