//! Errors of the front end and the resolver, positioned at `file:line:col`.

use std::fmt;
use std::sync::Arc;

use super::ast::Span;

/// What went wrong, coarsely, for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdlErrorKind {
    /// The text is not valid IDL.
    Syntax,
    /// A file could not be read or an include could not be found.
    Io,
    /// An include cycle.
    IncludeCycle,
    /// A name that does not resolve.
    UnknownName,
    /// A name or id defined twice.
    Duplicate,
    /// A constant that does not fit its declared type.
    BadConstant,
    /// Any other semantic error.
    Invalid,
}

/// An error in an IDL file, with its position and the offending line.
///
/// `Display` prints `FILE:LINE:COL: message`, then the line and a caret under
/// the column, like a compiler.
#[derive(Clone, Debug)]
pub struct IdlError {
    kind: IdlErrorKind,
    file: Arc<str>,
    line: u32,
    column: u32,
    message: String,
    source_line: Option<String>,
}

impl IdlError {
    /// An error at `span` of the file named `file` whose text is `source`.
    #[cold]
    pub fn at(kind: IdlErrorKind, file: &Arc<str>, source: &str, span: Span, message: impl Into<String>) -> Self {
        let (line, column, text) = line_col(source, span.start as usize);
        IdlError { kind, file: file.clone(), line, column, message: message.into(), source_line: Some(text) }
    }

    /// An error that belongs to a file but no position in it (e.g. it cannot be read).
    #[cold]
    pub fn in_file(kind: IdlErrorKind, file: &Arc<str>, message: impl Into<String>) -> Self {
        IdlError { kind, file: file.clone(), line: 1, column: 1, message: message.into(), source_line: None }
    }

    /// What went wrong.
    pub fn kind(&self) -> IdlErrorKind {
        self.kind
    }
    /// The file, as it was named when loaded.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// 1-based line.
    pub fn line(&self) -> u32 {
        self.line
    }
    /// 1-based column, in characters.
    pub fn column(&self) -> u32 {
        self.column
    }
    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for IdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)?;
        if let Some(text) = &self.source_line {
            let gutter = self.line.to_string();
            write!(f, "\n{gutter} | {text}\n{} | {}^", " ".repeat(gutter.len()), " ".repeat(self.column as usize - 1))?;
        }
        Ok(())
    }
}

impl std::error::Error for IdlError {}

/// Line (1-based), column (1-based, in characters) and the text of the line
/// holding byte `offset`.
pub(crate) fn line_col(source: &str, offset: usize) -> (u32, u32, String) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..].find('\n').map_or(source.len(), |i| offset + i);
    let line = source[..line_start].matches('\n').count() as u32 + 1;
    let column = source[line_start..offset].chars().count() as u32 + 1;
    let text = source[line_start..line_end].trim_end_matches('\r').replace('\t', " ");
    (line, column, text)
}
