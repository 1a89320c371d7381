//! [`Document`] → IDL text. Parsing the printed text gives back an equal
//! tree (the property tests check it), so tools can rewrite IDL.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;

impl Display for Document {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for inc in &self.includes {
            writeln!(f, "include {}", Quoted(&inc.path.value))?;
        }
        for inc in &self.cpp_includes {
            writeln!(f, "cpp_include {}", Quoted(&inc.value))?;
        }
        for ns in &self.namespaces {
            writeln!(f, "namespace {} {}{}", ns.scope.name, ns.name.name, Annotations(&ns.annotations))?;
        }
        for def in &self.definitions {
            writeln!(f)?;
            match def {
                Definition::Const(c) => {
                    write_doc(f, &c.doc, "")?;
                    writeln!(f, "const {} {} = {}", c.ty, c.name.name, c.value)?;
                }
                Definition::Typedef(t) => {
                    write_doc(f, &t.doc, "")?;
                    writeln!(f, "typedef {} {}{}", t.ty, t.name.name, Annotations(&t.annotations))?;
                }
                Definition::Enum(e) => {
                    write_doc(f, &e.doc, "")?;
                    writeln!(f, "enum {} {{", e.name.name)?;
                    for v in &e.values {
                        write_doc(f, &v.doc, "  ")?;
                        write!(f, "  {}", v.name.name)?;
                        if let Some(n) = v.value {
                            write!(f, " = {n}")?;
                        }
                        writeln!(f, "{},", Annotations(&v.annotations))?;
                    }
                    writeln!(f, "}}{}", Annotations(&e.annotations))?;
                }
                Definition::Struct(s) => {
                    write_doc(f, &s.doc, "")?;
                    let kw = match s.kind {
                        StructKind::Struct => "struct",
                        StructKind::Union => "union",
                        StructKind::Exception => "exception",
                    };
                    writeln!(f, "{kw} {} {{", s.name.name)?;
                    for field in &s.fields {
                        write_doc(f, &field.doc, "  ")?;
                        writeln!(f, "  {field}")?;
                    }
                    writeln!(f, "}}{}", Annotations(&s.annotations))?;
                }
                Definition::Service(s) => {
                    write_doc(f, &s.doc, "")?;
                    write!(f, "service {}", s.name.name)?;
                    if let Some(base) = &s.extends {
                        write!(f, " extends {}", base.name)?;
                    }
                    writeln!(f, " {{")?;
                    for func in &s.functions {
                        write_doc(f, &func.doc, "  ")?;
                        write!(f, "  ")?;
                        if func.oneway {
                            write!(f, "oneway ")?;
                        }
                        match &func.returns {
                            Some(t) => write!(f, "{t} ")?,
                            None => write!(f, "void ")?,
                        }
                        write!(f, "{}(", func.name.name)?;
                        write_fields(f, &func.args)?;
                        write!(f, ")")?;
                        if !func.throws.is_empty() {
                            write!(f, " throws (")?;
                            write_fields(f, &func.throws)?;
                            write!(f, ")")?;
                        }
                        writeln!(f, "{}", Annotations(&func.annotations))?;
                    }
                    writeln!(f, "}}{}", Annotations(&s.annotations))?;
                }
            }
        }
        Ok(())
    }
}

/// A doc comment on lines of its own. Each line gets ` * `, which the parser
/// strips again, so a line may itself start with `*` or with spaces.
fn write_doc(f: &mut Formatter<'_>, doc: &Option<String>, indent: &str) -> fmt::Result {
    if let Some(doc) = doc {
        writeln!(f, "{indent}/**")?;
        for line in doc.lines() {
            writeln!(f, "{indent} * {}", line.replace("*/", "* /"))?;
        }
        writeln!(f, "{indent} */")?;
    }
    Ok(())
}

/// A doc comment before an argument: on the same line when that reads back
/// the same (one line, not starting with `*`), else in the block form.
fn write_inline_doc(f: &mut Formatter<'_>, doc: &str) -> fmt::Result {
    if !doc.contains('\n') && !doc.starts_with('*') {
        return write!(f, "/** {} */ ", doc.replace("*/", "* /"));
    }
    write!(f, "/**")?;
    for line in doc.lines() {
        write!(f, "\n * {}", line.replace("*/", "* /"))?;
    }
    write!(f, "\n */ ")
}

fn write_fields(f: &mut Formatter<'_>, fields: &[Field]) -> fmt::Result {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        if let Some(doc) = &field.doc {
            write_inline_doc(f, doc)?;
        }
        write!(f, "{field}")?;
    }
    Ok(())
}

impl Display for Field {
    /// One field without its doc comment or trailing separator.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(id) = self.id {
            write!(f, "{id}: ")?;
        }
        match self.requiredness {
            Requiredness::Required => write!(f, "required ")?,
            Requiredness::Optional => write!(f, "optional ")?,
            Requiredness::Default => {}
        }
        write!(f, "{}", self.ty)?;
        if self.reference {
            write!(f, "&")?;
        }
        write!(f, " {}", self.name.name)?;
        if let Some(d) = &self.default {
            write!(f, " = {d}")?;
        }
        write!(f, "{}", Annotations(&self.annotations))
    }
}

impl Display for FieldType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let cpp = |f: &mut Formatter<'_>, c: &Option<Literal>| match c {
            Some(c) => write!(f, " cpp_type {}", Quoted(&c.value)),
            None => Ok(()),
        };
        match &self.kind {
            FieldTypeKind::Base(b) => write!(f, "{}", b.keyword())?,
            FieldTypeKind::Named(n) => write!(f, "{}", n.name)?,
            FieldTypeKind::List(e, c) => {
                write!(f, "list")?;
                cpp(f, c)?;
                write!(f, "<{e}>")?;
            }
            FieldTypeKind::Set(e, c) => {
                write!(f, "set")?;
                cpp(f, c)?;
                write!(f, "<{e}>")?;
            }
            FieldTypeKind::Map(k, v, c) => {
                write!(f, "map")?;
                cpp(f, c)?;
                write!(f, "<{k}, {v}>")?;
            }
        }
        write!(f, "{}", Annotations(&self.annotations))
    }
}

impl Display for ConstValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ConstValueKind::Int(i) => write!(f, "{i}"),
            // A literal too big for a double parses as an infinity (as
            // `strtod` gives the reference compiler); print one that does.
            ConstValueKind::Double(d) if d.is_infinite() => write!(f, "{}1e999", if *d < 0.0 { "-" } else { "" }),
            ConstValueKind::Double(d) => {
                // `{:?}` keeps a `.0` or an exponent, so the value re-parses as a double.
                let text = format!("{d:?}");
                if text.contains(['.', 'e', 'E']) { write!(f, "{text}") } else { write!(f, "{text}.0") }
            }
            ConstValueKind::Literal(s) => write!(f, "{}", Quoted(s)),
            ConstValueKind::Ref(r) => write!(f, "{}", r.name),
            ConstValueKind::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            ConstValueKind::Map(entries) => {
                write!(f, "{{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

/// Annotations in parentheses, with a leading space; nothing when empty.
struct Annotations<'a>(&'a [Annotation]);

impl Display for Annotations<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        write!(f, " (")?;
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{}", a.key.name)?;
            if let Some(v) = &a.value {
                write!(f, " = {}", Quoted(&v.value))?;
            }
        }
        write!(f, ")")
    }
}

/// A string literal with the escapes the grammar knows.
struct Quoted<'a>(&'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}
