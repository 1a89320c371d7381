//! The pre-pass over a file's text before pest sees it: one small lexer that
//! knows string literals and comments, as the grammar does, and
//!
//! - blanks every comment (each byte becomes a space; line breaks stay), so
//!   offsets are unchanged and the grammar needs no `COMMENT` rule. Pest tries
//!   `COMMENT` between every two elements of every rule, and that was a good
//!   part of the parse time;
//! - collects the `/** … */` doc comments, for the builder to attach to the
//!   item that follows each;
//! - bounds bracket nesting ([`MAX_NESTING`]) before pest recurses into it.

use std::cell::Cell;
use std::sync::Arc;

use super::ast::Span;
use super::error::{IdlError, IdlErrorKind};

/// How deeply brackets (`<`, `(`, `[`, `{`) may nest in one file.
///
/// pest parses by recursive descent, and the builder, the resolver and the
/// printer walk the tree recursively: each level of nesting costs stack, and
/// a few thousand levels (`list<list<…>>`, `[[[…]]]`) overflow a thread's
/// stack. Real IDL nests three or four deep; 64 leaves room for generated
/// IDL and stays far inside a 2 MiB thread stack even in a debug build.
pub const MAX_NESTING: usize = 64;

/// The text as pest should see it, and what the pre-pass learnt on the way.
pub(super) struct Prepass {
    /// The source with comments blanked; same length, same offsets.
    pub text: String,
    /// The doc comments, in order.
    pub docs: DocComments,
}

/// Runs the pre-pass over `source` (the text of `file`).
///
/// # Errors
/// A positioned syntax error for brackets nested deeper than
/// [`MAX_NESTING`] and for a block comment that is not closed.
pub(super) fn prepass(file: &Arc<str>, source: &str) -> Result<Prepass, IdlError> {
    let bytes = source.as_bytes();
    let mut text = bytes.to_vec();
    let mut docs = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let error =
        |at: usize, message: String| IdlError::at(IdlErrorKind::Syntax, file, source, Span::new(at, at + 1), message);
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => i = skip_literal(bytes, i),
            b'#' => i = blank(&mut text, i, skip_line(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = blank(&mut text, i, skip_line(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let Some(close) = source[i + 2..].find("*/") else {
                    return Err(error(i, "comment is not closed (`*/` is missing)".to_string()));
                };
                let end = i + 2 + close + 2;
                // `/**/` is an empty plain comment, not a doc comment.
                if bytes[i + 2] == b'*' && end >= i + 5 {
                    docs.push((i, end, clean_doc(&source[i + 3..end - 2])));
                }
                i = blank(&mut text, i, end);
            }
            b'<' | b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(error(i, format!("brackets nest more than {MAX_NESTING} levels deep")));
                }
                i += 1;
            }
            b'>' | b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    let text = String::from_utf8(text).expect("comments start and end at ASCII bytes, and are blanked whole");
    Ok(Prepass { text, docs: DocComments { spans: docs, cursor: Cell::new(0) } })
}

/// Replaces `text[start..end]` with spaces, keeping line breaks; returns `end`.
fn blank(text: &mut [u8], start: usize, end: usize) -> usize {
    for b in &mut text[start..end] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
    end
}

/// The offset after the string literal that starts at `i` (or past the end
/// of the text when it is not closed; pest then reports it).
pub(super) fn skip_literal(bytes: &[u8], mut i: usize) -> usize {
    let quote = bytes[i];
    i += 1;
    while i < bytes.len() && bytes[i] != quote {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// The end of the line comment at `i`: the next `\n` or `\r`, where the
/// reference lexer ends it too.
fn skip_line(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
        i += 1;
    }
    i
}

/// The `/** … */` comments of a file, so the builder can attach each to the
/// item that follows it.
pub(super) struct DocComments {
    /// `(start, end, text)` in order of position.
    spans: Vec<(usize, usize, String)>,
    /// Where the last look-up ended: the builder asks in text order, so the
    /// next answer is usually at or just after it.
    cursor: Cell<usize>,
}

impl DocComments {
    /// The doc comment that ends right before `start`, with only whitespace,
    /// separators and plain comments in between. `text` is the blanked text,
    /// where comments are whitespace already.
    pub(super) fn before(&self, text: &str, start: usize) -> Option<String> {
        // `idx`: the number of doc comments that end at or before `start`.
        let mut idx = self.cursor.get();
        if idx > 0 && self.spans[idx - 1].1 > start {
            idx = self.spans.partition_point(|(_, end, _)| *end <= start);
        } else {
            while self.spans.get(idx).is_some_and(|(_, end, _)| *end <= start) {
                idx += 1;
            }
        }
        self.cursor.set(idx);
        let (_, end, doc) = self.spans.get(idx.checked_sub(1)?)?;
        let between = &text[*end..start];
        between.trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ';').is_empty().then(|| doc.clone())
    }
}

/// Strips the leading `*` of each line of a doc comment and trims it.
fn clean_doc(body: &str) -> String {
    let lines: Vec<&str> = body
        .lines()
        .map(|l| {
            let t = l.trim();
            t.strip_prefix("* ").or_else(|| t.strip_prefix('*')).unwrap_or(t)
        })
        .collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str) -> Result<Prepass, IdlError> {
        prepass(&Arc::from("t.thrift"), source)
    }

    #[test]
    fn comments_are_blanked_byte_for_byte_and_literals_kept() {
        let source = "a /* é */ b // ünï\r\nc # x\n\"/* not a comment */\" '#' /** doc */ d";
        let pre = run(source).expect("valid");
        assert_eq!(pre.text.len(), source.len());
        let blank = |s: &str| " ".repeat(s.len());
        let expected = format!(
            "a {} b {}\r\nc {}\n\"/* not a comment */\" '#' {} d",
            blank("/* é */"),
            blank("// ünï"),
            blank("# x"),
            blank("/** doc */")
        );
        assert_eq!(pre.text, expected);
        let doc = pre.docs.before(&pre.text, source.len() - 1);
        assert_eq!(doc.as_deref(), Some("doc"));
    }

    #[test]
    fn doc_comments_attach_across_plain_comments_and_separators_only() {
        let source = "/** one */ /* plain */ ; x /** two */ y";
        let pre = run(source).expect("valid");
        assert_eq!(pre.docs.before(&pre.text, source.find('x').unwrap()).as_deref(), Some("one"));
        assert_eq!(pre.docs.before(&pre.text, source.find('y').unwrap()).as_deref(), Some("two"));
        // `/**/` is an empty plain comment, `/***/` an empty doc comment.
        let pre = run("/**/ a /***/ b").expect("valid");
        assert_eq!(pre.docs.before(&pre.text, 5), None);
        assert_eq!(pre.docs.before(&pre.text, 13).as_deref(), Some(""));
    }

    #[test]
    fn nesting_and_unclosed_comments_are_positioned_errors() {
        let deep = format!("x = {}", "[".repeat(MAX_NESTING + 1));
        let e = run(&deep).err().expect("too deep");
        assert_eq!(e.column() as usize, 4 + MAX_NESTING + 1);
        // Brackets inside literals and comments do not count.
        let hidden = format!("'{0}' /* {0} */ # {0}", "[".repeat(MAX_NESTING + 1));
        assert!(run(&hidden).is_ok());
        let e = run("a\n  /* open").err().expect("unclosed");
        assert_eq!((e.line(), e.column()), (2, 3));
    }
}
