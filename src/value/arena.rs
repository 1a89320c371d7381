//! A bump arena: every block of a decoded message comes from here and is
//! freed at once when the message drops.
//!
//! Allocation is a pointer bump in the current chunk; a new chunk (twice the
//! size of the last) is taken from the heap only when one runs out. Sizing
//! the first chunk from the input's length makes a typical decode take one
//! heap allocation, and none when the last arena dropped on the thread left
//! a chunk large enough ([`Arena::with_capacity`]); [`Arena::reset`] keeps
//! the largest chunk for reuse.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// Smallest chunk taken from the heap.
const MIN_CHUNK: usize = 256;
/// Largest chunk taken at once; bigger requests get a chunk of their own size.
/// Keeps a hostile size hint from reserving much more than is used.
const MAX_CHUNK: usize = 16 << 20;

/// Largest first chunk an arena leaves to the next arena of its thread
/// ([`SPARE`]) rather than freeing: what one server thread's messages of
/// up to about 32 KB take, while bounding the memory a thread keeps.
const SPARE_MAX: usize = 64 << 10;

/// One chunk kept per thread between arenas: a thread decoding one message
/// after another then takes no heap allocation per message (glibc's
/// allocator spends about 600 instructions on a 1.3 KB chunk's malloc and
/// free, half a small struct's compiled decode).
struct Spare(Cell<Option<Chunk>>);

impl Drop for Spare {
    fn drop(&mut self) {
        if let Some(chunk) = self.0.take() {
            free_chunk(chunk);
        }
    }
}

thread_local! {
    static SPARE: Spare = const { Spare(Cell::new(None)) };
}

/// A bump allocator of 8-byte aligned blocks.
pub struct Arena {
    ptr: *mut u8,
    end: *mut u8,
    /// The first chunk, and the others: each from `Box::into_raw` and freed by
    /// `free_chunk`. Raw pointers, not `Box`es: moving a `Box` (into this vector, or
    /// the vector's buffer) asserts unique access to its memory, which would
    /// invalidate the blocks already handed out (Miri's Stacked Borrows reports
    /// exactly that). The first is kept apart so that a decode whose arena needs
    /// one chunk (the usual case) makes one heap allocation, not two.
    first: Option<Chunk>,
    more: Vec<Chunk>,
    next_size: usize,
    allocated: usize,
}

impl Drop for Arena {
    fn drop(&mut self) {
        for chunk in self.more.drain(..) {
            free_chunk(chunk);
        }
        if let Some(chunk) = self.first.take() {
            // Left to the next arena of this thread when it is larger than the
            // spare there; otherwise (or while the thread ends) freed.
            let spare = (chunk.len() * 8 <= SPARE_MAX)
                .then(|| {
                    SPARE.try_with(|s| match s.0.get() {
                        Some(old) if old.len() >= chunk.len() => Some(chunk),
                        old => {
                            s.0.set(Some(chunk));
                            old
                        }
                    })
                })
                .and_then(Result::ok);
            match spare {
                Some(Some(freed)) => free_chunk(freed),
                Some(None) => {}
                None => free_chunk(chunk),
            }
        }
    }
}

/// A chunk of an arena: words, uninitialised until handed out.
type Chunk = NonNull<[MaybeUninit<u64>]>;

/// A new chunk of `words` uninitialised words.
fn new_chunk(words: usize) -> NonNull<[MaybeUninit<u64>]> {
    let chunk: Box<[MaybeUninit<u64>]> = Box::new_uninit_slice(words);
    // SAFETY: `Box::into_raw` never returns null.
    unsafe { NonNull::new_unchecked(Box::into_raw(chunk)) }
}

/// Frees a chunk made by `new_chunk`.
fn free_chunk(chunk: NonNull<[MaybeUninit<u64>]>) {
    // SAFETY: `chunk` came from `Box::into_raw` in `new_chunk`, and every caller removes
    // it from the arena's chunks first, so it is freed once.
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
        let chunks = usize::from(self.first.is_some()) + self.more.len();
        f.debug_struct("Arena").field("chunks", &chunks).field("allocated", &self.allocated).finish()
    }
}

impl Arena {
    /// An empty arena; the first allocation takes a chunk.
    pub fn new() -> Arena {
        let p = NonNull::<u64>::dangling().as_ptr() as *mut u8;
        Arena { ptr: p, end: p, first: None, more: Vec::new(), next_size: MIN_CHUNK, allocated: 0 }
    }

    /// An arena whose first chunk holds at least `bytes`: the chunk the
    /// last arena dropped on this thread left (up to 64 KB) when it is large
    /// enough, so that a thread decoding one message after another takes
    /// no heap allocation per message.
    pub fn with_capacity(bytes: usize) -> Arena {
        let mut a = Arena::new();
        a.next_size = bytes.clamp(MIN_CHUNK, MAX_CHUNK);
        let spare = SPARE.try_with(|s| match s.0.take() {
            Some(chunk) if chunk.len() * 8 >= bytes => Some(chunk),
            other => {
                s.0.set(other);
                None
            }
        });
        if let Ok(Some(chunk)) = spare {
            a.ptr = chunk.cast::<u8>().as_ptr();
            // SAFETY: one past the end of the chunk's allocation.
            a.end = unsafe { a.ptr.add(chunk.len() * 8) };
            a.first = Some(chunk);
        }
        a
    }

    /// Frees the chunk this thread keeps for its next arena (see
    /// [`Arena::with_capacity`]): for a thread that is done decoding for a
    /// while, or a measurement that must start from an empty heap.
    pub fn release_spare() {
        if let Ok(Some(chunk)) = SPARE.try_with(|s| s.0.take()) {
            free_chunk(chunk);
        }
    }

    /// Bytes handed out so far.
    pub fn allocated(&self) -> usize {
        self.allocated
    }

    /// Bytes taken from the heap.
    pub fn capacity(&self) -> usize {
        self.first.iter().chain(&self.more).map(|c| c.len() * 8).sum()
    }

    /// Frees every block at once, keeping the largest chunk for reuse.
    ///
    /// Takes `&mut self`, so no block handed out before can still be borrowed.
    pub fn reset(&mut self) {
        // `more` has chunks only after `first`.
        if let Some(mut keep) = self.first.take() {
            for chunk in self.more.drain(..) {
                if chunk.len() > keep.len() {
                    free_chunk(std::mem::replace(&mut keep, chunk));
                } else {
                    free_chunk(chunk);
                }
            }
            self.first = Some(keep);
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
        match self.first {
            None => self.first = Some(chunk),
            Some(_) => self.more.push(chunk),
        }
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

    /// An arena's first chunk goes to the next arena of its thread that
    /// fits in it; one too small, or too large to keep, is not used.
    #[test]
    fn the_next_arena_of_a_thread_takes_the_spare_chunk() {
        // On a thread of its own, so no other test's arenas share the spare.
        std::thread::spawn(|| {
            let mut a = Arena::with_capacity(1000);
            assert_eq!(a.capacity(), 0, "no spare yet: the first allocation takes a chunk");
            let first = a.alloc(8).as_ptr();
            let cap = a.capacity();
            drop(a);
            let mut b = Arena::with_capacity(500);
            assert_eq!(b.capacity(), cap, "the spare, before any allocation");
            assert_eq!(b.alloc(8).as_ptr(), first);
            drop(b);
            // Too small for this one: it takes its own chunk, and the spare stays.
            let mut c = Arena::with_capacity(cap + 8);
            assert_eq!(c.capacity(), 0);
            c.alloc(8);
            // The larger first chunk replaces the spare when `c` drops.
            let bigger = c.capacity();
            drop(c);
            assert_eq!(Arena::with_capacity(100).capacity(), bigger);
            // Past `SPARE_MAX`, a chunk is freed, not kept.
            let mut d = Arena::with_capacity(SPARE_MAX + 8);
            d.alloc(8);
            drop(d);
            assert_eq!(Arena::with_capacity(SPARE_MAX).capacity(), 0);
        })
        .join()
        .unwrap();
    }
}
