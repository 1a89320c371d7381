//! The resolved schema as JSON (`thriftjit check --json`), for other tools.

use serde_json::{Map, Value, json};

use super::*;

pub(super) fn schema_to_json(schema: &Schema) -> Value {
    let files: Vec<Value> = schema
        .files
        .iter()
        .map(|f| {
            let ns: Map<String, Value> = f.namespaces.iter().map(|(k, v)| (k.to_string(), Value::from(&**v))).collect();
            json!({ "path": &*f.path, "module": &*f.module, "namespaces": ns })
        })
        .collect();
    let structs: Vec<Value> = schema.structs.iter().map(|s| struct_json(schema, s)).collect();
    let enums: Vec<Value> = schema
        .enums
        .iter()
        .map(|e| {
            let values: Vec<Value> = e.values.iter().map(|(n, v)| json!({ "name": &**n, "value": v })).collect();
            json!({ "name": &*e.name, "values": values, "annotations": annotations_json(&e.annotations) })
        })
        .collect();
    let typedefs: Vec<Value> =
        schema.typedefs.iter().map(|t| json!({ "name": &*t.name, "type": schema.type_name(&t.ty) })).collect();
    let consts: Vec<Value> = schema
        .consts
        .iter()
        .map(|c| json!({ "name": &*c.name, "type": schema.type_name(&c.ty), "value": const_json(&c.value) }))
        .collect();
    let services: Vec<Value> = schema
        .services
        .iter()
        .map(|s| {
            let methods: Vec<Value> = s
                .methods
                .iter()
                .map(|m| {
                    let throws: Vec<Value> = schema
                        .struct_type(m.result)
                        .fields
                        .iter()
                        .filter(|f| f.id != 0)
                        .map(|f| json!({ "id": f.id, "name": &*f.name, "type": schema.type_name(&f.ty) }))
                        .collect();
                    json!({
                        "name": &*m.name,
                        "oneway": m.oneway,
                        "returns": m.returns.as_ref().map_or_else(|| "void".to_string(), |t| schema.type_name(t)),
                        "args": &*schema.struct_type(m.args).name,
                        "result": &*schema.struct_type(m.result).name,
                        "throws": throws,
                        "annotations": annotations_json(&m.annotations),
                    })
                })
                .collect();
            json!({
                "name": &*s.name,
                "extends": s.extends.map(|b| &*schema.service(b).name),
                "methods": methods,
                "annotations": annotations_json(&s.annotations),
            })
        })
        .collect();
    json!({
        "files": files,
        "structs": structs,
        "enums": enums,
        "typedefs": typedefs,
        "consts": consts,
        "services": services,
    })
}

fn struct_json(schema: &Schema, s: &StructType) -> Value {
    let kind = match s.kind {
        StructKind::Struct => "struct",
        StructKind::Union => "union",
        StructKind::Exception => "exception",
        StructKind::Args => "args",
        StructKind::Result => "result",
    };
    let fields: Vec<Value> = s
        .fields
        .iter()
        .map(|f| {
            let req = match f.requiredness {
                Requiredness::Required => "required",
                Requiredness::Optional => "optional",
                Requiredness::Default => "default",
            };
            let mut o = json!({ "id": f.id, "name": &*f.name, "type": schema.type_name(&f.ty), "requiredness": req });
            if let Some(d) = &f.default {
                o["default"] = const_json(d);
            }
            if !f.annotations.is_empty() {
                o["annotations"] = annotations_json(&f.annotations);
            }
            o
        })
        .collect();
    json!({ "name": &*s.name, "kind": kind, "fields": fields, "annotations": annotations_json(&s.annotations) })
}

fn annotations_json(a: &Annotations) -> Value {
    Value::Array(a.0.iter().map(|(k, v)| json!([&**k, &**v])).collect())
}

fn const_json(v: &ConstValue) -> Value {
    match v {
        ConstValue::Bool(b) => Value::from(*b),
        ConstValue::Int(i) => Value::from(*i),
        ConstValue::Double(d) => {
            serde_json::Number::from_f64(*d).map_or_else(|| Value::from(d.to_string()), Value::Number)
        }
        ConstValue::String(s) => Value::from(&**s),
        ConstValue::Uuid(u) => Value::from(crate::schema::format_uuid(u)),
        ConstValue::List(items) => Value::Array(items.iter().map(const_json).collect()),
        ConstValue::Map(entries) => {
            Value::Array(entries.iter().map(|(k, v)| json!([const_json(k), const_json(v)])).collect())
        }
        ConstValue::Struct(fields) => {
            Value::Object(fields.iter().map(|(id, v)| (id.to_string(), const_json(v))).collect())
        }
    }
}
