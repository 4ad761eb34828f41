//! Where a new topic's replicas go: Kafka's rack-unaware assignment (`AdminUtils` /
//! `StripedReplicaPlacer` without racks), with the start index and shift drawn from the seeded RNG.

use alloc::vec::Vec;
use rand_core::RngCore;

use crate::error::Result;
use crate::types::NodeId;

/// Replicas for `partitions` partitions of `replication_factor` each over `brokers` (sorted), Kafka's rule:
/// the first replica of partition p is `brokers[(p + start) % n]`; the others follow at a shift that
/// grows by one every n partitions, so that followers spread too.
pub fn assign_replicas(
    brokers: &[NodeId],
    partitions: u32,
    replication_factor: u32,
    start_index: usize,
    shift: usize,
) -> Result<Vec<Vec<NodeId>>> {
    let n = brokers.len();
    if replication_factor == 0 || replication_factor as usize > n {
        return Err(franz_err!(
            InvalidReplicationFactor,
            "Unable to replicate the partition {replication_factor} time(s): the target replication factor of \
             {replication_factor} cannot be reached because only {n} broker(s) are registered"
        ));
    }
    let mut shift = shift;
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start_index) % n;
        let mut replicas = Vec::with_capacity(replication_factor as usize);
        replicas.push(brokers[first]);
        for j in 0..replication_factor as usize - 1 {
            let offset = 1 + (shift + j) % (n - 1);
            replicas.push(brokers[(first + offset) % n]);
        }
        out.push(replicas);
    }
    Ok(out)
}

/// Kafka draws the start index and the shift at random; Franz draws them from the seeded RNG.
pub fn assign_replicas_random(
    brokers: &[NodeId],
    partitions: u32,
    replication_factor: u32,
    rng: &mut impl RngCore,
) -> Result<Vec<Vec<NodeId>>> {
    let n = brokers.len().max(1);
    let start = rng.next_u32() as usize % n;
    let shift = rng.next_u32() as usize % n;
    assign_replicas(brokers, partitions, replication_factor, start, shift)
}

/// KRaft's placer counts fenced brokers too (one down a moment is still registered): with fewer unfenced
/// brokers than the replication factor, each partition's first replica (its leader) is an unfenced broker,
/// its followers every other unfenced broker, then fenced ones (in turn, so that they spread), which join
/// the ISR once back. Kafka's `StripedReplicaPlacer` puts unfenced brokers first the same way.
pub fn assign_replicas_with_fenced(
    unfenced: &[NodeId],
    fenced: &[NodeId],
    partitions: u32,
    replication_factor: u32,
    rng: &mut impl RngCore,
) -> Result<Vec<Vec<NodeId>>> {
    let (u, f) = (unfenced.len(), fenced.len());
    if replication_factor == 0 || replication_factor as usize > u + f {
        return assign_replicas(&[unfenced, fenced].concat(), partitions, replication_factor, 0, 0);
    }
    if u == 0 {
        return Err(franz_err!(
            InvalidReplicationFactor,
            "Unable to replicate the partition {replication_factor} time(s): All brokers are currently fenced."
        ));
    }
    let start = rng.next_u32() as usize % u;
    let shift = rng.next_u32() as usize % f.max(1);
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        let mut replicas = Vec::with_capacity(replication_factor as usize);
        replicas.extend((0..u).map(|i| unfenced[(p + start + i) % u]));
        replicas.extend((0..f).map(|i| fenced[(p + shift + i) % f]));
        replicas.truncate(replication_factor as usize);
        out.push(replicas);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use alloc::vec;

    /// KAFKA-SEMANTICS.md §3: 5 brokers, 10 partitions, RF 3, start 0, shift 0 (brokers numbered from 0).
    #[test]
    fn kafkas_vector() {
        let brokers = [0, 1, 2, 3, 4];
        let got = assign_replicas(&brokers, 10, 3, 0, 0).unwrap();
        let expected: Vec<Vec<NodeId>> = vec![
            vec![0, 1, 2],
            vec![1, 2, 3],
            vec![2, 3, 4],
            vec![3, 4, 0],
            vec![4, 0, 1],
            vec![0, 2, 3],
            vec![1, 3, 4],
            vec![2, 4, 0],
            vec![3, 0, 1],
            vec![4, 1, 2],
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn replicas_are_distinct_and_leaders_spread() {
        let brokers = [1, 2, 3];
        let mut rng = rand_pcg::Pcg32::new(5, 9);
        let got = assign_replicas_random(&brokers, 6, 3, &mut rng).unwrap();
        for replicas in &got {
            let mut sorted = replicas.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3, "{replicas:?}");
        }
        for b in brokers {
            assert_eq!(got.iter().filter(|r| r[0] == b).count(), 2, "each broker leads 2 of 6");
        }
        let err = assign_replicas(&brokers, 1, 4, 0, 0).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidReplicationFactor);
    }

    #[test]
    fn with_fenced_brokers_the_leader_is_unfenced_and_fenced_ones_follow() {
        let mut rng = rand_pcg::Pcg32::new(5, 9);
        let got = assign_replicas_with_fenced(&[1, 2], &[3, 4], 8, 3, &mut rng).unwrap();
        for replicas in &got {
            assert_eq!(replicas.len(), 3);
            assert!(replicas[..2].iter().all(|r| [1, 2].contains(r)), "unfenced first: {replicas:?}");
            assert!([3, 4].contains(&replicas[2]), "{replicas:?}");
        }
        assert!([1, 2].iter().all(|&b| got.iter().filter(|r| r[0] == b).count() == 4), "leaders spread: {got:?}");
        assert!([3, 4].iter().all(|&b| got.iter().filter(|r| r[2] == b).count() == 4), "fenced spread: {got:?}");
        let all_fenced = assign_replicas_with_fenced(&[], &[3, 4], 1, 2, &mut rng).unwrap_err();
        assert_eq!(all_fenced.code, ErrorCode::InvalidReplicationFactor);
        assert!(all_fenced.message.contains("All brokers are currently fenced"), "{}", all_fenced.message);
        let too_few = assign_replicas_with_fenced(&[1], &[3], 1, 3, &mut rng).unwrap_err();
        assert!(too_few.message.contains("only 2 broker(s) are registered"), "{}", too_few.message);
    }
}
