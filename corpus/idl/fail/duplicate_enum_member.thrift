// expect: 2:26: enum member `RED` is defined twice
enum Color { RED, GREEN, RED }
