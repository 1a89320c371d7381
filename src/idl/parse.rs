//! Text → [`Document`]: the pest grammar (`thrift.pest`) and the walk that
//! builds the syntax tree from its pairs.
//!
//! A pre-pass ([`super::lex`]) blanks comments, collects doc comments and
//! bounds bracket nesting ([`MAX_NESTING`]); then the text is parsed one
//! item (header or definition) at a time, so pest's token queue never holds
//! more than one definition (see [`parse`]).
//! Checks the grammar cannot express are made here, with the position of the
//! offending token: headers after definitions, annotations after a type
//! name, escapes in literals, raw newlines in literals, integers that
//! overflow 64 bits.

use std::sync::Arc;

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use super::error::{IdlError, IdlErrorKind};
#[cfg(doc)]
use super::lex::MAX_NESTING;
use super::lex::{DocComments, prepass, skip_literal};

#[derive(pest_derive::Parser)]
#[grammar = "idl/thrift.pest"]
struct ThriftParser;

/// Options of the parser.
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// Accept raw newlines inside string literals, as thriftgo (Kitex) does.
    /// Apache Thrift rejects them, so this is off by default.
    pub multiline_literals: bool,
}

/// Parses the text of one IDL file.
///
/// `file` is the name used in error messages.
///
/// # Errors
/// A positioned [`IdlError`] of kind [`IdlErrorKind::Syntax`] when the text is
/// not valid IDL.
pub fn parse(file: &Arc<str>, source: &str, options: &ParseOptions) -> Result<Document, IdlError> {
    let pre = prepass(file, source)?;
    let text = pre.text.as_str();
    let mut builder = Builder { file, source, text, options, docs: pre.docs, base: 0 };
    let mut document = Document::default();
    // One item (header or definition) per pest parse: pest keeps a queue of
    // every token of a parse until its pairs are dropped, about 30 times the
    // size of the text, so parsing the whole file at once would make the
    // front end's peak memory that of the token queue, not of the tree.
    // The end is found here, not by asking pest: a failed pest parse builds
    // an error whose line lookup scans to the end of the text, which would
    // make the loop quadratic.
    let mut pos = skip_whitespace(text, 0);
    while pos < text.len() {
        let mut pairs =
            ThriftParser::parse(Rule::item, &text[pos..]).map_err(|e| syntax_error(file, source, pos, e))?;
        let item = pairs.next().expect("the item rule yields one pair");
        builder.base = pos;
        let end = item.as_span().end();
        builder.item(&mut document, item.into_inner().next().expect("an item holds a header or a definition"))?;
        pos = skip_whitespace(text, pos + end);
    }
    Ok(document)
}

/// The offset of the first byte at or after `pos` that is not whitespace,
/// as the grammar's `WHITESPACE` defines it (comments are blanked already).
fn skip_whitespace(text: &str, pos: usize) -> usize {
    let rest = &text[pos..];
    pos + rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}']).len()
}

#[cold]
fn syntax_error(file: &Arc<str>, source: &str, base: usize, e: pest::error::Error<Rule>) -> IdlError {
    let mut offset = base
        + match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    // pest parsed the text with comments blanked: an offset inside a blank
    // may fall inside a multi-byte character of the source.
    offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, negatives } => {
            let mut expected: Vec<&str> = positives.iter().map(|r| rule_name(*r)).collect();
            expected.sort_unstable();
            expected.dedup();
            // The `xsd_*` keywords may follow any field; naming them beside
            // what the user most likely missed only adds noise.
            if expected.len() > 1 {
                expected.retain(|e| !e.starts_with("`xsd_"));
            }
            let found = describe_found(source, offset);
            if unclosed_literal(source, offset) {
                "string literal is not closed".to_string()
            } else if expected.is_empty() {
                let unexpected: Vec<&str> = negatives.iter().map(|r| rule_name(*r)).collect();
                format!("unexpected {}", unexpected.join(", "))
            } else {
                let hint = if unclosed_above(source, base, offset) {
                    " (is the `}` that closes the definition above missing?)"
                } else {
                    ""
                };
                format!("expected {}, found {found}{hint}", join_or(&expected))
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    IdlError::at(IdlErrorKind::Syntax, file, source, Span::new(offset, offset), message)
}

/// True when the error at `offset`, in the item that starts at `item`, is on
/// a later line that starts a new definition: the usual sign of a body left
/// open above, where pest can only say what it expected at the new keyword.
fn unclosed_above(source: &str, item: usize, offset: usize) -> bool {
    let line_start = source[..offset.min(source.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].trim_start();
    let keyword = line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or("");
    line_start > item
        && matches!(keyword, "struct" | "union" | "exception" | "enum" | "service" | "const" | "typedef")
        && !line[keyword.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

/// True when a quote at `offset` opens a literal that never closes: pest
/// then reports the quote as unexpected, which hides the real mistake.
fn unclosed_literal(source: &str, offset: usize) -> bool {
    let bytes = source.as_bytes();
    matches!(bytes.get(offset), Some(b'"' | b'\'')) && skip_literal(bytes, offset) > bytes.len()
}

fn describe_found(source: &str, offset: usize) -> String {
    let rest = &source[offset.min(source.len())..];
    match rest.chars().next() {
        None => "end of file".to_string(),
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.').collect();
            format!("`{word}`")
        }
        Some(c) => format!("`{c}`"),
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Human names of grammar rules, for "expected …" messages.
fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::include | Rule::kw_include => "`include`",
        Rule::cpp_include | Rule::kw_cpp_include => "`cpp_include`",
        Rule::namespace | Rule::kw_namespace => "`namespace`",
        Rule::const_def | Rule::kw_const => "`const`",
        Rule::typedef_def | Rule::kw_typedef => "`typedef`",
        Rule::enum_def | Rule::kw_enum => "`enum`",
        Rule::struct_def | Rule::struct_kind | Rule::kw_struct => "`struct`",
        Rule::kw_union => "`union`",
        Rule::exception_def | Rule::kw_exception => "`exception`",
        Rule::service_def | Rule::kw_service => "`service`",
        Rule::kw_extends => "`extends`",
        Rule::function | Rule::function_type => "a function",
        Rule::function_modifier | Rule::kw_oneway | Rule::kw_async => "`oneway`",
        Rule::kw_void => "`void`",
        Rule::throws | Rule::kw_throws => "`throws`",
        Rule::field => "a field",
        Rule::field_id => "a field id",
        Rule::requiredness | Rule::kw_required | Rule::kw_optional => "`required` or `optional`",
        Rule::reference => "`&`",
        Rule::field_type => "a type",
        Rule::map_type | Rule::kw_map => "`map`",
        Rule::set_type | Rule::kw_set => "`set`",
        Rule::list_type | Rule::kw_list => "`list`",
        Rule::cpp_type | Rule::kw_cpp_type => "`cpp_type`",
        Rule::annotations => "annotations `(…)`",
        Rule::annotation => "an annotation",
        Rule::const_value | Rule::const_ref | Rule::const_list | Rule::const_map | Rule::const_entry => {
            "a constant value"
        }
        Rule::bool_constant => "`true` or `false`",
        Rule::int_constant => "an integer",
        Rule::double_constant => "a number",
        Rule::literal | Rule::dq_literal_body | Rule::sq_literal_body => "a string literal",
        Rule::identifier | Rule::namespace_scope | Rule::namespace_name => "an identifier",
        Rule::def_name => "a name (without dots)",
        Rule::enum_value => "an enum value",
        Rule::xsd_attrs | Rule::kw_xsd_optional | Rule::kw_xsd_nillable | Rule::kw_xsd_attrs => "`xsd_*`",
        Rule::kw_xsd_all => "`xsd_all`",
        _ => "something else",
    }
}

struct Builder<'a> {
    file: &'a Arc<str>,
    source: &'a str,
    options: &'a ParseOptions,
    /// `source` with comments blanked: what pest parses.
    text: &'a str,
    docs: DocComments,
    /// Offset in `source` of the text the current pairs were parsed from.
    base: usize,
}

/// How many of `pairs` are `rule`: the builder sizes its vectors exactly,
/// because fields are large and lists of them short (one to a few
/// arguments), so growth by doubling wasted about half of a tree's memory.
fn children<'i>(pairs: &(impl Iterator<Item = Pair<'i, Rule>> + Clone), rule: Rule) -> usize {
    pairs.clone().filter(|p| p.as_rule() == rule).count()
}

impl Builder<'_> {
    /// The span of `pair` in the whole text.
    fn span_of(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span_of(&p) }
    }

    #[cold]
    fn error(&self, span: Span, message: impl Into<String>) -> IdlError {
        IdlError::at(IdlErrorKind::Syntax, self.file, self.source, span, message)
    }

    fn doc(&self, pair: &Pair<'_, Rule>) -> Option<String> {
        self.docs.before(self.text, self.base + pair.as_span().start())
    }

    /// Adds one header or definition to `doc`.
    fn item(&self, doc: &mut Document, p: Pair<'_, Rule>) -> Result<(), IdlError> {
        let span = self.span_of(&p);
        let is_header = matches!(p.as_rule(), Rule::include | Rule::cpp_include | Rule::namespace);
        if is_header && !doc.definitions.is_empty() {
            let keyword = p.as_str().split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or("");
            return Err(self.error(span, format!("`{keyword}` must come before the first definition")));
        }
        match p.as_rule() {
            Rule::include => {
                let path = self.literal(p.into_inner().nth(1).expect("include has a path"))?;
                doc.includes.push(Include { path, span });
            }
            Rule::cpp_include => {
                doc.cpp_includes.push(self.literal(p.into_inner().nth(1).expect("cpp_include has a path"))?);
            }
            Rule::namespace => {
                let mut inner = p.into_inner().skip(1);
                let scope = self.ident(inner.next().expect("namespace scope"));
                let name = self.ident(inner.next().expect("namespace name").into_inner().next().expect("identifier"));
                let annotations = self.opt_annotations(inner.next())?;
                doc.namespaces.push(Namespace { scope, name, annotations, span });
            }
            Rule::const_def => doc.definitions.push(Definition::Const(self.const_def(p)?)),
            Rule::typedef_def => doc.definitions.push(Definition::Typedef(self.typedef_def(p)?)),
            Rule::enum_def => doc.definitions.push(Definition::Enum(self.enum_def(p)?)),
            Rule::struct_def | Rule::exception_def => doc.definitions.push(Definition::Struct(self.struct_def(p)?)),
            Rule::service_def => doc.definitions.push(Definition::Service(self.service_def(p)?)),
            r => unreachable!("unexpected rule {r:?} in an item"),
        }
        Ok(())
    }

    fn const_def(&self, p: Pair<'_, Rule>) -> Result<Const, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut inner = p.into_inner().skip(1);
        let ty = self.field_type(inner.next().expect("const type"))?;
        let name = self.ident(inner.next().expect("const name"));
        let value = self.const_value(inner.next().expect("const value"))?;
        Ok(Const { doc, ty, name, value, span })
    }

    fn typedef_def(&self, p: Pair<'_, Rule>) -> Result<Typedef, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut inner = p.into_inner().skip(1);
        let ty = self.field_type(inner.next().expect("typedef type"))?;
        let name = self.ident(inner.next().expect("typedef name"));
        let annotations = self.opt_annotations(inner.next())?;
        Ok(Typedef { doc, ty, name, annotations, span })
    }

    fn enum_def(&self, p: Pair<'_, Rule>) -> Result<Enum, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut inner = p.into_inner().skip(1);
        let name = self.ident(inner.next().expect("enum name"));
        let mut values = Vec::with_capacity(children(&inner, Rule::enum_value));
        let mut annotations = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::enum_value => {
                    let vspan = self.span_of(&item);
                    let vdoc = self.doc(&item);
                    let mut vi = item.into_inner();
                    let vname = self.ident(vi.next().expect("enum value name"));
                    let mut value = None;
                    let mut vann = Vec::new();
                    for x in vi {
                        match x.as_rule() {
                            Rule::int_constant => value = Some(self.int(&x)?),
                            Rule::annotations => vann = self.annotations(x)?,
                            r => unreachable!("unexpected rule {r:?} in enum value"),
                        }
                    }
                    values.push(EnumValue { doc: vdoc, name: vname, value, annotations: vann, span: vspan });
                }
                Rule::annotations => annotations = self.annotations(item)?,
                r => unreachable!("unexpected rule {r:?} in enum"),
            }
        }
        Ok(Enum { doc, name, values, annotations, span })
    }

    fn struct_def(&self, p: Pair<'_, Rule>) -> Result<Struct, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut inner = p.into_inner();
        let head = inner.next().expect("struct keyword");
        let kind = match head.as_str() {
            "struct" => StructKind::Struct,
            "union" => StructKind::Union,
            _ => StructKind::Exception,
        };
        let name = self.ident(inner.next().expect("struct name"));
        let mut fields = Vec::with_capacity(children(&inner, Rule::field));
        let mut annotations = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::field => fields.push(self.field(item)?),
                Rule::annotations => annotations = self.annotations(item)?,
                Rule::kw_xsd_all => {}
                r => unreachable!("unexpected rule {r:?} in struct"),
            }
        }
        Ok(Struct { doc, kind, name, fields, annotations, span })
    }

    fn service_def(&self, p: Pair<'_, Rule>) -> Result<Service, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut inner = p.into_inner().skip(1);
        let name = self.ident(inner.next().expect("service name"));
        let mut extends = None;
        let mut functions = Vec::with_capacity(children(&inner, Rule::function));
        let mut annotations = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::kw_extends => {}
                Rule::identifier => extends = Some(self.ident(item)),
                Rule::function => functions.push(self.function(item)?),
                Rule::annotations => annotations = self.annotations(item)?,
                r => unreachable!("unexpected rule {r:?} in service"),
            }
        }
        Ok(Service { doc, name, extends, functions, annotations, span })
    }

    fn function(&self, p: Pair<'_, Rule>) -> Result<Function, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut oneway = false;
        let mut returns = None;
        let mut name = None;
        let inner = p.into_inner();
        let mut args = Vec::with_capacity(children(&inner, Rule::field));
        let mut throws = Vec::new();
        let mut annotations = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::function_modifier => oneway = true,
                Rule::function_type => {
                    let t = item.into_inner().next().expect("function type");
                    if t.as_rule() == Rule::field_type {
                        returns = Some(self.field_type(t)?);
                    }
                }
                Rule::identifier => name = Some(self.ident(item)),
                Rule::field => args.push(self.field(item)?),
                Rule::throws => {
                    let fields = item.into_inner();
                    throws.reserve_exact(children(&fields, Rule::field));
                    for f in fields.skip(1) {
                        throws.push(self.field(f)?);
                    }
                }
                Rule::annotations => annotations = self.annotations(item)?,
                r => unreachable!("unexpected rule {r:?} in function"),
            }
        }
        let name = name.expect("function name");
        Ok(Function { doc, oneway, returns, name, args, throws, annotations, span })
    }

    fn field(&self, p: Pair<'_, Rule>) -> Result<Field, IdlError> {
        let span = self.span_of(&p);
        let doc = self.doc(&p);
        let mut id = None;
        let mut requiredness = Requiredness::Default;
        let mut ty = None;
        let mut reference = false;
        let mut name = None;
        let mut default = None;
        let mut annotations = Vec::new();
        for item in p.into_inner() {
            match item.as_rule() {
                Rule::field_id => id = Some(self.int(&item.into_inner().next().expect("field id"))?),
                Rule::requiredness => {
                    requiredness = match item.as_str() {
                        "required" => Requiredness::Required,
                        _ => Requiredness::Optional,
                    }
                }
                Rule::field_type => ty = Some(self.field_type(item)?),
                Rule::reference => reference = true,
                Rule::identifier => name = Some(self.ident(item)),
                Rule::const_value => default = Some(self.const_value(item)?),
                Rule::kw_xsd_optional | Rule::kw_xsd_nillable | Rule::xsd_attrs => {}
                Rule::annotations => annotations = self.annotations(item)?,
                r => unreachable!("unexpected rule {r:?} in field"),
            }
        }
        Ok(Field {
            doc,
            id,
            requiredness,
            ty: ty.expect("field type"),
            reference,
            name: name.expect("field name"),
            default,
            annotations,
            span,
        })
    }

    fn field_type(&self, p: Pair<'_, Rule>) -> Result<FieldType, IdlError> {
        let span = self.span_of(&p);
        let mut inner = p.into_inner();
        let head = inner.next().expect("type");
        let annotations_pair = inner.next();
        if head.as_rule() == Rule::identifier
            && BaseType::from_keyword(head.as_str()).is_none()
            && let Some(a) = &annotations_pair
        {
            return Err(self.error(
                self.span_of(a),
                format!("annotations may follow a base or container type, not the type name `{}`", head.as_str()),
            ));
        }
        let annotations = self.opt_annotations(annotations_pair)?;
        let kind = match head.as_rule() {
            Rule::identifier => match BaseType::from_keyword(head.as_str()) {
                Some(base) => FieldTypeKind::Base(base),
                None => FieldTypeKind::Named(self.ident(head)),
            },
            Rule::list_type | Rule::set_type => {
                let is_list = head.as_rule() == Rule::list_type;
                let mut elem = None;
                let mut cpp = None;
                for x in head.into_inner() {
                    match x.as_rule() {
                        Rule::field_type => elem = Some(Box::new(self.field_type(x)?)),
                        Rule::cpp_type => cpp = Some(self.literal(x.into_inner().nth(1).expect("cpp_type literal"))?),
                        _ => {}
                    }
                }
                let elem = elem.expect("element type");
                if is_list { FieldTypeKind::List(elem, cpp) } else { FieldTypeKind::Set(elem, cpp) }
            }
            Rule::map_type => {
                let mut types = Vec::new();
                let mut cpp = None;
                for x in head.into_inner() {
                    match x.as_rule() {
                        Rule::field_type => types.push(self.field_type(x)?),
                        Rule::cpp_type => cpp = Some(self.literal(x.into_inner().nth(1).expect("cpp_type literal"))?),
                        _ => {}
                    }
                }
                let v = types.pop().expect("map value type");
                let k = types.pop().expect("map key type");
                FieldTypeKind::Map(Box::new(k), Box::new(v), cpp)
            }
            r => unreachable!("unexpected rule {r:?} in type"),
        };
        Ok(FieldType { kind, annotations, span })
    }

    fn const_value(&self, p: Pair<'_, Rule>) -> Result<ConstValue, IdlError> {
        let span = self.span_of(&p);
        let inner = p.into_inner().next().expect("const value");
        let kind = match inner.as_rule() {
            Rule::int_constant => ConstValueKind::Int(self.int(&inner)?),
            Rule::double_constant => {
                let text = inner.as_str();
                let v: f64 = text.parse().map_err(|_| self.error(span, format!("invalid number `{text}`")))?;
                ConstValueKind::Double(v)
            }
            Rule::bool_constant => ConstValueKind::Int(i64::from(inner.as_str() == "true")),
            Rule::literal => ConstValueKind::Literal(self.literal(inner)?.value),
            Rule::const_ref => ConstValueKind::Ref(self.ident(inner.into_inner().next().expect("identifier"))),
            Rule::const_list => {
                ConstValueKind::List(inner.into_inner().map(|x| self.const_value(x)).collect::<Result<_, _>>()?)
            }
            Rule::const_map => {
                let mut entries = Vec::new();
                for e in inner.into_inner() {
                    let mut kv = e.into_inner();
                    let k = self.const_value(kv.next().expect("map key"))?;
                    let v = self.const_value(kv.next().expect("map value"))?;
                    entries.push((k, v));
                }
                ConstValueKind::Map(entries)
            }
            r => unreachable!("unexpected rule {r:?} in const value"),
        };
        Ok(ConstValue { kind, span })
    }

    fn int(&self, p: &Pair<'_, Rule>) -> Result<i64, IdlError> {
        let text = p.as_str();
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let magnitude = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
            u64::from_str_radix(hex, 16).ok()
        } else {
            digits.parse::<u64>().ok()
        };
        let value = magnitude.and_then(|m| if negative { 0i64.checked_sub_unsigned(m) } else { i64::try_from(m).ok() });
        value.ok_or_else(|| {
            IdlError::at(
                IdlErrorKind::BadConstant,
                self.file,
                self.source,
                self.span_of(p),
                format!("integer `{text}` does not fit in 64 bits"),
            )
        })
    }

    fn literal(&self, p: Pair<'_, Rule>) -> Result<Literal, IdlError> {
        let span = self.span_of(&p);
        let body = p.into_inner().next().expect("literal body");
        let raw = body.as_str();
        let base = self.base + body.as_span().start();
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let (_, e) = chars.next().expect("grammar guarantees a character after `\\`");
                    value.push(match e {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '"' => '"',
                        '\'' => '\'',
                        '\\' => '\\',
                        other => {
                            return Err(self.error(
                                Span::new(base + i, base + i + 2),
                                format!("bad escape character `\\{other}` in a string literal"),
                            ));
                        }
                    });
                }
                '\n' if !self.options.multiline_literals => {
                    return Err(self.error(
                        Span::new(base + i, base + i + 1),
                        "newline inside a string literal (Apache Thrift rejects it; thriftgo's dialect allows it)",
                    ));
                }
                c => value.push(c),
            }
        }
        Ok(Literal { value, span })
    }

    fn opt_annotations(&self, p: Option<Pair<'_, Rule>>) -> Result<Vec<Annotation>, IdlError> {
        match p {
            Some(p) => self.annotations(p),
            None => Ok(Vec::new()),
        }
    }

    fn annotations(&self, p: Pair<'_, Rule>) -> Result<Vec<Annotation>, IdlError> {
        debug_assert_eq!(p.as_rule(), Rule::annotations);
        p.into_inner()
            .map(|a| {
                let span = self.span_of(&a);
                let mut inner = a.into_inner();
                let key = self.ident(inner.next().expect("annotation key"));
                let value = inner.next().map(|v| self.literal(v)).transpose()?;
                Ok(Annotation { key, value, span })
            })
            .collect()
    }
}
