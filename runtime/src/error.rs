//! The one error type of the client, the server builder and the transport.
//!
//! [`Error`] is opaque (hyper's shape): callers branch on its predicates
//! ([`is_timeout`](Error::is_timeout), [`is_exception`](Error::is_exception), …) or on
//! [`Error::kind`], and show its message to people. Two kinds carry data a program needs:
//! a server's `TApplicationException` ([`Error::application_exception`]) and an exception
//! the IDL declares ([`Error::exception`], a [`DeclaredException`] holding the decoded
//! value and the name of its `throws` field). Constructors are `#[cold]`.

use std::fmt;

use thriftjit::json::{JsonError, JsonErrorKind};
use thriftjit::schema::{Method, Schema};
use thriftjit::value::{Message, StructRef, Value};

use crate::proto::{ApplicationException, ProtoError};

/// What went wrong, for callers that must branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A connect, read, write or whole-call timeout expired.
    Timeout,
    /// No connection could be made to the peer.
    Connect,
    /// The connection failed or closed while a call used it.
    Transport,
    /// The peer sent bytes we cannot make sense of: a frame or message that does not
    /// decode, a reply with another sequence id or method name than the call.
    Protocol,
    /// The peer answered with a `TApplicationException` (unknown method, internal error…).
    Application,
    /// The method threw an exception its IDL declares.
    Exception,
    /// The caller asked for something impossible: an unknown service or method, arguments
    /// that do not fit the method, options that contradict each other.
    InvalidInput,
}

/// An exception declared in a method's `throws` clause, as the server sent it.
pub struct DeclaredException {
    field: Box<str>,
    field_id: i16,
    /// The decoded `<method>_result` struct; the exception is its one set field.
    result: Message,
}

impl DeclaredException {
    pub(crate) fn new(field: &str, field_id: i16, result: Message) -> Self {
        DeclaredException { field: field.into(), field_id, result }
    }

    /// The name of the `throws` field (`ouch` in `throws (1: NotFound ouch)`).
    pub fn field_name(&self) -> &str {
        &self.field
    }

    /// The id of the `throws` field.
    pub fn field_id(&self) -> i16 {
        self.field_id
    }

    /// The exception's type name (`NotFound`).
    pub fn type_name(&self) -> &str {
        self.value().map(|v| v.type_name()).unwrap_or("")
    }

    /// The exception struct, a view into [`DeclaredException::result`].
    pub fn value(&self) -> Option<StructRef<'_>> {
        self.result.root().get_struct(self.field_id)
    }

    /// The exception as an owned tree.
    pub fn to_value(&self) -> Value {
        self.value().map(|v| v.to_value()).unwrap_or(Value::Struct(Vec::new()))
    }

    /// The whole decoded result struct.
    pub fn result(&self) -> &Message {
        &self.result
    }
}

impl fmt::Debug for DeclaredException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeclaredException").field("field", &self.field).field("value", &self.value()).finish()
    }
}

/// An error of a call, of building a client or server, or of the transport.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    application: Option<ApplicationException>,
    exception: Option<DeclaredException>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    #[cold]
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner { kind, message: message.into(), application: None, exception: None, source: None }),
        }
    }

    #[cold]
    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    #[cold]
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }

    #[cold]
    pub(crate) fn connect(addr: &str, e: std::io::Error) -> Self {
        Self::new(ErrorKind::Connect, format!("cannot connect to {addr}: {e}")).with_source(e)
    }

    #[cold]
    pub(crate) fn transport(what: &str, e: std::io::Error) -> Self {
        Self::new(ErrorKind::Transport, format!("{what}: {e}")).with_source(e)
    }

    #[cold]
    pub(crate) fn closed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transport, message)
    }

    #[cold]
    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    #[cold]
    pub(crate) fn proto(what: &str, e: ProtoError) -> Self {
        Self::new(ErrorKind::Protocol, format!("{what}: {e}")).with_source(e)
    }

    #[cold]
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// JSON arguments `args` of `method` that do not fit: `e`'s message, which names the
    /// JSON path, and for a key that names no argument the arguments there are.
    #[cold]
    pub(crate) fn json_args(schema: &Schema, method: &Method, args: &serde_json::Value, e: JsonError) -> Self {
        let mut message = format!("the arguments of `{}` do not fit: {e}", method.name);
        let st = schema.struct_type(method.args);
        let unknown_argument = e.kind() == JsonErrorKind::UnknownField
            && args.as_object().is_some_and(|o| {
                o.keys().any(|k| st.field_by_name(k).is_none() && e.path().strip_prefix("$.") == Some(k.as_str()))
            });
        if unknown_argument {
            let known: Vec<&str> = st.fields.iter().map(|f| &*f.name).collect();
            message.push_str(&format!(" (arguments: {})", known.join(", ")));
        }
        Self::invalid(message).with_source(e)
    }

    #[cold]
    pub(crate) fn application(e: ApplicationException) -> Self {
        let name = e.kind.name().unwrap_or("UNKNOWN");
        let mut err = Self::new(ErrorKind::Application, format!("TApplicationException {name}: {}", e.message));
        err.inner.application = Some(e);
        err
    }

    #[cold]
    pub(crate) fn declared(e: DeclaredException) -> Self {
        let mut err = Self::new(
            ErrorKind::Exception,
            format!("the method threw `{}` ({}): {:?}", e.field_name(), e.type_name(), e.value()),
        );
        err.inner.exception = Some(e);
        err
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, for people.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether a timeout expired (connect, read, write or the whole call).
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether no connection could be made.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Connect
    }

    /// Whether the connection failed while in use.
    pub fn is_transport(&self) -> bool {
        self.inner.kind == ErrorKind::Transport
    }

    /// Whether the peer sent something malformed or mismatched.
    pub fn is_protocol(&self) -> bool {
        self.inner.kind == ErrorKind::Protocol
    }

    /// Whether the peer answered with a `TApplicationException`.
    pub fn is_application(&self) -> bool {
        self.inner.kind == ErrorKind::Application
    }

    /// Whether the method threw a declared exception.
    pub fn is_exception(&self) -> bool {
        self.inner.kind == ErrorKind::Exception
    }

    /// Whether the caller's input was at fault.
    pub fn is_invalid_input(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidInput
    }

    /// The peer's `TApplicationException`, for [`ErrorKind::Application`].
    pub fn application_exception(&self) -> Option<&ApplicationException> {
        self.inner.application.as_ref()
    }

    /// The declared exception, for [`ErrorKind::Exception`].
    pub fn exception(&self) -> Option<&DeclaredException> {
        self.inner.exception.as_ref()
    }

    /// Takes the declared exception out of the error.
    pub fn into_exception(self) -> Option<DeclaredException> {
        self.inner.exception
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("kind", &self.inner.kind).field("message", &self.inner.message).finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}
