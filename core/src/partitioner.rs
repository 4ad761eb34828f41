//! Kafka's default partitioner: murmur2 of the key (byte-compatible with `Utils.murmur2`), an explicit
//! partition first, and the uniform sticky partitioner (KIP-794) for null keys.

use rand_core::RngCore;

/// Kafka's `Utils.murmur2`: 32-bit wrapping arithmetic, logical shifts, seed `0x9747b28c`.
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = 0x9747_b28c ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: a mask, not `abs`.
pub fn to_positive(n: i32) -> u32 {
    (n & 0x7fff_ffff) as u32
}

/// The partition Kafka's default partitioner picks for a non-null key.
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    debug_assert!(num_partitions > 0);
    to_positive(murmur2(key)) % num_partitions.max(1)
}

/// KIP-794's uniform sticky partitioner for null keys: stay on one partition until `batch.size` bytes
/// went to it, then switch to another chosen at random (from the world's seeded RNG) among those with a
/// leader, as Kafka's `BuiltInPartitioner.nextPartition` picks from `availablePartitionsForTopic` (among
/// all if none has one).
#[derive(Clone, Debug, Default)]
pub struct StickyPartitioner {
    current: Option<u32>,
    bytes_on_current: usize,
}

impl StickyPartitioner {
    pub fn partition(
        &mut self,
        num_partitions: u32,
        has_leader: impl Fn(u32) -> bool,
        record_bytes: usize,
        batch_size_bytes: usize,
        rng: &mut impl RngCore,
    ) -> u32 {
        let num_partitions = num_partitions.max(1);
        let switch = match self.current {
            None => true,
            Some(p) => p >= num_partitions || self.bytes_on_current >= batch_size_bytes,
        };
        if switch {
            let available = (0..num_partitions).filter(|&p| has_leader(p)).count() as u32;
            // The `i`th candidate: the partitions with a leader (all of them if none has one).
            let candidate = |i: u32| match available {
                0 => i,
                _ => (0..num_partitions).filter(|&p| has_leader(p)).nth(i as usize).unwrap_or(i),
            };
            let count = if available == 0 { num_partitions } else { available };
            let previous = self.current;
            let mut next = rng.next_u32() % count;
            if count > 1 && Some(candidate(next)) == previous {
                next = (next + 1 + rng.next_u32() % (count - 1)) % count;
            }
            self.current = Some(candidate(next));
            self.bytes_on_current = 0;
        }
        self.bytes_on_current += record_bytes;
        self.current.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's own vectors, `UtilsTest.testMurmur2`.
    #[test]
    fn murmur2_matches_kafka() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            (&[0x61, 0x62, 0x63], 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "{:?}", core::str::from_utf8(key));
        }
    }

    #[test]
    fn to_positive_is_a_mask() {
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(partition_for_key(b"foobar", 10), to_positive(-790_332_482) % 10);
    }

    #[test]
    fn sticky_switches_after_batch_size() {
        let mut rng = rand_pcg::Pcg32::new(7, 1);
        let mut sticky = StickyPartitioner::default();
        let all = |_| true;
        let first = sticky.partition(4, all, 100, 250, &mut rng);
        assert_eq!(sticky.partition(4, all, 100, 250, &mut rng), first);
        assert_eq!(sticky.partition(4, all, 100, 250, &mut rng), first);
        assert_ne!(sticky.partition(4, all, 100, 250, &mut rng), first, "switches once 250 bytes went to it");
    }

    /// Adversary 27: with a partition leaderless (its only replica down), keyless sends kept going to it and
    /// timed out; Kafka's partitioner picks among the partitions with a leader.
    #[test]
    fn sticky_picks_among_partitions_with_a_leader() {
        let mut rng = rand_pcg::Pcg32::new(7, 1);
        let mut sticky = StickyPartitioner::default();
        let picked: Vec<u32> = (0..200).map(|_| sticky.partition(3, |p| p != 0, 100, 100, &mut rng)).collect();
        assert!(picked.iter().all(|&p| p != 0), "{picked:?}");
        assert!(picked.contains(&1) && picked.contains(&2));
        let none: Vec<u32> = (0..200).map(|_| sticky.partition(3, |_| false, 100, 100, &mut rng)).collect();
        assert!((0..3).all(|p| none.contains(&p)), "with no leader anywhere, any partition");
        // The same draws as before the rule when every partition has a leader (so runs keep their traces).
        let (mut a, mut b) = (rand_pcg::Pcg32::new(9, 1), rand_pcg::Pcg32::new(9, 1));
        let mut old = StickyPartitioner::default();
        let reference: Vec<u32> = (0..50)
            .map(|_| {
                let switch = old.current.is_none() || old.bytes_on_current >= 100;
                if switch {
                    let mut next = a.next_u32() % 4;
                    if Some(next) == old.current {
                        next = (next + 1 + a.next_u32() % 3) % 4;
                    }
                    (old.current, old.bytes_on_current) = (Some(next), 0);
                }
                old.bytes_on_current += 100;
                old.current.unwrap()
            })
            .collect();
        let mut sticky = StickyPartitioner::default();
        let now: Vec<u32> = (0..50).map(|_| sticky.partition(4, |_| true, 100, 100, &mut b)).collect();
        assert_eq!(now, reference);
    }
}
