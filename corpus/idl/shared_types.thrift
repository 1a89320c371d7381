/** Types shared by everything.thrift through an include. */
namespace * thriftjit.corpus.shared

enum Kind {
  UNKNOWN = 0,
  SMALL,
  LARGE = 10,
  NEGATIVE = -1 (note = "negative values are accepted")
}

struct SharedStruct {
  1: i32 key
  2: string value
}

exception SharedError {
  1: i32 code
  2: string message
}

service SharedService {
  SharedStruct getStruct(1: i32 key)
}
