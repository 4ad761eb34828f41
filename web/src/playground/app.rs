//! The playground's root: the world, the clock loop and the user's actions.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use franz_core::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
use franz_core::types::{NodeId, ProducerRecord, TopicPartition};
use franz_core::view::RecordView;
use franz_core::{ClusterConfig, World};
use gloo::render::{request_animation_frame, AnimationFrame};
use yew::prelude::*;

use super::components::clients::{ClientsPanel, PolledRecord};
use super::components::cluster::ClusterPanel;
use super::components::timeline::Timeline;
use super::components::top_bar::TopBar;
use super::components::topics::TopicsPanel;

/// Records per partition the log strip shows (the newest).
const LOG_STRIP_RECORDS_MAX: u64 = 40;
/// Trace lines the timeline shows (the newest).
const TIMELINE_EVENTS_MAX: usize = 200;
/// A frame never advances the world by more than this much wall time (a background tab, a breakpoint).
const FRAME_WALL_MS_MAX: f64 = 100.0;

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    SetSpeed(f64),
    CreateTopic { name: String, partitions: u32 },
    Send { topic: String, key: String, value: String },
    Poll { topic: String, partition: u32 },
}

pub struct App {
    world: Rc<RefCell<World>>,
    playing: bool,
    /// Virtual milliseconds per wall millisecond.
    speed: f64,
    last_frame_ms: Option<f64>,
    /// Fractions of a virtual millisecond not yet run.
    carry_ms: f64,
    frame: Option<AnimationFrame>,
    producer: Option<NodeId>,
    consumers: BTreeMap<TopicPartition, NodeId>,
    polled: Vec<PolledRecord>,
    notice: Option<(bool, String)>,
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |t| link.send_message(Msg::Frame(t))));
    }

    fn advance(&mut self, now_wall_ms: f64) -> bool {
        let dt = self
            .last_frame_ms
            .map_or(0.0, |last| (now_wall_ms - last).clamp(0.0, FRAME_WALL_MS_MAX));
        self.last_frame_ms = Some(now_wall_ms);
        if !self.playing {
            return false;
        }
        self.carry_ms += dt * self.speed;
        let whole = self.carry_ms.floor();
        self.carry_ms -= whole;
        if whole >= 1.0 {
            self.world.borrow_mut().run_for(whole as u64);
        }
        true
    }

    fn producer(&mut self) -> Result<NodeId, String> {
        if let Some(p) = self.producer {
            return Ok(p);
        }
        let id = self
            .world
            .borrow_mut()
            .add_producer(ProducerConfig::named("playground-producer"))
            .map_err(|e| e.to_string())?;
        self.producer = Some(id);
        Ok(id)
    }

    fn consumer(&mut self, tp: &TopicPartition) -> Result<NodeId, String> {
        if let Some(&c) = self.consumers.get(tp) {
            return Ok(c);
        }
        let mut config = ConsumerConfig::named(format!("playground-consumer-{tp}"));
        config.auto_offset_reset = AutoOffsetReset::Earliest;
        let mut w = self.world.borrow_mut();
        let id = w.add_consumer(config).map_err(|e| e.to_string())?;
        w.assign(id, vec![tp.clone()]).map_err(|e| e.to_string())?;
        self.consumers.insert(tp.clone(), id);
        Ok(id)
    }

    fn act(&mut self, msg: Msg) -> Result<String, String> {
        match msg {
            Msg::CreateTopic { name, partitions } => {
                let mut w = self.world.borrow_mut();
                w.create_topic(&name, partitions, None, Default::default())
                    .map_err(|e| e.to_string())?;
                Ok(format!("Created topic {name} with {partitions} partition(s)."))
            }
            Msg::Send { topic, key, value } => {
                let producer = self.producer()?;
                let record = ProducerRecord {
                    key: (!key.is_empty()).then(|| key.into_bytes()),
                    value: Some(value.into_bytes()),
                    ..Default::default()
                };
                let meta = self
                    .world
                    .borrow_mut()
                    .send(producer, &topic, vec![record])
                    .map_err(|e| e.to_string())?;
                let m = meta.first().ok_or("the send returned no record")?;
                Ok(format!(
                    "Acknowledged: {topic}-{} at offset {}.",
                    m.partition,
                    m.offset.map_or(-1, |o| o as i64)
                ))
            }
            Msg::Poll { topic, partition } => {
                let tp = TopicPartition::new(topic, partition);
                let consumer = self.consumer(&tp)?;
                let records = self
                    .world
                    .borrow_mut()
                    .poll(consumer, 1_000)
                    .map_err(|e| e.to_string())?;
                let n = records.len();
                self.polled = records
                    .into_iter()
                    .map(PolledRecord::from)
                    .rev()
                    .chain(self.polled.drain(..))
                    .take(50)
                    .collect();
                Ok(format!("Polled {n} record(s) from {tp}."))
            }
            _ => Ok(String::new()),
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let world =
            World::new(ClusterConfig::default()).unwrap_or_else(|e| panic!("the default cluster is valid: {e}"));
        let mut app = App {
            world: Rc::new(RefCell::new(world)),
            playing: true,
            speed: 1.0,
            last_frame_ms: None,
            carry_ms: 0.0,
            frame: None,
            producer: None,
            consumers: BTreeMap::new(),
            polled: Vec::new(),
            notice: None,
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
                if !self.world.borrow_mut().step() {
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
        let world = self.world.borrow();
        let view = world.view();
        let mut logs: BTreeMap<(String, u32), Vec<RecordView>> = BTreeMap::new();
        for t in &view.topics {
            for p in &t.partitions {
                let Some(leader) = p.leader else { continue };
                let from = p
                    .log_end_offsets
                    .get(&leader.to_string())
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(LOG_STRIP_RECORDS_MAX);
                let records = world
                    .read_log(leader, &t.name, p.partition, from, LOG_STRIP_RECORDS_MAX as usize)
                    .unwrap_or_default();
                logs.insert((t.name.clone(), p.partition), records);
            }
        }
        let mut events = world
            .trace()
            .since(world.trace().len().saturating_sub(TIMELINE_EVENTS_MAX as u64));
        events.reverse();
        let topic_names: Vec<String> = view.topics.iter().map(|t| t.name.clone()).collect();
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
                    <ClusterPanel brokers={view.brokers.clone()} />
                    <TopicsPanel
                        topics={view.topics.clone()}
                        logs={logs}
                        on_create={link.callback(|(name, partitions)| Msg::CreateTopic { name, partitions })}
                    />
                    <ClientsPanel
                        clients={view.clients.clone()}
                        topics={topic_names}
                        polled={self.polled.clone()}
                        on_send={link.callback(|(topic, key, value)| Msg::Send { topic, key, value })}
                        on_poll={link.callback(|(topic, partition)| Msg::Poll { topic, partition })}
                    />
                    <Timeline events={events} />
                </main>
            </div>
        }
    }
}
