//! The wasm heap: Talc (a binned allocator for no_std and wasm, faster and smaller than the standard
//! library's dlmalloc), asking for memory in steps that grow with the heap.
//!
//! An allocator for wasm grows the memory by what it needs, 64 KiB at a time. Each `memory.grow` costs the
//! engine about a millisecond (V8 makes a new `ArrayBuffer` and counts the memory for its garbage
//! collector), so a cluster that keeps records grew its heap 10,000 times a minute and spent more than half
//! its time there (`make bench`'s loaded cluster: 26% in growing, 28% in V8's GC). Here the memory grows by
//! at least an eighth of its size (and 1 MiB): a heap of 600 MB takes ~60 steps, and at most an eighth of
//! the memory waits unused.

use core::alloc::Layout;
use core::arch::wasm32;
use core::ptr::NonNull;

use talc::base::binning::Binning;
use talc::base::Talc;
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

const PAGE_BYTES: usize = 64 * 1024;
/// The smallest step, in pages (1 MiB).
const GROW_PAGES_MIN: usize = 16;

/// Memory from `memory.grow`, in steps of at least an eighth of the memory, extending the heap when the new
/// memory follows it (it always does, unless something else grew the memory).
#[derive(Debug)]
pub struct GeometricGrowth {
    heap_end: Option<NonNull<u8>>,
}

// SAFETY: `acquire` touches only `talc` and the wasm memory, and allocates nothing.
unsafe impl Source for GeometricGrowth {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Room for the chunk's metadata and its alignment, generously: spare bytes serve later allocations.
        let needed = (layout.size() + layout.align() + 256).div_ceil(PAGE_BYTES);
        let step = needed.max(wasm32::memory_size(0) / 8).max(GROW_PAGES_MIN);
        // Near the 4 GiB limit the larger step may not fit where the needed one does.
        let (previous, pages) = match wasm32::memory_grow(0, step) {
            usize::MAX => (wasm32::memory_grow(0, needed), needed),
            previous => (previous, step),
        };
        if previous == usize::MAX {
            return Err(());
        }
        let base = (previous * PAGE_BYTES) as *mut u8;
        // A region that ends at the top of the address space would let a pointer wrap to 0: keep its last
        // bytes out.
        let bytes = if (base as usize).wrapping_add(pages * PAGE_BYTES) == 0 {
            pages * PAGE_BYTES - 64
        } else {
            pages * PAGE_BYTES
        };
        let end = base.wrapping_add(bytes);
        talc.source.heap_end = match talc.source.heap_end.take() {
            // SAFETY: the new memory follows the heap's end and belongs to no one else.
            Some(old_end) if old_end.as_ptr() == base => Some(unsafe { talc.extend(old_end, end) }),
            // SAFETY: fresh memory from `memory.grow`, given to the allocator alone.
            _ => unsafe { talc.claim(base, bytes) },
        };
        if talc.source.heap_end.is_none() {
            return Err(());
        }
        Ok(())
    }
}

#[global_allocator]
static HEAP: TalcSyncCell<GeometricGrowth, WasmBinning> = TalcSyncCell::new_wasm(GeometricGrowth { heap_end: None });
