//! thriftjit: a dynamic Thrift engine. IDL is loaded at runtime; every struct
//! type gets codecs without generated source.
//!
//! ```text
//!  .thrift text ─ idl::parse ─▶ ast::Document ─ schema::Loader ─▶ Schema
//!                                                                  │
//!                                    layout: one StructLayout per struct type
//!                                     ├─▶ interp: table-driven codec (the reference, always there)
//!                                     └─▶ jit: Cranelift code per type (lazy, may decline a type)
//!                                                  ▼
//!                            engine::Codec picks the engine per type
//!                                                  ▼
//!            value (arena-backed messages) ◀──▶ wire bytes (Binary, Compact) ◀──▶ JSON
//! ```
//!
//! Stages: [`idl`] parses one file into a faithful syntax tree with spans;
//! [`schema`] loads a file set with its includes and resolves it into a
//! [`schema::Schema`] that every later stage reads; [`layout`] gives each
//! struct type one memory layout; [`value`] holds arena-backed messages built
//! or decoded by [`interp`] from [`wire`] bytes; [`json`] converts them to and
//! from JSON with the conventions of Kitex generic calls.

pub mod engine;
pub mod error;
pub mod idl;
pub mod interp;
pub mod jit;
pub mod json;
pub mod layout;
pub mod schema;
pub mod value;
pub mod wire;
