//! Syntax trees → [`Schema`]: declare every name, then resolve typedefs,
//! struct fields, services (synthesizing args/result structs) and constants.
//!
//! Names are scoped per file: a file sees its own names unqualified and the
//! names of the files it includes directly as `module.Name`. Typedef chains
//! and constants referring to constants are resolved on demand with cycle
//! detection, so definition order does not matter. Constant evaluation is
//! in [`consts`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::load::ParsedFile;
use super::*;
use crate::idl::ast::{self, ConstValueKind, FieldTypeKind, Span};
use crate::idl::{IdlError, IdlErrorKind, MAX_NESTING};

mod consts;

pub(crate) use consts::parse_uuid;

/// How many on-demand resolutions (a typedef, constant or struct reached
/// through a reference) and nested constant values may be open at once.
///
/// Each level is a few frames of recursion; a chain of thousands of
/// typedefs or constants naming the next would overflow the stack. Real IDL
/// chains a handful; 128 also covers a constant nested [`MAX_NESTING`] deep
/// in the text, and stays inside a 2 MiB thread stack in a debug build.
const MAX_RESOLVE_DEPTH: usize = 128;

/// How many nodes one resolved type may have once typedefs are expanded.
///
/// `typedef map<T1, T1> T2` doubles the size of the type at each step, as
/// constants do above. Real types have fewer than ten nodes.
const MAX_TYPE_NODES: usize = 1024;

/// Resolution state of a typedef, constant or struct, for on-demand resolution.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    InProgress,
    Done,
}

struct Resolver<'a> {
    files: &'a [ParsedFile],
    modules: Vec<Box<str>>,
    /// Per file: local name → symbol.
    scopes: Vec<HashMap<&'a str, Symbol>>,
    structs: Vec<StructType>,
    struct_src: Vec<Option<(usize, &'a ast::Struct)>>,
    /// Per struct: whether its fields are resolved (synthesized ones are `Done`).
    struct_state: Vec<State>,
    enums: Vec<EnumType>,
    typedefs: Vec<Typedef>,
    typedef_src: Vec<(usize, &'a ast::Typedef, State)>,
    consts: Vec<Const>,
    const_src: Vec<(usize, &'a ast::Const, State)>,
    services: Vec<Service>,
    service_src: Vec<(usize, &'a ast::Service)>,
    /// Open on-demand resolutions and nested constant values; see [`MAX_RESOLVE_DEPTH`].
    depth: usize,
    /// Constant-value nodes copied by references; see [`consts::MAX_COPIED_CONST_NODES`].
    copied_const_nodes: usize,
}

/// Resolves parsed files (every file after the files it includes; the main
/// file last) into a schema.
pub(crate) fn resolve(files: Vec<ParsedFile>) -> Result<Arc<Schema>, IdlError> {
    let main = files.len() - 1;
    let modules = files.iter().map(|f| module_name(&f.name)).collect();
    // Sized up front: a large IDL declares thousands of structs, and two
    // more per method are synthesized.
    let definitions: usize = files.iter().map(|f| f.document.definitions.len()).sum();
    let methods: usize = files
        .iter()
        .flat_map(|f| &f.document.definitions)
        .map(|d| if let ast::Definition::Service(s) = d { s.functions.len() } else { 0 })
        .sum();
    let structs = definitions + 2 * methods;
    let mut r = Resolver {
        files: &files,
        modules,
        scopes: files.iter().map(|f| HashMap::with_capacity(f.document.definitions.len())).collect(),
        structs: Vec::with_capacity(structs),
        struct_src: Vec::with_capacity(structs),
        struct_state: Vec::with_capacity(structs),
        enums: Vec::new(),
        typedefs: Vec::new(),
        typedef_src: Vec::new(),
        consts: Vec::new(),
        const_src: Vec::new(),
        services: Vec::new(),
        service_src: Vec::new(),
        depth: 0,
        copied_const_nodes: 0,
    };
    for fi in 0..files.len() {
        r.declare(fi, main)?;
    }
    for i in 0..r.typedef_src.len() {
        r.resolve_typedef(i)?;
    }
    for i in 0..r.struct_src.len() {
        r.resolve_struct(i)?;
    }
    for i in 0..r.service_src.len() {
        r.resolve_service(i)?;
    }
    for i in 0..r.const_src.len() {
        r.resolve_const(i)?;
    }
    let mut names = HashMap::with_capacity(2 * definitions + 2 * methods);
    for (fi, scope) in r.scopes.iter().enumerate() {
        for (name, sym) in scope {
            let qualified: Box<str> = format!("{}.{name}", r.modules[fi]).into();
            names.entry(qualified).or_insert(*sym);
            if fi == main {
                names.insert((*name).into(), *sym);
            }
        }
    }
    for (i, s) in r.structs.iter().enumerate() {
        if matches!(s.kind, StructKind::Args | StructKind::Result) {
            names.insert(s.name.clone(), Symbol::Struct(StructId(i as u32)));
        }
    }
    let mut file_infos: Vec<FileInfo> = files
        .iter()
        .enumerate()
        .map(|(fi, f)| FileInfo {
            path: f.name.as_ref().into(),
            module: r.modules[fi].clone(),
            namespaces: f
                .document
                .namespaces
                .iter()
                .map(|n| (n.scope.name.as_str().into(), n.name.name.as_str().into()))
                .collect(),
        })
        .collect();
    file_infos.reverse();
    Ok(Arc::new(Schema {
        files: file_infos,
        structs: r.structs,
        enums: r.enums,
        typedefs: r.typedefs,
        consts: r.consts,
        services: r.services,
        names,
    }))
}

/// `dir/shared.thrift` → `shared`.
fn module_name(path: &str) -> Box<str> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base.strip_suffix(".thrift").unwrap_or(base).into()
}

fn annotations(list: &[ast::Annotation]) -> Annotations {
    Annotations(
        list.iter()
            .map(|a| (a.key.name.as_str().into(), a.value.as_ref().map_or("1", |v| v.value.as_str()).into()))
            .collect(),
    )
}

impl<'a> Resolver<'a> {
    #[cold]
    fn error(&self, fi: usize, kind: IdlErrorKind, span: Span, message: impl Into<String>) -> IdlError {
        let f = &self.files[fi];
        IdlError::at(kind, &f.name, &f.source, span, message)
    }

    /// Display name of a definition of file `fi`: unqualified in the main file.
    fn display_name(&self, fi: usize, name: &str) -> Box<str> {
        if fi == self.files.len() - 1 { name.into() } else { format!("{}.{name}", self.modules[fi]).into() }
    }

    fn declare(&mut self, fi: usize, _main: usize) -> Result<(), IdlError> {
        let doc = &self.files[fi].document;
        for def in &doc.definitions {
            let name = def.name();
            if let Some(_prev) = self.scopes[fi].get(name.name.as_str()) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Duplicate,
                    name.span,
                    format!("`{}` is defined twice", name.name),
                ));
            }
            let display = self.display_name(fi, &name.name);
            let sym = match def {
                ast::Definition::Struct(s) => {
                    let id = StructId(self.structs.len() as u32);
                    let kind = match s.kind {
                        ast::StructKind::Struct => StructKind::Struct,
                        ast::StructKind::Union => StructKind::Union,
                        ast::StructKind::Exception => StructKind::Exception,
                    };
                    self.structs.push(StructType {
                        name: display,
                        kind,
                        fields: Vec::new(),
                        annotations: annotations(&s.annotations),
                        doc: s.doc.as_deref().map(Into::into),
                    });
                    self.struct_src.push(Some((fi, s)));
                    self.struct_state.push(State::Pending);
                    Symbol::Struct(id)
                }
                ast::Definition::Enum(e) => {
                    let id = EnumId(self.enums.len() as u32);
                    let values = self.enum_values(fi, e)?;
                    self.enums.push(EnumType { name: display, values, annotations: annotations(&e.annotations) });
                    Symbol::Enum(id)
                }
                ast::Definition::Typedef(t) => {
                    self.typedefs.push(Typedef { name: display, ty: Type::Bool });
                    self.typedef_src.push((fi, t, State::Pending));
                    Symbol::Typedef(self.typedefs.len() - 1)
                }
                ast::Definition::Const(c) => {
                    self.consts.push(Const { name: display, ty: Type::Bool, value: ConstValue::Bool(false) });
                    self.const_src.push((fi, c, State::Pending));
                    Symbol::Const(self.consts.len() - 1)
                }
                ast::Definition::Service(s) => {
                    let id = ServiceId(self.services.len() as u32);
                    self.services.push(Service {
                        name: display,
                        extends: None,
                        methods: Vec::new(),
                        annotations: annotations(&s.annotations),
                        doc: s.doc.as_deref().map(Into::into),
                    });
                    self.service_src.push((fi, s));
                    Symbol::Service(id)
                }
            };
            self.scopes[fi].insert(name.name.as_str(), sym);
        }
        Ok(())
    }

    fn enum_values(&self, fi: usize, e: &ast::Enum) -> Result<Vec<(Box<str>, i32)>, IdlError> {
        let mut values: Vec<(Box<str>, i32)> = Vec::with_capacity(e.values.len());
        let mut next: i64 = 0;
        for v in &e.values {
            let value = v.value.unwrap_or(next);
            let value = i32::try_from(value).map_err(|_| {
                self.error(
                    fi,
                    IdlErrorKind::BadConstant,
                    v.span,
                    format!("enum value `{}` = {value} does not fit in i32", v.name.name),
                )
            })?;
            if values.iter().any(|(n, _)| **n == *v.name.name) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Duplicate,
                    v.name.span,
                    format!("enum member `{}` is defined twice", v.name.name),
                ));
            }
            values.push((v.name.name.as_str().into(), value));
            next = i64::from(value) + 1;
        }
        Ok(values)
    }

    /// The symbol `name` refers to from file `fi`.
    fn lookup(&self, fi: usize, name: &str) -> Option<Symbol> {
        if let Some(s) = self.scopes[fi].get(name) {
            return Some(*s);
        }
        let (prefix, rest) = name.split_once('.')?;
        self.files[fi]
            .includes
            .iter()
            .filter(|&&inc| &*self.modules[inc] == prefix)
            .find_map(|&inc| self.scopes[inc].get(rest).copied())
    }

    fn resolve_type(&mut self, fi: usize, t: &ast::FieldType) -> Result<Type, IdlError> {
        Ok(match &t.kind {
            FieldTypeKind::Base(b) => match b {
                ast::BaseType::Bool => Type::Bool,
                ast::BaseType::I8 => Type::I8,
                ast::BaseType::I16 => Type::I16,
                ast::BaseType::I32 => Type::I32,
                ast::BaseType::I64 => Type::I64,
                ast::BaseType::Double => Type::Double,
                ast::BaseType::String => Type::String,
                ast::BaseType::Binary => Type::Binary,
                ast::BaseType::Uuid => Type::Uuid,
            },
            FieldTypeKind::Named(id) => match self.lookup(fi, &id.name) {
                Some(Symbol::Struct(s)) => Type::Struct(s),
                Some(Symbol::Enum(e)) => Type::Enum(e),
                Some(Symbol::Typedef(i)) => self.resolve_typedef(i)?,
                Some(Symbol::Const(_) | Symbol::Service(_)) => {
                    return Err(self.error(fi, IdlErrorKind::Invalid, id.span, format!("`{}` is not a type", id.name)));
                }
                None => {
                    return Err(self.error(
                        fi,
                        IdlErrorKind::UnknownName,
                        id.span,
                        format!("type `{}` is not defined", id.name),
                    ));
                }
            },
            FieldTypeKind::List(e, _) => {
                let list = Type::List(Box::new(self.resolve_type(fi, e)?));
                self.checked_shape(fi, t, list)?
            }
            FieldTypeKind::Set(e, _) => {
                let set = Type::Set(Box::new(self.resolve_type(fi, e)?));
                self.checked_shape(fi, t, set)?
            }
            FieldTypeKind::Map(k, v, _) => {
                let map = Type::Map(Box::new(self.resolve_type(fi, k)?), Box::new(self.resolve_type(fi, v)?));
                self.checked_shape(fi, t, map)?
            }
        })
    }

    /// `ty`, a container just built for `t`, unless typedefs made it nest
    /// deeper than [`MAX_NESTING`] or grow past [`MAX_TYPE_NODES`]; its parts
    /// were checked when they were built, so this stays cheap.
    fn checked_shape(&self, fi: usize, t: &ast::FieldType, ty: Type) -> Result<Type, IdlError> {
        let (depth, nodes) = type_shape(&ty);
        if depth > MAX_NESTING {
            return Err(self.error(
                fi,
                IdlErrorKind::Invalid,
                t.span,
                format!("type nests more than {MAX_NESTING} containers deep once typedefs are expanded"),
            ));
        }
        if nodes > MAX_TYPE_NODES {
            return Err(self.error(
                fi,
                IdlErrorKind::Invalid,
                t.span,
                format!("type has more than {MAX_TYPE_NODES} parts once typedefs are expanded"),
            ));
        }
        Ok(ty)
    }

    /// Opens one level of on-demand resolution or constant nesting; the
    /// caller closes it with `self.depth -= 1` (an error ends the load, so
    /// error paths need not).
    fn descend(&mut self, fi: usize, span: Span) -> Result<(), IdlError> {
        self.depth += 1;
        if self.depth > MAX_RESOLVE_DEPTH {
            return Err(self.error(
                fi,
                IdlErrorKind::Invalid,
                span,
                format!(
                    "definitions refer to one another, or constant values nest, more than {MAX_RESOLVE_DEPTH} levels deep"
                ),
            ));
        }
        Ok(())
    }

    fn resolve_typedef(&mut self, i: usize) -> Result<Type, IdlError> {
        let (fi, t, state) = self.typedef_src[i];
        match state {
            State::Done => return Ok(self.typedefs[i].ty.clone()),
            State::InProgress => {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Invalid,
                    t.name.span,
                    format!("typedef `{}` refers to itself", t.name.name),
                ));
            }
            State::Pending => {}
        }
        self.typedef_src[i].2 = State::InProgress;
        self.descend(fi, t.name.span)?;
        let ty = self.resolve_type(fi, &t.ty)?;
        self.depth -= 1;
        self.typedefs[i].ty = ty.clone();
        self.typedef_src[i].2 = State::Done;
        Ok(ty)
    }

    /// Resolves the fields of struct `i` in two passes: ids, names and types
    /// first, then defaults. A default may be a struct constant of this very
    /// struct (or of one that refers back to it): it then finds the fields
    /// in place, while the struct is `InProgress`.
    fn resolve_struct(&mut self, i: usize) -> Result<(), IdlError> {
        let Some((fi, s)) = self.struct_src[i] else { return Ok(()) };
        if self.struct_state[i] != State::Pending {
            return Ok(());
        }
        self.struct_state[i] = State::InProgress;
        self.descend(fi, s.name.span)?;
        let is_union = s.kind == ast::StructKind::Union;
        let (fields, defaults) = self.resolve_field_list(fi, &s.fields, FieldContext::Struct { union: is_union })?;
        self.structs[i].fields = fields;
        for (k, expr) in defaults {
            let ty = self.structs[i].fields[k].ty.clone();
            let value = self.eval(fi, expr, &ty)?;
            self.structs[i].fields[k].default = Some(value);
        }
        self.depth -= 1;
        self.struct_state[i] = State::Done;
        Ok(())
    }

    /// A field list of a function (arguments or `throws`), defaults included.
    fn resolve_fields(&mut self, fi: usize, list: &'a [ast::Field], ctx: FieldContext) -> Result<Vec<Field>, IdlError> {
        let (mut fields, defaults) = self.resolve_field_list(fi, list, ctx)?;
        for (k, expr) in defaults {
            let ty = fields[k].ty.clone();
            fields[k].default = Some(self.eval(fi, expr, &ty)?);
        }
        Ok(fields)
    }

    /// Ids, names and types of a field list; the defaults are returned as
    /// (index of the field, expression) for the caller to evaluate.
    #[expect(clippy::type_complexity, reason = "a private pair, named by its use")]
    fn resolve_field_list(
        &mut self,
        fi: usize,
        list: &'a [ast::Field],
        ctx: FieldContext,
    ) -> Result<(Vec<Field>, Vec<(usize, &'a ast::ConstValue)>), IdlError> {
        let mut out: Vec<Field> = Vec::with_capacity(list.len());
        let mut defaults = Vec::new();
        let mut next_auto: i64 = -1;
        for f in list {
            let id = match f.id {
                Some(id) if id > 0 => id,
                // The reference compiler warns and assigns an automatic id to
                // missing and non-positive ids alike.
                _ => {
                    let id = next_auto;
                    next_auto -= 1;
                    id
                }
            };
            let id = i16::try_from(id).map_err(|_| {
                self.error(
                    fi,
                    IdlErrorKind::Invalid,
                    f.span,
                    format!("field id {id} of `{}` does not fit in i16", f.name.name),
                )
            })?;
            if out.iter().any(|x| x.id == id) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Duplicate,
                    f.span,
                    format!("field id {id} is used twice (`{}`)", f.name.name),
                ));
            }
            if out.iter().any(|x| *x.name == *f.name.name) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Duplicate,
                    f.name.span,
                    format!("field name `{}` is used twice", f.name.name),
                ));
            }
            let ty = self.resolve_type(fi, &f.ty)?;
            let requiredness = match ctx {
                FieldContext::Struct { union: true } | FieldContext::Throws => ast::Requiredness::Optional,
                // `optional` in an argument list is ignored by the reference compiler.
                FieldContext::Args if f.requiredness == ast::Requiredness::Optional => ast::Requiredness::Default,
                _ => f.requiredness,
            };
            if let FieldContext::Throws = ctx {
                let is_exception =
                    matches!(ty, Type::Struct(s) if self.structs[s.0 as usize].kind == StructKind::Exception);
                if !is_exception {
                    return Err(self.error(
                        fi,
                        IdlErrorKind::Invalid,
                        f.ty.span,
                        format!("`throws` field `{}` is not an exception", f.name.name),
                    ));
                }
            }
            if let Some(v) = &f.default {
                defaults.push((out.len(), v));
            }
            out.push(Field {
                id,
                name: f.name.name.as_str().into(),
                ty,
                requiredness,
                default: None,
                reference: f.reference,
                annotations: annotations(&f.annotations),
                doc: f.doc.as_deref().map(Into::into),
            });
        }
        Ok((out, defaults))
    }

    fn resolve_service(&mut self, i: usize) -> Result<(), IdlError> {
        let (fi, s) = self.service_src[i];
        if let Some(base) = &s.extends {
            match self.lookup(fi, &base.name) {
                Some(Symbol::Service(b)) => {
                    // A cycle needs a later service as base; walk the chain to be sure.
                    let mut next = Some(b);
                    while let Some(x) = next {
                        if x.0 as usize == i {
                            return Err(self.error(
                                fi,
                                IdlErrorKind::Invalid,
                                base.span,
                                format!("service `{}` extends itself", s.name.name),
                            ));
                        }
                        next = self.services[x.0 as usize].extends;
                    }
                    self.services[i].extends = Some(b);
                }
                Some(_) => {
                    return Err(self.error(
                        fi,
                        IdlErrorKind::Invalid,
                        base.span,
                        format!("`{}` is not a service", base.name),
                    ));
                }
                None => {
                    return Err(self.error(
                        fi,
                        IdlErrorKind::UnknownName,
                        base.span,
                        format!("service `{}` is not defined", base.name),
                    ));
                }
            }
        }
        let service_name = self.services[i].name.clone();
        let mut methods: Vec<Method> = Vec::with_capacity(s.functions.len());
        // A set, not a scan of `methods`: services of thousands of methods exist.
        let mut seen: HashSet<&str> = HashSet::with_capacity(s.functions.len());
        for f in &s.functions {
            if !seen.insert(f.name.name.as_str()) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Duplicate,
                    f.name.span,
                    format!("method `{}` is defined twice", f.name.name),
                ));
            }
            let args_fields = self.resolve_fields(fi, &f.args, FieldContext::Args)?;
            let throws = self.resolve_fields(fi, &f.throws, FieldContext::Throws)?;
            let returns = match &f.returns {
                Some(t) => Some(self.resolve_type(fi, t)?),
                None => None,
            };
            if f.oneway && (returns.is_some() || !throws.is_empty()) {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Invalid,
                    f.name.span,
                    format!("oneway method `{}` must return void and throw nothing", f.name.name),
                ));
            }
            let mut result_fields = Vec::with_capacity(throws.len() + 1);
            if let Some(ty) = &returns {
                result_fields.push(Field {
                    id: 0,
                    name: "success".into(),
                    ty: ty.clone(),
                    requiredness: ast::Requiredness::Optional,
                    default: None,
                    reference: false,
                    annotations: Annotations::default(),
                    doc: None,
                });
            }
            for t in throws {
                if t.id == 0 {
                    return Err(self.error(
                        fi,
                        IdlErrorKind::Duplicate,
                        f.name.span,
                        "exception field id 0 clashes with `success`",
                    ));
                }
                result_fields.push(t);
            }
            let args =
                self.push_synthetic(format!("{service_name}.{}_args", f.name.name), StructKind::Args, args_fields);
            let result = self.push_synthetic(
                format!("{service_name}.{}_result", f.name.name),
                StructKind::Result,
                result_fields,
            );
            methods.push(Method {
                name: f.name.name.as_str().into(),
                oneway: f.oneway,
                returns,
                args,
                result,
                annotations: annotations(&f.annotations),
                doc: f.doc.as_deref().map(Into::into),
            });
        }
        self.services[i].methods = methods;
        Ok(())
    }

    fn push_synthetic(&mut self, name: String, kind: StructKind, fields: Vec<Field>) -> StructId {
        let id = StructId(self.structs.len() as u32);
        self.structs.push(StructType {
            name: name.into(),
            kind,
            fields,
            annotations: Annotations::default(),
            doc: None,
        });
        self.struct_src.push(None);
        self.struct_state.push(State::Done);
        id
    }

    fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Enum(e) => self.enums[e.0 as usize].name.to_string(),
            Type::Struct(s) => self.structs[s.0 as usize].name.to_string(),
            Type::List(e) => format!("list<{}>", self.type_name(e)),
            Type::Set(e) => format!("set<{}>", self.type_name(e)),
            Type::Map(k, v) => format!("map<{}, {}>", self.type_name(k), self.type_name(v)),
            other => format!("{other:?}").to_lowercase(),
        }
    }
}

#[derive(Clone, Copy)]
enum FieldContext {
    Struct { union: bool },
    Args,
    Throws,
}

/// (depth in containers, number of nodes) of a resolved type.
fn type_shape(ty: &Type) -> (usize, usize) {
    match ty {
        Type::List(e) | Type::Set(e) => {
            let (d, n) = type_shape(e);
            (d + 1, n + 1)
        }
        Type::Map(k, v) => {
            let ((dk, nk), (dv, nv)) = (type_shape(k), type_shape(v));
            (dk.max(dv) + 1, nk + nv + 1)
        }
        _ => (0, 1),
    }
}
