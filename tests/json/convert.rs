//! Each convention in both directions: JSON → Value, Value → JSON, and JSON →
//! Message → JSON through both protocols.

use serde_json::json;
use thriftjit::json::{self, Options};
use thriftjit::value::Value;
use thriftjit::wire::Protocol;

use super::*;

/// JSON of `All` → the expected value, and back to the same JSON (through
/// a `Value` and through the wire); `canonical` is the output form.
fn both_ways(input: J, value: Value, canonical: J) {
    let l = rich();
    let all = id(&l, "All");
    let schema = l.schema();
    let o = Options::new();
    assert_eq!(json::to_value(schema, all, &input, &o).unwrap(), value, "to_value of {input}");
    assert_eq!(json::from_value(schema, all, &value, &o).unwrap(), canonical, "from_value of {value:?}");
    for p in [Protocol::Binary, Protocol::Compact] {
        assert_eq!(through_wire(&l, "All", &input, p, &o), canonical, "{p:?} round trip of {input}");
    }
}

fn one(id: i16, v: Value) -> Value {
    Value::Struct(vec![(id, v)])
}

#[test]
fn scalars() {
    both_ways(json!({"b": true}), one(1, Value::Bool(true)), json!({"b": true}));
    both_ways(json!({"b": false}), one(1, Value::Bool(false)), json!({"b": false}));
    both_ways(json!({"i8v": -128}), one(2, Value::I8(-128)), json!({"i8v": -128}));
    both_ways(json!({"i16v": 32767}), one(3, Value::I16(32767)), json!({"i16v": 32767}));
    both_ways(json!({"i32v": -2147483648_i64}), one(4, Value::I32(i32::MIN)), json!({"i32v": i32::MIN}));
    both_ways(json!({"i64v": i64::MAX}), one(5, Value::I64(i64::MAX)), json!({"i64v": i64::MAX}));
    both_ways(json!({"s": "héllo \u{1F600}"}), one(7, Value::String("héllo 😀".into())), json!({"s": "héllo 😀"}));
    both_ways(json!({"s": ""}), one(7, Value::String(String::new())), json!({"s": ""}));
}

#[test]
fn integers_accept_strings_holding_integers() {
    both_ways(json!({"i64v": "123"}), one(5, Value::I64(123)), json!({"i64v": 123}));
    both_ways(json!({"i64v": "-9223372036854775808"}), one(5, Value::I64(i64::MIN)), json!({"i64v": i64::MIN}));
    both_ways(json!({"i8v": "-5"}), one(2, Value::I8(-5)), json!({"i8v": -5}));
    both_ways(json!({"i32v": "70000"}), one(4, Value::I32(70000)), json!({"i32v": 70000}));
}

#[test]
fn i64_as_string_for_javascript() {
    let l = rich();
    let o = Options::new().i64_as_string(true);
    let input = json!({"i64v": 9007199254740993_i64, "longs": [1, -2], "by_i64": {"5": []}});
    let out = json!({"i64v": "9007199254740993", "longs": ["1", "-2"], "by_i64": {"5": []}});
    for p in [Protocol::Binary, Protocol::Compact] {
        assert_eq!(through_wire(&l, "All", &input, p, &o), out);
        // The string form reads back to the same value.
        assert_eq!(through_wire(&l, "All", &out, p, &o), out);
    }
    // i32 and smaller stay numbers.
    assert_eq!(through_wire(&l, "All", &json!({"i32v": 7}), Protocol::Binary, &o), json!({"i32v": 7}));
}

#[test]
fn doubles_with_non_finite_values_as_strings() {
    both_ways(json!({"d": 1.5}), one(6, Value::Double(1.5)), json!({"d": 1.5}));
    both_ways(json!({"d": -0.0}), one(6, Value::Double(-0.0)), json!({"d": -0.0}));
    both_ways(json!({"d": 3}), one(6, Value::Double(3.0)), json!({"d": 3.0}));
    both_ways(json!({"d": f64::MAX}), one(6, Value::Double(f64::MAX)), json!({"d": f64::MAX}));
    both_ways(json!({"d": 5e-324}), one(6, Value::Double(5e-324)), json!({"d": 5e-324}));
    both_ways(json!({"d": "NaN"}), one(6, Value::Double(f64::NAN)), json!({"d": "NaN"}));
    both_ways(json!({"d": "Infinity"}), one(6, Value::Double(f64::INFINITY)), json!({"d": "Infinity"}));
    both_ways(json!({"d": "-Infinity"}), one(6, Value::Double(f64::NEG_INFINITY)), json!({"d": "-Infinity"}));
    both_ways(
        json!({"matrix": [[1.25, "NaN"], [], ["-Infinity"]]}),
        one(
            30,
            Value::List(vec![
                Value::List(vec![Value::Double(1.25), Value::Double(f64::NAN)]),
                Value::List(vec![]),
                Value::List(vec![Value::Double(f64::NEG_INFINITY)]),
            ]),
        ),
        json!({"matrix": [[1.25, "NaN"], [], ["-Infinity"]]}),
    );
}

#[test]
fn doubles_survive_json_text_exactly() {
    let l = rich();
    let all = id(&l, "All");
    for d in [0.1_f64, 1.0 / 3.0, 2.2250738585072014e-308, 1.7976931348623157e308, 123_456_789.123_456_79, -4.9e-324] {
        let m = json::to_message_str(&l, all, &format!("{{\"d\": {d:?}}}"), &Options::new()).unwrap();
        let text = json::message_to_string(&m, &Options::new()).unwrap();
        let back = json::to_message_str(&l, all, &text, &Options::new()).unwrap();
        assert_eq!(back.root().get_double("d").unwrap().to_bits(), d.to_bits(), "{d:?} via {text}");
    }
}

#[test]
fn binary_is_standard_base64() {
    let bytes = vec![0xfb, 0xff, 0x00, 0x01];
    both_ways(json!({"bin": "+/8AAQ=="}), one(8, Value::Binary(bytes.clone())), json!({"bin": "+/8AAQ=="}));
    // Padding is optional on input, always written on output.
    both_ways(json!({"bin": "+/8AAQ"}), one(8, Value::Binary(bytes)), json!({"bin": "+/8AAQ=="}));
    both_ways(json!({"bin": ""}), one(8, Value::Binary(vec![])), json!({"bin": ""}));
    both_ways(
        json!({"blobs": ["aGk", "aGk=", "AA=="]}),
        one(28, Value::Set(vec![Value::Binary(b"hi".to_vec()), Value::Binary(b"hi".to_vec()), Value::Binary(vec![0])])),
        json!({"blobs": ["aGk=", "aGk=", "AA=="]}),
    );
}

#[test]
fn uuid_is_canonical_lowercase() {
    let u = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
    let canonical = json!({"u": "00112233-4455-6677-8899-aabbccddeeff"});
    both_ways(canonical.clone(), one(9, Value::Uuid(u)), canonical.clone());
    both_ways(json!({"u": "00112233-4455-6677-8899-AABBCCDDEEFF"}), one(9, Value::Uuid(u)), canonical.clone());
    both_ways(json!({"u": "{00112233-4455-6677-8899-aabbccddeeff}"}), one(9, Value::Uuid(u)), canonical);
}

#[test]
fn enums_as_integers_or_names() {
    both_ways(json!({"color": 2}), one(10, Value::Enum(2)), json!({"color": 2}));
    both_ways(json!({"color": "GREEN"}), one(10, Value::Enum(2)), json!({"color": 2}));
    both_ways(json!({"color": "3"}), one(10, Value::Enum(3)), json!({"color": 3}));
    // Enums are open on the wire: a value that names no member is kept.
    both_ways(json!({"color": 42}), one(10, Value::Enum(42)), json!({"color": 42}));

    let l = rich();
    let names = Options::new().enum_names(true);
    let input = json!({"color": 3, "by_color": {"1": 0.5, "GREEN": 1.5}, "nested": [{"a": [1, "BLUE", 9]}]});
    let out = json!({"color": "BLUE", "by_color": {"RED": 0.5, "GREEN": 1.5}, "nested": [{"a": ["RED", "BLUE", 9]}]});
    for p in [Protocol::Binary, Protocol::Compact] {
        assert_eq!(through_wire(&l, "All", &input, p, &names), out);
        assert_eq!(through_wire(&l, "All", &out, p, &names), out, "names read back");
        // By default, integers, and enum map keys are decimal integers.
        assert_eq!(
            through_wire(&l, "All", &out, p, &Options::new()),
            json!({"color": 3, "by_color": {"1": 0.5, "2": 1.5}, "nested": [{"a": [1, 3, 9]}]})
        );
    }
}

#[test]
fn lists_and_sets_are_arrays() {
    both_ways(
        json!({"strings": ["a", "b", "a"], "longs": [3, 1, 3]}),
        Value::Struct(vec![
            (13, Value::List(vec![Value::String("a".into()), Value::String("b".into()), Value::String("a".into())])),
            (14, Value::Set(vec![Value::I64(3), Value::I64(1), Value::I64(3)])),
        ]),
        json!({"strings": ["a", "b", "a"], "longs": [3, 1, 3]}),
    );
    both_ways(json!({"strings": []}), one(13, Value::List(vec![])), json!({"strings": []}));
}

#[test]
fn maps_with_string_keys_are_objects() {
    let point = |x, y| Value::Struct(vec![(1, Value::I32(x)), (2, Value::I32(y))]);
    both_ways(
        json!({"by_name": {"b": {"x": 1, "y": 2}, "a": {"x": 3}}}),
        one(
            15,
            Value::Map(vec![
                (Value::String("b".into()), point(1, 2)),
                (Value::String("a".into()), Value::Struct(vec![(1, Value::I32(3))])),
            ]),
        ),
        json!({"by_name": {"b": {"x": 1, "y": 2}, "a": {"x": 3}}}),
    );
    // Pairs are accepted for any map.
    let l = rich();
    let pairs = json!({"by_name": [["k", {"y": 1}]]});
    assert_eq!(through_wire(&l, "All", &pairs, Protocol::Binary, &Options::new()), json!({"by_name": {"k": {"y": 1}}}));
}

#[test]
fn maps_with_integer_keys_are_objects_keyed_by_decimal_strings() {
    both_ways(
        json!({"by_i32": {"-7": "minus", "12": "twelve"}}),
        one(
            16,
            Value::Map(vec![
                (Value::I32(-7), Value::String("minus".into())),
                (Value::I32(12), Value::String("twelve".into())),
            ]),
        ),
        json!({"by_i32": {"-7": "minus", "12": "twelve"}}),
    );
    both_ways(
        json!({"by_i64": {"9223372036854775807": [1, -1]}}),
        one(17, Value::Map(vec![(Value::I64(i64::MAX), Value::List(vec![Value::I8(1), Value::I8(-1)]))])),
        json!({"by_i64": {"9223372036854775807": [1, -1]}}),
    );
    both_ways(
        json!({"deep": {"1": {"2": {"radius": 0.5}}}}),
        one(
            29,
            Value::Map(vec![(
                Value::I8(1),
                Value::Map(vec![(Value::I16(2), Value::Struct(vec![(2, Value::Double(0.5))]))]),
            )]),
        ),
        json!({"deep": {"1": {"2": {"radius": 0.5}}}}),
    );
}

#[test]
fn maps_with_other_keys_are_arrays_of_pairs() {
    let point = Value::Struct(vec![(1, Value::I32(1)), (2, Value::I32(2))]);
    both_ways(
        json!({"by_point": [[{"x": 1, "y": 2}, "p"], [{}, "origin"]]}),
        one(
            19,
            Value::Map(vec![
                (point, Value::String("p".into())),
                (Value::Struct(vec![]), Value::String("origin".into())),
            ]),
        ),
        json!({"by_point": [[{"x": 1, "y": 2}, "p"], [{}, "origin"]]}),
    );
    both_ways(
        json!({"by_bool": [[true, 1], [false, 0]]}),
        one(20, Value::Map(vec![(Value::Bool(true), Value::I16(1)), (Value::Bool(false), Value::I16(0))])),
        json!({"by_bool": [[true, 1], [false, 0]]}),
    );
    both_ways(
        json!({"by_double": [["NaN", "nan"], [0.5, "half"]]}),
        one(
            21,
            Value::Map(vec![
                (Value::Double(f64::NAN), Value::String("nan".into())),
                (Value::Double(0.5), Value::String("half".into())),
            ]),
        ),
        json!({"by_double": [["NaN", "nan"], [0.5, "half"]]}),
    );
    let u = [7u8; 16];
    both_ways(
        json!({"by_binary": [["AQI=", "07070707-0707-0707-0707-070707070707"]]}),
        one(22, Value::Map(vec![(Value::Binary(vec![1, 2]), Value::Uuid(u))])),
        json!({"by_binary": [["AQI=", "07070707-0707-0707-0707-070707070707"]]}),
    );
    both_ways(
        json!({"by_uuid": [["07070707-0707-0707-0707-070707070707", true]]}),
        one(23, Value::Map(vec![(Value::Uuid(u), Value::Bool(true))])),
        json!({"by_uuid": [["07070707-0707-0707-0707-070707070707", true]]}),
    );
    both_ways(
        json!({"by_list": [[[1, 2], ["x"]], [[], []]]}),
        one(
            24,
            Value::Map(vec![
                (Value::List(vec![Value::I32(1), Value::I32(2)]), Value::Set(vec![Value::String("x".into())])),
                (Value::List(vec![]), Value::Set(vec![])),
            ]),
        ),
        json!({"by_list": [[[1, 2], ["x"]], [[], []]]}),
    );
}

#[test]
fn structs_unions_exceptions_and_recursion() {
    let l = rich();
    let o = Options::new();
    let input = json!({
        "point": {"x": 1},
        "shape": {"label": "round"},
        "oops": {"why": "because", "code": 7},
        "tree": {"value": 1, "children": [{"value": 2, "children": []}, {"value": 3, "next": {"value": 4}}]},
        "leaf": {"name": "n", "id": 5},
    });
    for p in [Protocol::Binary, Protocol::Compact] {
        assert_eq!(through_wire(&l, "All", &input, p, &o), input);
    }
    // An empty union is allowed; unset fields are omitted.
    assert_eq!(through_wire(&l, "All", &json!({"shape": {}}), Protocol::Compact, &o), json!({"shape": {}}));
    assert_eq!(through_wire(&l, "All", &json!({}), Protocol::Binary, &o), json!({}));
}

#[test]
fn null_means_absent() {
    let l = rich();
    let out = through_wire(&l, "All", &json!({"s": null, "point": null, "i32v": 1}), Protocol::Binary, &Options::new());
    assert_eq!(out, json!({"i32v": 1}));
}

#[test]
fn unknown_keys_can_be_ignored() {
    let l = rich();
    let o = Options::new().ignore_unknown_fields(true);
    let out = through_wire(&l, "All", &json!({"zzz": [1], "point": {"x": 1, "w": 2}}), Protocol::Compact, &o);
    assert_eq!(out, json!({"point": {"x": 1}}));
}

#[test]
fn missing_required_fields_can_be_allowed() {
    let l = rich();
    let o = Options::new().allow_missing_required(true);
    let m = json::to_message(&l, id(&l, "Leaf"), &json!({"id": 1}), &o).unwrap();
    assert_eq!(json::message_to_json(&m, &o).unwrap(), json!({"id": 1}));
    // The encoder still refuses to write it.
    assert!(interp::encode_to_vec(&m.root(), Protocol::Binary).is_err());
}

#[test]
fn field_order_follows_the_declaration() {
    let l = rich();
    let text = json::message_to_string(
        &json::to_message(&l, id(&l, "Point"), &json!({"y": 2, "x": 1}), &Options::new()).unwrap(),
        &Options::new(),
    )
    .unwrap();
    assert_eq!(text, r#"{"x":1,"y":2}"#);
}

#[test]
fn service_args_and_results() {
    let l = rich();
    let o = Options::new();
    let args = json!({"all": {"s": "x"}, "n": 3});
    assert_eq!(through_wire(&l, "Svc.echo_args", &args, Protocol::Binary, &o), args);
    for result in [json!({"success": {"b": true}}), json!({"oops": {"why": "no"}}), json!({})] {
        assert_eq!(through_wire(&l, "Svc.echo_result", &result, Protocol::Compact, &o), result);
    }
}

#[test]
fn defaults_of_the_idl_appear_in_messages() {
    let l = everything();
    let o = Options::new();
    let out = through_wire(&l, "Everything", &json!({"flag": true}), Protocol::Binary, &o);
    assert_eq!(out["tiny"], json!(7));
    assert_eq!(out["big"], json!(0x7fff_ffff));
    assert_eq!(out["name"], json!("nobody"));
    assert_eq!(out["color"], json!(5));
    assert_eq!(out["numbers"], json!([2, 3, 5, 7]));
    assert_eq!(out["origin"], json!({"x": 1, "y": 2}));
    assert!(out.get("medium").is_none(), "optional fields without a value stay unset");
    let names = through_wire(&l, "Everything", &json!({"flag": true}), Protocol::Compact, &o.enum_names(true));
    assert_eq!((&names["color"], &names["kind"]), (&json!("GREEN"), &json!("SMALL")));
}

#[test]
fn included_types_and_typedefs() {
    let l = everything();
    let o = Options::new();
    let input = json!({"key": 1, "value": "v"});
    assert_eq!(through_wire(&l, "shared_types.SharedStruct", &input, Protocol::Binary, &o), input);
    assert_eq!(through_wire(&l, "Shared", &input, Protocol::Compact, &o), input);
    let e = json!({"flag": false, "user": "12", "account": -3, "names": ["a"], "by_name": {"k": {"key": 2}}});
    let out = through_wire(&l, "Everything", &e, Protocol::Compact, &o);
    assert_eq!((&out["user"], &out["account"], &out["names"]), (&json!(12), &json!(-3), &json!(["a"])));
    assert_eq!(out["by_name"], json!({"k": {"key": 2}}));
}

#[test]
fn unknown_fields_from_the_wire_are_omitted() {
    let l = rich();
    // Point{x: 1} then an unknown field 9 (i32 5), in Binary.
    let bytes = [0x08, 0x00, 0x01, 0, 0, 0, 1, 0x08, 0x00, 0x09, 0, 0, 0, 5, 0x00];
    let m = decode(&l, "Point", Protocol::Binary, &bytes);
    assert_eq!(m.root().unknown_count(), 1);
    assert_eq!(json::message_to_json(&m, &Options::new()).unwrap(), json!({"x": 1}));
}

#[test]
fn strings_that_are_not_utf8_are_errors_or_lossy() {
    let l = rich();
    // Xtruct{string_thing: "h\xffi"} in Compact, inside Insanity.xtructs[1].
    let bytes = [0x29, 0x2c, 0x00, 0x18, 0x03, b'h', 0xff, b'i', 0x00, 0x00];
    let m = decode(&l, "Insanity", Protocol::Compact, &bytes);
    let err = json::message_to_json(&m, &Options::new()).unwrap_err();
    assert_eq!(err.kind(), json::JsonErrorKind::InvalidUtf8);
    assert_eq!(err.path(), "$.xtructs[1].string_thing");
    assert!(err.message().contains("at byte 1 of 3"), "{err}");
    let lossy = json::message_to_json(&m, &Options::new().lossy_utf8(true)).unwrap();
    assert_eq!(lossy, json!({"xtructs": [{}, {"string_thing": "h\u{fffd}i"}]}));
    // Binary fields hold any bytes.
    let bin = [0x88, 0x02, 0xff, 0xfe, 0x00];
    let m = decode(&l, "All", Protocol::Compact, &bin);
    assert_eq!(json::message_to_json(&m, &Options::new()).unwrap(), json!({"bin": "//4="}));
}

#[test]
fn values_convert_to_json_and_text_entry_points_agree() {
    let l = rich();
    let all = id(&l, "All");
    let text = r#"{"i64v": "5", "by_point": [[{"x": 1}, "a"]], "u": "{00000000-0000-0000-0000-00000000000A}"}"#;
    let o = Options::new();
    let v = json::to_value_str(l.schema(), all, text, &o).unwrap();
    let m = json::to_message_str(&l, all, text, &o).unwrap();
    assert_eq!(json::to_message_slice(&l, all, text.as_bytes(), &o).unwrap(), m);
    assert_eq!(json::to_value_slice(l.schema(), all, text.as_bytes(), &o).unwrap(), v);
    assert_eq!(m.to_value(), v);
    let expected = json!({"i64v": 5, "u": "00000000-0000-0000-0000-00000000000a", "by_point": [[{"x": 1}, "a"]]});
    assert_eq!(json::from_value(l.schema(), all, &v, &o).unwrap(), expected);
    assert_eq!(json::struct_to_json(&m.root(), &o).unwrap(), expected);
    // A nested struct view converts on its own.
    let p = m.root().get_map("by_point").unwrap().entry(0).unwrap().0;
    let thriftjit::value::ValueRef::Struct(p) = p else { panic!("a struct key") };
    assert_eq!(json::struct_to_json(&p, &o).unwrap(), json!({"x": 1}));
}
