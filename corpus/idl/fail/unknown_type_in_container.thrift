// expect: 2:26: type `Adress` is not defined
typedef map<string, list<Adress>> AddressBook
