// expect: 3:23: `Base` is not a service
struct Base {}
service Users extends Base {}
