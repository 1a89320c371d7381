// expect: 3:3: field id 40000 of `far` does not fit in i16
struct Wide {
  40000: i32 far
}
