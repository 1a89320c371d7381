//! IR pieces both generators (decode and encode, every protocol) share:
//! calling a helper through the table in the context, and returning a
//! failed status from the generated function.

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, Type, Value};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::FunctionBuilder;

/// Flags of every load and store of generated code: bounds were checked
/// before the access, and nothing claims alignment.
pub(crate) fn native() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Calls the helper at `offset` of the table whose pointer is at
/// `ctx + table_field`, with `args` of types `params`, returning one `ret`.
#[expect(clippy::too_many_arguments, reason = "one call site shape, spelled out")]
pub(crate) fn call_helper(
    b: &mut FunctionBuilder<'_>,
    call_conv: CallConv,
    ctx: Value,
    table_field: i32,
    offset: i32,
    params: &[Type],
    ret: Type,
    args: &[Value],
) -> Value {
    let table = b.ins().load(I64, native(), ctx, table_field);
    let f = b.ins().load(I64, native(), table, offset);
    let mut sig = Signature::new(call_conv);
    sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    sig.returns.push(AbiParam::new(ret));
    let sig = b.import_signature(sig);
    let call = b.ins().call_indirect(sig, f, args);
    b.inst_results(call)[0]
}

/// Returns `status` from the generated function unless it is zero (`OK`).
pub(crate) fn check_status(b: &mut FunctionBuilder<'_>, status: Value) {
    let ok = b.create_block();
    let fail = b.create_block();
    b.ins().brif(status, fail, &[], ok, &[]);
    b.switch_to_block(fail);
    b.ins().return_(&[status]);
    b.switch_to_block(ok);
}
