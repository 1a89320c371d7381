//! What a generic handler is: one async function for every method of the served
//! services, given the call's [`CallContext`] (service, method, headers, deadline) and its
//! decoded `<method>_args` message, answering with the `success` value or an error.
//!
//! ```no_run
//! use thriftjit::value::Value;
//! use thriftjit_runtime::server::{CallContext, HandlerError, HandlerReply, handler_fn};
//!
//! let handler = handler_fn(|ctx: CallContext, args: thriftjit::value::Message| async move {
//!     match ctx.method() {
//!         // `string echo(1: string text)`: the reply is the `success` value.
//!         "echo" => Ok(HandlerReply::value(args.root().get(1).map(|v| v.to_value()).unwrap_or(Value::String(String::new())))),
//!         // `void fail() throws (1: Oops oops)`: raise the declared exception by its field name.
//!         "fail" => Err(HandlerError::exception("oops", Value::Struct(vec![(1, Value::String("no".into()))]))),
//!         _ => Err(HandlerError::internal("not implemented")),
//!     }
//! });
//! # let _ = handler;
//! ```
//!
//! A reply or exception can be an owned [`Value`] (converted to the result type by the
//! server) or a [`Message`] of the exact struct type (encoded as it is, without a copy).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use thriftjit::value::{Message, Value};

use super::context::CallContext;
use crate::proto::{ApplicationException, ExceptionType};

/// A value a handler answers with: an owned tree, or a message of the value's struct type.
#[derive(Debug)]
pub enum Payload {
    /// An owned value, converted to the declared type by the server.
    Value(Value),
    /// A message whose type is the declared struct type; encoded without a copy.
    Message(Message),
}

impl From<Value> for Payload {
    fn from(v: Value) -> Self {
        Payload::Value(v)
    }
}

impl From<Message> for Payload {
    fn from(m: Message) -> Self {
        Payload::Message(m)
    }
}

/// A successful answer: the `success` value of the method's result, or nothing for a
/// `void` (or `oneway`) method.
#[derive(Debug, Default)]
pub struct HandlerReply {
    pub(crate) payload: Option<Payload>,
}

impl HandlerReply {
    /// The answer of a `void` method.
    pub fn void() -> Self {
        HandlerReply { payload: None }
    }

    /// An answer given as an owned value.
    pub fn value(v: Value) -> Self {
        HandlerReply { payload: Some(Payload::Value(v)) }
    }

    /// An answer given as a message of the method's struct return type.
    pub fn message(m: Message) -> Self {
        HandlerReply { payload: Some(Payload::Message(m)) }
    }
}

impl From<Value> for HandlerReply {
    fn from(v: Value) -> Self {
        Self::value(v)
    }
}

impl From<Message> for HandlerReply {
    fn from(m: Message) -> Self {
        Self::message(m)
    }
}

impl From<()> for HandlerReply {
    fn from((): ()) -> Self {
        Self::void()
    }
}

/// A failed answer: an exception the method declares, or a `TApplicationException`.
#[derive(Debug)]
pub struct HandlerError {
    pub(crate) kind: Box<HandlerErrorKind>,
}

#[derive(Debug)]
pub(crate) enum HandlerErrorKind {
    Exception { name: String, payload: Payload },
    Application(ApplicationException),
}

impl HandlerError {
    /// Raises a declared exception: `name` is the field name in the method's `throws`
    /// clause (`ouch` in `throws (1: NotFound ouch)`) or the exception's type name
    /// (`NotFound`); `value` is the exception struct. A name the method does not declare
    /// reaches the client as `TApplicationException(INTERNAL_ERROR)`.
    pub fn exception(name: impl Into<String>, value: impl Into<Payload>) -> Self {
        HandlerError { kind: Box::new(HandlerErrorKind::Exception { name: name.into(), payload: value.into() }) }
    }

    /// Answers with a `TApplicationException`.
    pub fn application(e: ApplicationException) -> Self {
        HandlerError { kind: Box::new(HandlerErrorKind::Application(e)) }
    }

    /// Answers with `TApplicationException(INTERNAL_ERROR, message)`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::application(ApplicationException::new(ExceptionType::INTERNAL_ERROR, message))
    }
}

/// Serves the calls of a [`Server`](super::Server): every method of every served service.
///
/// Implement it on a type, or wrap a closure with [`handler_fn`]. The method name is
/// [`CallContext::method`]; the arguments are the decoded `<method>_args` struct (field
/// ids as in the IDL). A panic in a handler fails only its call (the client gets
/// `INTERNAL_ERROR`); a handler that outlives the caller's deadline is cancelled.
///
/// The first poll of a call's future runs on the task that reads its connection, so
/// that an answer ready at once costs no task of its own; a future that waits moves to a
/// task of its own. Long synchronous work in a handler therefore delays the next requests
/// of the same connection: move it to `tokio::task::spawn_blocking`.
pub trait Handler: Send + Sync + 'static {
    /// Serves one call.
    fn call(&self, ctx: CallContext, args: Message) -> impl Future<Output = Result<HandlerReply, HandlerError>> + Send;
}

/// A [`Handler`] made of a closure; see [`handler_fn`].
#[derive(Debug, Clone)]
pub struct HandlerFn<F>(F);

/// A handler from a closure `Fn(CallContext, Message) -> impl Future<Output = Result<HandlerReply, HandlerError>>`.
pub fn handler_fn<F, Fut>(f: F) -> HandlerFn<F>
where
    F: Fn(CallContext, Message) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HandlerReply, HandlerError>> + Send + 'static,
{
    HandlerFn(f)
}

impl<F, Fut> Handler for HandlerFn<F>
where
    F: Fn(CallContext, Message) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HandlerReply, HandlerError>> + Send + 'static,
{
    fn call(&self, ctx: CallContext, args: Message) -> impl Future<Output = Result<HandlerReply, HandlerError>> + Send {
        (self.0)(ctx, args)
    }
}

/// The handler's future, boxed so that the server stores one type.
pub(crate) type BoxedCall<'a> = Pin<Box<dyn Future<Output = Result<HandlerReply, HandlerError>> + Send + 'a>>;

/// [`Handler`] behind a pointer.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    /// The call's future, owning a reference to the handler (so that it can be polled
    /// first where the request was read and moved to a task of its own if it waits).
    fn call_owned(self: Arc<Self>, ctx: CallContext, args: Message) -> BoxedCall<'static>;
}

impl<H: Handler> ErasedHandler for H {
    fn call_owned(self: Arc<Self>, ctx: CallContext, args: Message) -> BoxedCall<'static> {
        Box::pin(async move { self.call(ctx, args).await })
    }
}
