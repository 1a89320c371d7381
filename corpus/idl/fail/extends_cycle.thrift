// expect: 3:19: service `B` extends itself
service A extends B {}
service B extends A {}
