//! Constant evaluation: constant definitions and field defaults, typed
//! against their declared type, references to other constants and to enum
//! members followed (with the copy bounded, see [`MAX_COPIED_CONST_NODES`]).
//! Part of the resolver; these are its methods.

use super::*;

/// How many nodes of constant values may be copied by references to other
/// constants in one load.
///
/// A reference copies the referenced value, so `A1 = [A0, A0]`,
/// `A2 = [A1, A1]`, … doubles at each step: 60 lines would ask for 2^60
/// nodes. A million nodes (tens of MB) is far above real IDL, whose largest
/// constant maps have hundreds of entries.
pub(super) const MAX_COPIED_CONST_NODES: usize = 1 << 20;

impl Resolver<'_> {
    pub(super) fn resolve_const(&mut self, i: usize) -> Result<(), IdlError> {
        let (fi, c, state) = self.const_src[i];
        match state {
            State::Done => return Ok(()),
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
        self.descend(fi, c.name.span)?;
        let ty = self.resolve_type(fi, &c.ty)?;
        let value = self.eval(fi, &c.value, &ty)?;
        self.depth -= 1;
        self.consts[i].ty = ty;
        self.consts[i].value = value;
        self.const_src[i].2 = State::Done;
        Ok(())
    }

    /// Evaluates `v` (written in file `fi`) as a value of type `ty`.
    pub(super) fn eval(&mut self, fi: usize, v: &ast::ConstValue, ty: &Type) -> Result<ConstValue, IdlError> {
        self.descend(fi, v.span)?;
        let value = self.eval_here(fi, v, ty)?;
        self.depth -= 1;
        Ok(value)
    }

    fn eval_here(&mut self, fi: usize, v: &ast::ConstValue, ty: &Type) -> Result<ConstValue, IdlError> {
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
            (Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Enum(_), ConstValueKind::Int(i)) => {
                if !fits(*i, ty) {
                    return Err(self.out_of_range(fi, v.span, *i, ty));
                }
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
                // A struct declared later may not have its fields yet.
                if !entries.is_empty() {
                    self.resolve_struct(s.0 as usize)?;
                }
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

    #[cold]
    fn out_of_range(&self, fi: usize, span: Span, value: i64, ty: &Type) -> IdlError {
        let ty = self.type_name(ty);
        self.error(fi, IdlErrorKind::BadConstant, span, format!("{value} is out of range for `{ty}`"))
    }

    /// A reference to a constant or to `Enum.VALUE` (maybe include-qualified),
    /// as a value of type `ty`.
    fn eval_ref(&mut self, fi: usize, r: &ast::Ident, ty: &Type) -> Result<ConstValue, IdlError> {
        if let Some(Symbol::Const(c)) = self.lookup(fi, &r.name) {
            self.resolve_const(c)?;
            let (nodes, depth) = const_shape(&self.consts[c].value);
            // The copy nests inside the value being built, whose depth
            // `self.depth` bounds: keep the sum inside the same limit, or a
            // chain of constants each holding the previous one would build
            // values deep enough to overflow the stack of every recursive
            // walk (clone, drop, JSON).
            if self.depth + depth > MAX_RESOLVE_DEPTH {
                return Err(self.error(
                    fi,
                    IdlErrorKind::BadConstant,
                    r.span,
                    format!("constant values nest more than {MAX_RESOLVE_DEPTH} levels deep through references"),
                ));
            }
            self.copied_const_nodes += nodes;
            if self.copied_const_nodes > MAX_COPIED_CONST_NODES {
                return Err(self.error(
                    fi,
                    IdlErrorKind::BadConstant,
                    r.span,
                    format!("constants copy more than {MAX_COPIED_CONST_NODES} values through references"),
                ));
            }
            return self.coerce(fi, r, c, ty);
        }
        if let Some((enum_name, member)) = r.name.rsplit_once('.')
            && let Some(Symbol::Enum(e)) = self.lookup(fi, enum_name)
        {
            let en = &self.enums[e.0 as usize];
            let Some(v) = en.value_of(member) else {
                return Err(self.error(
                    fi,
                    IdlErrorKind::UnknownName,
                    r.span,
                    format!("enum `{}` has no member `{member}`", en.name),
                ));
            };
            let v = i64::from(v);
            return match ty {
                Type::Enum(x) if *x == e => Ok(ConstValue::Int(v)),
                Type::I8 | Type::I16 | Type::I32 | Type::I64 if fits(v, ty) => Ok(ConstValue::Int(v)),
                Type::I8 | Type::I16 | Type::I32 | Type::I64 => Err(self.out_of_range(fi, r.span, v, ty)),
                _ => Err(self.error(
                    fi,
                    IdlErrorKind::BadConstant,
                    r.span,
                    format!(
                        "`{}` is a member of `{}`, not a valid value of type `{}`",
                        r.name,
                        en.name,
                        self.type_name(ty)
                    ),
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

    /// The value of constant `c` as a value of type `ty`: the same type, or an
    /// integer that fits, an integer as a double, a string as binary.
    fn coerce(&self, fi: usize, r: &ast::Ident, c: usize, ty: &Type) -> Result<ConstValue, IdlError> {
        let (from, value) = (&self.consts[c].ty, &self.consts[c].value);
        if from == ty {
            return Ok(value.clone());
        }
        let integer = |t: &Type| matches!(t, Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Enum(_));
        match (ty, value) {
            (_, ConstValue::Int(i)) if integer(ty) && integer(from) => {
                if fits(*i, ty) {
                    Ok(ConstValue::Int(*i))
                } else {
                    Err(self.out_of_range(fi, r.span, *i, ty))
                }
            }
            (Type::Double, ConstValue::Int(i)) if integer(from) => Ok(ConstValue::Double(*i as f64)),
            (Type::String | Type::Binary, ConstValue::String(_)) => Ok(value.clone()),
            _ => Err(self.error(
                fi,
                IdlErrorKind::BadConstant,
                r.span,
                format!(
                    "constant `{}` of type `{}` is not a valid value of type `{}`",
                    r.name,
                    self.type_name(from),
                    self.type_name(ty)
                ),
            )),
        }
    }
}

/// True when `value` fits the integer type (or enum, an i32 on the wire) `ty`.
fn fits(value: i64, ty: &Type) -> bool {
    match ty {
        Type::I8 => i8::try_from(value).is_ok(),
        Type::I16 => i16::try_from(value).is_ok(),
        Type::I32 | Type::Enum(_) => i32::try_from(value).is_ok(),
        _ => true,
    }
}

/// (number of nodes, depth) of a constant value.
fn const_shape(v: &ConstValue) -> (usize, usize) {
    let children: Box<dyn Iterator<Item = &ConstValue>> = match v {
        ConstValue::List(items) => Box::new(items.iter()),
        ConstValue::Map(entries) => Box::new(entries.iter().flat_map(|(k, v)| [k, v])),
        ConstValue::Struct(fields) => Box::new(fields.iter().map(|(_, v)| v)),
        _ => return (1, 1),
    };
    children.map(const_shape).fold((1, 1), |(n, d), (cn, cd)| (n + cn, d.max(cd + 1)))
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
