//! The playground's root: the world, the clock loop and the user's actions.

use std::collections::BTreeMap;

use franz_core::check::CheckReport;
use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::{ClusterConfig, World};
use gloo::render::{request_animation_frame, AnimationFrame};
use yew::prelude::*;

use super::components::checker::CheckerPanel;
use super::components::clients::{ClientsPanel, PolledRecord, SendRequest, StreamStatus};
use super::components::cluster::{BrokerAction, ClusterPanel};
use super::components::groups::{GroupsPanel, MemberAction, MemberUi};
use super::components::network::NetworkPanel;
use super::components::scenario::ScenarioPanel;
use super::components::timeline::Timeline;
use super::components::top_bar::TopBar;
use super::components::topics::{PartitionLogView, TopicAction, TopicsPanel};
use super::share;

/// Records per partition the log strip shows (the newest).
const LOG_STRIP_RECORDS_MAX: u64 = 40;
/// Trace lines the timeline shows (the newest).
const TIMELINE_EVENTS_MAX: usize = 200;
/// A frame never advances the world by more than this much wall time (a background tab, a breakpoint).
const FRAME_WALL_MS_MAX: f64 = 100.0;
/// How long the playground's "Pause" button stops a broker.
const PAUSE_BUTTON_MS: u64 = 5_000;

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    SetSpeed(f64),
    Topic(TopicAction),
    Send(SendRequest),
    Poll { topic: String, partition: u32 },
    Broker(NodeId, BrokerAction),
    Stream(Option<(SendRequest, f64)>),
    AddMember(String, String),
    Member(NodeId, MemberAction),
    HealNetwork,
    SetNetwork(NetworkConfig),
    Check,
    Share,
    TimeTravel(u64),
    NewCluster(u64),
}

pub struct App {
    world: World,
    playing: bool,
    /// Virtual milliseconds per wall millisecond.
    speed: f64,
    last_frame_ms: Option<f64>,
    /// Fractions of a virtual millisecond not yet run.
    carry_ms: f64,
    frame: Option<AnimationFrame>,
    polled: Vec<PolledRecord>,
    report: Option<CheckReport>,
    notice: Option<(bool, String)>,
    stream: Option<Stream>,
    /// Group members the page started, and when it last polled them.
    members: Vec<MemberUi>,
    last_member_poll_ms: u64,
}

/// The page polls its group members once per this much virtual time (each poll is an action in the scenario).
const MEMBER_POLL_INTERVAL_MS: u64 = 1_000;
/// The playground's group members leave after this long without a poll (Kafka: 300000), so "Slow" shows.
const MEMBER_MAX_POLL_INTERVAL_MS: u64 = 10_000;

/// The producer stream: which producer, where, how fast, and how it went.
struct Stream {
    producer: NodeId,
    key: String,
    value: String,
    /// Records due but not yet sent (fractions carry over between frames).
    carry: f64,
    status: StreamStatus,
}

/// Franz's bound on the records a stream sends in one frame, so that a high rate at a high speed cannot
/// freeze the page.
const STREAM_RECORDS_PER_FRAME_MAX: u64 = 200;

/// The playground's cluster: Kafka's defaults, but retention and the log cleaner look every 5 s of virtual
/// time (Kafka: 5 min and 15 s) so that a person sees them work, and `__consumer_offsets` has 3 partitions
/// (Kafka: 50) so that its log strips fit the page. The README says so.
fn new_world(seed: u64) -> World {
    let broker_config = [
        ("log.retention.check.interval.ms", "5000"),
        ("log.cleaner.backoff.ms", "5000"),
        ("offsets.topic.num.partitions", "3"),
    ]
    .map(|(k, v)| (k.into(), v.into()))
    .into();
    match World::new(ClusterConfig { seed, broker_config, ..ClusterConfig::default() }) {
        Ok(world) => world,
        // The default cluster is always valid; a panic here would be a bug in Franz, shown in the console.
        Err(e) => panic!("Franz bug: the default cluster was refused: {e}"),
    }
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |t| link.send_message(Msg::Frame(t))));
    }

    fn advance(&mut self, now_wall_ms: f64) -> bool {
        let dt = self.last_frame_ms.map_or(0.0, |last| (now_wall_ms - last).clamp(0.0, FRAME_WALL_MS_MAX));
        self.last_frame_ms = Some(now_wall_ms);
        if !self.playing {
            return false;
        }
        self.carry_ms += dt * self.speed;
        let whole = self.carry_ms.floor();
        self.carry_ms -= whole;
        if whole >= 1.0 {
            self.send_stream(whole);
            self.world.run_for(whole as u64);
        }
        self.poll_members();
        if let Some(stream) = &mut self.stream {
            for result in self.world.producer_results(stream.producer).unwrap_or_default() {
                match result.result {
                    Ok(_) => stream.status.acknowledged += 1,
                    Err(_) => stream.status.failed += 1,
                }
            }
        }
        true
    }

    /// Group members poll (without waiting) once per `MEMBER_POLL_INTERVAL_MS`, except the slow ones.
    fn poll_members(&mut self) {
        let now = self.world.now_ms();
        if now < self.last_member_poll_ms + MEMBER_POLL_INTERVAL_MS {
            return;
        }
        self.last_member_poll_ms = now;
        for m in self.members.iter_mut().filter(|m| !m.slow) {
            if let Ok(records) = self.world.poll(m.id, 0) {
                m.consumed += records.len() as u64;
            }
        }
    }

    /// Sends what the stream owes for `virtual_ms` more of virtual time (asynchronously: the sends complete
    /// as time runs).
    fn send_stream(&mut self, virtual_ms: f64) {
        let Some(stream) = &mut self.stream else { return };
        stream.carry += stream.status.records_per_sec * virtual_ms / 1000.0;
        let due = (stream.carry.floor() as u64).min(STREAM_RECORDS_PER_FRAME_MAX);
        stream.carry -= stream.carry.floor();
        for _ in 0..due {
            let n = stream.status.sent;
            let record = ProducerRecord {
                key: (!stream.key.is_empty()).then(|| stream.key.clone().into_bytes().into()),
                value: Some(format!("{}-{n}", stream.value).into_bytes().into()),
                ..Default::default()
            };
            if self.world.send_async(stream.producer, &stream.status.topic, vec![record]).is_err() {
                stream.status.failed += 1;
            }
            stream.status.sent += 1;
        }
    }

    /// The playground's producer for these settings, started on first use (found by its name, which says its
    /// settings, so it survives a replay).
    fn producer(&mut self, acks: &str, idempotent: bool) -> Result<NodeId, String> {
        let name = format!("playground-producer-acks-{acks}{}", if idempotent { "-idempotent" } else { "" });
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let acks = Acks::parse(acks).ok_or("acks must be all, 1 or 0")?;
        let config = ProducerConfig { acks, enable_idempotence: idempotent, ..ProducerConfig::named(name) };
        self.world.add_producer(config).map_err(|e| e.to_string())
    }

    /// One consumer per partition polled, assigned to it, reading from the earliest offset.
    fn consumer(&mut self, tp: &TopicPartition) -> Result<NodeId, String> {
        let name = format!("playground-consumer-{tp}");
        if let Some(id) = self.world.client_by_name(&name) {
            return Ok(id);
        }
        let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::named(name) };
        let id = self.world.add_consumer(config).map_err(|e| e.to_string())?;
        self.world.assign(id, vec![tp.clone()]).map_err(|e| e.to_string())?;
        Ok(id)
    }

    fn replace_world(&mut self, world: World) {
        self.world = world;
        self.polled.clear();
        self.report = None;
        self.stream = None; // its producer belongs to the world that is gone
        self.members.clear();
    }

    fn act(&mut self, msg: Msg) -> Result<String, String> {
        let w = &mut self.world;
        match msg {
            Msg::Topic(TopicAction::Create { name, partitions, replication_factor, config }) => {
                w.create_topic(&name, partitions, replication_factor, config).map_err(|e| e.to_string())?;
                Ok(format!("Created topic {name} with {partitions} partition(s)."))
            }
            Msg::Topic(TopicAction::Delete(name)) => {
                w.delete_topic(&name).map_err(|e| e.to_string())?;
                Ok(format!("Deleted topic {name}."))
            }
            Msg::Topic(TopicAction::AddPartition { name, total }) => {
                w.create_partitions(&name, total).map_err(|e| e.to_string())?;
                Ok(format!("Topic {name} now has {total} partitions."))
            }
            Msg::Topic(TopicAction::SetConfig { name, key, value }) => {
                let text = match &value {
                    Some(v) => format!("Set {key}={v} on topic {name}."),
                    None => format!("Set {key} of topic {name} back to its default."),
                };
                w.alter_topic_config(&name, [(key, value)].into()).map_err(|e| e.to_string())?;
                Ok(text)
            }
            Msg::Send(SendRequest { topic, key, value, acks, idempotent }) => {
                let producer = self.producer(&acks, idempotent)?;
                let record = ProducerRecord {
                    key: (!key.is_empty()).then(|| key.into_bytes().into()),
                    value: Some(value.into_bytes().into()),
                    ..Default::default()
                };
                let meta = self.world.send(producer, &topic, vec![record]).map_err(|e| e.to_string())?;
                let m = meta.first().ok_or("the send returned no record")?;
                Ok(match m.offset {
                    Some(offset) => format!("Acknowledged: {topic}-{} at offset {offset}.", m.partition),
                    None => format!("Sent to {topic}-{} with acks=0: no acknowledgement, no offset.", m.partition),
                })
            }
            Msg::AddMember(group, topic) => {
                let n = self.members.iter().filter(|m| m.group == group).count() + 1;
                let name = format!("{group}-member-{n}");
                let config = ConsumerConfig {
                    group_id: Some(group.clone()),
                    auto_offset_reset: AutoOffsetReset::Earliest,
                    max_poll_interval_ms: MEMBER_MAX_POLL_INTERVAL_MS,
                    ..ConsumerConfig::named(name.clone())
                };
                let id = self.world.add_consumer(config).map_err(|e| e.to_string())?;
                self.world.subscribe(id, vec![topic.clone()]).map_err(|e| e.to_string())?;
                self.members.push(MemberUi { id, name: name.clone(), group: group.clone(), slow: false, consumed: 0 });
                Ok(format!("{name} joins group {group} on {topic}: watch the rebalance."))
            }
            Msg::Member(id, action) => {
                let name = self.members.iter().find(|m| m.id == id).map(|m| m.name.clone()).unwrap_or_default();
                match action {
                    MemberAction::ToggleSlow => {
                        let m = self.members.iter_mut().find(|m| m.id == id).ok_or("no such member")?;
                        m.slow = !m.slow;
                        Ok(if m.slow {
                            format!("{name} stops polling: after max.poll.interval.ms it leaves the group.")
                        } else {
                            format!("{name} polls again and rejoins the group.")
                        })
                    }
                    MemberAction::Close | MemberAction::Crash => {
                        let crash = action == MemberAction::Crash;
                        let r = if crash { self.world.crash_client(id) } else { self.world.close_client(id) };
                        r.map_err(|e| e.to_string())?;
                        self.members.retain(|m| m.id != id);
                        Ok(if crash {
                            format!("{name} crashed: the coordinator notices after session.timeout.ms (45 s).")
                        } else {
                            format!("{name} closed: it committed and left, the others rebalance now.")
                        })
                    }
                }
            }
            Msg::Stream(None) => {
                self.stream = None;
                Ok("Stream stopped.".into())
            }
            Msg::Stream(Some((SendRequest { topic, key, value, acks, idempotent }, records_per_sec))) => {
                if !(records_per_sec > 0.0 && records_per_sec <= 10_000.0) {
                    return Err("A stream sends 1 to 10000 records per second of virtual time.".into());
                }
                let producer = self.producer(&acks, idempotent)?;
                let status = StreamStatus { topic, records_per_sec, sent: 0, acknowledged: 0, failed: 0 };
                let text = format!("Streaming {records_per_sec} records/s to {} with acks={acks}.", status.topic);
                self.stream = Some(Stream { producer, key, value, carry: 0.0, status });
                Ok(text)
            }
            Msg::Poll { topic, partition } => {
                let tp = TopicPartition::new(topic, partition);
                let consumer = self.consumer(&tp)?;
                let records = self.world.poll(consumer, 1_000).map_err(|e| e.to_string())?;
                let n = records.len();
                self.polled =
                    records.into_iter().map(PolledRecord::from).rev().chain(self.polled.drain(..)).take(50).collect();
                Ok(format!("Polled {n} record(s) from {tp}."))
            }
            Msg::Broker(id, action) => {
                let result = match action {
                    BrokerAction::Stop => w.stop_broker(id),
                    BrokerAction::Crash => w.crash_broker(id),
                    BrokerAction::Restart => w.restart_broker(id),
                    BrokerAction::PowerLoss => w.power_loss(id),
                    BrokerAction::Isolate => w.partition_network(vec![vec![id]]),
                    BrokerAction::Pause => w.pause_node(id, PAUSE_BUTTON_MS),
                    BrokerAction::CrashController => w.crash_controller(id),
                    BrokerAction::RestartController => w.restart_controller(id),
                    BrokerAction::AddBroker => {
                        let id = w.add_broker().map_err(|e| e.to_string())?;
                        return Ok(action.done_text(id));
                    }
                };
                result.map_err(|e| e.to_string())?;
                Ok(action.done_text(id))
            }
            Msg::HealNetwork => w.heal_network().map(|_| "Network healed.".into()).map_err(|e| e.to_string()),
            Msg::SetNetwork(config) => {
                w.set_network(config).map(|_| "Network settings applied.".into()).map_err(|e| e.to_string())
            }
            Msg::Check => {
                let report = w.check();
                let text = if report.ok {
                    "Checker: no anomaly in this run.".to_string()
                } else {
                    format!("Checker: {} violation(s).", report.violations.len())
                };
                self.report = Some(report);
                Ok(text)
            }
            Msg::Share => {
                let fragment = share::encode(&w.scenario().map_err(|e| e.to_string())?);
                if let Some(loc) = location() {
                    let _ = loc.set_hash(&fragment);
                }
                Ok("The link in the address bar now replays this run: copy it to share.".into())
            }
            Msg::TimeTravel(until_ms) => {
                let scenario = w.scenario().map_err(|e| e.to_string())?;
                let past = World::replay(&scenario, Some(until_ms)).map_err(|e| e.to_string())?;
                self.replace_world(past);
                self.playing = false;
                Ok(format!(
                    "Replayed from the seed to t = {until_ms} ms (paused). Actions from here on start a new branch."
                ))
            }
            Msg::NewCluster(seed) => {
                self.replace_world(new_world(seed));
                if let Some(loc) = location() {
                    let _ = loc.set_hash("");
                }
                Ok(format!("A new cluster with seed {seed}."))
            }
            Msg::Frame(_) | Msg::TogglePlay | Msg::Step | Msg::SetSpeed(_) => Ok(String::new()),
        }
    }

    /// A run shared as a link: replay it, or say why the link cannot be used.
    fn from_link() -> (World, Option<(bool, String)>) {
        let fragment = location().and_then(|l| l.hash().ok()).unwrap_or_default();
        match share::decode(&fragment) {
            None => (new_world(1), None),
            Some(Ok(scenario)) => match World::replay(&scenario, None) {
                Ok(world) => {
                    let text = format!(
                        "Replayed the shared run: seed {}, {} action(s).",
                        scenario.seed,
                        scenario.actions.len()
                    );
                    (world, Some((false, text)))
                }
                Err(e) => (new_world(1), Some((true, format!("The shared run cannot be replayed: {e}")))),
            },
            Some(Err(e)) => (new_world(1), Some((true, format!("The shared link cannot be read: {e}")))),
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (world, notice) = App::from_link();
        let mut app = App {
            world,
            playing: notice.is_none(),
            speed: 1.0,
            last_frame_ms: None,
            carry_ms: 0.0,
            frame: None,
            polled: Vec::new(),
            report: None,
            notice,
            stream: None,
            members: Vec::new(),
            last_member_poll_ms: 0,
        };
        app.request_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(t) => {
                let changed = self.advance(t);
                self.request_frame(ctx);
                changed
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                true
            }
            Msg::Step => {
                self.playing = false;
                if !self.world.step() {
                    self.notice = Some((false, "Nothing is scheduled: the cluster is idle.".into()));
                }
                true
            }
            Msg::SetSpeed(s) => {
                self.speed = s;
                true
            }
            action => {
                self.notice = Some(match self.act(action) {
                    Ok(text) => (false, text),
                    Err(text) => (true, text),
                });
                true
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let world = &self.world;
        let view = world.view();
        let mut group_ids: Vec<String> = self.members.iter().map(|m| m.group.clone()).collect();
        group_ids.sort();
        group_ids.dedup();
        let groups = group_ids.iter().map(|g| (world.describe_group(g), world.group_offsets(g))).collect::<Vec<_>>();
        let mut logs: BTreeMap<(String, u32), PartitionLogView> = BTreeMap::new();
        for t in &view.topics {
            for p in &t.partitions {
                // The leader's log (or, while there is none, the first replica's).
                let Some(broker) = p.leader.or(p.replicas.first().copied()) else { continue };
                let leo = p.log_end_offsets.get(&broker.to_string()).copied().unwrap_or(0);
                let from = leo.saturating_sub(LOG_STRIP_RECORDS_MAX);
                let records = world
                    .read_log(broker, &t.name, p.partition, from, LOG_STRIP_RECORDS_MAX as usize)
                    .unwrap_or_default();
                let segments = world.segments(broker, &t.name, p.partition);
                let committed = groups
                    .iter()
                    .flat_map(|(d, offsets)| offsets.iter().map(move |o| (d, o)))
                    .filter(|(_, o)| o.topic == t.name && o.partition == p.partition)
                    .map(|(d, o)| (d.group_id.clone(), o.committed))
                    .collect();
                let log = PartitionLogView { from_offset: from, records, segments, committed };
                logs.insert((t.name.clone(), p.partition), log);
            }
        }
        let mut events = world.trace().since(world.trace().len().saturating_sub(TIMELINE_EVENTS_MAX as u64));
        events.reverse();
        let topic_names: Vec<String> = view.topics.iter().map(|t| t.name.clone()).collect();
        let user_topics: Vec<String> = topic_names.iter().filter(|t| !t.starts_with("__")).cloned().collect();

        html! {
            <div class="app">
                <TopBar
                    now_ms={view.now_ms}
                    playing={self.playing}
                    speed={self.speed}
                    events_dispatched={world.events_dispatched()}
                    on_toggle={link.callback(|_| Msg::TogglePlay)}
                    on_step={link.callback(|_| Msg::Step)}
                    on_speed={link.callback(Msg::SetSpeed)}
                />
                if let Some((is_error, text)) = &self.notice {
                    <div class={classes!("notice", is_error.then_some("error"))} data-testid="notice">{ text }</div>
                }
                <main class="grid">
                    <div class="column left">
                        <ClusterPanel brokers={view.brokers.clone()} controller={view.controller.clone()} on_action={link.callback(|(id, a)| Msg::Broker(id, a))} />
                        <NetworkPanel
                            network={view.network.clone()}
                            on_apply={link.callback(Msg::SetNetwork)}
                            on_heal={link.callback(|_| Msg::HealNetwork)}
                        />
                        <ScenarioPanel
                            now_ms={view.now_ms}
                            seed={world.config().seed}
                            on_share={link.callback(|_| Msg::Share)}
                            on_time_travel={link.callback(Msg::TimeTravel)}
                            on_new={link.callback(Msg::NewCluster)}
                        />
                    </div>
                    <TopicsPanel
                        topics={view.topics.clone()}
                        logs={logs}
                        on_action={link.callback(Msg::Topic)}
                    />
                    <div class="column right">
                        <ClientsPanel
                            clients={view.clients.clone()}
                            topics={user_topics.clone()}
                            polled={self.polled.clone()}
                            on_send={link.callback(Msg::Send)}
                            on_stream={link.callback(Msg::Stream)}
                            stream={self.stream.as_ref().map(|s| s.status.clone())}
                            on_poll={link.callback(|(topic, partition)| Msg::Poll { topic, partition })}
                        />
                        <GroupsPanel
                            groups={groups}
                            members={self.members.clone()}
                            topics={user_topics}
                            on_add={link.callback(|(g, t)| Msg::AddMember(g, t))}
                            on_member={link.callback(|(id, a)| Msg::Member(id, a))}
                        />
                        <CheckerPanel report={self.report.clone()} on_check={link.callback(|_| Msg::Check)} />
                    </div>
                    <Timeline events={events} />
                </main>
            </div>
        }
    }
}
