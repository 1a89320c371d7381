//! Property: printing a syntax tree and parsing the text gives the same tree
//! (spans compare equal by design). Random documents cover every kind of
//! definition, type and constant, doc comments, annotations, implicit ids
//! and keyword field names. `PROPTEST_CASES` raises the case count.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use thriftjit::idl::ast::*;
use thriftjit::idl::{ParseOptions, parse};

/// Cases per property by default: enough to cover the grammar's shapes,
/// few enough that `cargo test` stays fast.
const CASES: u32 = 96;

/// Words the grammar reserves: never a definition name, type name or
/// constant reference (they would parse as something else).
const RESERVED: &[&str] = &[
    "include",
    "cpp_include",
    "namespace",
    "const",
    "typedef",
    "enum",
    "struct",
    "union",
    "exception",
    "service",
    "extends",
    "oneway",
    "async",
    "void",
    "throws",
    "required",
    "optional",
    "map",
    "set",
    "list",
    "cpp_type",
    "xsd_all",
    "xsd_optional",
    "xsd_nillable",
    "xsd_attrs",
    "bool",
    "byte",
    "i8",
    "i16",
    "i32",
    "i64",
    "double",
    "string",
    "binary",
    "uuid",
    "true",
    "false",
];

/// Keywords that are still valid field names (Apache Thrift 0.17+).
const KEYWORD_FIELD_NAMES: &[&str] = &["string", "required", "oneway", "service", "map", "list", "binary", "throws"];

fn span() -> Span {
    Span::default()
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,7}".prop_filter("not a reserved word", |s| !RESERVED.contains(&s.as_str()))
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident { name, span: span() })
}

/// A name that may be include-qualified (`module.Name`).
fn dotted_ident() -> impl Strategy<Value = Ident> {
    (proptest::option::weighted(0.3, name()), name()).prop_map(|(module, n)| Ident {
        name: match module {
            Some(m) => format!("{m}.{n}"),
            None => n,
        },
        span: span(),
    })
}

fn field_name() -> impl Strategy<Value = Ident> {
    prop_oneof![
        4 => ident(),
        1 => proptest::sample::select(KEYWORD_FIELD_NAMES).prop_map(|k| Ident { name: k.to_string(), span: span() }),
    ]
}

/// String contents, with the characters that need escapes and some that
/// look like syntax (comments, brackets, quotes).
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => "[a-zA-Z0-9 ]",
            1 => proptest::sample::select(vec!["\"", "'", "\\", "\n", "\r", "\t", "/**", "*/", "//", "#", "<<", "[", "{", "é", "✓"])
                .prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn literal() -> impl Strategy<Value = Literal> {
    text().prop_map(|value| Literal { value, span: span() })
}

/// Doc comments as the parser leaves them: lines of words, trimmed at the
/// end; a line may start with `*` or with spaces (kept after the ` * ` the
/// printer adds), and the whole text is trimmed.
fn doc() -> impl Strategy<Value = Option<String>> {
    let line =
        (proptest::sample::select(vec!["", "", "", "*", "  ", "- "]), proptest::collection::vec("[a-z]{1,8}", 1..5))
            .prop_map(|(lead, words)| format!("{lead}{}", words.join(" ")));
    proptest::option::weighted(
        0.3,
        proptest::collection::vec(line, 1..3).prop_map(|lines| lines.join("\n").trim().to_string()),
    )
}

fn annotations() -> impl Strategy<Value = Vec<Annotation>> {
    proptest::collection::vec(
        (dotted_ident(), proptest::option::weighted(0.8, literal())).prop_map(|(key, value)| Annotation {
            key,
            value,
            span: span(),
        }),
        0..3,
    )
}

/// Annotations, but mostly none, where they would otherwise swamp the text.
fn few_annotations() -> impl Strategy<Value = Vec<Annotation>> {
    prop_oneof![3 => Just(Vec::new()), 1 => annotations()]
}

fn base_type() -> impl Strategy<Value = BaseType> {
    proptest::sample::select(vec![
        BaseType::Bool,
        BaseType::I8,
        BaseType::I16,
        BaseType::I32,
        BaseType::I64,
        BaseType::Double,
        BaseType::String,
        BaseType::Binary,
        BaseType::Uuid,
    ])
}

fn field_type() -> impl Strategy<Value = FieldType> {
    let leaf = prop_oneof![
        (base_type(), few_annotations()).prop_map(|(b, annotations)| FieldType {
            kind: FieldTypeKind::Base(b),
            annotations,
            span: span()
        }),
        // The grammar has no annotations after a type name.
        dotted_ident().prop_map(|n| FieldType { kind: FieldTypeKind::Named(n), annotations: Vec::new(), span: span() }),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        let cpp = || proptest::option::weighted(0.2, literal());
        prop_oneof![
            (inner.clone(), cpp()).prop_map(|(e, c)| FieldTypeKind::List(Box::new(e), c)),
            (inner.clone(), cpp()).prop_map(|(e, c)| FieldTypeKind::Set(Box::new(e), c)),
            (inner.clone(), inner, cpp()).prop_map(|(k, v, c)| FieldTypeKind::Map(Box::new(k), Box::new(v), c)),
        ]
        .prop_flat_map(|kind| {
            few_annotations().prop_map(move |annotations| FieldType { kind: kind.clone(), annotations, span: span() })
        })
    })
}

fn const_value() -> impl Strategy<Value = ConstValue> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(ConstValueKind::Int),
        prop_oneof![
            any::<f64>().prop_filter("NaN never equals itself", |d| !d.is_nan()),
            (-1000i32..1000, 0u32..1000).prop_map(|(a, b)| f64::from(a) + f64::from(b) / 1000.0),
        ]
        .prop_map(ConstValueKind::Double),
        text().prop_map(ConstValueKind::Literal),
        dotted_ident().prop_map(ConstValueKind::Ref),
    ]
    .prop_map(|kind| ConstValue { kind, span: span() });
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(ConstValueKind::List),
            proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(ConstValueKind::Map),
        ]
        .prop_map(|kind| ConstValue { kind, span: span() })
    })
}

fn requiredness() -> impl Strategy<Value = Requiredness> {
    proptest::sample::select(vec![Requiredness::Default, Requiredness::Required, Requiredness::Optional])
}

fn field() -> impl Strategy<Value = Field> {
    (
        doc(),
        proptest::option::weighted(0.8, prop_oneof![4 => 1i64..100, 1 => any::<i64>()]),
        requiredness(),
        field_type(),
        any::<bool>(),
        field_name(),
        proptest::option::weighted(0.2, const_value()),
        few_annotations(),
    )
        .prop_map(|(doc, id, requiredness, ty, reference, name, default, annotations)| Field {
            doc,
            id,
            requiredness,
            ty,
            reference,
            name,
            default,
            annotations,
            span: span(),
        })
}

fn fields(max: usize) -> impl Strategy<Value = Vec<Field>> {
    proptest::collection::vec(field(), 0..max)
}

fn function() -> impl Strategy<Value = Function> {
    (
        doc(),
        any::<bool>(),
        proptest::option::weighted(0.7, field_type()),
        ident(),
        fields(4),
        fields(3),
        few_annotations(),
    )
        .prop_map(|(doc, oneway, returns, name, args, throws, annotations)| Function {
            doc,
            oneway,
            returns,
            name,
            args,
            throws,
            annotations,
            span: span(),
        })
}

fn definition() -> impl Strategy<Value = Definition> {
    prop_oneof![
        (doc(), field_type(), ident(), const_value()).prop_map(|(doc, ty, name, value)| Definition::Const(Const {
            doc,
            ty,
            name,
            value,
            span: span()
        })),
        (doc(), field_type(), ident(), few_annotations()).prop_map(|(doc, ty, name, annotations)| {
            Definition::Typedef(Typedef { doc, ty, name, annotations, span: span() })
        }),
        (
            doc(),
            ident(),
            proptest::collection::vec(
                (doc(), ident(), proptest::option::of(any::<i64>()), few_annotations()).prop_map(
                    |(doc, name, value, annotations)| EnumValue { doc, name, value, annotations, span: span() }
                ),
                0..5
            ),
            few_annotations()
        )
            .prop_map(|(doc, name, values, annotations)| Definition::Enum(Enum {
                doc,
                name,
                values,
                annotations,
                span: span()
            })),
        (
            doc(),
            proptest::sample::select(vec![StructKind::Struct, StructKind::Union, StructKind::Exception]),
            ident(),
            fields(6),
            few_annotations()
        )
            .prop_map(|(doc, kind, name, fields, annotations)| Definition::Struct(Struct {
                doc,
                kind,
                name,
                fields,
                annotations,
                span: span()
            })),
        (
            doc(),
            ident(),
            proptest::option::weighted(0.3, dotted_ident()),
            proptest::collection::vec(function(), 0..4),
            few_annotations()
        )
            .prop_map(|(doc, name, extends, functions, annotations)| Definition::Service(Service {
                doc,
                name,
                extends,
                functions,
                annotations,
                span: span()
            })),
    ]
}

fn document() -> impl Strategy<Value = Document> {
    let namespace = (
        prop_oneof![1 => Just("*".to_string()), 3 => dotted_ident().prop_map(|i| i.name)],
        dotted_ident(),
        few_annotations(),
    )
        .prop_map(|(scope, name, annotations)| Namespace {
            scope: Ident { name: scope, span: span() },
            name,
            annotations,
            span: span(),
        });
    (
        proptest::collection::vec(literal().prop_map(|path| Include { path, span: span() }), 0..2),
        proptest::collection::vec(literal(), 0..2),
        proptest::collection::vec(namespace, 0..3),
        proptest::collection::vec(definition(), 0..6),
    )
        .prop_map(|(includes, cpp_includes, namespaces, definitions)| Document {
            includes,
            cpp_includes,
            namespaces,
            definitions,
        })
}

/// [`CASES`], unless `PROPTEST_CASES` asks for another count.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    // Failing cases are saved beside this file (`roundtrip.regressions`) and replayed first.
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::with_cases(cases)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_documents_parse_back_to_the_same_tree(doc in document()) {
        let file: Arc<str> = Arc::from("roundtrip.thrift");
        let text = doc.to_string();
        if std::env::var_os("ROUNDTRIP_SHOW").is_some() {
            eprintln!("{text}\n----");
        }
        let parsed = parse(&file, &text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("printed text does not parse: {e}\n--- text ---\n{text}"));
        prop_assert_eq!(&parsed, &doc, "text:\n{}", text);
        // Printing is stable: the re-parsed tree prints the same text.
        prop_assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn corpus_files_survive_a_print_and_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join("idl");
    let file: Arc<str> = Arc::from("corpus.thrift");
    for entry in std::fs::read_dir(dir).expect("corpus folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "thrift") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable");
        let doc = parse(&file, &source, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let printed = doc.to_string();
        let again = parse(&file, &printed, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_eq!(again, doc, "{}", path.display());
    }
}

#[test]
fn exponent_like_names_stay_names() {
    // `e10` is an identifier and `1e10` a double, as in the reference lexer;
    // the first grammar read `e10` as a double, so a constant referring to a
    // constant named `e10` did not survive a print and parse.
    let file: Arc<str> = Arc::from("names.thrift");
    let doc = parse(&file, "const i32 X = e10\nconst double Y = 1e10\nconst double Z = .5", &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let values: Vec<&ConstValueKind> = doc
        .definitions
        .iter()
        .map(|d| match d {
            Definition::Const(c) => &c.value.kind,
            other => panic!("a constant, not {other:?}"),
        })
        .collect();
    assert!(matches!(values[0], ConstValueKind::Ref(r) if r.name == "e10"), "{values:?}");
    assert_eq!(values[1], &ConstValueKind::Double(1e10));
    assert_eq!(values[2], &ConstValueKind::Double(0.5));
}
