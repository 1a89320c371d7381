//! IR pieces both generators (decode and encode, every protocol) share:
//! calling a helper of the table, returning a failed
//! status from the generated function, and how lists of fixed-width
//! scalars are converted in bulk.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, InstBuilder, InstructionData, Opcode, Signature, Type, Value, ValueDef,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::FunctionBuilder;

use super::rt::conv;
use crate::layout::ValueKind;
use crate::wire::Protocol;

/// Calls the helper at `offset` of [`super::rt::HELPERS`], with `args` of
/// types `params`, returning one `ret`. Its address is a constant of the
/// code (the helpers live as long as the process), not two loads through
/// the context: fewer instructions to compile and to run, and still no
/// relocation, so the same IR compiles for any target.
pub(crate) fn call_helper(
    b: &mut FunctionBuilder<'_>,
    call_conv: CallConv,
    offset: i32,
    params: &[Type],
    ret: Type,
    args: &[Value],
) -> Value {
    call_helper_returning(b, call_conv, offset, params, Some(ret), args)[0]
}

/// As [`call_helper`], for a helper that returns nothing.
pub(crate) fn call_helper_void(
    b: &mut FunctionBuilder<'_>,
    call_conv: CallConv,
    offset: i32,
    params: &[Type],
    args: &[Value],
) {
    call_helper_returning(b, call_conv, offset, params, None, args);
}

fn call_helper_returning(
    b: &mut FunctionBuilder<'_>,
    call_conv: CallConv,
    offset: i32,
    params: &[Type],
    ret: Option<Type>,
    args: &[Value],
) -> Vec<Value> {
    let f = b.ins().iconst(I64, super::rt::helper_address(offset) as i64);
    let mut sig = Signature::new(call_conv);
    sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    sig.returns.extend(ret.map(AbiParam::new));
    let sig = b.import_signature(sig);
    let call = b.ins().call_indirect(sig, f, args);
    b.inst_results(call).to_vec()
}

/// How a list of the scalar `elem` goes between the wire and memory in
/// bulk in `protocol`: `Some((conversion, bytes per element))` for the
/// fixed-width encodings ([`conv`]: one bounds or capacity check for the
/// whole array, then one call of the `scalars` helper), `None` for
/// Compact's varints (the `varints_in` and `varints_out` helpers).
/// `encode` picks the direction where they differ (Compact bools).
pub(crate) fn fixed_conv(protocol: Protocol, elem: &ValueKind, encode: bool) -> Option<(u64, i64)> {
    let binary = protocol == Protocol::Binary;
    Some(match elem {
        ValueKind::I8 => (conv::COPY, 1),
        ValueKind::Bool if binary => (conv::BOOL, 1),
        ValueKind::Bool if encode => (conv::COMPACT_BOOL_OUT, 1),
        ValueKind::Bool => (conv::COMPACT_BOOL_IN, 1),
        ValueKind::Double if !binary => (conv::LE64, 8),
        _ if !binary => return None,
        ValueKind::I16 => (conv::BE16, 2),
        ValueKind::I32 | ValueKind::Enum(_) => (conv::BE32, 4),
        ValueKind::I64 | ValueKind::Double => (conv::BE64, 8),
        _ => return None,
    })
}

/// `v + n`, folding `n` into `v` when `v` is itself `x + constant` (as after
/// a previous advance): one add rather than a chain, which nothing folds
/// when Cranelift's optimizer is off.
pub(crate) fn add_imm(b: &mut FunctionBuilder<'_>, v: Value, n: i64) -> Value {
    let dfg = &b.func.dfg;
    if let ValueDef::Result(inst, 0) = dfg.value_def(v)
        && let InstructionData::Binary { opcode: Opcode::Iadd, args: [x, c] } = dfg.insts[inst]
        && let ValueDef::Result(ci, 0) = dfg.value_def(c)
        && let InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } = dfg.insts[ci]
        && dfg.value_type(v) == I64
    {
        return b.ins().iadd_imm_s(x, imm.bits().wrapping_add(n));
    }
    b.ins().iadd_imm_s(v, n)
}

/// Returns `status` from the generated function unless it is zero (`OK`).
pub(crate) fn check_status(b: &mut FunctionBuilder<'_>, status: Value) {
    let ok = b.create_block();
    let fail = b.create_block();
    b.ins().brif(status, fail, &[], ok, &[]);
    enter(b, fail);
    b.ins().return_(&[status]);
    enter(b, ok);
}

/// Switches to `block` and seals it: every jump to it is emitted (as for the
/// targets of a branch just made). Variables read in a sealed block resolve
/// at once to the one definition that reaches it, rather than through a
/// block parameter removed later: less work for the SSA builder, and
/// `add_imm` and `or_imm` see the definitions they fold.
pub(crate) fn enter(b: &mut FunctionBuilder<'_>, block: cranelift_codegen::ir::Block) {
    b.switch_to_block(block);
    b.seal_block(block);
}

/// A loop over the elements of an array, opened by [`elements`] and closed
/// by [`Elements::close`].
pub(crate) struct Elements {
    head: Block,
    exit: Block,
    /// The index of the element of this iteration.
    pub i: Value,
    /// The address of that element.
    pub at: Value,
}

/// Opens `for i in 0..n` over the array `arr` of `stride`-byte elements:
/// the builder is left in the loop's body, with `i` and its element's
/// address.
pub(crate) fn elements(b: &mut FunctionBuilder<'_>, arr: Value, n: Value, stride: i64) -> Elements {
    let head = b.create_block();
    b.append_block_param(head, I64);
    let body = b.create_block();
    let exit = b.create_block();
    let zero = b.ins().iconst(I64, 0);
    b.ins().jump(head, &[BlockArg::Value(zero)]);
    b.switch_to_block(head);
    let i = b.block_params(head)[0];
    let more = b.ins().icmp(IntCC::UnsignedLessThan, i, n);
    b.ins().brif(more, body, &[], exit, &[]);
    b.switch_to_block(body);
    let off = b.ins().imul_imm_s(i, stride);
    let at = b.ins().iadd(arr, off);
    Elements { head, exit, i, at }
}

impl Elements {
    /// Ends the body (on to the next element) and leaves the builder after the loop.
    pub(crate) fn close(self, b: &mut FunctionBuilder<'_>) {
        let i1 = b.ins().iadd_imm_s(self.i, 1);
        b.ins().jump(self.head, &[BlockArg::Value(i1)]);
        b.switch_to_block(self.exit);
    }
}
