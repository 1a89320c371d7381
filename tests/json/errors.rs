//! Errors name the JSON path and what was expected against what was found.

use serde_json::json;
use thriftjit::json::{self, JsonErrorKind, Options};
use thriftjit::value::Value;

use super::*;

/// The error of converting `input` to `ty` with `options`, checked to be
/// the same through `to_value` and `to_message`.
fn error_with(ty: &str, input: J, options: &Options) -> json::JsonError {
    let l = rich();
    let id = id(&l, ty);
    let e = json::to_value(l.schema(), id, &input, options).expect_err("conversion fails");
    assert_eq!(json::to_message(&l, id, &input, options).expect_err("conversion fails"), e);
    e
}

fn error(ty: &str, input: J) -> json::JsonError {
    error_with(ty, input, &Options::new())
}

#[track_caller]
fn check(e: &json::JsonError, kind: JsonErrorKind, path: &str, message: &str) {
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.path(), path, "{e}");
    assert!(e.message().contains(message), "`{}` should contain `{message}`", e.message());
    assert_eq!(e.to_string(), format!("{path}: {}", e.message()));
}

#[test]
fn paths_through_lists_and_structs() {
    let e = error("Insanity", json!({"xtructs": [{}, {}, {}, {"string_thing": 12}]}));
    check(&e, JsonErrorKind::Type, "$.xtructs[3].string_thing", "expected a string, found 12");
    let e = error("All", json!({"insanity": {"userMap": {"1": "x"}}}));
    check(&e, JsonErrorKind::Type, "$.insanity.userMap[\"1\"]", "expected i64");
    let e = error("All", json!({"nested": [{}, {"k": [1, "PURPLE"]}]}));
    check(&e, JsonErrorKind::Invalid, "$.nested[1].k[1]", "member of enum `Color` (RED, GREEN, BLUE)");
    let e = error("All", json!({"tree": {"children": [{"next": {"value": true}}]}}));
    check(&e, JsonErrorKind::Type, "$.tree.children[0].next.value", "expected i32, found true");
}

#[test]
fn paths_through_map_pairs() {
    let e = error("All", json!({"by_point": [[{"x": 1}, "a"], [{"x": "one"}, "b"]]}));
    check(&e, JsonErrorKind::Type, "$.by_point[1][0].x", "found the string \"one\"");
    let e = error("All", json!({"by_point": [[{}, 5]]}));
    check(&e, JsonErrorKind::Type, "$.by_point[0][1]", "expected a string, found 5");
    let e = error("All", json!({"by_point": [[{}]]}));
    check(&e, JsonErrorKind::Type, "$.by_point[0]", "expected a [key, value] pair, found an array of 1 element");
    let e = error("All", json!({"by_point": {"a": "b"}}));
    check(&e, JsonErrorKind::Type, "$.by_point", "expected an array of [key, value] pairs (map<Point, string>)");
}

#[test]
fn integer_keys_are_checked() {
    let e = error("All", json!({"by_i32": {"12": "ok", "x": "bad"}}));
    check(&e, JsonErrorKind::Type, "$.by_i32.x", "expected i32 (a number or a string holding an integer)");
    let e = error("All", json!({"deep": {"128": {}}}));
    check(&e, JsonErrorKind::Range, "$.deep[\"128\"]", "128 does not fit in i8");
    let e = error("All", json!({"by_color": {"PINK": 1.0}}));
    check(&e, JsonErrorKind::Invalid, "$.by_color.PINK", "enum `Color`");
}

#[test]
fn integers_are_range_checked() {
    for (field, value, message) in [
        ("i8v", json!(128), "128 does not fit in i8"),
        ("i8v", json!(-129), "-129 does not fit in i8"),
        ("i16v", json!(32768), "32768 does not fit in i16"),
        ("i32v", json!(2147483648_i64), "2147483648 does not fit in i32"),
        ("i32v", json!("-2147483649"), "-2147483649 does not fit in i32"),
        ("i64v", json!(9223372036854775808_u64), "9223372036854775808 does not fit in i64"),
        ("i64v", json!("9223372036854775808"), "9223372036854775808 does not fit in i64"),
        ("i32v", json!(1.5), "expected an integer (i32), found 1.5"),
        ("color", json!(2147483648_i64), "does not fit in Color"),
    ] {
        let e = error("All", json!({ field: value }));
        check(&e, JsonErrorKind::Range, &format!("$.{field}"), message);
    }
}

#[test]
fn shapes_are_checked() {
    for (field, value, message) in [
        ("b", json!(1), "expected a bool, found 1"),
        ("i64v", json!("12a"), "expected i64 (a number or a string holding an integer), found the string \"12a\""),
        ("i64v", json!([1]), "expected i64, found an array of 1 element"),
        ("d", json!("1.5"), "expected a double (a number, \"NaN\", \"Infinity\" or \"-Infinity\")"),
        ("d", json!(null), ""),
        ("s", json!({"a": 1}), "expected a string, found an object"),
        ("point", json!([1, 2]), "expected an object (Point), found an array of 2 elements"),
        ("strings", json!("a"), "expected an array (list<string>), found the string \"a\""),
        ("longs", json!({}), "expected an array (set<i64>), found an object"),
        ("by_name", json!(3), "expected an object (map<string, Point>), found 3"),
        ("color", json!(true), "expected an enum `Color` (a member name or an integer), found true"),
        ("u", json!(7), "expected a uuid string, found 7"),
        ("bin", json!(false), "expected a base64 string (binary), found false"),
    ] {
        let input = json!({ field: value });
        if value.is_null() {
            // null is an absent field, not an error.
            assert!(json::to_value(rich().schema(), id(&rich(), "All"), &input, &Options::new()).is_ok());
            continue;
        }
        let e = error("All", input);
        check(&e, JsonErrorKind::Type, &format!("$.{field}"), message);
    }
}

#[test]
fn invalid_binary_uuid_and_enum_values() {
    let e = error("All", json!({"bin": "not base64!"}));
    check(&e, JsonErrorKind::Invalid, "$.bin", "expected base64 (binary), found the string \"not base64!\"");
    let e = error("All", json!({"blobs": ["AAAA", "A"]}));
    check(&e, JsonErrorKind::Invalid, "$.blobs[1]", "expected base64");
    let e = error("All", json!({"u": "00112233-4455-6677-8899-aabbccddeef"}));
    check(&e, JsonErrorKind::Invalid, "$.u", "expected a uuid (8-4-4-4-12 hex digits)");
    let e = error("All", json!({"u": "0011223344556677-8899-aabbccddeeff"}));
    check(&e, JsonErrorKind::Invalid, "$.u", "expected a uuid");
    let e = error("All", json!({"color": "red"}));
    check(&e, JsonErrorKind::Invalid, "$.color", "found the string \"red\"");
}

#[test]
fn unknown_fields_are_errors_by_default() {
    let e = error("All", json!({"point": {"x": 1, "z": 2}}));
    check(&e, JsonErrorKind::UnknownField, "$.point.z", "`Point` has no field `z`");
    let e = error("All", json!({"no such": 1}));
    check(&e, JsonErrorKind::UnknownField, "$[\"no such\"]", "`All` has no field `no such`");
    assert!(
        error_with("All", json!({"point": {"z": 2}, "b": 3}), &Options::new().ignore_unknown_fields(true))
            .message()
            .contains("expected a bool")
    );
}

#[test]
fn missing_required_fields_are_errors_by_default() {
    let e = error("All", json!({"leaf": {"id": 1}}));
    check(&e, JsonErrorKind::MissingRequired, "$.leaf", "required field `name` of `Leaf` is missing");
    let e = error("Leaf", json!({"name": null}));
    check(&e, JsonErrorKind::MissingRequired, "$", "required field `name`");
    // A required field with an IDL default takes the default.
    let l = everything();
    let m = json::to_message(&l, id(&l, "Everything"), &json!({}), &Options::new());
    assert!(m.is_err_and(|e| e.message().contains("`flag`")), "flag has no default");
}

#[test]
fn unions_take_at_most_one_field() {
    let e = error("All", json!({"shape": {"radius": 1.0, "label": "x"}}));
    check(&e, JsonErrorKind::UnionMultiple, "$.shape", "2 fields of union `Shape` are set (`radius`, `label`)");
    let e = error("Svc.echo_result", json!({"success": {}, "oops": {}}));
    check(&e, JsonErrorKind::UnionMultiple, "$", "union `Svc.echo_result`");
    // null members are absent.
    assert!(
        json::to_value(rich().schema(), id(&rich(), "Shape"), &json!({"radius": 1, "label": null}), &Options::new())
            .is_ok()
    );
}

#[test]
fn the_root_must_be_an_object() {
    let e = error("Point", json!([1, 2]));
    check(&e, JsonErrorKind::Type, "$", "expected an object (Point), found an array of 2 elements");
}

#[test]
fn syntax_errors() {
    let l = rich();
    let e = json::to_message_str(&l, id(&l, "Point"), "{\"x\": 1,}", &Options::new()).unwrap_err();
    assert!(e.is_syntax(), "{e}");
    assert!(e.message().contains("line 1 column 9"), "{e}");
    let e = json::to_message_slice(&l, id(&l, "Point"), b"{} {}", &Options::new()).unwrap_err();
    assert!(e.is_syntax() && e.message().contains("trailing characters"), "{e}");
    let e = json::to_value_str(l.schema(), id(&l, "Point"), "", &Options::new()).unwrap_err();
    assert!(e.is_syntax(), "{e}");
}

#[test]
fn depth_is_limited() {
    let deep = json!({"tree": {"next": {"next": {"next": {"value": 1}}}}});
    let ok = Options::new().max_depth(4);
    assert!(json::to_value(rich().schema(), id(&rich(), "All"), &deep, &ok).is_ok());
    let e = error_with("All", deep, &Options::new().max_depth(3));
    check(&e, JsonErrorKind::DepthLimit, "$.tree.next.next.next", "nested deeper than the limit");
    // Containers count as levels too, and output is limited the same way.
    let l = rich();
    let m = json::to_message(&l, id(&l, "All"), &json!({"matrix": [[1.0]]}), &Options::new()).unwrap();
    assert!(json::message_to_json(&m, &Options::new().max_depth(2)).is_ok());
    let e = json::message_to_json(&m, &Options::new().max_depth(1)).unwrap_err();
    check(&e, JsonErrorKind::DepthLimit, "$.matrix[0]", "deeper than the limit");
}

#[test]
fn values_that_do_not_fit_the_schema_on_output() {
    let l = rich();
    let schema = l.schema();
    let o = Options::new();
    let e = json::from_value(schema, id(&l, "Point"), &Value::Struct(vec![(7, Value::I32(1))]), &o).unwrap_err();
    check(&e, JsonErrorKind::Type, "$", "`Point` has no field with id 7");
    let v = Value::Struct(vec![(1, Value::String("x".into()))]);
    let e = json::from_value(schema, id(&l, "Point"), &v, &o).unwrap_err();
    check(&e, JsonErrorKind::Type, "$.x", "expected i32, found a string");
    let v = Value::Struct(vec![(2, Value::I64(300))]);
    let e = json::from_value(schema, id(&l, "All"), &v, &o).unwrap_err();
    check(&e, JsonErrorKind::Range, "$.i8v", "300 does not fit in i8");
    let e = json::from_value(schema, id(&l, "Point"), &Value::I32(1), &o).unwrap_err();
    check(&e, JsonErrorKind::Type, "$", "expected Point, found an integer");
    // Integer-typed owned values convert to the field's width.
    let v = Value::Struct(vec![(1, Value::I64(3)), (2, Value::I8(-1))]);
    assert_eq!(json::from_value(schema, id(&l, "Point"), &v, &o).unwrap(), json!({"x": 3, "y": -1}));
}
