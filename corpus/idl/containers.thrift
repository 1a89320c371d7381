// Containers of every kind the JIT reads and writes inline, for the
// differential tests (tests/jit_differential.rs) and the differential fuzz
// target (fuzz/fuzz_targets/decode_differential.rs).

enum E { A = 0, B = 1 }

// Lists of every fixed-width scalar kind: the bulk paths (a byte-swapping
// copy in Binary, varint loops in Compact).
struct Scalars {
  1: list<bool> bools
  2: list<byte> bytes
  3: list<i16> i16s
  4: list<i32> i32s
  5: set<i64> i64s
  6: list<double> doubles
  7: list<E> enums
}

// Nested in a list of structs, so that counts meet the enclosing budget.
struct ListHolder {
  1: list<Scalars> items
  2: list<i32> tail
}

struct Leaf {
  1: i32 a
  2: optional string s
}

// Maps of scalars, strings, binaries and structs, as keys and as values.
struct Maps {
  1: map<bool, i8> bool_i8
  2: map<i16, double> i16_double
  3: map<i32, bool> i32_bool
  4: map<i64, E> i64_enum
  5: map<E, i64> enum_i64
  6: map<double, i16> double_i16
  7: map<string, binary> string_binary
  8: map<binary, string> binary_string
  9: map<string, Leaf> string_leaf
  10: map<Leaf, i32> leaf_i32
  11: map<Leaf, Leaf> leaf_leaf
  12: map<i8, string> i8_string
}

// Maps in a list of structs and as the values of a map.
struct MapHolder {
  1: list<Maps> items
  2: map<i32, Maps> by_id
}
