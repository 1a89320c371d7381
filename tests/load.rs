//! Loading file sets: from an in-memory map with relative includes,
//! subfolders and `-I`-style include folders; and facts of the resolved
//! schema that the corpus files pin down (implicit ids, recursive types,
//! limits).

mod common;

use std::collections::HashMap;

use thriftjit::idl::IdlErrorKind;
use thriftjit::schema::{ConstValue, Loader, Schema, StructKind, Type};

fn map(files: &[(&str, &str)]) -> HashMap<String, String> {
    files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn load_map_follows_relative_includes_and_subfolders() {
    let files = map(&[
        (
            "api/service.thrift",
            "include \"../common/base.thrift\"\ninclude \"model/user.thrift\"\nservice Users { user.User get(1: base.Id id) throws (1: base.Oops oops) }",
        ),
        (
            "api/model/user.thrift",
            "include \"../../common/base.thrift\"\nstruct User { 1: base.Id id, 2: string name }",
        ),
        ("common/base.thrift", "typedef i64 Id\nexception Oops { 1: string why }"),
    ]);
    let schema = Loader::new().load_map("api/service.thrift", &files).unwrap_or_else(|e| panic!("{e}"));
    // base.thrift is reached twice, by two paths, and loaded once.
    let paths: Vec<&str> = schema.files().iter().map(|f| &*f.path).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(paths[0], "api/service.thrift");
    assert!(paths.contains(&"common/base.thrift") && paths.contains(&"api/model/user.thrift"), "{paths:?}");
    let users = schema.service_by_name("Users").expect("Users");
    let get = schema.find_method(users, "get").expect("get");
    assert_eq!(get.returns, Some(Type::Struct(schema.struct_by_name("user.User").expect("user.User"))));
    let args = schema.struct_type(get.args);
    assert_eq!(args.fields[0].ty, Type::I64);
    let user = schema.struct_type(schema.struct_by_name("user.User").expect("user.User"));
    assert_eq!(user.fields[0].ty, Type::I64, "typedef across an include inside an include");
}

#[test]
fn load_map_searches_include_dirs_after_the_including_folder() {
    let files = map(&[
        (
            "main.thrift",
            "include \"shared.thrift\"\ninclude \"deep/only_in_dir.thrift\"\nstruct S { 1: shared.T t, 2: only_in_dir.U u }",
        ),
        ("shared.thrift", "struct T { 1: i32 local }"),
        ("idl/shared.thrift", "struct T { 1: string from_include_dir }"),
        ("idl/deep/only_in_dir.thrift", "struct U { 1: i32 x }"),
    ]);
    let schema = Loader::new().include_dir("idl").load_map("main.thrift", &files).unwrap_or_else(|e| panic!("{e}"));
    // The including file's own folder wins over the include folder.
    let t = schema.struct_type(schema.struct_by_name("shared.T").expect("shared.T"));
    assert_eq!(&*t.fields[0].name, "local");
    assert!(schema.struct_by_name("only_in_dir.U").is_some());
    // Without the include folder, the second include is missing, at its position.
    let e = Loader::new().load_map("main.thrift", &files).expect_err("not found without -I");
    assert_eq!(e.kind(), IdlErrorKind::Io);
    assert_eq!((e.file(), e.line(), e.column()), ("main.thrift", 2, 1), "{e}");
    assert!(e.message().contains("deep/only_in_dir.thrift"), "{e}");
}

#[test]
fn load_map_reports_cycles_and_missing_main() {
    let files = map(&[
        ("a.thrift", "include \"sub/b.thrift\"\nstruct A {}"),
        ("sub/b.thrift", "\n\ninclude \"../a.thrift\"\nstruct B {}"),
    ]);
    let e = Loader::new().load_map("a.thrift", &files).expect_err("a cycle");
    assert_eq!(e.kind(), IdlErrorKind::IncludeCycle);
    assert_eq!((e.file(), e.line(), e.column()), ("sub/b.thrift", 3, 1), "{e}");
    let e = Loader::new().load_map("nothing.thrift", &files).expect_err("no main file");
    assert_eq!((e.kind(), e.file()), (IdlErrorKind::Io, "nothing.thrift"));
    let self_include = map(&[("self.thrift", "include \"./self.thrift\"")]);
    let e = Loader::new().load_map("self.thrift", &self_include).expect_err("includes itself");
    assert_eq!(e.kind(), IdlErrorKind::IncludeCycle);
}

#[test]
fn errors_in_included_files_name_that_file() {
    let files =
        map(&[("main.thrift", "include \"inc/bad.thrift\"\n"), ("inc/bad.thrift", "struct X {\n  1: Missing m\n}")]);
    let e = Loader::new().load_map("main.thrift", &files).expect_err("unknown type in the include");
    assert_eq!((e.file(), e.line(), e.column()), ("inc/bad.thrift", 2, 6), "{e}");
}

#[test]
fn implicit_field_ids_count_down_from_minus_one() {
    let schema = Schema::load(common::corpus_idl().join("everything.thrift")).unwrap_or_else(|e| panic!("{e}"));
    let everything = schema.struct_type(schema.struct_by_name("Everything").expect("Everything"));
    assert_eq!(everything.field_by_name("implicit_one").map(|f| f.id), Some(-1));
    assert_eq!(everything.field_by_name("implicit_two").map(|f| f.id), Some(-2));
    let args = schema.struct_type(schema.struct_by_name("Catalog.implicit_args_args").expect("args"));
    let ids: Vec<i16> = args.fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, [-1, -2], "the counter restarts for each field list");
    // A non-positive explicit id is replaced too, as the reference compiler does.
    let schema = Schema::parse_str("ids.thrift", "struct S { 0: i32 zero, i32 none, 5: i32 five, -3: i32 neg }")
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<i16> = schema.structs()[0].fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, [-1, -2, 5, -3]);
}

#[test]
fn recursive_types_resolve() {
    let schema = Schema::load(common::corpus_idl().join("recursive.thrift")).unwrap_or_else(|e| panic!("{e}"));
    let node = schema.struct_by_name("Node").expect("Node");
    let next = &schema.struct_type(node).fields[1];
    assert_eq!((next.ty.clone(), next.reference), (Type::Struct(node), true));
    let tree = schema.struct_by_name("Tree").expect("Tree");
    assert_eq!(schema.struct_type(tree).fields[1].ty, Type::List(Box::new(Type::Struct(tree))));
    let json = schema.struct_by_name("Json").expect("Json");
    assert_eq!(schema.struct_type(json).kind, StructKind::Union);
    // A default that is a constant of the struct it belongs to.
    let config = schema.struct_type(schema.struct_by_name("Config").expect("Config"));
    assert_eq!(config.fields[1].default, Some(ConstValue::Struct(vec![(1, ConstValue::String("fallback".into()))])));
    let small = schema.consts().iter().find(|c| &*c.name == "SMALL_TREE").expect("SMALL_TREE");
    let ConstValue::Struct(fields) = &small.value else { panic!("a struct constant") };
    let ConstValue::List(children) = &fields[1].1 else { panic!("children") };
    assert_eq!(children.len(), 2);
}

#[test]
fn deep_but_legal_nesting_loads_on_a_test_thread() {
    // Test threads have a 2 MiB stack: the limits must hold well inside it.
    let depth = thriftjit::idl::MAX_NESTING - 2;
    let ty = format!("{}i32{}", "list<".repeat(depth), ">".repeat(depth));
    let value = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!("const {ty} DEEP = {value}\nstruct S {{ 1: {ty} deep = DEEP }}");
    Schema::parse_str("deep.thrift", &text).unwrap_or_else(|e| panic!("{e}"));
    // A chain of typedefs and constants, each naming the next, as deep as allowed.
    let mut text = String::new();
    for i in 0..60 {
        text.push_str(&format!("typedef T{} T{i}\nconst i32 C{i} = C{}\n", i + 1, i + 1));
    }
    text.push_str("typedef i32 T60\nconst i32 C60 = 7\n");
    let schema = Schema::parse_str("chain.thrift", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(schema.consts().iter().all(|c| c.value == ConstValue::Int(7)));
}

#[test]
fn limits_give_positioned_errors_not_crashes() {
    // Brackets thousands deep.
    let deep = format!("const list<i32> X = {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = Schema::parse_str("deep.thrift", &deep).expect_err("too deep");
    assert!(e.message().contains("nest more than"), "{e}");
    // A long chain of typedefs.
    let mut chain = String::new();
    for i in 0..5000 {
        chain.push_str(&format!("typedef T{} T{i}\n", i + 1));
    }
    chain.push_str("typedef i32 T5000\n");
    let e = Schema::parse_str("chain.thrift", &chain).expect_err("too long a chain");
    assert!(e.message().contains("levels deep"), "{e}");
    // Typedefs that nest containers past the limit once expanded.
    let mut nested = String::from("typedef i32 L0\n");
    for i in 1..=40 {
        nested.push_str(&format!("typedef list<list<L{}>> L{i}\n", i - 1));
    }
    let e = Schema::parse_str("nested.thrift", &nested).expect_err("too deep once expanded");
    assert!(e.message().contains("containers deep"), "{e}");
    // Types and constants that double at each step.
    let mut doubling = String::from("typedef i32 M0\nconst list<i32> D0 = [1, 2]\n");
    for i in 1..=40 {
        doubling.push_str(&format!("typedef map<M{0}, M{0}> M{i}\n", i - 1));
    }
    let e = Schema::parse_str("doubling.thrift", &doubling).expect_err("too big a type");
    assert!(e.message().contains("parts once typedefs are expanded"), "{e}");
    let mut consts = String::from("const list<i32> D0 = [1, 2]\n");
    let mut ty = "list<i32>".to_string();
    for i in 1..=40 {
        ty = format!("list<{ty}>");
        consts.push_str(&format!("const {ty} D{i} = [D{0}, D{0}]\n", i - 1));
    }
    let e = Schema::parse_str("consts.thrift", &consts).expect_err("too many copied values");
    assert!(e.message().contains("copy more than"), "{e}");
}

#[test]
fn chains_of_constants_cannot_build_values_deep_enough_to_overflow() {
    // Each constant holds the previous one one level down; resolved in
    // order, no single step recurses deeply, but the values would nest
    // thousands deep.
    let mut text = String::from("struct Tree { 1: list<Tree> children }\nconst Tree T0 = {}\n");
    for i in 1..3000 {
        text.push_str(&format!("const Tree T{i} = {{\"children\": [T{}]}}\n", i - 1));
    }
    let e = Schema::parse_str("chain.thrift", &text).expect_err("too deep");
    assert!(e.message().contains("nest more than"), "{e}");
    // A line comment ended by a lone carriage return ends there, for the
    // nesting check as for the grammar.
    let deep = format!("#\r const list<i32> X = {}{}", "[".repeat(5000), "]".repeat(5000));
    let e = Schema::parse_str("cr.thrift", &deep).expect_err("too deep");
    assert!(e.message().contains("nest more than"), "{e}");
}
