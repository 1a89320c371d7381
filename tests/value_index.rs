//! The value API's edges: views of indexes a struct does not have, moving a nested struct
//! out of a message, and which types share a wire shape.

use thriftjit::layout::Layouts;
use thriftjit::schema::Schema;
use thriftjit::value::Message;

#[test]
fn an_index_past_the_last_field_is_not_set() {
    let schema = Schema::parse_str("t.thrift", "struct Empty {} struct One { 1: i32 x = 3 }").unwrap();
    let layouts = Layouts::new(schema.clone());
    let empty = Message::new(layouts.clone(), schema.struct_by_name("Empty").unwrap());
    assert!(!empty.root().is_set_index(0));
    assert!(empty.root().get_index(0).is_none());
    let one = Message::new(layouts, schema.struct_by_name("One").unwrap());
    assert!(one.root().get_index(0).is_some());
    assert!(one.root().get_index(1).is_none() && !one.root().is_set_index(64));
}

const ECHO: &str = r#"
struct Request { 1: string message, 2: i64 id, 3: list<i32> numbers, 4: map<string, string> tags }
struct Response { 1: string message, 2: i64 id, 3: list<i32> numbers, 4: map<string, string> tags }
struct Other { 1: string message, 2: i32 id, 3: list<i32> numbers, 4: map<string, string> tags }
struct Opt { 1: optional string message, 2: i64 id, 3: list<i32> numbers, 4: map<string, string> tags }
union U { 1: string message, 2: i64 id, 3: list<i32> numbers, 4: map<string, string> tags }
struct Node { 1: i32 v, 2: optional Node next }
struct Link { 1: i32 v, 2: optional Link next }
struct Bad { 1: i32 v, 2: optional Node next, 3: bool extra }
service Echo { Response echo(1: Request req) }
"#;

#[test]
fn same_wire_shape_matches_field_for_field_and_follows_recursion() {
    use thriftjit::schema::Type;
    let schema = Schema::parse_str("echo.thrift", ECHO).unwrap();
    let ty = |n: &str| Type::Struct(schema.struct_by_name(n).unwrap());
    assert!(schema.same_wire_shape(&ty("Request"), &ty("Response")));
    assert!(!schema.same_wire_shape(&ty("Request"), &ty("Other")), "an i64 is not an i32");
    assert!(!schema.same_wire_shape(&ty("Request"), &ty("Opt")), "requiredness differs");
    assert!(!schema.same_wire_shape(&ty("Request"), &ty("U")), "a union has its own encode rule");
    assert!(schema.same_wire_shape(&ty("Node"), &ty("Link")), "recursive types match themselves");
    assert!(!schema.same_wire_shape(&ty("Node"), &ty("Bad")));
    assert!(schema.same_wire_shape(&Type::List(Box::new(ty("Node"))), &Type::List(Box::new(ty("Link")))));
    assert!(!schema.same_wire_shape(&Type::List(Box::new(ty("Node"))), &Type::Set(Box::new(ty("Link")))));
}

#[test]
fn into_struct_field_keeps_the_decoded_struct_without_a_copy() {
    use thriftjit::value::Value;
    let schema = Schema::parse_str("echo.thrift", ECHO).unwrap();
    let layouts = Layouts::new(schema.clone());
    let args_ty = schema.struct_by_name("Echo.echo_args").unwrap();
    let req = Value::Struct(vec![
        (1, Value::String("hi".into())),
        (2, Value::I64(7)),
        (3, Value::List(vec![Value::I32(1), Value::I32(2)])),
    ]);
    let args = Message::from_value(layouts.clone(), args_ty, &Value::Struct(vec![(1, req.clone())])).unwrap();
    let arena = args.arena_bytes();
    let inner = args.into_struct_field("req").unwrap();
    assert_eq!(inner.struct_id(), schema.struct_by_name("Request").unwrap());
    assert_eq!(inner.to_value(), req);
    assert_eq!(inner.arena_bytes(), arena, "the arena moved, nothing was copied");
    // Not a set struct field: the message comes back unchanged.
    let empty = Message::new(layouts, args_ty);
    let back = empty.into_struct_field("req").unwrap_err();
    assert_eq!(back.struct_id(), args_ty);
    let back = back.into_struct_field("nope").unwrap_err();
    assert_eq!(back.struct_id(), args_ty);
}
