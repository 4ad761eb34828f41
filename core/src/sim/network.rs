//! The network between every pair of nodes: latency with jitter and random drops, drawn from the
//! world's network RNG stream. Each link (sender → receiver) delivers in order, as one TCP connection does.
//! A client's connection to a server is TCP's too: it delivers in order or not at all, so a message lost on it
//! breaks it, and nothing later on it arrives until the client connects again (Kafka's idempotent producer
//! counts on this: a batch that overtook a lost one would be written first by a broker that does not yet know
//! the producer).

use crate::vec_map::VecMap;
use alloc::vec::Vec;
use rand_core::RngCore;
use rand_pcg::Pcg32;
use serde::Serialize;

use crate::error::Result;
use crate::types::NodeId;

pub use crate::config::{NetworkConfig, LATENCY_MS_MAX};

#[derive(Clone, Debug)]
pub struct Network {
    config: NetworkConfig,
    rng: Pcg32,
    /// The last delivery time scheduled on each link, so that a link never reorders.
    link_last_delivery_ms: VecMap<(NodeId, NodeId), u64>,
    /// Per-link settings that differ from `config`, keyed (sender, receiver): a two-way setting is two
    /// entries, a one-way fault (Jepsen's asymmetric partition) one.
    link_overrides: VecMap<(NodeId, NodeId), NetworkConfig>,
    /// While partitioned: each named node's side. Nodes not named share one more side.
    sides: VecMap<NodeId, usize>,
    /// Clients' connections that a lost message broke, keyed (client, server): the connection's generation
    /// (later ones are new connections) and what broke it.
    broken: VecMap<(NodeId, NodeId), (u32, LossCause)>,
    lost: MessagesLost,
}

/// A message's connection, when one end is a client that keeps connections (producers and consumers): which
/// of the client's connections to the server it travels on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connection {
    pub client: NodeId,
    pub server: NodeId,
    /// Counts the client's connections to the server: a new one is not broken.
    pub generation: u32,
    /// The server has answered on it (its handshake is done).
    pub open: bool,
}

/// A message the network lost: why, and whether losing it broke its connection just now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost {
    pub cause: LossCause,
    pub broke: Option<Connection>,
}

/// Messages lost so far, by what lost them: what the page says ("3 lost to the drop rate, 12 to the
/// partition, 40 sent to crashed nodes") rather than one number that rises with drop rate 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct MessagesLost {
    /// Dropped at random (`dropRate`, a link's or the network's).
    pub drop_rate: u64,
    /// Between the sides of a network partition (sent across the cut, or in flight when it was made).
    pub partition: u64,
    /// Sent to a node whose process was down, or in flight to it when it went down (its host refused or
    /// reset the connection, or, without power, said nothing).
    pub node_down: u64,
}

impl MessagesLost {
    pub fn total(&self) -> u64 {
        self.drop_rate + self.partition + self.node_down
    }
}

/// Why a message was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossCause {
    DropRate,
    Partition,
    NodeDown,
}

/// Franz's bound on link directions with settings of their own (4,096 links set both ways).
pub const LINK_OVERRIDES_MAX: usize = 8_192;

/// Franz's bound on the sides of one network partition.
pub const PARTITION_SIDES_MAX: usize = 64;

impl Network {
    pub fn new(config: NetworkConfig, rng: Pcg32) -> Network {
        Network {
            config,
            rng,
            link_last_delivery_ms: VecMap::new(),
            link_overrides: VecMap::new(),
            sides: VecMap::new(),
            broken: VecMap::new(),
            lost: MessagesLost::default(),
        }
    }

    pub fn config(&self) -> NetworkConfig {
        self.config
    }

    /// Latency, jitter and drop rate from now on; the RNG stream and per-link order are kept.
    pub fn set_config(&mut self, config: NetworkConfig) -> Result<()> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Splits the network: each list is one side. `sides` must be validated by the caller.
    pub fn partition(&mut self, sides: &[Vec<NodeId>]) {
        self.sides = sides.iter().enumerate().flat_map(|(i, side)| side.iter().map(move |&n| (n, i))).collect();
    }

    pub fn heal(&mut self) {
        self.sides.clear();
    }

    pub fn is_partitioned(&self) -> bool {
        !self.sides.is_empty()
    }

    /// The current sides, as given (nodes not named are on one more, implicit side).
    pub fn sides(&self) -> Vec<Vec<NodeId>> {
        let count = self.sides.values().max().map_or(0, |&m| m + 1);
        let mut out = alloc::vec![Vec::new(); count];
        for (&node, &side) in &self.sides {
            out[side].push(node);
        }
        out
    }

    /// The sides with `node` cut off from every other node too (the nodes cut off before stay cut off).
    pub fn sides_isolating(&self, node: NodeId) -> Vec<Vec<NodeId>> {
        let mut sides: Vec<Vec<NodeId>> = self
            .sides()
            .into_iter()
            .map(|side| side.into_iter().filter(|&n| n != node).collect::<Vec<_>>())
            .filter(|side| !side.is_empty())
            .collect();
        sides.push(alloc::vec![node]);
        sides
    }

    /// Whether a message can go from `a` to `b` now.
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.sides.get(&a) == self.sides.get(&b)
    }

    /// Messages lost so far (drops, partitions, nodes down).
    pub fn dropped_count(&self) -> u64 {
        self.lost.total()
    }

    pub fn lost(&self) -> MessagesLost {
        self.lost
    }

    pub fn count_loss(&mut self, cause: LossCause) {
        let counter = match cause {
            LossCause::DropRate => &mut self.lost.drop_rate,
            LossCause::Partition => &mut self.lost.partition,
            LossCause::NodeDown => &mut self.lost.node_down,
        };
        *counter += 1;
    }

    /// Overrides latency, jitter and drop rate from `a` to `b`, and from `b` to `a` unless `one_way`; `None`
    /// goes back to the network's settings (that way only, if `one_way`).
    pub fn set_link(&mut self, a: NodeId, b: NodeId, config: Option<NetworkConfig>, one_way: bool) -> Result<()> {
        let keys: &[(NodeId, NodeId)] = if one_way { &[(a, b)] } else { &[(a, b), (b, a)] };
        match config {
            Some(config) => {
                config.validate()?;
                let new = keys.iter().filter(|k| !self.link_overrides.contains_key(k)).count();
                if self.link_overrides.len() + new > LINK_OVERRIDES_MAX {
                    return Err(franz_err!(
                        PolicyViolation,
                        "Franz keeps at most {LINK_OVERRIDES_MAX} link settings (a two-way link counts twice)"
                    ));
                }
                for &key in keys {
                    self.link_overrides.insert(key, config);
                }
            }
            None => {
                for key in keys {
                    self.link_overrides.remove(key);
                }
            }
        }
        Ok(())
    }

    /// The settings that apply to messages from `from` to `to`.
    pub fn link_config(&self, from: NodeId, to: NodeId) -> NetworkConfig {
        self.link_overrides.get(&(from, to)).copied().unwrap_or(self.config)
    }

    /// Every per-link override as (a, b, one_way, settings): a link set alike both ways once, with a < b;
    /// otherwise each direction as one way from `a` to `b`.
    pub fn link_overrides(&self) -> impl Iterator<Item = (NodeId, NodeId, bool, NetworkConfig)> + '_ {
        self.link_overrides.iter().filter_map(|(&(a, b), &c)| {
            let both_ways = self.link_overrides.get(&(b, a)) == Some(&c);
            match (both_ways, a < b) {
                (true, true) => Some((a, b, false, c)),
                (true, false) => None,
                (false, _) => Some((a, b, true, c)),
            }
        })
    }

    /// When a message sent now arrives, or `None` if it is lost.
    pub fn delivery_time_ms(&mut self, now_ms: u64, from: NodeId, to: NodeId) -> Option<u64> {
        self.deliver(now_ms, from, to, || None).ok()
    }

    /// When a message sent now on `connection` (asked only if it may be lost) arrives, or why it is lost.
    pub fn deliver(
        &mut self,
        now_ms: u64,
        from: NodeId,
        to: NodeId,
        connection: impl FnOnce() -> Option<Connection>,
    ) -> core::result::Result<u64, Lost> {
        let config = self.link_config(from, to);
        let may_be_lost = !self.broken.is_empty()
            || config.drop_rate > 0.0
            || !self.connected(from, to)
            || self.link_config(to, from).drop_rate >= 1.0;
        let connection = if may_be_lost { connection() } else { None };
        if let Some(c) = connection {
            match self.broken.get(&(c.client, c.server)) {
                Some(&(generation, _)) if c.generation > generation => {
                    self.broken.remove(&(c.client, c.server));
                }
                Some(&(_, cause)) => {
                    self.count_loss(cause);
                    return Err(Lost { cause, broke: None });
                }
                None => {}
            }
        }
        // A request on a connection the server has not answered on yet is its handshake: no request reaches
        // the server before the server's SYN-ACK reaches the client (a one-way cut towards the client keeps
        // the connection from opening, as TCP's handshake would).
        let unopened = connection.is_some_and(|c| from == c.client && !c.open);
        let lost = if !self.connected(from, to) {
            Some(LossCause::Partition)
        } else if unopened && self.link_config(to, from).drop_rate >= 1.0 {
            Some(LossCause::DropRate)
        } else if config.drop_rate > 0.0 {
            let roll = f64::from(self.rng.next_u32()) / (f64::from(u32::MAX) + 1.0);
            (roll < config.drop_rate).then_some(LossCause::DropRate)
        } else {
            None
        };
        if let Some(cause) = lost {
            self.count_loss(cause);
            if let Some(c) = connection {
                self.broken.insert((c.client, c.server), (c.generation, cause));
            }
            return Err(Lost { cause, broke: connection });
        }
        Ok(self.arrival_ms(now_ms, from, to, config))
    }

    /// Whether messages can pass both ways between `a` and `b` (a link that loses some is passable).
    pub fn passable(&self, a: NodeId, b: NodeId) -> bool {
        self.connected(a, b) && self.link_config(a, b).drop_rate < 1.0 && self.link_config(b, a).drop_rate < 1.0
    }

    /// The clients' connections a lost message broke, as (client, server).
    pub fn broken_connections(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.broken.keys().copied()
    }

    /// When a connection reset sent now from `from` to `to` arrives (`None` across a cut): it is not lost to
    /// the drop rate, so that a client always learns that its connection broke.
    pub fn reset_time_ms(&mut self, now_ms: u64, from: NodeId, to: NodeId) -> Option<u64> {
        let config = self.link_config(from, to);
        self.connected(from, to).then(|| self.arrival_ms(now_ms, from, to, config))
    }

    /// Whether a lost message broke `client`'s connection to `server`, and it has not connected again since.
    pub fn connection_broken(&self, client: NodeId, server: NodeId) -> bool {
        self.broken.contains_key(&(client, server))
    }

    /// Latency and jitter from now, never before the link's last delivery (a link never reorders).
    fn arrival_ms(&mut self, now_ms: u64, from: NodeId, to: NodeId, config: NetworkConfig) -> u64 {
        let jitter = if config.jitter_ms > 0 { u64::from(self.rng.next_u32()) % (config.jitter_ms + 1) } else { 0 };
        let sampled = now_ms + config.latency_ms + jitter;
        let last = self.link_last_delivery_ms.entry((from, to)).or_insert(0);
        let at = sampled.max(*last);
        *last = at;
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCP delivers a connection's messages in order or not at all: after a loss, nothing more on the
    /// client's connection arrives, either way, until the client connects again.
    #[test]
    fn a_loss_breaks_a_clients_connection_until_it_connects_again() {
        let mut net =
            Network::new(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 0.0 }, stream_rng(1, Stream::Network));
        let first = Connection { client: 10_001, server: 1, generation: 1, open: true };
        let lossy = NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 1.0 };
        net.set_link(10_001, 1, Some(lossy), true).unwrap();
        let lost = net.deliver(0, 10_001, 1, || Some(first)).unwrap_err();
        assert_eq!(lost, Lost { cause: LossCause::DropRate, broke: Some(first) });
        net.set_link(10_001, 1, None, true).unwrap();
        assert_eq!(net.deliver(1, 10_001, 1, || Some(first)), Err(Lost { cause: LossCause::DropRate, broke: None }));
        assert!(net.deliver(1, 1, 10_001, || Some(first)).is_err(), "the answers too");
        assert!(net.connection_broken(10_001, 1));
        assert_eq!(net.lost().drop_rate, 3);
        let second = Connection { generation: 2, ..first };
        assert_eq!(net.deliver(2, 10_001, 1, || Some(second)), Ok(3));
        assert!(!net.connection_broken(10_001, 1));
        // Between two brokers (no connection kept), a loss loses one message.
        net.set_link(1, 2, Some(lossy), true).unwrap();
        assert!(net.deliver(3, 1, 2, || None).is_err());
        net.set_link(1, 2, None, true).unwrap();
        assert!(net.deliver(4, 1, 2, || None).is_ok());
    }
    use crate::rng::{stream_rng, Stream};

    #[test]
    fn latency_within_bounds_and_links_keep_order() {
        let config = NetworkConfig { latency_ms: 5, jitter_ms: 10, drop_rate: 0.0 };
        let mut net = Network::new(config, stream_rng(1, Stream::Network));
        let mut last = 0;
        for now in 0..200 {
            let at = net.delivery_time_ms(now, 1, 2).unwrap();
            assert!(at >= now + 5 && at <= now.max(last) + 15);
            assert!(at >= last, "in order on one link");
            last = at;
        }
    }

    #[test]
    fn drop_rate_drops_about_that_share() {
        let config = NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 0.25 };
        let mut net = Network::new(config, stream_rng(9, Stream::Network));
        let dropped = (0..10_000).filter(|&t| net.delivery_time_ms(t, 1, 2).is_none()).count();
        assert!((2_200..2_800).contains(&dropped), "{dropped}");
        let mut none = Network::new(NetworkConfig::default(), stream_rng(9, Stream::Network));
        assert!((0..1000).all(|t| none.delivery_time_ms(t, 1, 2).is_some()));
    }

    #[test]
    fn partitions_cut_links_between_sides_and_heal_restores_them() {
        let mut net = Network::new(NetworkConfig::default(), stream_rng(1, Stream::Network));
        net.partition(&[alloc::vec![1], alloc::vec![2, 3]]);
        assert!(net.delivery_time_ms(0, 1, 2).is_none());
        assert!(net.delivery_time_ms(0, 2, 3).is_some(), "same side");
        assert!(net.delivery_time_ms(0, 10_001, 1).is_none(), "unnamed nodes (clients) are on a side of their own");
        assert!(net.delivery_time_ms(0, 10_001, 10_002).is_some(), "all unnamed nodes share that side");
        assert_eq!(net.sides(), [alloc::vec![1], alloc::vec![2, 3]]);
        net.heal();
        assert!(net.delivery_time_ms(0, 1, 2).is_some());
        assert_eq!(net.dropped_count(), 2);
    }

    #[test]
    fn a_link_can_be_slower_than_the_rest() {
        let mut net =
            Network::new(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 0.0 }, stream_rng(1, Stream::Network));
        net.set_link(2, 1, Some(NetworkConfig { latency_ms: 100, jitter_ms: 0, drop_rate: 0.0 }), false).unwrap();
        assert_eq!(net.delivery_time_ms(0, 1, 2), Some(100), "both directions");
        assert_eq!(net.delivery_time_ms(0, 1, 3), Some(1));
        net.set_link(1, 2, None, false).unwrap();
        assert_eq!(net.delivery_time_ms(200, 2, 1), Some(201));
        assert!(net.set_link(1, 2, Some(NetworkConfig { drop_rate: 2.0, ..Default::default() }), false).is_err());
    }

    #[test]
    fn a_one_way_cut_loses_messages_one_way_only() {
        let mut net =
            Network::new(NetworkConfig { latency_ms: 1, jitter_ms: 0, drop_rate: 0.0 }, stream_rng(1, Stream::Network));
        let cut = NetworkConfig { drop_rate: 1.0, ..Default::default() };
        net.set_link(1, 2, Some(cut), true).unwrap();
        assert_eq!(net.delivery_time_ms(0, 1, 2), None, "1 → 2 is cut");
        assert_eq!(net.delivery_time_ms(0, 2, 1), Some(1), "2 → 1 still works");
        assert_eq!(net.link_overrides().collect::<Vec<_>>(), [(1, 2, true, cut)]);
        // Both ways alike reads as one two-way link; removing one direction leaves the other.
        net.set_link(2, 1, Some(cut), true).unwrap();
        assert_eq!(net.link_overrides().collect::<Vec<_>>(), [(1, 2, false, cut)]);
        net.set_link(1, 2, None, true).unwrap();
        assert_eq!(net.delivery_time_ms(10, 1, 2), Some(11));
        assert_eq!(net.delivery_time_ms(10, 2, 1), None);
        net.set_link(2, 1, None, false).unwrap();
        assert_eq!(net.link_overrides().count(), 0);
    }

    #[test]
    fn bad_configs_are_rejected() {
        for drop_rate in [1.5, -0.1, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = NetworkConfig { drop_rate, ..Default::default() }.validate().unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::InvalidConfig);
            assert!(err.message.starts_with("dropRate must be between 0 and 1"), "{err}");
        }
        let err = NetworkConfig { jitter_ms: u64::MAX, ..Default::default() }.validate().unwrap_err();
        assert!(err.message.starts_with("jitterMs"), "names the field: {err}");
        assert!(NetworkConfig { latency_ms: u64::MAX, ..Default::default() }.validate().is_err());
        let mut net = Network::new(NetworkConfig::default(), stream_rng(1, Stream::Network));
        assert!(net.set_config(NetworkConfig { drop_rate: f64::NAN, ..Default::default() }).is_err());
        assert!(net
            .set_link(1, 2, Some(NetworkConfig { drop_rate: f64::INFINITY, ..Default::default() }), true)
            .is_err());
        assert_eq!(net.config(), NetworkConfig::default(), "nothing stored");
    }
}
