//! Prints, as JSON for `make bench`'s table, how many bytes of memory a retained record costs beyond its
//! payload.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use franz_core::config::TopicConfig;
use franz_core::log::{PartitionLog, ProducerStamp};
use franz_core::types::Record;

/// Counts live heap bytes.
struct Counting;
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let (records, value_bytes, key_bytes) = (100_000usize, 100usize, 8usize);
    let config = TopicConfig::default();
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let mut log = PartitionLog::new(0);
    for b in 0..records / 100 {
        let batch: Vec<Record> = (0..100)
            .map(|i| {
                Record::new(
                    0,
                    Some(format!("{:08}", b * 100 + i).into_bytes().into()),
                    Some(vec![7u8; value_bytes].into()),
                )
            })
            .collect();
        log.append(batch.into(), 0, ProducerStamp::NONE, None, 0, &config);
    }
    let used = LIVE_BYTES.load(Ordering::Relaxed) - before;
    let payload = records * (value_bytes + key_bytes);
    println!(
        "{{\"records\":{records},\"valueBytes\":{value_bytes},\"keyBytes\":{key_bytes},\"liveBytes\":{used},\"bytesPerRecordBeyondPayload\":{:.1}}}",
        (used - payload) as f64 / records as f64
    );
    std::hint::black_box(log);
}
