//! The JIT against hostile input, where agreeing on the error is not
//! enough: the compiled code must not allocate more than the interpreter
//! before it fails.

mod support;

use bytes::Bytes;
use support::{CountingAlloc, peak_heap};
use thriftjit::interp::{self, DecodeOptions};
use thriftjit::jit::Jit;
use thriftjit::layout::Layouts;
use thriftjit::schema::Schema;
use thriftjit::value::Arena;
use thriftjit::wire::{Protocol, ttype};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// `T { 1: list<T> kids }` nested as deep as allowed, every list claiming
/// as many elements as there are bytes left, the input cut short at the
/// end: as `nested_counts_share_the_input_instead_of_each_claiming_all_of_it`
/// in `interp_hostile.rs`, run by the compiled code. Each level's count fits
/// the input on its own; together they do not. The compiled decoder tracks
/// the interpreter's budget of bytes reserved by enclosing lists, so it
/// fails at the same level, having allocated no more than the interpreter
/// (whose error adds a little more), instead of `levels × 8 × input`.
#[test]
fn nested_counts_cost_the_jit_no_more_memory_than_the_interpreter() {
    nested_counts_cost_no_more("struct T { 1: list<T> kids }", |protocol, b| match protocol {
        Protocol::Binary => {
            b.extend_from_slice(&[ttype::LIST, 0, 1, ttype::STRUCT]);
            let left = LEN - b.len() - 4;
            b.extend_from_slice(&(left as i32).to_be_bytes());
        }
        Protocol::Compact => {
            // Field 1 (delta 1, list), a long list header of structs, a varint count.
            b.extend_from_slice(&[0x19, 0xfc]);
            let left = LEN - b.len() - 3;
            varint(b, left);
        }
    });
}

/// The same with maps: `T { 1: map<i32, T> kids }`, every map claiming as
/// many entries as the bytes left can hold (an `i32` key and a struct each,
/// at least), its first value the next level.
#[test]
fn nested_map_counts_cost_the_jit_no_more_memory_than_the_interpreter() {
    nested_counts_cost_no_more("struct T { 1: map<i32, T> kids }", |protocol, b| match protocol {
        Protocol::Binary => {
            b.extend_from_slice(&[ttype::MAP, 0, 1, ttype::I32, ttype::STRUCT]);
            let left = LEN - b.len() - 4;
            b.extend_from_slice(&((left / 5) as i32).to_be_bytes());
            b.extend_from_slice(&7i32.to_be_bytes());
        }
        Protocol::Compact => {
            // Field 1 (delta 1, map), a varint count, i32 keys and struct values, key 0.
            b.push(0x1b);
            let left = LEN - b.len() - 5;
            varint(b, left / 2);
            b.extend_from_slice(&[0x5c, 0]);
        }
    });
}

/// A Compact varint.
fn varint(b: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        b.push(v as u8 | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

/// Bytes of each hostile input.
const LEN: usize = 16 * 1024;

/// Nests `level` (which appends one level's bytes in a protocol) as deep as
/// allowed, cuts the input short, and checks that the compiled decoder
/// fails having allocated no more than the interpreter, and that the
/// driver reports the interpreter's error.
fn nested_counts_cost_no_more(idl: &str, level: impl Fn(Protocol, &mut Vec<u8>)) {
    let l = Layouts::new(Schema::parse_str("t.thrift", idl).unwrap());
    let t = l.schema().struct_by_name("T").unwrap();
    let jit = Jit::new(l.clone()).unwrap();
    assert!(jit.ensure(t).unwrap());
    for protocol in [Protocol::Binary, Protocol::Compact] {
        for max_depth in [64, 200] {
            let levels = max_depth as usize / 2 - 1;
            let mut b = Vec::new();
            for _ in 0..levels {
                level(protocol, &mut b);
            }
            assert!(b.len() < LEN);
            b.resize(LEN, 0);
            let input = Bytes::from(b);
            let opts = DecodeOptions { max_depth, ..DecodeOptions::default() };
            // Each from an empty heap: no chunk kept from an earlier arena.
            Arena::release_spare();
            let (res, interp_peak) = peak_heap(|| interp::decode(&l, t, protocol, &input, &opts));
            assert!(res.is_err(), "cannot be complete");
            Arena::release_spare();
            let (res, jit_peak) = peak_heap(|| jit.decode_compiled(t, protocol, &input, &opts).map(|(_, n)| n));
            assert_eq!(res, None, "cannot be complete");
            let what = format!("{idl}: {} max_depth {max_depth}", protocol.name());
            assert!(jit_peak <= interp_peak, "{what}: JIT peak heap {jit_peak} > interpreter's {interp_peak}");
            assert!(jit_peak < 32 * LEN, "{what}: JIT peak heap {jit_peak} for a {LEN}-byte input");
            // The driver (compiled code, then the interpreter for the error) agrees.
            let e = jit.decode(t, protocol, &input, &opts).map(|_| ()).expect_err("cannot be complete");
            assert_eq!(e, interp::decode(&l, t, protocol, &input, &opts).map(|_| ()).expect_err("fails"));
        }
    }
}
