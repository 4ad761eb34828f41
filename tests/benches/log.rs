//! `make bench` (criterion): the partition log against a raw `Vec<u8>`, in the same run.
//!
//! Append: 100 batches of 100 records of 100 bytes each go into a fresh `PartitionLog`; the baseline appends
//! the same bytes to a `Vec<u8>`. Read: the whole log read back in 1 MiB fetches (`max.partition.fetch.bytes`)
//! against slicing the same bytes out of the `Vec`. The batches are built outside the timed part in both.
//! Goal (issue 4): the log at least half as fast as the raw `Vec`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use franz_core::config::TopicConfig;
use franz_core::log::{PartitionLog, ProducerStamp};
use franz_core::types::Record;

const BATCHES: usize = 100;
const RECORDS_PER_BATCH: usize = 100;
const VALUE_BYTES: usize = 100;
const FETCH_MAX_BYTES: usize = 1_048_576;

fn batches() -> Vec<Vec<Record>> {
    (0..BATCHES)
        .map(|b| {
            (0..RECORDS_PER_BATCH)
                .map(|i| {
                    Record::new(
                        (b * RECORDS_PER_BATCH + i) as i64,
                        None,
                        Some(vec![(i % 251) as u8; VALUE_BYTES].into()),
                    )
                })
                .collect()
        })
        .collect()
}

fn raw(batches: &[Vec<Record>]) -> Vec<Vec<u8>> {
    batches.iter().map(|b| b.iter().flat_map(|r| r.value.clone().unwrap_or_default().to_vec()).collect()).collect()
}

fn filled_log(config: &TopicConfig) -> PartitionLog {
    let mut log = PartitionLog::new(0);
    for batch in batches() {
        log.append(batch.into(), 0, ProducerStamp::NONE, None, 0, config);
    }
    log
}

fn append(c: &mut Criterion) {
    let config = TopicConfig::default();
    let mut group = c.benchmark_group("append_100B_records_in_batches_of_100");
    group.throughput(Throughput::Bytes((BATCHES * RECORDS_PER_BATCH * VALUE_BYTES) as u64));
    group.bench_function("partition_log", |b| {
        b.iter_batched(
            batches,
            |batches| {
                let mut log = PartitionLog::new(0);
                for batch in batches {
                    log.append(batch.into(), 0, ProducerStamp::NONE, None, 0, &config);
                }
                log
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("raw_vec", |b| {
        b.iter_batched(
            || {
                // The best case for the baseline: its memory reserved and touched up front, so the timing is
                // the copy itself, not page faults.
                let mut buffer = vec![1u8; BATCHES * RECORDS_PER_BATCH * VALUE_BYTES]; // not 0: calloc would not touch the pages
                buffer.clear();
                (raw(&batches()), buffer)
            },
            |(raw, mut bytes)| {
                for batch in raw {
                    bytes.extend_from_slice(&batch);
                }
                bytes
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn read(c: &mut Criterion) {
    let config = TopicConfig::default();
    let log = filled_log(&config);
    let bytes: Vec<u8> = raw(&batches()).concat();
    let mut group = c.benchmark_group("read_all_in_1MiB_fetches");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("partition_log", |b| {
        b.iter(|| {
            let (mut offset, mut n) = (0, 0);
            while offset < log.log_end_offset() {
                let records = log.read(offset, log.log_end_offset(), FETCH_MAX_BYTES).expect("in range");
                offset = records.last().and_then(|batch| batch.last()).map_or(offset, |r| r.offset + 1);
                n += records.len();
            }
            n
        })
    });
    group.bench_function("raw_vec", |b| {
        b.iter(|| bytes.chunks(FETCH_MAX_BYTES).map(|chunk| std::hint::black_box(chunk.to_vec()).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, append, read);
criterion_main!(benches);
