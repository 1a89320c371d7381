//! The third-party IDL corpus in `../shared/idl/` (see its README): every
//! file Apache Thrift 0.25 accepts loads, every file it rejects fails with a
//! positioned error, and a few resolved facts are checked. Skipped, with a
//! notice, when the folder is absent.

mod common;

use std::path::{Path, PathBuf};

use thriftjit::idl::ParseOptions;
use thriftjit::schema::{LoadOptions, Loader, Schema, StructKind, Symbol, Type};

/// Files the shared README says must fail, relative to `../shared/idl/`.
/// A folder (ending in `/`) covers every file under it.
const MUST_FAIL: &[&str] = &[
    "apache-thrift/test/BrokenConstants.thrift",
    "fbthrift/",
    "kitex-examples/bizdemo/kitex_swagger_gen/idl/user.thrift",
];

fn must_fail(relative: &str) -> bool {
    MUST_FAIL.iter().any(|m| if m.ends_with('/') { relative.starts_with(m) } else { relative == *m })
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/")
}

#[test]
fn third_party_idl_loads_or_fails_as_apache_does() {
    let Some(root) = common::shared_idl("third_party_idl_loads_or_fails_as_apache_does") else { return };
    let files = common::thrift_files(&root);
    assert!(files.len() >= 20, "the shared corpus has its files ({})", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let rel = relative(&root, path);
        match (Schema::load(path), must_fail(&rel)) {
            (Ok(_), false) => {}
            (Ok(_), true) => wrong.push(format!("{rel}: loaded, but Apache Thrift rejects it")),
            (Err(e), false) => wrong.push(format!("{rel}: must load:\n{e}")),
            (Err(e), true) => {
                // Positioned, in the file itself (none of these fail in an include).
                let shown = e.to_string();
                let named = std::fs::canonicalize(e.file()).ok() == std::fs::canonicalize(path).ok();
                if !named || e.line() < 2 || !shown.starts_with(&format!("{}:{}:{}: ", e.file(), e.line(), e.column()))
                {
                    wrong.push(format!("{rel}: the error must name the file, line and column:\n{shown}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn broken_constants_fails_at_the_overflowing_integer() {
    let Some(root) = common::shared_idl("broken_constants_fails_at_the_overflowing_integer") else { return };
    let e = Schema::load(root.join("apache-thrift/test/BrokenConstants.thrift")).expect_err("i64 overflow");
    assert!(e.message().contains("does not fit in 64 bits"), "{e}");
    assert_eq!((e.line(), e.column()), (21, 20), "{e}");
}

#[test]
fn kitex_user_thrift_loads_with_multiline_literals() {
    let Some(root) = common::shared_idl("kitex_user_thrift_loads_with_multiline_literals") else { return };
    let path = root.join("kitex-examples/bizdemo/kitex_swagger_gen/idl/user.thrift");
    let e = Schema::load(&path).expect_err("Apache's dialect rejects multi-line literals");
    assert!(e.message().contains("newline inside a string literal"), "{e}");
    let options = LoadOptions { parse: ParseOptions { multiline_literals: true } };
    let schema = Loader::new().options(options).load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!schema.services().is_empty());
}

fn load(root: &Path, relative: &str) -> std::sync::Arc<Schema> {
    let path: PathBuf = root.join(relative);
    Schema::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn thrift_test_has_its_services_and_methods() {
    let Some(root) = common::shared_idl("thrift_test_has_its_services_and_methods") else { return };
    let schema = load(&root, "apache-thrift/test/ThriftTest.thrift");
    let names: Vec<&str> = schema.services().iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["ThriftTest", "SecondService"]);
    let thrift_test = schema.service_by_name("ThriftTest").expect("ThriftTest");
    let second = schema.service_by_name("SecondService").expect("SecondService");
    assert_eq!(schema.service(thrift_test).methods.len(), 23);
    assert_eq!(schema.service(second).methods.len(), 1);
    let oneway = schema.find_method(thrift_test, "testOneway").expect("testOneway");
    assert!(oneway.oneway && oneway.returns.is_none());
    let multi = schema.find_method(thrift_test, "testMultiException").expect("testMultiException");
    let result = schema.struct_type(multi.result);
    let ids: Vec<(i16, &str)> = result.fields.iter().map(|f| (f.id, &*f.name)).collect();
    assert_eq!(ids, [(0, "success"), (1, "err1"), (2, "err2")]);
    // A typedef is followed: `UserId` is an i64.
    let typedef = schema.find_method(thrift_test, "testTypedef").expect("testTypedef");
    assert_eq!(typedef.returns, Some(Type::I64));
}

#[test]
fn synthesized_args_and_result_structs_have_the_right_fields() {
    let Some(root) = common::shared_idl("synthesized_args_and_result_structs_have_the_right_fields") else { return };
    let schema = load(&root, "apache-thrift/test/ThriftTest.thrift");
    let args = schema.struct_by_name("ThriftTest.testString_args").expect("args struct");
    let args = schema.struct_type(args);
    assert_eq!(args.kind, StructKind::Args);
    assert_eq!(args.wire_name(), "testString_args");
    assert_eq!(args.fields.len(), 1);
    assert_eq!((args.fields[0].id, &*args.fields[0].name, &args.fields[0].ty), (1, "thing", &Type::String));
    let result = schema.struct_type(schema.struct_by_name("ThriftTest.testString_result").expect("result struct"));
    assert_eq!(result.kind, StructKind::Result);
    assert_eq!(result.fields.len(), 1);
    assert_eq!((result.fields[0].id, &*result.fields[0].name, &result.fields[0].ty), (0, "success", &Type::String));
    // A void method's result has no `success`; an exception is optional.
    let void = schema.struct_type(schema.struct_by_name("ThriftTest.testException_result").expect("result"));
    assert_eq!(void.fields.len(), 1);
    assert_eq!((void.fields[0].id, &*void.fields[0].name), (1, "err1"));
    assert_eq!(void.fields[0].requiredness, thriftjit::schema::Requiredness::Optional);
    let multi = schema.struct_type(schema.struct_by_name("ThriftTest.testMulti_args").expect("args"));
    let arg_ids: Vec<i16> = multi.fields.iter().map(|f| f.id).collect();
    assert_eq!(arg_ids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(multi.fields[0].ty, Type::I8);
}

#[test]
fn include_resolves_names_across_files() {
    let Some(root) = common::shared_idl("include_resolves_names_across_files") else { return };
    let schema = load(&root, "apache-thrift/test/Include.thrift");
    assert_eq!(schema.files().len(), 2);
    assert_eq!(&*schema.files()[1].module, "ThriftTest");
    let include_test = schema.struct_type(schema.struct_by_name("IncludeTest").expect("IncludeTest"));
    let bools = schema.struct_by_name("ThriftTest.Bools").expect("ThriftTest.Bools across the include");
    assert_eq!(include_test.fields[0].ty, Type::Struct(bools));
    assert_eq!(&*schema.struct_type(bools).name, "ThriftTest.Bools");
    assert!(matches!(schema.lookup("ThriftTest.Xtruct"), Some(Symbol::Struct(_))));
    // The included file's names are only visible qualified.
    assert!(schema.lookup("Xtruct").is_none());
}

#[test]
fn tutorial_calculator_inherits_shared_service() {
    let Some(root) = common::shared_idl("tutorial_calculator_inherits_shared_service") else { return };
    let schema = load(&root, "apache-thrift/tutorial/tutorial.thrift");
    let calculator = schema.service_by_name("Calculator").expect("Calculator");
    let base = schema.service(calculator).extends.expect("extends shared.SharedService");
    assert_eq!(&*schema.service(base).name, "shared.SharedService");
    let get_struct = schema.find_method(calculator, "getStruct").expect("inherited getStruct");
    let returns = get_struct.returns.clone().expect("returns a struct");
    assert_eq!(returns, Type::Struct(schema.struct_by_name("shared.SharedStruct").expect("SharedStruct")));
    let all: Vec<&str> = schema.all_methods(calculator).iter().map(|m| &*m.name).collect();
    assert!(all.ends_with(&["getStruct"]) && all.contains(&"calculate"), "{all:?}");
    // The tutorial's constant map and enum-typed fields resolve too.
    assert!(schema.consts().iter().any(|c| &*c.name == "MAPCONSTANT"));
}

#[test]
fn doc_comments_are_attached() {
    let Some(root) = common::shared_idl("doc_comments_are_attached") else { return };
    let schema = load(&root, "apache-thrift/test/DocTest.thrift");
    let xtruct = schema.struct_type(schema.struct_by_name("Xtruct").expect("Xtruct"));
    assert_eq!(xtruct.doc.as_deref(), Some("And this is where you would document a struct"));
    assert_eq!(xtruct.fields[0].doc.as_deref(), Some("And the members of a struct"));
    assert_eq!(xtruct.fields[1].doc.as_deref(), Some("doct text goes before a comma"));
    assert_eq!(xtruct.fields[2].doc, None);
    let insanity = schema.struct_type(schema.struct_by_name("Insanity").expect("Insanity"));
    assert_eq!(insanity.fields[1].doc.as_deref(), Some("And this is doc for field 2"));
    // Plain comments between a doc comment and its item do not detach it.
    let empty = schema.struct_type(schema.struct_by_name("EmptyStruct").expect("EmptyStruct"));
    assert_eq!(empty.doc.as_deref(), Some("Doc"));
    let service = schema.service(schema.service_by_name("ThriftTest").expect("ThriftTest"));
    assert_eq!(service.doc.as_deref(), Some("This is where you would document a Service"));
    let method = service.methods.iter().find(|m| &*m.name == "testVoid").expect("testVoid");
    assert!(method.doc.as_deref().is_some_and(|d| d.contains("document functions in a service")), "{:?}", method.doc);
}

#[test]
fn implicit_field_ids_count_down_in_apache_test_files() {
    let Some(root) = common::shared_idl("implicit_field_ids_count_down_in_apache_test_files") else { return };
    let schema = load(&root, "apache-thrift/test/Identifiers.thrift");
    let s = schema.struct_type(schema.struct_by_name("NoFieldIdentifiersTest").expect("NoFieldIdentifiersTest"));
    let ids: Vec<(i16, &str)> = s.fields.iter().map(|f| (f.id, &*f.name)).collect();
    assert_eq!(ids, [(-1, "field_without_id1"), (-2, "field_without_id2"), (1, "field_with_id")]);
    let schema = load(&root, "apache-thrift/test/DebugProtoTest.thrift");
    let s = schema.struct_type(schema.struct_by_name("TupleProtocolTestStruct").expect("TupleProtocolTestStruct"));
    let ids: Vec<i16> = s.fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, (1..=12).map(|i| -i).collect::<Vec<i16>>());
}
