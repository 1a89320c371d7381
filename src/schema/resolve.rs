//! Syntax trees → [`Schema`]: declare every name, then resolve typedefs,
//! struct fields, services (synthesizing args/result structs) and constants.
//!
//! Names are scoped per file: a file sees its own names unqualified and the
//! names of the files it includes directly as `module.Name`. Typedef chains
//! and constants referring to constants are resolved on demand with cycle
//! detection, so definition order does not matter.

use std::collections::HashMap;
use std::sync::Arc;

use super::load::ParsedFile;
use super::*;
use crate::idl::ast::{self, ConstValueKind, FieldTypeKind, Span};
use crate::idl::{IdlError, IdlErrorKind};

/// Resolution state of a typedef or constant, for on-demand resolution.
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
    enums: Vec<EnumType>,
    typedefs: Vec<Typedef>,
    typedef_src: Vec<(usize, &'a ast::Typedef, State)>,
    consts: Vec<Const>,
    const_src: Vec<(usize, &'a ast::Const, State)>,
    services: Vec<Service>,
    service_src: Vec<(usize, &'a ast::Service)>,
}

/// Resolves parsed files (every file after the files it includes; the main
/// file last) into a schema.
pub(crate) fn resolve(files: Vec<ParsedFile>) -> Result<Arc<Schema>, IdlError> {
    let main = files.len() - 1;
    let modules = files.iter().map(|f| module_name(&f.name)).collect();
    let mut r = Resolver {
        files: &files,
        modules,
        scopes: vec![HashMap::new(); files.len()],
        structs: Vec::new(),
        struct_src: Vec::new(),
        enums: Vec::new(),
        typedefs: Vec::new(),
        typedef_src: Vec::new(),
        consts: Vec::new(),
        const_src: Vec::new(),
        services: Vec::new(),
        service_src: Vec::new(),
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
    let mut names = HashMap::new();
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
            FieldTypeKind::List(e, _) => Type::List(Box::new(self.resolve_type(fi, e)?)),
            FieldTypeKind::Set(e, _) => Type::Set(Box::new(self.resolve_type(fi, e)?)),
            FieldTypeKind::Map(k, v, _) => {
                Type::Map(Box::new(self.resolve_type(fi, k)?), Box::new(self.resolve_type(fi, v)?))
            }
        })
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
        let ty = self.resolve_type(fi, &t.ty)?;
        self.typedefs[i].ty = ty.clone();
        self.typedef_src[i].2 = State::Done;
        Ok(ty)
    }

    fn resolve_struct(&mut self, i: usize) -> Result<(), IdlError> {
        let Some((fi, s)) = self.struct_src[i] else { return Ok(()) };
        let is_union = s.kind == ast::StructKind::Union;
        let fields = self.resolve_fields(fi, &s.fields, FieldContext::Struct { union: is_union })?;
        self.structs[i].fields = fields;
        Ok(())
    }

    fn resolve_fields(&mut self, fi: usize, list: &[ast::Field], ctx: FieldContext) -> Result<Vec<Field>, IdlError> {
        let mut out: Vec<Field> = Vec::with_capacity(list.len());
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
            let default = match &f.default {
                Some(v) => Some(self.eval(fi, v, &ty)?),
                None => None,
            };
            out.push(Field {
                id,
                name: f.name.name.as_str().into(),
                ty,
                requiredness,
                default,
                reference: f.reference,
                annotations: annotations(&f.annotations),
                doc: f.doc.as_deref().map(Into::into),
            });
        }
        Ok(out)
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
                _ => {
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
        for f in &s.functions {
            if methods.iter().any(|m| *m.name == *f.name.name) {
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
        id
    }

    fn resolve_const(&mut self, i: usize) -> Result<ConstValue, IdlError> {
        let (fi, c, state) = self.const_src[i];
        match state {
            State::Done => return Ok(self.consts[i].value.clone()),
            State::InProgress => {
                return Err(self.error(
                    fi,
                    IdlErrorKind::Invalid,
                    c.name.span,
                    format!("constant `{}` refers to itself", c.name.name),
                ));
            }
            State::Pending => {}
        }
        self.const_src[i].2 = State::InProgress;
        let ty = self.resolve_type(fi, &c.ty)?;
        let value = self.eval(fi, &c.value, &ty)?;
        self.consts[i].ty = ty;
        self.consts[i].value = value.clone();
        self.const_src[i].2 = State::Done;
        Ok(value)
    }

    /// Evaluates `v` (written in file `fi`) as a value of type `ty`.
    fn eval(&mut self, fi: usize, v: &ast::ConstValue, ty: &Type) -> Result<ConstValue, IdlError> {
        if let ConstValueKind::Ref(r) = &v.kind {
            return self.eval_ref(fi, r, ty);
        }
        let mismatch = |this: &Self, what: &str| {
            this.error(
                fi,
                IdlErrorKind::BadConstant,
                v.span,
                format!("{what} is not a valid value of type `{}`", this.type_name(ty)),
            )
        };
        Ok(match (ty, &v.kind) {
            (Type::Bool, ConstValueKind::Int(i)) if *i == 0 || *i == 1 => ConstValue::Bool(*i == 1),
            (Type::I8 | Type::I16 | Type::I32 | Type::I64, ConstValueKind::Int(i)) => {
                let (lo, hi) = int_range(ty);
                if *i < lo || *i > hi {
                    return Err(mismatch(self, &format!("{i} is out of range:")));
                }
                ConstValue::Int(*i)
            }
            (Type::Enum(e), ConstValueKind::Int(i)) => {
                if i32::try_from(*i).is_err() {
                    return Err(mismatch(self, &i.to_string()));
                }
                let _ = e;
                ConstValue::Int(*i)
            }
            (Type::Double, ConstValueKind::Int(i)) => ConstValue::Double(*i as f64),
            (Type::Double, ConstValueKind::Double(d)) => ConstValue::Double(*d),
            (Type::String | Type::Binary, ConstValueKind::Literal(s)) => ConstValue::String(s.as_str().into()),
            (Type::Uuid, ConstValueKind::Literal(s)) => match parse_uuid(s) {
                Some(u) => ConstValue::Uuid(u),
                None => return Err(mismatch(self, &format!("\"{s}\""))),
            },
            (Type::List(e) | Type::Set(e), ConstValueKind::List(items)) => {
                let e = (**e).clone();
                ConstValue::List(items.iter().map(|x| self.eval(fi, x, &e)).collect::<Result<_, _>>()?)
            }
            // The reference compiler accepts `{}` for an empty list or set and `[]` for an empty map.
            (Type::List(_) | Type::Set(_), ConstValueKind::Map(entries)) if entries.is_empty() => {
                ConstValue::List(Vec::new())
            }
            (Type::Map(..), ConstValueKind::List(items)) if items.is_empty() => ConstValue::Map(Vec::new()),
            (Type::Map(k, val), ConstValueKind::Map(entries)) => {
                let (k, val) = ((**k).clone(), (**val).clone());
                let mut out = Vec::with_capacity(entries.len());
                for (a, b) in entries {
                    out.push((self.eval(fi, a, &k)?, self.eval(fi, b, &val)?));
                }
                ConstValue::Map(out)
            }
            (Type::Struct(s), ConstValueKind::Map(entries)) => {
                let mut out = Vec::with_capacity(entries.len());
                for (a, b) in entries {
                    let ConstValueKind::Literal(fname) = &a.kind else {
                        return Err(self.error(
                            fi,
                            IdlErrorKind::BadConstant,
                            a.span,
                            "a struct constant's keys must be field names in quotes",
                        ));
                    };
                    // Fields of a struct declared later may not be resolved yet.
                    self.resolve_struct_if_needed(*s)?;
                    let st = &self.structs[s.0 as usize];
                    let Some(field) = st.fields.iter().find(|f| *f.name == **fname) else {
                        let msg = format!("`{}` has no field `{fname}`", st.name);
                        return Err(self.error(fi, IdlErrorKind::BadConstant, a.span, msg));
                    };
                    let (id, fty) = (field.id, field.ty.clone());
                    out.push((id, self.eval(fi, b, &fty)?));
                }
                ConstValue::Struct(out)
            }
            (_, ConstValueKind::Int(_)) => return Err(mismatch(self, "an integer")),
            (_, ConstValueKind::Double(_)) => return Err(mismatch(self, "a number")),
            (_, ConstValueKind::Literal(_)) => return Err(mismatch(self, "a string")),
            (_, ConstValueKind::List(_)) => return Err(mismatch(self, "a list")),
            (_, ConstValueKind::Map(_)) => return Err(mismatch(self, "a map")),
            (_, ConstValueKind::Ref(_)) => unreachable!("references are handled above"),
        })
    }

    fn resolve_struct_if_needed(&mut self, s: StructId) -> Result<(), IdlError> {
        let i = s.0 as usize;
        if self.structs[i].fields.is_empty() && self.struct_src[i].is_some_and(|(_, st)| !st.fields.is_empty()) {
            self.resolve_struct(i)?;
        }
        Ok(())
    }

    /// A reference to a constant or to `Enum.VALUE` (maybe include-qualified).
    fn eval_ref(&mut self, fi: usize, r: &ast::Ident, ty: &Type) -> Result<ConstValue, IdlError> {
        if let Some(Symbol::Const(c)) = self.lookup(fi, &r.name) {
            let value = self.resolve_const(c)?;
            return Ok(match (ty, value) {
                (Type::Double, ConstValue::Int(i)) => ConstValue::Double(i as f64),
                (_, v) => v,
            });
        }
        if let Some((enum_name, member)) = r.name.rsplit_once('.')
            && let Some(Symbol::Enum(e)) = self.lookup(fi, enum_name)
        {
            let en = &self.enums[e.0 as usize];
            return match en.value_of(member) {
                Some(v) => Ok(ConstValue::Int(i64::from(v))),
                None => Err(self.error(
                    fi,
                    IdlErrorKind::UnknownName,
                    r.span,
                    format!("enum `{}` has no member `{member}`", en.name),
                )),
            };
        }
        let hint = if let Type::Enum(e) = ty
            && self.enums[e.0 as usize].value_of(&r.name).is_some()
        {
            format!(" (write `{}.{}`: enum members must be qualified)", self.enums[e.0 as usize].name, r.name)
        } else {
            String::new()
        };
        Err(self.error(fi, IdlErrorKind::UnknownName, r.span, format!("constant `{}` is not defined{hint}", r.name)))
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

fn int_range(ty: &Type) -> (i64, i64) {
    match ty {
        Type::I8 => (i64::from(i8::MIN), i64::from(i8::MAX)),
        Type::I16 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        Type::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Parses `00112233-4455-6677-8899-aabbccddeeff`, optionally in braces.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let s = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(s);
    let b = s.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut out = [0u8; 16];
    let mut hex = b.iter().filter(|c| **c != b'-');
    for byte in &mut out {
        let hi = (*hex.next()? as char).to_digit(16)?;
        let lo = (*hex.next()? as char).to_digit(16)?;
        *byte = (hi * 16 + lo) as u8;
    }
    Some(out)
}
