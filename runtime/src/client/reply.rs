//! What a call returns, and how a reply frame becomes it.
//!
//! A reply must echo the call's sequence id and name its method (bare, or as sent with a
//! `Service:` prefix); anything else is a protocol error. An `Exception` message is the
//! server's `TApplicationException`; a `Reply` carries the `<method>_result` struct, whose
//! one set field is `success` (a [`Reply`]) or a declared exception (an
//! [`Error`] of kind [`Exception`](crate::ErrorKind::Exception)).

use thriftjit::engine::Codec;
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

    /// The `success` value as JSON (`null` for `void` and `oneway` methods).
    pub fn to_json(&self) -> serde_json::Value {
        match self.success() {
            Some(v) => crate::json::value_to_json(&v),
            None => serde_json::Value::Null,
        }
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
