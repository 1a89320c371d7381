//! The IDL front end: Thrift IDL text → a faithful syntax tree ([`ast`]).
//!
//! Grammar: `thrift.pest`, written after what Apache Thrift 0.25's compiler
//! accepts (not only what its spec says). Every node carries a [`ast::Span`];
//! every error is an [`IdlError`] at `file:line:col` with the line and a caret.
//! Loading a set of files with their includes is [`crate::schema::Loader`]'s
//! job; this module parses one text.

pub mod ast;
mod error;
mod lex;
mod parse;
mod print;

pub use error::{IdlError, IdlErrorKind};
pub use lex::MAX_NESTING;
pub use parse::{ParseOptions, parse};
