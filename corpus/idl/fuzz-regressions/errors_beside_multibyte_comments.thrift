// Errors next to comments holding multi-byte characters: pest parses the
// text with comments blanked, so its offsets are checked against the source.
struct A { 1: i32 a /* é ✓ */ $ }
struct B { 1: i32/*é*/b/*é*/=/*é*/ }
