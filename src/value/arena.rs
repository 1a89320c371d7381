//! A bump arena: every block of a decoded message comes from here and is
//! freed at once when the message drops.
//!
//! Allocation is a pointer bump in the current chunk; a new chunk (twice the
//! size of the last) is taken from the heap only when one runs out. Sizing
//! the first chunk from the input's length makes a typical decode take one
//! heap allocation; [`Arena::reset`] keeps the largest chunk for reuse.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// Smallest chunk taken from the heap.
const MIN_CHUNK: usize = 256;
/// Largest chunk taken at once; bigger requests get a chunk of their own size.
/// Keeps a hostile size hint from reserving much more than is used.
const MAX_CHUNK: usize = 16 << 20;

/// A bump allocator of 8-byte aligned blocks.
pub struct Arena {
    ptr: *mut u8,
    end: *mut u8,
    /// The chunks, each from `Box::into_raw` and freed by `free_chunk`. Raw pointers, not
    /// `Box`es: moving a `Box` (into this vector, or the vector's buffer) asserts unique
    /// access to its memory, which would invalidate the blocks already handed out
    /// (Miri's Stacked Borrows reports exactly that).
    chunks: Vec<NonNull<[MaybeUninit<u64>]>>,
    next_size: usize,
    allocated: usize,
}

impl Drop for Arena {
    fn drop(&mut self) {
        for chunk in self.chunks.drain(..) {
            free_chunk(chunk);
        }
    }
}

/// A new chunk of `words` uninitialised words.
fn new_chunk(words: usize) -> NonNull<[MaybeUninit<u64>]> {
    let chunk: Box<[MaybeUninit<u64>]> = Box::new_uninit_slice(words);
    // SAFETY: `Box::into_raw` never returns null.
    unsafe { NonNull::new_unchecked(Box::into_raw(chunk)) }
}

/// Frees a chunk made by `new_chunk`.
fn free_chunk(chunk: NonNull<[MaybeUninit<u64>]>) {
    // SAFETY: `chunk` came from `Box::into_raw` in `new_chunk`, and every caller removes
    // it from `Arena::chunks` first, so it is freed once.
    drop(unsafe { Box::from_raw(chunk.as_ptr()) });
}

// SAFETY: the arena owns its chunks; its raw pointers point into them only,
// so moving it to another thread moves the memory with it.
unsafe impl Send for Arena {}
// SAFETY: `&Arena` gives no way to allocate or write; all mutation needs `&mut`.
unsafe impl Sync for Arena {}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

impl std::fmt::Debug for Arena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arena").field("chunks", &self.chunks.len()).field("allocated", &self.allocated).finish()
    }
}

impl Arena {
    /// An empty arena; the first allocation takes a chunk.
    pub fn new() -> Arena {
        let p = NonNull::<u64>::dangling().as_ptr() as *mut u8;
        Arena { ptr: p, end: p, chunks: Vec::new(), next_size: MIN_CHUNK, allocated: 0 }
    }

    /// An arena whose first chunk holds at least `bytes`.
    pub fn with_capacity(bytes: usize) -> Arena {
        let mut a = Arena::new();
        a.next_size = bytes.clamp(MIN_CHUNK, MAX_CHUNK);
        a
    }

    /// Bytes handed out so far.
    pub fn allocated(&self) -> usize {
        self.allocated
    }

    /// Bytes taken from the heap.
    pub fn capacity(&self) -> usize {
        self.chunks.iter().map(|c| c.len() * 8).sum()
    }

    /// Frees every block at once, keeping the largest chunk for reuse.
    ///
    /// Takes `&mut self`, so no block handed out before can still be borrowed.
    pub fn reset(&mut self) {
        if let Some(largest) = self.chunks.iter().map(|c| c.len()).max() {
            let idx = self.chunks.iter().position(|c| c.len() == largest).expect("largest exists");
            let keep = self.chunks.swap_remove(idx);
            for chunk in self.chunks.drain(..) {
                free_chunk(chunk);
            }
            self.chunks.push(keep);
            self.ptr = keep.cast::<u8>().as_ptr();
            // SAFETY: one past the end of the chunk's allocation.
            self.end = unsafe { self.ptr.add(keep.len() * 8) };
        }
        self.allocated = 0;
    }

    /// A block of `size` bytes, 8-aligned, with unspecified contents.
    #[inline]
    pub fn alloc(&mut self, size: usize) -> NonNull<u8> {
        let size = size.next_multiple_of(8);
        let avail = self.end as usize - self.ptr as usize;
        if size > avail {
            return self.alloc_slow(size);
        }
        let p = self.ptr;
        // SAFETY: `size <= avail`, so `p + size` stays within (or one past) the chunk.
        self.ptr = unsafe { p.add(size) };
        self.allocated += size;
        // SAFETY: `p` points into a live chunk (or is the dangling start of an
        // empty arena only when `size == 0`), never null.
        unsafe { NonNull::new_unchecked(p) }
    }

    /// A block of `size` bytes, 8-aligned, zeroed.
    #[inline]
    pub fn alloc_zeroed(&mut self, size: usize) -> NonNull<u8> {
        let p = self.alloc(size);
        // SAFETY: `alloc` returned a block of at least `size` writable bytes.
        unsafe { std::ptr::write_bytes(p.as_ptr(), 0, size) };
        p
    }

    /// Copies `bytes` into the arena.
    pub fn alloc_bytes(&mut self, bytes: &[u8]) -> NonNull<u8> {
        let p = self.alloc(bytes.len());
        // SAFETY: the block holds `bytes.len()` bytes and cannot overlap `bytes`,
        // which the caller borrows from elsewhere (a fresh block is never shared).
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.as_ptr(), bytes.len()) };
        p
    }

    #[cold]
    fn alloc_slow(&mut self, size: usize) -> NonNull<u8> {
        let chunk_size = self.next_size.max(size).max(MIN_CHUNK);
        self.next_size = (chunk_size * 2).min(MAX_CHUNK);
        let chunk = new_chunk(chunk_size.div_ceil(8));
        let start = chunk.cast::<u8>().as_ptr();
        // SAFETY: the chunk holds `chunk_size.div_ceil(8) * 8 >= size` bytes.
        self.end = unsafe { start.add(chunk.len() * 8) };
        // SAFETY: `size` bytes fit in the new chunk, checked above.
        self.ptr = unsafe { start.add(size) };
        self.chunks.push(chunk);
        self.allocated += size;
        // SAFETY: a heap allocation is never null.
        unsafe { NonNull::new_unchecked(start) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_distinct_and_reusable() {
        let mut a = Arena::with_capacity(64);
        let mut seen = Vec::new();
        for size in [1, 7, 8, 9, 300, 5000, 0, 16] {
            let p = a.alloc_zeroed(size);
            assert_eq!(p.as_ptr() as usize % 8, 0);
            // SAFETY: the block holds `size` bytes.
            let block = unsafe { std::slice::from_raw_parts(p.as_ptr(), size) };
            assert!(block.iter().all(|b| *b == 0));
            seen.push((p.as_ptr() as usize, size));
        }
        for (i, (p, s)) in seen.iter().enumerate() {
            for (q, t) in &seen[i + 1..] {
                assert!(*s == 0 || *t == 0 || p + s <= *q || q + t <= *p, "blocks overlap");
            }
        }
        let cap = a.capacity();
        a.reset();
        assert_eq!(a.allocated(), 0);
        assert!(a.capacity() <= cap);
        let p = a.alloc_bytes(b"hello");
        // SAFETY: five bytes were just copied there.
        assert_eq!(unsafe { std::slice::from_raw_parts(p.as_ptr(), 5) }, b"hello");
    }
}
