// Types of the codec benchmarks (benches/codec.rs), modelled on the payloads
// of Frugal's benchmarks (cloudwego/frugal: Simple, Nesting, Nesting2) so that
// figures can be set beside theirs. The payloads themselves are generated
// deterministically by the bench; see corpus/payloads/README.md.

enum Kind { ZERO = 0, ONE = 1, TWO = 2 }

/// The small payload: ten scalars, a string and a binary.
struct Simple {
  1: i8 ByteField
  2: i64 I64Field
  3: double DoubleField
  4: i32 I32Field
  5: string StringField
  6: binary BinaryField
  7: Kind EnumField
  8: bool BoolField
  9: i16 I16Field
  10: i64 I64Field2
}

/// The medium payload: lists and maps of scalars, strings and Simple.
struct Nesting {
  1: string String
  2: list<Simple> ListSimple
  3: double Double
  4: i32 I32
  5: list<i32> ListI32
  6: i64 I64
  7: map<string, string> MapStringString
  8: Simple SimpleStruct
  9: map<i32, i64> MapI32I64
  10: list<string> ListString
  11: binary Binary
  12: map<i64, string> MapI64String
  13: list<i64> ListI64
  14: i8 Byte
  15: map<string, Simple> MapStringSimple
}

/// The large payload: Nesting in lists, sets and map values, keyed by Simple.
struct Nesting2 {
  1: map<Simple, Nesting> MapSimpleNesting
  2: Simple SimpleStruct
  3: i8 Byte
  4: double Double
  5: list<Nesting> ListNesting
  6: binary Binary
  7: string String
  8: set<Nesting> SetNesting
  9: i32 I32
}

/// A bulk list of scalars.
struct Ints {
  1: list<i32> values
}

/// A map of short strings.
struct StringMap {
  1: map<string, string> entries
}

/** Twenty fields of every scalar kind and strings: the compile-time yardstick (`jit/compile/Wide20`). */
struct Wide20 {
  1: bool f1, 2: i8 f2, 3: i16 f3, 4: i32 f4, 5: i64 f5,
  6: double f6, 7: string f7, 8: binary f8, 9: i32 f9, 10: i64 f10,
  11: bool f11, 12: i8 f12, 13: i16 f13, 14: i32 f14, 15: i64 f15,
  16: double f16, 17: string f17, 18: binary f18, 19: i32 f19, 20: i64 f20
}
