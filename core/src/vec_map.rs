//! A map kept as a sorted vector: `BTreeMap`'s order and interface, a fraction of its code.
//!
//! Each `BTreeMap<K, V>` type instantiates its own node search, split, rebalancing, iterators and drop
//! (about 4 KB of wasm per type; the core has about a hundred, a third of the npm package's code). A
//! sorted vector needs a binary search and a vector's insert. The actors' maps are small (partitions of a
//! broker, members of a group, requests in flight) and mostly grow at their end (ascending ids and
//! offsets), where inserting is as fast as a tree's. The checker's maps per group, topic or (group, partition)
//! are bounded by the cluster and each key is inserted once per check: K keys arriving out of order cost K²/4
//! moves (10,000 partitions of one group: ~0.2 s natively), where the tree's code would cost every page.
//! The checker's maps that grow with the history (per send, key or record) are built at once from their
//! pairs, with one sort ([`VecMap::from_pairs`], [`VecMap::grouped`]); a producer's sends and batches, keyed
//! by ids it hands out in increasing order, are an [`IdMap`]. One whose keys come and go (a consumer's
//! positions, reset at each rebalance) keeps them and forgets the value. The logs' maps per key stay trees.
//! Iteration is in key order, as with `BTreeMap`, so a run's trace is the same with either.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;

/// Up to this many entries a lookup scans for an equal key before it searches in order.
const SMALL_MAP_LEN: usize = 4;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { entries: Vec::new() }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish()
    }
}

type Pair<'a, K, V> = (&'a K, &'a V);
type PairMut<'a, K, V> = (&'a K, &'a mut V);
pub type Iter<'a, K, V> = core::iter::Map<core::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> Pair<'a, K, V>>;
pub type IterMut<'a, K, V> = core::iter::Map<core::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> PairMut<'a, K, V>>;

impl<K, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.entries.is_empty()).then(|| self.entries.remove(0))
    }

    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// Where `key` is, if present: the lookups' search.
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        // A small map (a broker's topics, a client's metadata) is looked up far more often than changed: its
        // keys compared for equality, which for strings first compares their lengths, with no ordering
        // comparison (a call to memcmp each) on the way.
        if self.entries.len() <= SMALL_MAP_LEN {
            return self.entries.iter().position(|(k, _)| k.borrow() == key);
        }
        self.find(key).ok()
    }

    /// Where `key` is, or where it would be inserted: the changes' search.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        // Most inserts come at the end (ascending ids, offsets, partitions): checked before searching.
        match self.entries.last() {
            Some((last, _)) if last.borrow() < key => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key)),
        }
    }

    /// Where `key` is among the entries, in order (valid until the next insert or removal).
    pub fn index_of<Q: Ord + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        self.position(key)
    }

    /// The entry at `index`, in order.
    pub fn get_index(&self, index: usize) -> Option<(&K, &V)> {
        self.entries.get(index).map(|(k, v)| (k, v))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| (&self.entries[i].0, &self.entries[i].1))
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_some()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i))
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        match self.find(&key) {
            Ok(index) => Entry::Occupied(OccupiedEntry { map: self, index }),
            Err(index) => Entry::Vacant(VacantEntry { map: self, index, key }),
        }
    }

    /// Moves every entry of `other` into this map (a key in both takes `other`'s value).
    pub fn append(&mut self, other: &mut Self) {
        for (k, v) in other.entries.drain(..) {
            self.insert(k, v);
        }
    }

    /// The entries whose keys lie in `range`, in order.
    pub fn range<Q: Ord + ?Sized, R: core::ops::RangeBounds<Q>>(&self, range: R) -> Iter<'_, K, V>
    where
        K: Borrow<Q>,
    {
        use core::ops::Bound;
        let start = match range.start_bound() {
            Bound::Included(q) => self.entries.partition_point(|(k, _)| k.borrow() < q),
            Bound::Excluded(q) => self.entries.partition_point(|(k, _)| k.borrow() <= q),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(q) => self.entries.partition_point(|(k, _)| k.borrow() <= q),
            Bound::Excluded(q) => self.entries.partition_point(|(k, _)| k.borrow() < q),
            Bound::Unbounded => self.entries.len(),
        };
        self.entries[start..end.max(start)].iter().map(|(k, v)| (k, v))
    }
}

pub enum Entry<'a, K, V> {
    Occupied(OccupiedEntry<'a, K, V>),
    Vacant(VacantEntry<'a, K, V>),
}

pub struct OccupiedEntry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    index: usize,
}

pub struct VacantEntry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    index: usize,
    key: K,
}

impl<'a, K, V> OccupiedEntry<'a, K, V> {
    pub fn key(&self) -> &K {
        &self.map.entries[self.index].0
    }

    pub fn get(&self) -> &V {
        &self.map.entries[self.index].1
    }

    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.entries[self.index].1
    }

    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.entries[self.index].1
    }

    pub fn insert(&mut self, value: V) -> V {
        core::mem::replace(self.get_mut(), value)
    }

    pub fn remove(self) -> V {
        self.map.entries.remove(self.index).1
    }
}

impl<'a, K, V> VacantEntry<'a, K, V> {
    pub fn key(&self) -> &K {
        &self.key
    }

    pub fn insert(self, value: V) -> &'a mut V {
        self.map.entries.insert(self.index, (self.key, value));
        &mut self.map.entries[self.index].1
    }
}

impl<'a, K, V> Entry<'a, K, V> {
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    pub fn or_insert(self, default: V) -> &'a mut V {
        self.or_insert_with(|| default)
    }

    pub fn or_insert_with(self, default: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    pub fn and_modify(mut self, f: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(e) = &mut self {
            f(e.get_mut());
        }
        self
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut map = VecMap::new();
        map.extend(pairs);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, pairs: I) {
        for (k, v) in pairs {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = alloc::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// `pairs.into_iter().collect::<BTreeMap<_, _>>()` for many pairs in any order (a repeated key keeps its
    /// last value): one sort through the shared sort, where inserting them one by one would move K²/4
    /// entries. For maps built once and then read (the checker's, per send or record).
    pub fn from_pairs(mut pairs: Vec<(K, V)>) -> Self {
        crate::collect::sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
        let mut entries: Vec<(K, V)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match entries.last_mut() {
                Some(last) if last.0 == k => *last = (k, v),
                _ => entries.push((k, v)),
            }
        }
        VecMap { entries }
    }
}

impl<K: Ord, V> VecMap<K, Vec<V>> {
    /// Values grouped by key, each group in the order given: the `BTreeMap<K, Vec<V>>` that
    /// `map.entry(k).or_default().push(v)` builds, with one sort (as [`VecMap::from_pairs`]).
    pub fn grouped(mut pairs: Vec<(K, V)>) -> Self {
        crate::collect::sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
        let mut entries: Vec<(K, Vec<V>)> = Vec::new();
        for (k, v) in pairs {
            match entries.last_mut() {
                Some((last, group)) if *last == k => group.push(v),
                _ => entries.push((k, alloc::vec![v])),
            }
        }
        VecMap { entries }
    }
}

/// Read as `BTreeMap` reads a map: a repeated key keeps its last value.
impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<K, V>(core::marker::PhantomData<(K, V)>);
        impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
                // (Inserted one by one: K²/4 moves in the worst order, so maps from JS are bounded first. A
                // sort costs each of the many map types read a copy of it: 2.6 KB of the npm wasm.)
                let mut map = VecMap::new();
                while let Some((k, v)) = entries.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(Visitor(core::marker::PhantomData))
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> core::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

/// A map keyed by ids handed out in increasing order (a producer's sends and batches): appended at its end,
/// found by a binary search, and a removal leaves a hole that the ends drop (and that are swept out once
/// they outnumber the entries). `BTreeMap<u64, V>`'s order for what the producer asks of it, with a
/// fraction of a tree's code (about 5 KB of wasm per tree type), and removals from the front, where most
/// are, in constant time.
#[derive(Clone, Debug)]
pub struct IdMap<V> {
    slots: alloc::collections::VecDeque<(u64, Option<V>)>,
    len: usize,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { slots: alloc::collections::VecDeque::new(), len: 0 }
    }
}

impl<V> IdMap<V> {
    pub fn new() -> Self {
        IdMap::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, id: u64) -> Option<usize> {
        // Ids are mostly consecutive (holes stay until swept): the entry is usually `id - first` along, with
        // no search (a producer holding 10,000 sends looks each up at every event it has).
        let first = self.slots.front()?.0;
        let guess = usize::try_from(id.checked_sub(first)?).ok()?;
        if self.slots.get(guess).is_some_and(|(k, _)| *k == id) {
            return Some(guess);
        }
        self.slots.binary_search_by(|(k, _)| k.cmp(&id)).ok()
    }

    pub fn get(&self, id: &u64) -> Option<&V> {
        self.slots.get(self.slot(*id)?)?.1.as_ref()
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        self.get(id).is_some()
    }

    pub fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        let i = self.slot(*id)?;
        self.slots.get_mut(i)?.1.as_mut()
    }

    pub fn insert(&mut self, id: u64, value: V) -> Option<V> {
        let old = match self.slots.back() {
            Some(&(last, _)) if last >= id => match self.slots.binary_search_by(|(k, _)| k.cmp(&id)) {
                Ok(i) => self.slots[i].1.replace(value),
                Err(i) => {
                    self.slots.insert(i, (id, Some(value)));
                    None
                }
            },
            _ => {
                self.slots.push_back((id, Some(value)));
                None
            }
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn remove(&mut self, id: &u64) -> Option<V> {
        let i = self.slot(*id)?;
        let value = self.slots[i].1.take()?;
        self.len -= 1;
        self.sweep();
        Some(value)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&u64, &mut V) -> bool) {
        for (id, slot) in self.slots.iter_mut() {
            if slot.as_mut().is_some_and(|v| !keep(id, v)) {
                *slot = None;
                self.len -= 1;
            }
        }
        self.sweep();
    }

    /// Drops the holes at both ends, and all of them once they outnumber the entries.
    fn sweep(&mut self) {
        while self.slots.front().is_some_and(|(_, v)| v.is_none()) {
            self.slots.pop_front();
        }
        while self.slots.back().is_some_and(|(_, v)| v.is_none()) {
            self.slots.pop_back();
        }
        if self.slots.len() > 2 * self.len + 16 {
            self.slots.retain(|(_, v)| v.is_some());
        }
        debug_assert_eq!(self.slots.iter().filter(|(_, v)| v.is_some()).count(), self.len, "the count of entries");
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&u64, &V)> + '_ {
        self.slots.iter().filter_map(|(id, v)| Some((id, v.as_ref()?)))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&u64, &mut V)> + '_ {
        self.slots.iter_mut().filter_map(|(id, v)| Some((&*id, v.as_mut()?)))
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.slots.iter().filter_map(|(_, v)| v.as_ref())
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + '_ {
        self.slots.iter_mut().filter_map(|(_, v)| v.as_mut())
    }
}

/// A set kept as a sorted vector: `BTreeSet`'s interface over a `VecMap` of `()` (the same code as the maps'
/// of the same key type).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VecSet<K>(VecMap<K, ()>);

impl<K: Ord> VecSet<K> {
    pub const fn new() -> Self {
        VecSet(VecMap::new())
    }

    /// Whether `key` was new.
    pub fn insert(&mut self, key: K) -> bool {
        self.0.insert(key, ()).is_none()
    }

    /// Whether `key` was there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.remove(key).is_some()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(key)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone + '_ {
        self.0.keys()
    }
}

impl<K: Ord> FromIterator<K> for VecSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(keys: I) -> Self {
        VecSet(keys.into_iter().map(|k| (k, ())).collect())
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, u32),
        Remove(u8),
        EntryAdd(u8, u32),
        Retain(u8),
        PopFirst,
        PopLast,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u8>(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k % 40, v)),
            any::<u8>().prop_map(|k| Op::Remove(k % 40)),
            (any::<u8>(), any::<u32>()).prop_map(|(k, v)| Op::EntryAdd(k % 40, v % 100)),
            any::<u8>().prop_map(|m| Op::Retain(m % 5 + 2)),
            Just(Op::PopFirst),
            Just(Op::PopLast),
        ]
    }

    proptest! {
        #[test]
        fn built_at_once_as_a_btree_map_is_built_by_inserts(pairs in proptest::collection::vec((0u8..30, any::<u16>()), 0..200)) {
            let collected: BTreeMap<u8, u16> = pairs.iter().copied().collect();
            let ours = VecMap::from_pairs(pairs.clone());
            prop_assert!(ours.iter().eq(collected.iter()), "the same entries, a repeated key's last value");
            let mut grouped: BTreeMap<u8, Vec<u16>> = BTreeMap::new();
            for &(k, v) in &pairs {
                grouped.entry(k).or_default().push(v);
            }
            prop_assert!(VecMap::grouped(pairs.clone()).iter().eq(grouped.iter()), "each group in the order given");
            // Read from a map in any order, as a `BTreeMap` reads it (a repeated key's last value).
            let fields: Vec<String> = pairs.iter().map(|(k, v)| alloc::format!("\"{k}\": {v}")).collect();
            let json = alloc::format!("{{{}}}", fields.join(", "));
            let read: VecMap<String, u16> = serde_json::from_str(&json).unwrap();
            let std: BTreeMap<String, u16> = serde_json::from_str(&json).unwrap();
            prop_assert!(read.iter().eq(std.iter()), "{json}");
        }
    }

    proptest! {
        #[test]
        fn an_id_map_answers_as_a_btree_map(ops in proptest::collection::vec((0u8..4, 0u64..60, any::<u16>()), 0..300)) {
            let (mut ours, mut std) = (IdMap::new(), BTreeMap::new());
            let mut next_id = 0;
            for (op, n, v) in ops {
                match op {
                    // Mostly new ids in increasing order, as the producer hands them out.
                    0 | 1 => {
                        next_id += n % 3;
                        prop_assert_eq!(ours.insert(next_id, v), std.insert(next_id, v));
                    }
                    2 => prop_assert_eq!(ours.remove(&n), std.remove(&n)),
                    _ => {
                        ours.retain(|k, x| (k + u64::from(*x)) % 4 != n % 4);
                        std.retain(|k, x| (k + u64::from(*x)) % 4 != n % 4);
                    }
                }
                prop_assert_eq!(ours.len(), std.len());
                prop_assert!(ours.iter().eq(std.iter()), "the same entries in the same order");
                prop_assert!(ours.iter().rev().eq(std.iter().rev()));
                prop_assert_eq!(ours.get(&n), std.get(&n));
            }
        }
    }

    #[test]
    fn a_set_answers_as_a_btree_set() {
        let (mut ours, mut std) = (VecSet::new(), alloc::collections::BTreeSet::new());
        for k in [5, 1, 5, 9, 1, 3] {
            assert_eq!(ours.insert(k), std.insert(k));
        }
        for k in [9, 9, 4] {
            assert_eq!(ours.remove(&k), std.remove(&k));
        }
        assert!(ours.iter().eq(std.iter()), "same keys, same order");
        assert_eq!((ours.contains(&3), ours.contains(&9)), (true, false));
        assert_eq!([7, 2, 7].into_iter().collect::<VecSet<i32>>().iter().copied().collect::<Vec<_>>(), [2, 7]);
    }

    proptest! {
        #[test]
        fn it_behaves_as_a_btree_map(ops in proptest::collection::vec(op(), 0..200), lo in 0u8..40, hi in 0u8..40) {
            let (mut ours, mut std) = (VecMap::new(), BTreeMap::new());
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), std.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), std.remove(&k)),
                    Op::EntryAdd(k, v) => {
                        *ours.entry(k).and_modify(|x| *x += v).or_insert(v) += 1;
                        *std.entry(k).and_modify(|x| *x += v).or_insert(v) += 1;
                    }
                    Op::Retain(m) => {
                        ours.retain(|k, v| (*k as u32 + *v) % m as u32 != 0);
                        std.retain(|k, v| (*k as u32 + *v) % m as u32 != 0);
                    }
                    Op::PopFirst => prop_assert_eq!(ours.pop_first(), std.pop_first()),
                    Op::PopLast => prop_assert_eq!(ours.pop_last(), std.pop_last()),
                }
                prop_assert!(ours.iter().eq(std.iter()), "same entries, same order");
                // Every lookup, at every size (a small map is searched another way).
                for k in 0..40u8 {
                    prop_assert_eq!(ours.get(&k), std.get(&k));
                    prop_assert_eq!(ours.index_of(&k), std.keys().position(|x| *x == k));
                }
            }
            prop_assert_eq!(ours.len(), std.len());
            for k in 0..40u8 {
                prop_assert_eq!(ours.get(&k), std.get(&k));
            }
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            prop_assert!(ours.range(lo..hi).eq(std.range(lo..hi)));
            prop_assert!(ours.range(lo..=hi).eq(std.range(lo..=hi)));
            prop_assert!(ours.range(..hi).eq(std.range(..hi)));
            prop_assert!(ours.range(lo..).eq(std.range(lo..)));
            use core::ops::Bound::{Excluded, Included};
            prop_assert!(ours.range((Excluded(lo), Included(hi))).eq(std.range((Excluded(lo), Included(hi)))));
        }
    }
}
