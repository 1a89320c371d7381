//! The syntax tree of one IDL file: faithful to the text, with a [`Span`] on
//! every node.
//!
//! Nothing here is resolved: type names are still names, constants are still
//! expressions, field ids may be implicit. [`crate::schema`] turns a set of
//! these trees into the resolved model and then drops them.

use std::fmt;

/// A byte range `start..end` in the text of one file.
///
/// Spans are location metadata, not content: two spans always compare equal,
/// so two trees are equal when they say the same thing, wherever it was
/// written (as `syn` does for its tokens). This is what lets a printed and
/// re-parsed tree compare equal to the original.
#[derive(Clone, Copy, Default, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: start as u32, end: end as u32 }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text of the name (may contain dots when it refers across includes).
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed IDL file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// `include` and `cpp_include` headers, in order.
    pub includes: Vec<Include>,
    /// `cpp_include` paths, kept for tools; they have no meaning here.
    pub cpp_includes: Vec<Literal>,
    /// `namespace` headers.
    pub namespaces: Vec<Namespace>,
    /// Definitions in the order they were written.
    pub definitions: Vec<Definition>,
}

/// A string literal after escapes were applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// The unescaped value.
    pub value: String,
    /// Where the literal (with its quotes) was written.
    pub span: Span,
}

/// `include "path"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Include {
    /// The path as written.
    pub path: Literal,
    /// The whole header.
    pub span: Span,
}

/// `namespace scope name (annotations)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Namespace {
    /// The language scope (`java`, `py.twisted`, `*`, …).
    pub scope: Ident,
    /// The namespace value.
    pub name: Ident,
    /// Annotations after the name.
    pub annotations: Vec<Annotation>,
    /// The whole header.
    pub span: Span,
}

/// `key = "value"` inside `( … )`. A key without a value means `"1"`, as in
/// the reference compiler.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// The key (may contain dots: `api.get`).
    pub key: Ident,
    /// The value, when one was written.
    pub value: Option<Literal>,
    /// The whole annotation.
    pub span: Span,
}

/// A top-level definition.
#[derive(Clone, Debug, PartialEq)]
pub enum Definition {
    /// `const T name = value`.
    Const(Const),
    /// `typedef T name`.
    Typedef(Typedef),
    /// `enum name { … }`.
    Enum(Enum),
    /// `struct`, `union` or `exception`.
    Struct(Struct),
    /// `service name extends base { … }`.
    Service(Service),
}

impl Definition {
    /// The name being defined.
    pub fn name(&self) -> &Ident {
        match self {
            Definition::Const(d) => &d.name,
            Definition::Typedef(d) => &d.name,
            Definition::Enum(d) => &d.name,
            Definition::Struct(d) => &d.name,
            Definition::Service(d) => &d.name,
        }
    }

    /// The span of the whole definition.
    pub fn span(&self) -> Span {
        match self {
            Definition::Const(d) => d.span,
            Definition::Typedef(d) => d.span,
            Definition::Enum(d) => d.span,
            Definition::Struct(d) => d.span,
            Definition::Service(d) => d.span,
        }
    }
}

/// `const T name = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The declared type.
    pub ty: FieldType,
    /// The name.
    pub name: Ident,
    /// The value expression.
    pub value: ConstValue,
    /// The whole definition.
    pub span: Span,
}

/// `typedef T name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Typedef {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The aliased type.
    pub ty: FieldType,
    /// The new name.
    pub name: Ident,
    /// Annotations after the name.
    pub annotations: Vec<Annotation>,
    /// The whole definition.
    pub span: Span,
}

/// `enum name { A = 1, B, … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Enum {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The name.
    pub name: Ident,
    /// The members in order.
    pub values: Vec<EnumValue>,
    /// Annotations after `}`.
    pub annotations: Vec<Annotation>,
    /// The whole definition.
    pub span: Span,
}

/// One member of an enum.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The member name.
    pub name: Ident,
    /// The explicit value, if written (the schema numbers the others).
    pub value: Option<i64>,
    /// Annotations after the member.
    pub annotations: Vec<Annotation>,
    /// The whole member.
    pub span: Span,
}

/// Which keyword introduced a struct-like definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StructKind {
    /// `struct`.
    Struct,
    /// `union`: at most one field set.
    Union,
    /// `exception`.
    Exception,
}

/// `struct`, `union` or `exception`.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// Which keyword.
    pub kind: StructKind,
    /// The name.
    pub name: Ident,
    /// The fields in order.
    pub fields: Vec<Field>,
    /// Annotations after `}`.
    pub annotations: Vec<Annotation>,
    /// The whole definition.
    pub span: Span,
}

/// Requiredness of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Requiredness {
    /// No keyword: written when set, not required on read ("opt-in, req-out").
    #[default]
    Default,
    /// `required`.
    Required,
    /// `optional`.
    Optional,
}

/// A field of a struct, an argument of a function or a declared exception.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The id as written (`None` when implicit; the schema assigns -1, -2, …).
    pub id: Option<i64>,
    /// `required` / `optional` / neither.
    pub requiredness: Requiredness,
    /// The field's type.
    pub ty: FieldType,
    /// `&` after the type (a C++ reference; used for recursive types).
    pub reference: bool,
    /// The field name (keywords are allowed).
    pub name: Ident,
    /// `= value`.
    pub default: Option<ConstValue>,
    /// Annotations after the field.
    pub annotations: Vec<Annotation>,
    /// The whole field.
    pub span: Span,
}

/// The base types of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BaseType {
    /// `bool`.
    Bool,
    /// `i8` (or its old name `byte`).
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `binary`.
    Binary,
    /// `uuid`.
    Uuid,
}

impl BaseType {
    /// The keyword that names this type.
    pub fn keyword(self) -> &'static str {
        match self {
            BaseType::Bool => "bool",
            BaseType::I8 => "i8",
            BaseType::I16 => "i16",
            BaseType::I32 => "i32",
            BaseType::I64 => "i64",
            BaseType::Double => "double",
            BaseType::String => "string",
            BaseType::Binary => "binary",
            BaseType::Uuid => "uuid",
        }
    }

    /// Parses a base-type keyword (`byte` is `i8`).
    pub fn from_keyword(s: &str) -> Option<BaseType> {
        Some(match s {
            "bool" => BaseType::Bool,
            "byte" | "i8" => BaseType::I8,
            "i16" => BaseType::I16,
            "i32" => BaseType::I32,
            "i64" => BaseType::I64,
            "double" => BaseType::Double,
            "string" => BaseType::String,
            "binary" => BaseType::Binary,
            "uuid" => BaseType::Uuid,
            _ => return None,
        })
    }
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldType {
    /// What kind of type.
    pub kind: FieldTypeKind,
    /// Annotations after a base or container type.
    pub annotations: Vec<Annotation>,
    /// Where the type was written.
    pub span: Span,
}

/// The shape of a [`FieldType`].
#[derive(Clone, Debug, PartialEq)]
pub enum FieldTypeKind {
    /// A base type.
    Base(BaseType),
    /// A name: a typedef, enum, struct, union or exception, maybe include-qualified.
    Named(Ident),
    /// `list<T>` (with an optional `cpp_type`).
    List(Box<FieldType>, Option<Literal>),
    /// `set<T>`.
    Set(Box<FieldType>, Option<Literal>),
    /// `map<K, V>`.
    Map(Box<FieldType>, Box<FieldType>, Option<Literal>),
}

/// A constant expression as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstValue {
    /// What kind of expression.
    pub kind: ConstValueKind,
    /// Where it was written.
    pub span: Span,
}

/// The shape of a [`ConstValue`].
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValueKind {
    /// An integer (decimal or hex, with sign); `true`/`false` are 1/0.
    Int(i64),
    /// A floating-point number.
    Double(f64),
    /// A string literal.
    Literal(String),
    /// A reference to another constant or to `Enum.VALUE`.
    Ref(Ident),
    /// `[a, b, …]`: a list or set.
    List(Vec<ConstValue>),
    /// `{k: v, …}`: a map, or a struct keyed by field name.
    Map(Vec<(ConstValue, ConstValue)>),
}

/// `service name extends base { functions }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// The name.
    pub name: Ident,
    /// The base service, maybe include-qualified.
    pub extends: Option<Ident>,
    /// The functions in order.
    pub functions: Vec<Function>,
    /// Annotations after `}`.
    pub annotations: Vec<Annotation>,
    /// The whole definition.
    pub span: Span,
}

/// A function of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The `/** */` comment before it.
    pub doc: Option<String>,
    /// `oneway` (or its old spelling `async`).
    pub oneway: bool,
    /// The return type; `None` for `void`.
    pub returns: Option<FieldType>,
    /// The function name.
    pub name: Ident,
    /// The arguments.
    pub args: Vec<Field>,
    /// The declared exceptions.
    pub throws: Vec<Field>,
    /// Annotations after the function.
    pub annotations: Vec<Annotation>,
    /// The whole function.
    pub span: Span,
}
