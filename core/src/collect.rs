//! Collecting pairs into a `BTreeMap` without std's sort, and sorting through one shared copy of it.
//!
//! `BTreeMap`'s `FromIterator` gathers the pairs into a vector, sorts it with a closure generic over the
//! iterator, and bulk-builds the tree: every `.collect()` into a map carries its own copy of the stable
//! sort (3 to 5 KB of wasm each, 20 of them in the playground). [`CollectMap::collect_map`] inserts the pairs
//! one by one instead: the same map (a repeated key keeps its last value, as with `collect`), with one
//! `insert` per map type, which the program has anyway. The maps Franz builds this way are small (members,
//! brokers, topics of a group), where inserting is no slower than sorting.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::cmp::Ordering;

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

/// `items.sort_by(compare)`: the same stable order, through one copy of std's sort for the whole program.
/// Each `sort_by` with its own closure is a new copy of the sort (about 4 KB of wasm); this one sorts the
/// indices with a `dyn` comparison and then moves the items into their places. For the short lists of the
/// page and of rare events (a rebalance's members, a topic's configs, an ISR); hot sorts keep `sort_by`.
pub fn sort_by<T>(items: &mut Vec<T>, mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_indices(&mut order, &mut |a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// `items.sort()` through the same shared sort (for a list of plain values, stable and unstable agree).
pub fn sort<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
}

#[inline(never)]
fn sort_indices(order: &mut [usize], compare: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

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

    #[test]
    fn sort_by_is_std_s_stable_sort() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        for len in [0, 1, 2, 3, 7, 20, 21, 100, 1000] {
            let items: Vec<(u8, u32)> = (0..len)
                .map(|i| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    ((rng % 5) as u8, i)
                })
                .collect();
            let mut std = items.clone();
            std.sort_by_key(|a| core::cmp::Reverse(a.0));
            let mut ours = items;
            sort_by(&mut ours, |a, b| b.0.cmp(&a.0));
            assert_eq!(ours, std, "equal keys keep their order");
        }
    }
}
