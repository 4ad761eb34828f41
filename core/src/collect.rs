//! Collecting pairs into a `BTreeMap` without std's sort.
//!
//! `BTreeMap`'s `FromIterator` gathers the pairs into a vector, sorts it with a closure generic over the
//! iterator, and bulk-builds the tree: every `.collect()` into a map carries its own copy of the stable
//! sort (3 to 5 KB of wasm each, 20 of them in the playground). [`CollectMap::collect_map`] inserts the pairs
//! one by one instead: the same map (a repeated key keeps its last value, as with `collect`), with one
//! `insert` per map type, which the program has anyway. The maps Franz builds this way are small (members,
//! brokers, topics of a group), where inserting is no slower than sorting.

use alloc::collections::BTreeMap;

pub trait CollectMap<K: Ord, V>: Iterator<Item = (K, V)> + Sized {
    /// `self.collect::<BTreeMap<K, V>>()`, without the sort.
    fn collect_map(self) -> BTreeMap<K, V> {
        let mut map = BTreeMap::new();
        for (k, v) in self {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Ord, V, I: Iterator<Item = (K, V)>> CollectMap<K, V> for I {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_map_as_collect() {
        let pairs = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        let collected: BTreeMap<i32, char> = pairs.iter().copied().collect();
        assert_eq!(pairs.iter().copied().collect_map(), collected);
        assert_eq!(collected[&3], 'c', "the last value of a repeated key");
    }
}
