//! Helpers shared by the interpreter's integration tests: a global allocator
//! that counts the heap bytes each thread holds at its peak, and a small
//! writer of hand-made wire bytes.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting the bytes live on the current thread and
/// their peak. Tests run on threads of their own, so the counts of one test
/// are not disturbed by another.
pub struct CountingAlloc;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(n: isize) {
    // `try_with` because the allocator also serves thread teardown.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + n;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` and returns its result with the peak of heap bytes it added on
/// this thread (above what was live when it started).
pub fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - start).max(0) as usize)
}

/// Bytes written by hand, Binary protocol.
#[derive(Default)]
pub struct Bin(pub Vec<u8>);

impl Bin {
    pub fn new() -> Bin {
        Bin(Vec::new())
    }
    pub fn field(mut self, ttype: u8, id: i16) -> Bin {
        self.0.push(ttype);
        self.0.extend_from_slice(&id.to_be_bytes());
        self
    }
    pub fn stop(mut self) -> Bin {
        self.0.push(0);
        self
    }
    pub fn byte(mut self, b: u8) -> Bin {
        self.0.push(b);
        self
    }
    pub fn i16(mut self, v: i16) -> Bin {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i32(mut self, v: i32) -> Bin {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(mut self, v: i64) -> Bin {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn string(mut self, s: &[u8]) -> Bin {
        self = self.i32(s.len() as i32);
        self.0.extend_from_slice(s);
        self
    }
    pub fn list(mut self, elem: u8, n: i32) -> Bin {
        self.0.push(elem);
        self.i32(n)
    }
    pub fn map(mut self, k: u8, v: u8, n: i32) -> Bin {
        self.0.push(k);
        self.0.push(v);
        self.i32(n)
    }
    pub fn raw(mut self, b: &[u8]) -> Bin {
        self.0.extend_from_slice(b);
        self
    }
    pub fn bytes(self) -> bytes::Bytes {
        bytes::Bytes::from(self.0)
    }
}

/// Parses space-separated hex bytes.
pub fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).expect("hex byte")).collect()
}
