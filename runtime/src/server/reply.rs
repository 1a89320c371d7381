//! Turns what a handler answered into the reply the writer encodes: a `<method>_result`
//! with `success` or a declared exception set, or a `TApplicationException`.
//!
//! A value that does not fit the declared type, or an exception the method does not
//! declare, is the server's fault, not the client's: the client gets
//! `TApplicationException(INTERNAL_ERROR)` saying what did not fit.

use std::sync::Arc;

use thriftjit::engine::Codec;
use thriftjit::schema::{StructId, Type};
use thriftjit::value::{Message, Value};

use super::handler::{HandlerError, HandlerErrorKind, HandlerReply, Payload};
use crate::proto::{ApplicationException, ExceptionType};
use crate::transport::batch::ReplyBody;

/// How a handler's run ended.
pub(crate) enum Outcome {
    Done(Result<HandlerReply, HandlerError>),
    Panicked(String),
    DeadlineExpired(std::time::Duration),
}

#[cold]
fn internal(message: String) -> ReplyBody {
    ReplyBody::Exception(ApplicationException::new(ExceptionType::INTERNAL_ERROR, message))
}

/// The reply to a call of a method with result struct `result` returning `returns`.
pub(crate) fn build(
    codec: &Arc<Codec>,
    method: &str,
    result: StructId,
    returns: Option<&Type>,
    outcome: Outcome,
) -> ReplyBody {
    match outcome {
        Outcome::Done(Ok(reply)) => match (reply.payload, returns) {
            (Some(payload), Some(ty)) => field(codec, method, result, 0, ty, payload),
            // A void method, or a handler that gave no value: an empty result (for a
            // non-void method the client reports the missing result).
            _ => ReplyBody::Result(Message::new(codec.layouts().clone(), result)),
        },
        Outcome::Done(Err(HandlerError { kind })) => match *kind {
            HandlerErrorKind::Application(e) => ReplyBody::Exception(e),
            HandlerErrorKind::Exception { name, payload } => {
                let schema = codec.schema();
                let found = schema.struct_type(result).fields.iter().filter(|f| f.id != 0).find(|f| {
                    *f.name == *name
                        || matches!(f.ty, Type::Struct(id)
                        if *schema.struct_type(id).name == *name || schema.struct_type(id).wire_name() == name)
                });
                match found {
                    Some(f) => field(codec, method, result, f.id, &f.ty, payload),
                    None => internal(format!(
                        "the handler of `{method}` raised `{name}`, which the method does not declare"
                    )),
                }
            }
        },
        Outcome::Panicked(why) => internal(format!("the handler of `{method}` panicked: {why}")),
        Outcome::DeadlineExpired(t) => internal(format!(
            "the handler of `{method}` did not finish within the caller's RPC timeout of {} ms",
            t.as_millis()
        )),
    }
}

/// A result whose field `id` (of type `ty`) is `payload`.
fn field(codec: &Arc<Codec>, method: &str, result: StructId, id: i16, ty: &Type, payload: Payload) -> ReplyBody {
    let value = match payload {
        // A message of the declared struct type, or of one with the same wire shape (an
        // echoed argument), is encoded as it is.
        Payload::Message(m) => match ty {
            Type::Struct(sid)
                if Arc::ptr_eq(m.layouts().schema(), codec.schema())
                    && (m.struct_id() == *sid || codec.schema().same_wire_shape(&Type::Struct(m.struct_id()), ty)) =>
            {
                return ReplyBody::Field { id, value: m };
            }
            _ => m.to_value(),
        },
        Payload::Value(v) => v,
    };
    match Message::from_value(codec.layouts().clone(), result, &Value::Struct(vec![(id, value)])) {
        Ok(m) => ReplyBody::Result(m),
        Err(e) => internal(format!(
            "the value the handler of `{method}` answered does not fit `{}`: {e}",
            codec.schema().type_name(ty)
        )),
    }
}
