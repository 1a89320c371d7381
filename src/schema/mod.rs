//! The resolved schema: every name resolved, typedefs followed, constants
//! evaluated, and for every method the `<method>_args` / `<method>_result`
//! structs that the wire uses.
//!
//! A [`Schema`] is what the layout, the codecs and the runtime read. It keeps
//! no syntax tree and no source text: loading a file set parses, resolves and
//! drops them. Types get dense ids ([`StructId`], [`EnumId`]) so later stages
//! index arrays by type. It is `Send + Sync`; share it in an `Arc`.

mod json;
mod load;
mod resolve;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub use crate::idl::ast::Requiredness;
pub use load::{LoadOptions, Loader};

/// Dense index of a struct-like type (struct, union, exception, args, result).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(pub u32);

/// Dense index of an enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub u32);

/// Dense index of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId(pub u32);

/// A resolved type: typedefs are gone, names are ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `i8` / `byte`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `double`.
    Double,
    /// `string` (UTF-8 by contract).
    String,
    /// `binary`.
    Binary,
    /// `uuid` (16 bytes).
    Uuid,
    /// An enum (an i32 on the wire).
    Enum(EnumId),
    /// A struct, union or exception.
    Struct(StructId),
    /// `list<T>`.
    List(Box<Type>),
    /// `set<T>`.
    Set(Box<Type>),
    /// `map<K, V>`.
    Map(Box<Type>, Box<Type>),
}

/// What a struct-like type is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StructKind {
    /// `struct`.
    Struct,
    /// `union`: at most one field set.
    Union,
    /// `exception`.
    Exception,
    /// The synthesized `<method>_args` struct of a method.
    Args,
    /// The synthesized `<method>_result` struct of a method (field 0 `success`
    /// and one field per declared exception; at most one is set).
    Result,
}

/// A struct, union, exception or synthesized args/result struct.
#[derive(Clone, Debug)]
pub struct StructType {
    /// The name as the wire and users know it: `Xtruct`, `shared.SharedStruct`
    /// for a type of an included file, `Service.method_args` for args.
    pub name: Box<str>,
    /// Which kind.
    pub kind: StructKind,
    /// The fields in declaration order.
    pub fields: Vec<Field>,
    /// Annotations, as (key, value) pairs in order.
    pub annotations: Annotations,
    /// The `/** */` comment.
    pub doc: Option<Box<str>>,
}

impl StructType {
    /// The field with id `id`.
    pub fn field(&self, id: i16) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The field named `name`.
    pub fn field_by_name(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| &*f.name == name)
    }

    /// The local part of the name (`method_args`, `SharedStruct`).
    pub fn wire_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// A field of a struct-like type.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field id (implicit ids are -1, -2, …).
    pub id: i16,
    /// The name.
    pub name: Box<str>,
    /// The resolved type.
    pub ty: Type,
    /// Requiredness (union members and result fields are `Optional`).
    pub requiredness: Requiredness,
    /// The default value, typed against `ty`.
    pub default: Option<ConstValue>,
    /// `&` was written after the type.
    pub reference: bool,
    /// Annotations.
    pub annotations: Annotations,
    /// The `/** */` comment.
    pub doc: Option<Box<str>>,
}

/// Annotations as (key, value) pairs, in the order written (keys may repeat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations(pub Vec<(Box<str>, Box<str>)>);

impl Annotations {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
    }

    /// Every value of `key`, in order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| &**k == key).map(|(_, v)| &**v)
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An evaluated constant, typed against the type it was declared with.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    /// A bool.
    Bool(bool),
    /// Any integer type or an enum value (already range-checked).
    Int(i64),
    /// A double.
    Double(f64),
    /// A string or binary.
    String(Box<str>),
    /// A uuid.
    Uuid([u8; 16]),
    /// A list or set, elements in order.
    List(Vec<ConstValue>),
    /// A map, entries in order.
    Map(Vec<(ConstValue, ConstValue)>),
    /// A struct: (field id, value) for each field given.
    Struct(Vec<(i16, ConstValue)>),
}

/// An enum and its members.
#[derive(Clone, Debug)]
pub struct EnumType {
    /// The name (`Numberz`, `shared.Kind`).
    pub name: Box<str>,
    /// (member, value) in declaration order.
    pub values: Vec<(Box<str>, i32)>,
    /// Annotations.
    pub annotations: Annotations,
}

impl EnumType {
    /// The member with value `v`.
    pub fn name_of(&self, v: i32) -> Option<&str> {
        self.values.iter().find(|(_, x)| *x == v).map(|(n, _)| &**n)
    }

    /// The value of member `name`.
    pub fn value_of(&self, name: &str) -> Option<i32> {
        self.values.iter().find(|(n, _)| &**n == name).map(|(_, v)| *v)
    }
}

/// A typedef, kept for tools (the types themselves are already resolved).
#[derive(Clone, Debug)]
pub struct Typedef {
    /// The name.
    pub name: Box<str>,
    /// The type it stands for, fully resolved.
    pub ty: Type,
}

/// A named constant.
#[derive(Clone, Debug)]
pub struct Const {
    /// The name.
    pub name: Box<str>,
    /// The declared type.
    pub ty: Type,
    /// The value.
    pub value: ConstValue,
}

/// A service.
#[derive(Clone, Debug)]
pub struct Service {
    /// The name (`ThriftTest`, `shared.SharedService`).
    pub name: Box<str>,
    /// The base service.
    pub extends: Option<ServiceId>,
    /// The methods declared by this service (not the inherited ones).
    pub methods: Vec<Method>,
    /// Annotations.
    pub annotations: Annotations,
    /// The `/** */` comment.
    pub doc: Option<Box<str>>,
}

/// A method of a service.
#[derive(Clone, Debug)]
pub struct Method {
    /// The method name as sent on the wire.
    pub name: Box<str>,
    /// `oneway`: no reply.
    pub oneway: bool,
    /// The return type; `None` for `void`.
    pub returns: Option<Type>,
    /// The `<method>_args` struct.
    pub args: StructId,
    /// The `<method>_result` struct (field 0 `success` when not void, then the exceptions).
    pub result: StructId,
    /// Annotations.
    pub annotations: Annotations,
    /// The `/** */` comment.
    pub doc: Option<Box<str>>,
}

/// Facts about one loaded file.
#[derive(Clone, Debug)]
pub struct FileInfo {
    /// The file's name as it was loaded (a path or a key of the in-memory map).
    pub path: Box<str>,
    /// The prefix that other files use for its names (`shared` for `shared.thrift`).
    pub module: Box<str>,
    /// `namespace` headers: (scope, name).
    pub namespaces: Vec<(Box<str>, Box<str>)>,
}

/// What a name in the schema refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// A struct-like type.
    Struct(StructId),
    /// An enum.
    Enum(EnumId),
    /// A typedef (index into [`Schema::typedefs`]).
    Typedef(usize),
    /// A constant (index into [`Schema::consts`]).
    Const(usize),
    /// A service.
    Service(ServiceId),
}

/// A resolved, validated set of IDL files. See the module docs.
pub struct Schema {
    pub(crate) files: Vec<FileInfo>,
    pub(crate) structs: Vec<StructType>,
    pub(crate) enums: Vec<EnumType>,
    pub(crate) typedefs: Vec<Typedef>,
    pub(crate) consts: Vec<Const>,
    pub(crate) services: Vec<Service>,
    /// Qualified names of everything (`shared.SharedStruct`, `Xtruct`,
    /// `ThriftTest.testString_args`); the main file's names are unqualified.
    pub(crate) names: HashMap<Box<str>, Symbol>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("files", &self.files.len())
            .field("structs", &self.structs.len())
            .field("enums", &self.enums.len())
            .field("services", &self.services.len())
            .finish()
    }
}

impl Schema {
    /// Loads `path` and its includes from the file system with default options.
    ///
    /// # Errors
    /// Any [`crate::idl::IdlError`]: unreadable file, syntax, resolution.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Arc<Schema>, crate::idl::IdlError> {
        Loader::new().load_file(path)
    }

    /// Parses and resolves one self-contained IDL text (no includes), named `name`.
    ///
    /// # Errors
    /// Any [`crate::idl::IdlError`].
    pub fn parse_str(name: &str, source: &str) -> Result<Arc<Schema>, crate::idl::IdlError> {
        let mut map = HashMap::new();
        map.insert(name.to_string(), source.to_string());
        Loader::new().load_map(name, &map)
    }

    /// The loaded files; the first is the main file.
    pub fn files(&self) -> &[FileInfo] {
        &self.files
    }
    /// All struct-like types, indexed by [`StructId`].
    pub fn structs(&self) -> &[StructType] {
        &self.structs
    }
    /// One struct-like type.
    pub fn struct_type(&self, id: StructId) -> &StructType {
        &self.structs[id.0 as usize]
    }
    /// All enums, indexed by [`EnumId`].
    pub fn enums(&self) -> &[EnumType] {
        &self.enums
    }
    /// One enum.
    pub fn enum_type(&self, id: EnumId) -> &EnumType {
        &self.enums[id.0 as usize]
    }
    /// All typedefs.
    pub fn typedefs(&self) -> &[Typedef] {
        &self.typedefs
    }
    /// All constants.
    pub fn consts(&self) -> &[Const] {
        &self.consts
    }
    /// All services, indexed by [`ServiceId`].
    pub fn services(&self) -> &[Service] {
        &self.services
    }
    /// One service.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0 as usize]
    }

    /// What `name` refers to (`Xtruct`, `shared.SharedStruct`, `Svc.method_args`).
    pub fn lookup(&self, name: &str) -> Option<Symbol> {
        self.names.get(name).copied()
    }

    /// The struct-like type named `name`, following typedefs.
    pub fn struct_by_name(&self, name: &str) -> Option<StructId> {
        match self.lookup(name)? {
            Symbol::Struct(id) => Some(id),
            Symbol::Typedef(i) => match self.typedefs[i].ty {
                Type::Struct(id) => Some(id),
                _ => None,
            },
            _ => None,
        }
    }

    /// The service named `name`.
    pub fn service_by_name(&self, name: &str) -> Option<ServiceId> {
        match self.lookup(name)? {
            Symbol::Service(id) => Some(id),
            _ => None,
        }
    }

    /// The method `name` of service `service`, searching base services too.
    pub fn find_method(&self, service: ServiceId, name: &str) -> Option<&Method> {
        let mut next = Some(service);
        while let Some(id) = next {
            let s = self.service(id);
            if let Some(m) = s.methods.iter().find(|m| &*m.name == name) {
                return Some(m);
            }
            next = s.extends;
        }
        None
    }

    /// Every method of `service`, its own first, then inherited ones.
    pub fn all_methods(&self, service: ServiceId) -> Vec<&Method> {
        let mut out: Vec<&Method> = Vec::new();
        let mut next = Some(service);
        while let Some(id) = next {
            let s = self.service(id);
            for m in &s.methods {
                if !out.iter().any(|x| x.name == m.name) {
                    out.push(m);
                }
            }
            next = s.extends;
        }
        out
    }

    /// True when values of `a` and `b` have the same wire form and the same encode-time
    /// rules, so that a value of one can be sent where the other is declared: equal types,
    /// or structs of the same kind whose fields match one to one (id, requiredness, and
    /// recursively the type); enums match enums. Echo servers and proxies use it to send
    /// a decoded `Request` as a structurally identical `Response` without a copy.
    pub fn same_wire_shape(&self, a: &Type, b: &Type) -> bool {
        self.same_shape(a, b, &mut Vec::new())
    }

    /// `assumed`: struct pairs under comparison further up (a recursive type matches
    /// itself unless some field on the way does not).
    fn same_shape(&self, a: &Type, b: &Type, assumed: &mut Vec<(StructId, StructId)>) -> bool {
        match (a, b) {
            (Type::Struct(x), Type::Struct(y)) => {
                if x == y || assumed.contains(&(*x, *y)) {
                    return true;
                }
                let (sx, sy) = (self.struct_type(*x), self.struct_type(*y));
                let one_of = |k: StructKind| matches!(k, StructKind::Union | StructKind::Result);
                if one_of(sx.kind) != one_of(sy.kind) || sx.fields.len() != sy.fields.len() {
                    return false;
                }
                assumed.push((*x, *y));
                let same = sx.fields.iter().all(|f| {
                    sy.field(f.id)
                        .is_some_and(|g| f.requiredness == g.requiredness && self.same_shape(&f.ty, &g.ty, assumed))
                });
                assumed.pop();
                same
            }
            (Type::Enum(_), Type::Enum(_)) => true,
            (Type::List(x), Type::List(y)) | (Type::Set(x), Type::Set(y)) => self.same_shape(x, y, assumed),
            (Type::Map(kx, vx), Type::Map(ky, vy)) => {
                self.same_shape(kx, ky, assumed) && self.same_shape(vx, vy, assumed)
            }
            _ => a == b,
        }
    }

    /// A readable name for a type (`list<Xtruct>`, `map<string, i32>`).
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::I8 => "i8".into(),
            Type::I16 => "i16".into(),
            Type::I32 => "i32".into(),
            Type::I64 => "i64".into(),
            Type::Double => "double".into(),
            Type::String => "string".into(),
            Type::Binary => "binary".into(),
            Type::Uuid => "uuid".into(),
            Type::Enum(e) => self.enum_type(*e).name.to_string(),
            Type::Struct(s) => self.struct_type(*s).name.to_string(),
            Type::List(e) => format!("list<{}>", self.type_name(e)),
            Type::Set(e) => format!("set<{}>", self.type_name(e)),
            Type::Map(k, v) => format!("map<{}, {}>", self.type_name(k), self.type_name(v)),
        }
    }

    /// The resolved schema as JSON, for tools (`thriftjit check --json`).
    pub fn to_json(&self) -> serde_json::Value {
        json::schema_to_json(self)
    }
}

/// Formats a uuid in the canonical 8-4-4-4-12 form.
pub fn format_uuid(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses a uuid in the 8-4-4-4-12 form, optionally in braces.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    resolve::parse_uuid(s)
}
