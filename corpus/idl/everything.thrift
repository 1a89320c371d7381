#!/usr/bin/env thrift
// Every feature of the language the reference compiler accepts, in one file.
include "shared_types.thrift"
cpp_include "<unordered_map>"

namespace cpp thriftjit.corpus
namespace py.twisted corpus.twisted (deprecated = "1")
namespace * thriftjit.corpus

typedef i64 UserId
typedef UserId AccountId (doc = "a typedef chain")
typedef list<string> (cpp.template = "std::vector") Names
typedef shared_types.SharedStruct Shared

const i32 ANSWER = 42;
const i64 HEX = 0x7fFFffFF
const i32 NEG_HEX = -0x1F
const i8 SMALL = +12
const double PI = 3.14159
const double AVOGADRO = 6.022e23
const double TINY = -1E-3
const string DQ = "double \"quoted\"\n\t\\"
const string SQ = 'single \'quoted\''
const bool YES = true
const bool NO = 0
const shared_types.Kind DEFAULT_KIND = shared_types.Kind.LARGE
const i32 ALIAS = ANSWER
const list<i32> PRIMES = [2, 3, 5; 7,]
const set<string> TAGS = ["a", "b"]
const map<string, i32> COUNTS = {"one": 1, "two": 2}
const map<i32, list<string>> NESTED = {1: ["x"], 2: []}
const uuid ID = "00112233-4455-6677-8899-aabbccddeeff"
const shared_types.SharedStruct ORIGIN = {"key": 1, "value": "origin"}
const list<shared_types.Kind> KINDS = [shared_types.Kind.SMALL, shared_types.Kind.LARGE]

/** Colours, with and without values. */
enum Color {
  RED,
  /** Doc on a member. */
  GREEN = 5,
  BLUE (hex = "#00f")
} (enum.annotation = "yes")

/**
 * A struct with every kind of field.
 */
struct Everything {
  1: required bool flag
  2: i8 tiny = 7
  3: byte old_byte
  4: i16 short_one = -3
  5: optional i32 medium
  6: i64 big = HEX
  7: double ratio = 0.5
  8: string name = "nobody" (api.query = "name", api.query = "n")
  9: binary blob
  10: uuid id
  11: Color color = Color.GREEN
  12: list<i32> numbers = PRIMES
  13: set<string> tags
  14: map<string, Shared> by_name
  15: map<Color, list<map<i32, string>>> deep
  16: optional Everything & next
  17: UserId user
  18: AccountId account
  19: Names names
  20: shared_types.Kind kind = shared_types.Kind.SMALL
  21: Point origin = {"x": 1, "y": 2}
  22: list cpp_type "std::deque<int>" <i32> cpp_list
  // keywords are field names
  23: string string
  24: i32 service, 25: i32 required; 26: i32 oneway
  27: optional i32 with_annotation (foo.bar = "baz", flag, other = 'v')
  28: string xsd xsd_optional xsd_nillable
  i32 implicit_one
  i32 implicit_two
}

struct Point {
  1: i32 x,
  2: i32 y,
} (final = "true")

union Choice {
  1: string text
  2: i64 number
  3: Point point
}

exception NotFound {
  1: string what
  2: i32 code = 404
}

/** Tree nodes refer to themselves. */
struct Tree {
  1: i32 value
  2: list<Tree> children
  3: optional Tree& parent
}

service Base extends shared_types.SharedService {
  void ping()
}

service Catalog extends Base {
  /** Looks a thing up. */
  Everything get(1: i64 id, 2: optional string name) throws (1: NotFound nf, 2: shared_types.SharedError se)
  oneway void fire(1: Choice choice)
  async void legacy_fire()
  list<Tree> forest(1: i32 depth) (api.get = "/forest/:depth")
  i32 implicit_args(i32 a, string b);
  void noArgs(),
} (service.annotation = "1")
