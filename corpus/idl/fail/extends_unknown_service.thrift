// expect: 2:23: service `BaseService` is not defined
service Users extends BaseService {
  void ping()
}
