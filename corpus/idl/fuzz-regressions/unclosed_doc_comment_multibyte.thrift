// Fuzz finding: an unclosed doc comment ending inside a multi-byte character.
// The doc-comment scan (which now runs before pest) sliced its body at the
// end of the text minus two bytes, inside the character. Fixed in parse.rs.
struct A {}
/** 编