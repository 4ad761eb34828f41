//! What the page says about the cluster beyond its raw views: the network as it is and what it lost (by
//! cause), each broker's card (cut off, paused, the partitions it leads, and a stale leader named as the
//! zombie it is), countdowns to what waits (each with the Kafka setting behind it), and warnings on topic
//! settings Kafka accepts but that cannot work. Everything here reads the world; nothing changes it.

use franz_core::protocol::actor::{Timer, TimerName};
use franz_core::trace::group_thousands;
use franz_core::types::NodeId;
use franz_core::view::{BrokerStatus, ClusterView, NetworkView, TopicDescription};
use franz_core::World;

/// Something that will happen unless something else does first: what, in how long, and the setting.
#[derive(Clone, PartialEq, Debug)]
pub struct Countdown {
    /// "fenced by the controller", "session expires" ...
    pub what: String,
    pub in_ms: u64,
    /// Kafka's setting for it: `broker.session.timeout.ms` ...
    pub config_key: &'static str,
}

impl Countdown {
    fn of(timer: &Timer, now_ms: u64, what: impl Into<String>) -> Countdown {
        Countdown { what: what.into(), in_ms: timer.at_ms.saturating_sub(now_ms), config_key: timer.name.config_key() }
    }

    /// "fenced in 6.2 s (broker.session.timeout.ms)".
    pub fn text(&self) -> String {
        format!("{} in {} ({})", self.what, seconds(self.in_ms), self.config_key)
    }
}

/// The first five of a list of partitions ("orders-0, orders-1 … and 3 more"), as a sentence names them.
pub fn first_names(names: &[String]) -> String {
    let shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    match names.len() {
        n if n > 5 => format!("{shown} and {} more", n - 5),
        _ => shown,
    }
}

/// Milliseconds as seconds a person reads: "6.2 s", "32 s".
pub fn seconds(ms: u64) -> String {
    match ms {
        ms if ms < 10_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => format!("{} s", group_thousands(ms.div_ceil(1000))),
    }
}

/// One partition a broker believes it leads.
#[derive(Clone, PartialEq, Debug)]
pub struct Leadership {
    /// "orders-0".
    pub partition: String,
    /// The leader epoch this broker leads at.
    pub epoch: i32,
    /// The committed metadata has moved on: (the leader it names, if any, and at which epoch). This broker
    /// has not heard (it is cut off): a zombie leader, whose acks=all writes cannot complete.
    pub zombie: Option<(Option<NodeId>, i32)>,
}

impl Leadership {
    pub fn text(&self) -> String {
        match self.zombie {
            None => format!("{} (epoch {})", self.partition, self.epoch),
            Some((leader, epoch)) => format!(
                "{} at epoch {}: a zombie leader, the controller moved on to {} at epoch {epoch}",
                self.partition,
                self.epoch,
                leader.map_or(String::from("no leader"), |l| format!("broker {l}"))
            ),
        }
    }
}

/// A broker as its card shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct BrokerCard {
    pub id: NodeId,
    pub state: BrokerStatus,
    /// Down after a controlled shutdown, not a crash.
    pub stopped: bool,
    /// Named on a side of a network partition: cut off from the others.
    pub cut_off: bool,
    pub paused_until_ms: Option<u64>,
    pub leads: Vec<Leadership>,
    /// Down, the partitions the committed metadata still names it the leader of ("orders-0"): they have no
    /// working leader until the controller fences it (the map drew them led, the card "leads nothing":
    /// adversary 57).
    pub still_named_leader_of: Vec<String>,
    /// While it is silent (down, cut off, paused) and not fenced yet: when the controller fences it.
    pub fencing: Option<Countdown>,
}

/// A broker's state as the page names it: "stopped" for one down after `kafka-server-stop`.
pub fn state_text(state: BrokerStatus, stopped: bool) -> String {
    match (state, stopped) {
        (BrokerStatus::Crashed, true) => String::from("stopped"),
        _ => state.to_string(),
    }
}

impl BrokerCard {
    /// What its card says of the partitions it leads, when it leads none (down, or up and leading nothing).
    pub fn leads_nothing_text(&self) -> String {
        match (self.state, self.still_named_leader_of.as_slice()) {
            (BrokerStatus::Crashed, []) => String::from("down: leads nothing"),
            (BrokerStatus::Crashed, named) => format!(
                "down, yet the metadata still names it leader of {}: no working leader there until the controller \
                 fences it and elects another",
                first_names(named)
            ),
            _ => String::from("leads no partition"),
        }
    }

    /// "isolated · fenced", "crashed", "running · paused until 12,000 ms" ...
    pub fn status_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.cut_off && self.state != BrokerStatus::Crashed {
            parts.push(String::from("isolated"));
        }
        parts.push(state_text(self.state, self.stopped));
        if let Some(t) = self.paused_until_ms {
            parts.push(format!("paused until {} ms", group_thousands(t)));
        }
        parts.join(" · ")
    }
}

/// The nodes named on the sides of a network partition (each side is cut off from everyone else).
pub fn cut_off(view: &NetworkView) -> Vec<NodeId> {
    view.sides.iter().flatten().copied().collect()
}

/// Each broker's card.
pub fn broker_cards(world: &World, view: &ClusterView) -> Vec<BrokerCard> {
    let cut = cut_off(&view.network);
    let controller_timers = view.controller.leader_id.and_then(|c| world.timers(c).ok()).unwrap_or_default();
    view.brokers
        .iter()
        .map(|b| {
            let cut_off = cut.contains(&b.id);
            let silent = b.state == BrokerStatus::Crashed || cut_off || b.paused_until_ms.is_some();
            let about = format!("broker {}", b.id);
            let fencing = controller_timers
                .iter()
                .find(|t| t.name == TimerName::BrokerSessionTimeout && t.about.as_deref() == Some(about.as_str()))
                .filter(|_| silent)
                .map(|t| Countdown::of(t, view.now_ms, "fenced by the controller"));
            let (leads, still_named_leader_of) = match b.state {
                BrokerStatus::Crashed => {
                    let named = view.topics.iter().flat_map(|t| {
                        let led = t.partitions.iter().filter(|p| p.leader == Some(b.id));
                        led.map(|p| format!("{}-{}", t.name, p.partition))
                    });
                    (Vec::new(), named.collect())
                }
                _ => (b.leader_of.iter().filter_map(|name| leadership(world, view, b.id, name)).collect(), Vec::new()),
            };
            let (state, stopped, paused_until_ms) = (b.state, b.stopped, b.paused_until_ms);
            BrokerCard { id: b.id, state, stopped, cut_off, paused_until_ms, leads, still_named_leader_of, fencing }
        })
        .collect()
}

/// What broker `id` believes of partition `name` ("orders-0"), against the committed metadata.
fn leadership(world: &World, view: &ClusterView, id: NodeId, name: &str) -> Option<Leadership> {
    let (topic, partition) = name.rsplit_once('-')?;
    let partition: u32 = partition.parse().ok()?;
    let epoch = world.broker(id)?.partition(topic, partition)?.leader_epoch;
    let committed = view.topics.iter().find(|t| t.name == topic)?.partitions.get(partition as usize)?;
    let zombie = (committed.leader != Some(id)).then_some((committed.leader, committed.leader_epoch));
    Some(Leadership { partition: name.to_string(), epoch, zombie })
}

/// The network as it is, and what it lost and why.
#[derive(Clone, PartialEq, Debug)]
pub struct NetworkSummary {
    /// One line per fact: the links' settings, the partition, links with their own settings, nodes down.
    pub lines: Vec<String>,
    /// What was lost so far, by cause.
    pub lost: String,
}

fn names(world: &World, ids: &[NodeId]) -> String {
    ids.iter().map(|&id| world.node_name(id)).collect::<Vec<_>>().join(", ")
}

/// Describes the network as it is: every link's latency and drop rate, a partition's sides, links with
/// settings of their own, nodes down or paused; and the messages lost so far, by cause.
pub fn network_summary(world: &World, view: &ClusterView) -> NetworkSummary {
    let n = &view.network;
    let mut lines = Vec::new();
    let mut base = format!("Every link: latency {} ms ± {} ms", n.latency_ms, n.jitter_ms);
    if n.drop_rate > 0.0 {
        base += &format!(
            ", and {}% of messages dropped at random (drop rate {}): requests time out and are retried",
            n.drop_rate * 100.0,
            n.drop_rate
        );
    }
    lines.push(base + ".");
    if !n.sides.is_empty() {
        let sides: Vec<String> = n.sides.iter().map(|s| format!("[{}]", names(world, s))).collect();
        lines.push(format!("Partitioned: {} | everyone else. Nothing crosses between the sides.", sides.join(" | ")));
    } else if n.drop_rate == 0.0 && n.links.iter().all(|l| l.drop_rate == 0.0) {
        lines.push(String::from("Every node reaches every other."));
    }
    for l in &n.links {
        let (a, arrow, b) = (world.node_name(l.a), if l.one_way { "→" } else { "↔" }, world.node_name(l.b));
        // Said as the cut it is (a lesson's "cut the link" read as a latency; found by an adversary).
        lines.push(if l.drop_rate >= 1.0 {
            format!(
                "Link {a} {arrow} {b}: cut (drop rate 1): nothing {} gets through.",
                if l.one_way { "sent that way" } else { "sent either way" }
            )
        } else {
            format!(
                "Link {a} {arrow} {b}: latency {} ms ± {} ms, drop rate {}.",
                l.latency_ms, l.jitter_ms, l.drop_rate
            )
        });
    }
    let down: Vec<NodeId> = view
        .brokers
        .iter()
        .filter(|b| b.state == BrokerStatus::Crashed)
        .map(|b| b.id)
        .chain(view.controller.voters.iter().filter(|v| v.state.name() == "crashed").map(|v| v.id))
        .collect();
    if !down.is_empty() {
        lines.push(format!("Down: {}: messages to them are lost.", names(world, &down)));
    }
    let paused: Vec<String> = view
        .brokers
        .iter()
        .filter_map(|b| b.paused_until_ms.map(|t| format!("broker {} until {} ms", b.id, group_thousands(t))))
        .collect();
    if !paused.is_empty() {
        lines.push(format!("Paused: {}: messages to them wait.", paused.join(", ")));
    }
    NetworkSummary { lines, lost: lost_text(n) }
}

fn lost_text(n: &NetworkView) -> String {
    let l = &n.lost;
    if l.total() == 0 {
        return String::from("No message lost so far.");
    }
    let causes: Vec<String> = [
        (l.drop_rate, "dropped at random (drop rate)"),
        (l.partition, "across a network partition"),
        (l.node_down, "sent to a node that was down"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, why)| format!("{count} {why}"))
    .collect();
    format!("{} message(s) lost so far: {}.", l.total(), causes.join(", "))
}

/// Settings Kafka accepts on a topic that cannot work as they are, or partitions that cannot take acks=all
/// writes now.
pub fn topic_warnings(t: &TopicDescription) -> Vec<String> {
    let min_isr: usize = t.config.get("min.insync.replicas").and_then(|v| v.parse().ok()).unwrap_or(1);
    let rf = t.partitions.first().map_or(0, |p| p.replicas.len());
    let mut warnings = Vec::new();
    if min_isr > rf {
        warnings.push(format!(
            "min.insync.replicas={min_isr} is more than the replication factor {rf}: Kafka accepts it and (since \
             3.7) counts it as {rf}, so every acks=all send needs all {rf} replicas in the ISR, and fails with \
             NOT_ENOUGH_REPLICAS while one is out."
        ));
    }
    let min_isr = franz_core::config::effective_min_insync_replicas(min_isr as i64, rf);
    for p in t.partitions.iter().filter(|p| p.isr.len() < min_isr) {
        warnings.push(format!(
            "{}-{}: the ISR {:?} is smaller than min.insync.replicas={min_isr}: acks=all sends fail with \
             NOT_ENOUGH_REPLICAS until a replica catches up.",
            t.name, p.partition, p.isr
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record};
    use super::super::{Action, BrokerAction, Playground, TopicAction};
    use super::*;
    use franz_core::sim::network::NetworkConfig;

    fn summary(p: &Playground) -> NetworkSummary {
        network_summary(p.world(), &p.world().view())
    }

    #[test]
    fn the_network_is_described_as_it_is_and_losses_by_cause() {
        let mut p = Playground::from_fragment("#play");
        let s = summary(&p);
        assert_eq!(s.lines, ["Every link: latency 2 ms ± 1 ms.", "Every node reaches every other."]);
        assert_eq!(s.lost, "No message lost so far.");

        // A crashed broker: what is lost is lost to a node down, not to the drop rate (0).
        p.reduce(Action::SetSpeed(100.0));
        p.reduce(Action::Broker(2, BrokerAction::Crash));
        frames(&mut p, 3, 100.0);
        let s = summary(&p);
        assert!(s.lines.contains(&"Down: broker 2: messages to them are lost.".to_string()), "{:?}", s.lines);
        assert!(s.lost.contains(" sent to a node that was down") && !s.lost.contains("drop rate"), "{}", s.lost);

        // A drop rate is said, and its losses counted apart.
        let config = NetworkConfig { drop_rate: 0.5, ..NetworkConfig::default() };
        p.reduce(Action::SetNetwork(config));
        frames(&mut p, 3, 100.0);
        let s = summary(&p);
        assert!(s.lines[0].contains("50% of messages dropped at random (drop rate 0.5)"), "{:?}", s.lines);
        assert!(!s.lines.iter().any(|l| l.contains("reaches every other")), "{:?}", s.lines);
        assert!(s.lost.contains(" dropped at random (drop rate)"), "{}", s.lost);

        // A partition names its sides.
        p.reduce(Action::SetNetwork(NetworkConfig::default()));
        p.reduce(Action::Broker(1, BrokerAction::Isolate));
        let s = summary(&p);
        assert!(
            s.lines
                .contains(&"Partitioned: [broker 1] | everyone else. Nothing crosses between the sides.".to_string()),
            "{:?}",
            s.lines
        );
    }

    #[test]
    fn an_isolated_leader_is_shown_isolated_with_the_countdown_then_as_a_zombie() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        p.reduce(Action::Send(record("orders", "a", "all")));
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(leader, BrokerAction::Isolate));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 3, 100.0);
        let card =
            |p: &Playground| broker_cards(p.world(), &p.world().view()).into_iter().find(|c| c.id == leader).unwrap();
        let c = card(&p);
        assert!(c.cut_off);
        assert_eq!(c.status_text(), "isolated · running");
        let fencing = c.fencing.expect("the controller's session timer for it");
        assert_eq!(fencing.config_key, "broker.session.timeout.ms");
        assert!(fencing.in_ms > 0 && fencing.in_ms < 9_000, "{fencing:?}");
        assert!(fencing.text().starts_with("fenced by the controller in "), "{}", fencing.text());

        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 20, 100.0);
        let c = card(&p);
        assert_eq!(c.status_text(), "isolated · fenced");
        assert_eq!(c.fencing, None, "fenced already");
        let lead = c.leads.iter().find(|l| l.partition == "orders-0").expect("it still believes it leads");
        let (new_leader, epoch) = lead.zombie.expect("a zombie: the metadata moved on");
        assert_ne!(new_leader, Some(leader));
        assert!(epoch > lead.epoch, "{lead:?}");
        assert!(lead.text().contains("a zombie leader, the controller moved on to broker "), "{}", lead.text());

        // Heal: it learns, and leads nothing stale any more.
        p.reduce(Action::HealNetwork);
        frames(&mut p, 5, 100.0);
        assert!(card(&p).leads.iter().all(|l| l.zombie.is_none()), "{:?}", card(&p).leads);
        assert!(!card(&p).cut_off);
    }

    /// A crashed leader is named leader by the metadata until the controller fences it: its card says so, as the
    /// map draws it (adversary 57: the card said "leads nothing" while the map drew it leading).
    #[test]
    fn a_crashed_leader_s_card_says_the_metadata_names_it_until_it_is_fenced() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        let leader = p.world().describe_topic("orders").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(leader, BrokerAction::Crash));
        let card =
            |p: &Playground| broker_cards(p.world(), &p.world().view()).into_iter().find(|c| c.id == leader).unwrap();
        let c = card(&p);
        assert_eq!(c.still_named_leader_of, ["orders-0"]);
        assert!(c.leads_nothing_text().starts_with("down, yet the metadata still names it leader of orders-0: "));
        p.reduce(Action::SetSpeed(100.0));
        frames(&mut p, 20, 100.0);
        let c = card(&p);
        assert!(c.still_named_leader_of.is_empty(), "fenced, and another elected: {c:?}");
        assert_eq!(c.leads_nothing_text(), "down: leads nothing");
    }

    #[test]
    fn min_insync_above_the_replication_factor_is_warned_of() {
        let mut p = Playground::from_fragment("#play");
        p.reduce(Action::Topic(TopicAction::Create {
            name: "strict".into(),
            partitions: 1,
            replication_factor: Some(3),
            config: "min.insync.replicas=4".into(),
        }));
        let t = p.world().describe_topic("strict").unwrap();
        let w = topic_warnings(&t);
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("min.insync.replicas=4 is more than the replication factor 3"), "{w:?}");
        // Kafka 3.7's effective min ISR, min(4, 3): with every replica in the ISR, acks=all is acknowledged.
        assert!(w[0].contains("counts it as 3"), "{w:?}");
        let sent = p.reduce(Action::Send(super::super::tests::record("strict", "a", "all"))).notice.unwrap();
        assert!(sent.text.starts_with("Acknowledged"), "{}", sent.text);
        create_topic(&mut p, "fine", 1);
        assert!(topic_warnings(&p.world().describe_topic("fine").unwrap()).is_empty());
    }

    #[test]
    fn seconds_read_as_a_person_says_them() {
        assert_eq!(seconds(6_240), "6.2 s");
        assert_eq!(seconds(32_001), "33 s");
        assert_eq!(seconds(0), "0.0 s");
    }
}
