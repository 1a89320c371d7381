// expect: 2:11: typedef `B` refers to itself
typedef A B
typedef B C
typedef C A
