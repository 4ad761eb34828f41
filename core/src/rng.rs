//! The world's randomness: one seed, split into independent named streams, so that a new consumer of
//! randomness (a fault, a client) does not reshuffle the others.

use rand_pcg::Pcg32;

/// Named streams of the world's RNG. Actors get `ACTOR_BASE + node id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Network,
    Faults,
    Workload,
    Actor(i32),
    /// A controller's placement dice, apart from its Raft timers.
    Placement(i32),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Network => 1,
            Stream::Faults => 2,
            Stream::Workload => 3,
            Stream::Actor(node) => 1_000_000 + node as u32 as u64,
            Stream::Placement(node) => 10_000_000_000 + node as u32 as u64,
        }
    }
}

/// The generator of `stream` under `seed`: SplitMix64 decorrelates the state, PCG's stream selector
/// makes the sequences distinct.
pub fn stream_rng(seed: u64, stream: Stream) -> Pcg32 {
    let id = stream.id();
    Pcg32::new(splitmix64(seed ^ splitmix64(id)), id)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::RngCore;

    fn first(seed: u64, stream: Stream) -> [u32; 4] {
        let mut rng = stream_rng(seed, stream);
        [rng.next_u32(), rng.next_u32(), rng.next_u32(), rng.next_u32()]
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        assert_eq!(first(1, Stream::Network), first(1, Stream::Network));
        assert_ne!(first(1, Stream::Network), first(1, Stream::Workload));
        assert_ne!(first(1, Stream::Network), first(2, Stream::Network));
        assert_ne!(first(1, Stream::Actor(1)), first(1, Stream::Actor(2)));
    }
}
