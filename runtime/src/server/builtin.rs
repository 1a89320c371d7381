//! Handlers that need no code: [`Echo`] and [`Mock`] answer any method of any IDL, as
//! `thriftjit serve --handler echo|mock` does; and [`default_value`], the value they build.

use std::future::Future;

use thriftjit::layout::ValueKind;
use thriftjit::schema::{Requiredness, Schema, Type};
use thriftjit::value::{Message, Value};

use super::context::CallContext;
use super::handler::{Handler, HandlerError, HandlerReply};

/// Deepest nesting [`default_value`] builds: required struct fields nested deeper than
/// this are a type no finite value satisfies (a required field of its own type).
pub const MAX_DEFAULT_DEPTH: usize = 64;

/// The default value of `ty`: zero, empty, `false`; an enum's first member; for a struct,
/// its fields with IDL defaults set to them (optional fields left out) and its required
/// fields without defaults filled with their own default values, so that it encodes.
///
/// # Errors
/// A type whose required fields nest without end.
pub fn default_value(schema: &Schema, ty: &Type) -> Result<Value, String> {
    default_at(schema, ty, 0)
}

fn default_at(schema: &Schema, ty: &Type, depth: usize) -> Result<Value, String> {
    Ok(match ty {
        Type::Bool => Value::Bool(false),
        Type::I8 => Value::I8(0),
        Type::I16 => Value::I16(0),
        Type::I32 => Value::I32(0),
        Type::I64 => Value::I64(0),
        Type::Double => Value::Double(0.0),
        Type::String => Value::String(String::new()),
        Type::Binary => Value::Binary(Vec::new()),
        Type::Uuid => Value::Uuid([0; 16]),
        Type::Enum(id) => Value::Enum(schema.enum_type(*id).values.first().map_or(0, |(_, v)| *v)),
        Type::List(_) => Value::List(Vec::new()),
        Type::Set(_) => Value::Set(Vec::new()),
        Type::Map(_, _) => Value::Map(Vec::new()),
        Type::Struct(id) => {
            let st = schema.struct_type(*id);
            if depth >= MAX_DEFAULT_DEPTH {
                return Err(format!("`{}` has required fields nested deeper than {MAX_DEFAULT_DEPTH}", st.name));
            }
            let mut fields = Vec::new();
            for f in &st.fields {
                let given = match (&f.default, f.requiredness) {
                    (Some(_), Requiredness::Optional) => None,
                    (Some(d), _) => Value::from_const(&ValueKind::of(&f.ty), d),
                    (None, _) => None,
                };
                match (given, f.requiredness) {
                    (Some(v), _) => fields.push((f.id, v)),
                    (None, Requiredness::Required) => fields.push((f.id, default_at(schema, &f.ty, depth + 1)?)),
                    (None, _) => {}
                }
            }
            Value::Struct(fields)
        }
    })
}

/// The mock answer to the call `ctx`: the default value of the method's return type.
fn mock(ctx: &CallContext) -> Result<HandlerReply, HandlerError> {
    let method = ctx.method_def().ok_or_else(|| HandlerError::internal("the method is gone from the schema"))?;
    match &method.returns {
        None => Ok(HandlerReply::void()),
        Some(ty) => default_value(ctx.schema(), ty).map(HandlerReply::value).map_err(HandlerError::internal),
    }
}

/// Answers every method with the default value of its return type ([`default_value`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mock;

impl Handler for Mock {
    fn call(
        &self,
        ctx: CallContext,
        _args: Message,
    ) -> impl Future<Output = Result<HandlerReply, HandlerError>> + Send {
        let reply = mock(&ctx);
        async move { reply }
    }
}

/// Answers every method with its first argument when that argument has the method's
/// return type, or a type of the same wire shape ([`Schema::same_wire_shape`]: a `Request`
/// struct echoed as an identical `Response`), and is set; like [`Mock`] otherwise. A
/// struct argument is sent back as it was decoded, without a copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

fn echo(ctx: &CallContext, args: Message) -> Result<HandlerReply, HandlerError> {
    let method = ctx.method_def().ok_or_else(|| HandlerError::internal("the method is gone from the schema"))?;
    let first = ctx.schema().struct_type(method.args).fields.first();
    if let (Some(ty), Some(arg)) = (&method.returns, first)
        && ctx.schema().same_wire_shape(&arg.ty, ty)
    {
        if matches!(arg.ty, Type::Struct(_)) {
            if let Ok(reply) = args.into_struct_field(arg.id) {
                return Ok(HandlerReply::message(reply));
            }
        } else if let Some(v) = args.root().get_index(0) {
            return Ok(HandlerReply::value(v.to_value()));
        }
    }
    mock(ctx)
}

impl Handler for Echo {
    fn call(&self, ctx: CallContext, args: Message) -> impl Future<Output = Result<HandlerReply, HandlerError>> + Send {
        let reply = echo(&ctx, args);
        async move { reply }
    }
}
