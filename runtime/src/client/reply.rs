//! What a call returns, and how a reply frame becomes it.
//!
//! A reply must echo the call's sequence id and name its method (bare, or as sent with a
//! `Service:` prefix); anything else is a protocol error. An `Exception` message is the
//! server's `TApplicationException`; a `Reply` carries the `<method>_result` struct, whose
//! one set field is `success` (a [`Reply`]) or a declared exception (an
//! [`Error`] of kind [`Exception`](crate::ErrorKind::Exception)).

use thriftjit::engine::Codec;
use thriftjit::json::{self, JsonError};
use thriftjit::schema::Method;
use thriftjit::value::{Message, Value, ValueRef};

use crate::error::{DeclaredException, Error};
use crate::proto::{ApplicationException, ExceptionType, Frame, FrameHeader, MessageType};
use crate::transport::encode::wire_protocol;

/// The answer to a call.
#[derive(Debug)]
pub struct Reply {
    result: Option<Message>,
    header: FrameHeader,
}

impl Reply {
    pub(crate) fn oneway() -> Self {
        Reply { result: None, header: FrameHeader::None }
    }

    /// The `success` value; `None` for `void` and `oneway` methods.
    pub fn success(&self) -> Option<ValueRef<'_>> {
        self.result.as_ref()?.root().get(0i16)
    }

    /// The `success` value as an owned tree.
    pub fn to_value(&self) -> Option<Value> {
        self.success().map(|v| v.to_value())
    }

    /// The decoded `<method>_result` struct (`None` for `oneway` methods, which get no reply).
    pub fn result(&self) -> Option<&Message> {
        self.result.as_ref()
    }

    /// The reply's TTHeader or THeader.
    pub fn header(&self) -> &FrameHeader {
        &self.header
    }

    /// The `success` value as JSON (`null` for `void` and `oneway` methods), written by
    /// [`thriftjit::json`] with its default options except that a `string` that is not
    /// UTF-8 (a peer may send any bytes) is written with U+FFFD replacements. For other
    /// options (enum member names, `i64` as strings, strict UTF-8) see [`Reply::to_json_with`].
    pub fn to_json(&self) -> serde_json::Value {
        // The nesting was bounded when the reply was decoded, and a decoded message fits
        // its own schema: with lossy UTF-8 nothing is left that could fail.
        let options = json::Options::new().lossy_utf8(true).max_depth(u32::MAX);
        self.to_json_with(&options).expect("a decoded reply converts to JSON with lossy UTF-8 and no depth limit")
    }

    /// The `success` value as JSON written with `options` (`null` for `void` and `oneway`
    /// methods).
    ///
    /// # Errors
    /// As [`json::message_to_json`] on the `<method>_result` struct: a `string` that is not
    /// UTF-8 unless [`Options::lossy_utf8`](json::Options::lossy_utf8), nesting deeper than
    /// [`Options::max_depth`](json::Options::max_depth).
    pub fn to_json_with(&self, options: &json::Options) -> Result<serde_json::Value, JsonError> {
        let Some(result) = &self.result else { return Ok(serde_json::Value::Null) };
        let Some(success) = result.layouts().schema().struct_type(result.struct_id()).field(0) else {
            return Ok(serde_json::Value::Null);
        };
        // `thriftjit::json` writes whole structs only: the result struct is written and its
        // `success` kept. A conforming server sets nothing else in a reply (`parse` makes a
        // set exception field an error unless `success` is set too).
        let mut object = json::message_to_json(result, options)?;
        Ok(object.get_mut(&*success.name).map(serde_json::Value::take).unwrap_or_default())
    }
}

/// Turns the reply `frame` to a call of `method` (sent as `sent_name` with `seq_id`) into
/// the call's outcome.
pub(crate) fn parse(
    codec: &Codec,
    method: &Method,
    sent_name: &str,
    seq_id: i32,
    frame: Frame,
) -> Result<Reply, Error> {
    let protocol = frame.dialect.protocol;
    let (envelope, body_at) = frame.envelope().map_err(|e| Error::proto("the reply's envelope", e))?;
    if envelope.seq_id != seq_id {
        return Err(Error::protocol(format!(
            "the reply has sequence id {}, the call had {seq_id} (BAD_SEQUENCE_ID)",
            envelope.seq_id
        )));
    }
    if envelope.name != sent_name && envelope.name != &*method.name {
        return Err(Error::protocol(format!(
            "the reply names method `{}`, the call was `{sent_name}` (WRONG_METHOD_NAME)",
            envelope.name
        )));
    }
    match envelope.message_type {
        MessageType::Exception => {
            let (e, _) = ApplicationException::decode(protocol, &frame.payload[body_at..])
                .map_err(|e| Error::proto("the reply's TApplicationException", e))?;
            Err(Error::application(e))
        }
        MessageType::Reply => {
            let result = codec
                .decode(method.result, wire_protocol(protocol), &frame.payload.slice(body_at..))
                .map_err(|e| Error::protocol(format!("the result of `{}` does not decode: {e}", method.name)))?;
            let set = result.root().fields().next().map(|(f, _)| (f.id, f.name.clone()));
            match set {
                Some((0, _)) => Ok(Reply { result: Some(result), header: frame.header }),
                Some((id, name)) => Err(Error::declared(DeclaredException::new(&name, id, result))),
                None if method.returns.is_none() => Ok(Reply { result: Some(result), header: frame.header }),
                None => Err(Error::application(ApplicationException::new(
                    ExceptionType::MISSING_RESULT,
                    format!("`{}` failed: the reply has no result", method.name),
                ))),
            }
        }
        other => Err(Error::protocol(format!("expected a reply, the server sent a {other:?} message"))),
    }
}

#[cfg(test)]
mod tests {
    use thriftjit::schema::Schema;
    use thriftjit::value::Value;

    use super::*;

    /// A reply of `method` whose `success` is `value`.
    fn reply(idl: &str, method: &str, value: Value) -> Reply {
        let schema = Schema::parse_str("t.thrift", idl).unwrap();
        let codec = crate::server::codec_for(schema.clone());
        let svc = schema.service_by_name("Svc").unwrap();
        let m = schema.find_method(svc, method).unwrap();
        let result = Message::from_value(codec.layouts().clone(), m.result, &Value::Struct(vec![(0, value)])).unwrap();
        Reply { result: Some(result), header: FrameHeader::None }
    }

    const IDL: &str = "enum Color { RED = 1 } struct S { 1: string name, 2: Color c, 3: i64 big } \
                       service Svc { S get() list<i32> nums() void nothing() }";

    #[test]
    fn success_is_written_by_the_codec_json_with_lossy_utf8() {
        let s =
            Value::Struct(vec![(1, Value::Binary(b"a\xffb".to_vec())), (2, Value::Enum(1)), (3, Value::I64(1 << 60))]);
        let r = reply(IDL, "get", s);
        assert_eq!(r.to_json(), serde_json::json!({"name": "a\u{fffd}b", "c": 1, "big": 1i64 << 60}));
        let e = r.to_json_with(&json::Options::new()).unwrap_err();
        assert_eq!(e.path(), "$.success.name", "{e}");
        let names = json::Options::new().lossy_utf8(true).enum_names(true).i64_as_string(true);
        assert_eq!(
            r.to_json_with(&names).unwrap(),
            serde_json::json!({"name": "a\u{fffd}b", "c": "RED", "big": (1i64 << 60).to_string()})
        );
        let r = reply(IDL, "nums", Value::List(vec![Value::I32(1), Value::I32(2)]));
        assert_eq!(r.to_json(), serde_json::json!([1, 2]));
    }

    #[test]
    fn void_and_oneway_replies_are_null() {
        let schema = Schema::parse_str("t.thrift", IDL).unwrap();
        let codec = crate::server::codec_for(schema.clone());
        let m = schema.find_method(schema.service_by_name("Svc").unwrap(), "nothing").unwrap();
        let result = Message::from_value(codec.layouts().clone(), m.result, &Value::Struct(vec![])).unwrap();
        let void = Reply { result: Some(result), header: FrameHeader::None };
        assert_eq!(void.to_json(), serde_json::Value::Null);
        assert_eq!(Reply::oneway().to_json(), serde_json::Value::Null);
    }
}
