//! The wasm heap: Rust's own allocator for wasm (dlmalloc, as the standard library uses), asking for memory in
//! steps that grow with the heap.
//!
//! The standard library's dlmalloc grows the wasm memory by what it needs, 64 KiB at a time. Each
//! `memory.grow` costs the engine about a millisecond (V8 makes a new `ArrayBuffer` and counts the memory for
//! its garbage collector), so a cluster that keeps records grew its heap 10,000 times a minute and spent more
//! than half its time there (`make bench`'s loaded cluster: 26% in growing, 28% in V8's GC). Here the memory
//! grows by at least an eighth of its size (and 1 MiB): a heap of 600 MB takes ~60 steps, and at most an
//! eighth of the memory waits unused.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

use dlmalloc::{Allocator, Dlmalloc};

const PAGE_BYTES: usize = 64 * 1024;
/// The smallest step, in pages (1 MiB).
const GROW_PAGES_MIN: usize = 16;

/// Memory from `memory.grow`, in steps of at least an eighth of the memory.
struct GeometricGrowth;

unsafe impl Allocator for GeometricGrowth {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let needed = size.div_ceil(PAGE_BYTES);
        let step = needed.max(wasm32::memory_size(0) / 8).max(GROW_PAGES_MIN);
        // Near the 4 GiB limit the larger step may not fit where the needed one does.
        let (previous, pages) = match wasm32::memory_grow(0, step) {
            usize::MAX => (wasm32::memory_grow(0, needed), needed),
            previous => (previous, step),
        };
        if previous == usize::MAX {
            return (ptr::null_mut(), 0, 0);
        }
        let (base, bytes) = (previous * PAGE_BYTES, pages * PAGE_BYTES);
        // A region that ends at the top of the address space would let a pointer wrap to 0: keep its last
        // bytes out, as the standard library's allocator does.
        let bytes = if base.wrapping_add(bytes) == 0 { bytes - 16 } else { bytes };
        (base as *mut u8, bytes, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old_size: usize, _new_size: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old_size: usize, _new_size: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        PAGE_BYTES
    }
}

pub struct Heap(UnsafeCell<Dlmalloc<GeometricGrowth>>);

// wasm32 without the atomics feature runs one thread: no two calls into the heap can overlap.
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for Heap {}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}

#[global_allocator]
static HEAP: Heap = Heap(UnsafeCell::new(Dlmalloc::new_with_allocator(GeometricGrowth)));
