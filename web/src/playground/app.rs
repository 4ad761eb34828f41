//! The playground's root component: it schedules animation frames, hands every message to the state's
//! reducer ([`Playground::reduce`]), writes the URL fragment the reducer asks for (a history entry per lesson
//! step or shared run, and opens a fragment the browser changes: Back goes back a step), hands
//! the browser the files it asks to download, listens on the window for the page's keyboard shortcuts (and
//! for clicks beside the map's menu), and renders the state.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::components::checker::checker_panel;
use super::components::clients::ClientsPanel;
use super::components::cluster::ClusterPanel;
use super::components::cluster_map::ClusterMap;
use super::components::groups::GroupsPanel;
use super::components::lesson::LessonPanel;
use super::components::network::NetworkPanel;
use super::components::notice::panel_notice;
use super::components::scenario::ScenarioPanel;
use super::components::scrubber::TimelineScrubber;
use super::components::shortcuts::ShortcutHelp;
use super::components::timeline::Timeline;
use super::components::top_bar::{top_bar, TopBarProps};
use super::components::topics::TopicsPanel;
use super::library::Library;
use super::state::{
    Action, BrokerAction, Download, EventFilter, MapAction, MemberAction, Place, Playground, SendRequest, Snapshot,
    StreamRequest, TopicAction, Toward, SHORTCUT_KEYS,
};
use franz_core::types::NodeId;

/// While time runs, the panels (topics, log strips, groups, the event log ...) are described again at most
/// this often (wall ms); the map's messages and the clock move every frame. Describing and diffing a cluster
/// of 200 partitions every frame cost more than the frame (`make bench`: frames.mjs); ten times a second
/// reads as live. Anything the user does shows at once.
const PANELS_REFRESH_MS: f64 = 100.0;

/// The callbacks the panels are given, made once: a callback compares by identity, and a new one every
/// frame would make every panel render again every frame.
struct Callbacks {
    toggle: Callback<()>,
    step: Callback<()>,
    speed: Callback<f64>,
    help_open: Callback<()>,
    help_close: Callback<()>,
    confirm_fork: Callback<bool>,
    open_lesson: Callback<String>,
    lesson_next: Callback<()>,
    lesson_back: Callback<()>,
    save_draft: Callback<()>,
    free_play: Callback<()>,
    action: Callback<Action>,
    time_travel: Callback<u64>,
    jump_to_mark: Callback<Toward>,
    back_to_now: Callback<()>,
    broker: Callback<(NodeId, BrokerAction)>,
    heal: Callback<()>,
    network: Callback<(String, String, String)>,
    share: Callback<()>,
    time_travel_text: Callback<String>,
    new_cluster: Callback<String>,
    topic: Callback<TopicAction>,
    show_all: Callback<(String, bool)>,
    send: Callback<SendRequest>,
    stream: Callback<Option<StreamRequest>>,
    poll_target: Callback<(String, String)>,
    poll: Callback<(String, u32)>,
    add_member: Callback<(String, String)>,
    member: Callback<(NodeId, MemberAction)>,
    check: Callback<()>,
    filter_events: Callback<EventFilter>,
}

impl Callbacks {
    fn new(link: &yew::html::Scope<App>) -> Callbacks {
        Callbacks {
            toggle: link.callback(|_| Action::TogglePlay),
            step: link.callback(|_| Action::Step),
            speed: link.callback(Action::SetSpeed),
            help_open: link.callback(|_| Action::Help(true)),
            help_close: link.callback(|_| Action::Help(false)),
            confirm_fork: link.callback(Action::ConfirmFork),
            open_lesson: link.callback(Action::OpenLesson),
            lesson_next: link.callback(|_| Action::LessonNext),
            lesson_back: link.callback(|_| Action::LessonBack),
            save_draft: link.callback(|_| Action::SaveDraft),
            free_play: link.callback(|_| Action::NewCluster(1)),
            action: link.callback(|a| a),
            time_travel: link.callback(Action::TimeTravel),
            jump_to_mark: link.callback(Action::JumpToMark),
            back_to_now: link.callback(|_| Action::BackToNow),
            broker: link.callback(|(id, a)| Action::Broker(id, a)),
            heal: link.callback(|_| Action::HealNetwork),
            network: link.callback(|(latency, jitter, drop_rate)| Action::SetNetworkText {
                latency,
                jitter,
                drop_rate,
            }),
            share: link.callback(|_| Action::Share),
            time_travel_text: link.callback(Action::TimeTravelText),
            new_cluster: link.callback(Action::NewClusterText),
            topic: link.callback(Action::Topic),
            show_all: link.callback(|(topic, all)| Action::ShowAllPartitions(topic, all)),
            send: link.callback(Action::Send),
            stream: link.callback(Action::Stream),
            poll_target: link.callback(|(topic, partition)| Action::SetPollTarget { topic, partition }),
            poll: link.callback(|(topic, partition)| Action::Poll { topic, partition }),
            add_member: link.callback(|(g, t)| Action::AddMember(g, t)),
            member: link.callback(|(id, a)| Action::Member(id, a)),
            check: link.callback(|_| Action::Check),
            filter_events: link.callback(Action::FilterEvents),
        }
    }
}

pub struct App {
    state: Playground,
    callbacks: Callbacks,
    frame: Option<AnimationFrame>,
    /// What the page shows, and when (performance.now) its panels were last described.
    shown: Snapshot,
    shown_at_ms: f64,
    /// The page's keyboard shortcuts, and clicks beside the map's menu (which close it).
    _listeners: Vec<EventListener>,
    /// A shortcut asked whether to fork: its answer takes the focus once drawn (adversary 40: it stayed on
    /// the page, five Tabs away).
    focus_fork_question: bool,
    /// The run holds work no link keeps: a reload or a closed tab asks first (`beforeunload`).
    unkept_run: Rc<Cell<bool>>,
}

/// The page's clock (performance.now), in ms.
fn wall_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// Writes the fragment: as a new history entry (so that Back returns to the lesson step or run before),
/// or in place of the current one (what a link opened is named again, a damaged step set right).
///
/// Each entry the page adds keeps the fragment of the entry before it. Going to that fragment (the lesson's
/// Back after its Next) goes back in the history instead of adding an entry, so that the browser's Back then
/// goes on backwards (found by an adversary: it went forward in the lesson).
fn write_fragment(fragment: &str, replace: bool) {
    let current = location().and_then(|l| l.hash().ok()).unwrap_or_default();
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else { return };
    if fragment == current {
        return;
    }
    let came_from = history.state().unwrap_or(JsValue::NULL);
    if !replace && came_from.as_string().as_deref() == Some(fragment) {
        let _ = history.back();
        return;
    }
    let _ = match replace || current.is_empty() {
        true => history.replace_state_with_url(&came_from, "", Some(fragment)),
        false => history.push_state_with_url(&JsValue::from_str(&current), "", Some(fragment)),
    };
}

/// Hands the browser a file to save, as a data: link clicked once.
fn download(file: &Download) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(link) = document.create_element("a") else { return };
    let href = format!("data:application/json;charset=utf-8,{}", js_sys::encode_uri_component(&file.text));
    let _ = link.set_attribute("href", &href);
    let _ = link.set_attribute("download", &file.file_name);
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}

/// Copies the page's address (with the fragment just written) to the clipboard, through
/// `navigator.clipboard.writeText` (looked up by name: web-sys's Clipboard is an unstable API), and tells
/// `done` whether the browser copied it.
fn copy_address(done: Callback<bool>) {
    let promise = (|| {
        let window = web_sys::window()?;
        let href = window.location().href().ok()?;
        let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
        let clipboard = get(&window.into(), "navigator").and_then(|n| get(&n, "clipboard"))?;
        let write = get(&clipboard, "writeText")?.dyn_into::<js_sys::Function>().ok()?;
        write.call1(&clipboard, &JsValue::from_str(&href)).ok()?.dyn_into::<js_sys::Promise>().ok()
    })();
    let Some(promise) = promise else { return done.emit(false) };
    // Each handler runs once; both are kept for the page's life (a few bytes a copy).
    let (copied, refused) = (done.clone(), done);
    let on_ok = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| copied.emit(true));
    let on_err = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| refused.emit(false));
    let _ = promise.then2(&on_ok, &on_err);
    on_ok.forget();
    on_err.forget();
}

/// What Space presses when it has the focus (so that Space there is the control's, not the page's).
const CONTROLS: &str = "button, a, summary, [role=button], [tabindex]";

/// The shortcut key a key press is, as the browser names the key; `None` while the user types in a field,
/// uses a control's own key (Space on a control reached with Tab, keys in a menu but Escape), or holds Ctrl,
/// Alt or Meta, and when a control already handled it (the timeline's own arrows, Enter or Space on a map
/// node). `clicked` is the control the pointer pressed last: it keeps the focus, yet Space there plays
/// (but in the lesson panel).
fn shortcut_key(e: &KeyboardEvent, clicked: Option<&web_sys::Element>) -> Option<String> {
    let key = e.key();
    if e.default_prevented() || e.ctrl_key() || e.alt_key() || e.meta_key() || !SHORTCUT_KEYS.contains(&key.as_str()) {
        return None;
    }
    if let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
        let within = |selector: &str| target.closest(selector).ok().flatten();
        if within("input, select, textarea, [contenteditable]").is_some()
            || (key != "Escape" && within("[role=menu]").is_some())
        {
            return None;
        }
        let control = within(CONTROLS);
        // A lesson's controls keep Space even when clicked: a reader who clicked Next presses Space for the
        // next step, and playing would fork the lesson (found by an adversary).
        if key == " " && control.is_some() && (control.as_ref() != clicked || within("[data-testid=lesson]").is_some())
        {
            return None;
        }
    }
    Some(key)
}

/// Listens on the window for the page's shortcuts, for clicks beside the map's menu, and for the page being
/// left while `unkept_run` holds.
fn listeners(link: &yew::html::Scope<App>, unkept_run: Rc<Cell<bool>>) -> Vec<EventListener> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let clicked: Rc<RefCell<Option<web_sys::Element>>> = Rc::default();
    let pointer = {
        let clicked = clicked.clone();
        EventListener::new(&window, "pointerdown", move |e| {
            let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            *clicked.borrow_mut() = target.and_then(|t| t.closest(CONTROLS).ok().flatten());
        })
    };
    let keys = {
        let (link, clicked) = (link.clone(), clicked.clone());
        let options = EventListenerOptions::enable_prevent_default();
        EventListener::new_with_options(&window, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
            if e.key() == "Tab" {
                // The focus moves by keyboard: Space is the next control's own again.
                *clicked.borrow_mut() = None;
            }
            if let Some(key) = shortcut_key(e, clicked.borrow().as_ref()) {
                if key != "Escape" {
                    // Space would scroll the page, the arrows too.
                    e.prevent_default();
                }
                link.send_message(Action::Shortcut(key));
            }
        })
    };
    // A button keeps the focus after a click, and Space would press it on key up.
    let space_up = {
        let options = EventListenerOptions::enable_prevent_default();
        EventListener::new_with_options(&window, "keyup", options, move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
            if shortcut_key(e, clicked.borrow().as_ref()).as_deref() == Some(" ") {
                e.prevent_default();
            }
        })
    };
    let clicks = {
        let link = link.clone();
        EventListener::new(&window, "click", move |e| {
            let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let on_map = target.and_then(|t| t.closest("[data-testid=map-actions], .map-node").ok().flatten());
            if on_map.is_none() {
                link.send_message(Action::Map(MapAction::CloseMenu));
            }
        })
    };
    // The fragment changed by the browser (Back, Forward, a link pasted into the address bar): the page
    // opens what it names. The page's own writes go through the History API, which fires no hashchange.
    let links = {
        let link = link.clone();
        EventListener::new(&window, "hashchange", move |_| {
            let fragment = location().and_then(|l| l.hash().ok()).unwrap_or_default();
            link.send_message(Action::OpenLink(fragment));
        })
    };
    // A reload or a closed tab would lose a run the user acted in that no link holds (adversary 51: F5 gave
    // a new cluster without a word): the browser asks first, as the page's own navigation does.
    let leaving = {
        let options = EventListenerOptions::enable_prevent_default();
        EventListener::new_with_options(&window, "beforeunload", options, move |e| {
            if unkept_run.get() {
                e.prevent_default();
                // Older browsers ask only when a return value is set.
                let _ = js_sys::Reflect::set(e, &JsValue::from_str("returnValue"), &JsValue::from_str(""));
            }
        })
    };
    vec![pointer, keys, space_up, clicks, links, leaving]
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |t| link.send_message(Action::Frame(t))));
    }
}

/// The lessons, as [`super::library::Root`] fetched them.
#[derive(Properties)]
pub struct AppProps {
    pub library: Library,
}

/// The same fetch: comparing the lessons themselves would cost 6 KB of wasm for a root rendered once.
impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.library, &other.library)
    }
}

impl Component for App {
    type Message = Action;
    type Properties = AppProps;

    /// A run shared as a link is replayed (or the page says why the link cannot be used).
    fn create(ctx: &Context<Self>) -> Self {
        let fragment = location().and_then(|l| l.hash().ok()).unwrap_or_default();
        let unkept_run = Rc::new(Cell::new(false));
        let _listeners = listeners(ctx.link(), unkept_run.clone());
        let clock: super::state::Clock =
            std::rc::Rc::new(|| web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now()));
        let state = Playground::open(&fragment, (*ctx.props().library).clone(), Some(clock));
        if let Some((link, _)) = state.lesson_link() {
            write_fragment(&link, true);
        }
        let shown = state.snapshot();
        let callbacks = Callbacks::new(ctx.link());
        let mut app = App {
            state,
            callbacks,
            frame: None,
            shown,
            shown_at_ms: wall_ms(),
            _listeners,
            focus_fork_question: false,
            unkept_run,
        };
        app.request_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, action: Action) -> bool {
        let frame = matches!(action, Action::Frame(_));
        let opened_link = matches!(action, Action::OpenLink(_));
        let shortcut = matches!(action, Action::Shortcut(_));
        // A frame's simulation is timed: the reducer keeps it within its share of the frame.
        let clock = frame.then(|| web_sys::window().and_then(|w| w.performance())).flatten();
        let started_ms = clock.as_ref().map(|c| c.now());
        let outcome = self.state.reduce(action);
        // (Kept until drawn: a frame may come between this update and the render.)
        self.focus_fork_question |= shortcut && self.state.notice().is_some_and(|n| n.confirm_fork);
        if let (Some(clock), Some(started_ms)) = (clock, started_ms) {
            self.state.reduce(Action::FrameCost(clock.now() - started_ms));
        }
        if frame {
            self.request_frame(ctx);
        } else {
            // Only an act changes it (a frame lets time pass), and judging builds the run's scenario.
            self.unkept_run.set(self.state.run_would_be_lost());
        }
        let now_ms = wall_ms();
        // A paused page's frames change nothing: no refresh to take.
        // A frame that ended a time travel shows another world: every panel is drawn again at once.
        // So does one that ended work (a lesson step, a call, a check): its panels show the end at once (a step
        // that ended within a refresh's interval left Next off, "Playing step 1 …", on a paused page).
        let ended_work = frame && outcome.notice.is_some();
        let refresh_due = outcome.changed && now_ms - self.shown_at_ms >= PANELS_REFRESH_MS;
        if !frame || outcome.world_replaced || ended_work || refresh_due {
            self.shown = Snapshot::keep_unchanged(&self.shown, self.state.snapshot());
            self.shown_at_ms = now_ms;
        } else if outcome.changed {
            self.shown.flights = self.state.flights().into();
            self.shown.now_ms = self.state.world().now_ms();
        }
        if let Some(run) = &outcome.left_run {
            write_fragment(run, true);
        }
        if let Some(fragment) = &outcome.fragment {
            write_fragment(fragment, opened_link);
        }
        if outcome.copy_link {
            copy_address(ctx.link().callback(Action::LinkCopied));
        }
        if let Some(file) = &outcome.download {
            download(file);
        }
        outcome.changed
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if std::mem::take(&mut self.focus_fork_question) {
            let document = web_sys::window().and_then(|w| w.document());
            let button = document.and_then(|d| d.query_selector("[data-testid=confirm-fork]").ok().flatten());
            if let Some(button) = button.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = button.focus();
            }
        }
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        let state = &self.state;
        let world = state.world();
        let cb = &self.callbacks;
        let shown = &self.shown;
        let view = &shown.view;
        // The notice shows in the panel whose action posted it (the top bar's, lessons' and the timeline's
        // at the top). Without one, an empty element holds its place: a notice appearing where there was
        // nothing, together with other changes to the panel (a send waiting over frames: its producer's line,
        // its countdowns), made Yew build the producer's form again, its fields back to their defaults
        // (adversary 55).
        let notice = |place: Place| -> Html {
            match state.notice().filter(|_| state.notice_place() == place) {
                Some(n) => panel_notice(n, state.work_under_way(), &cb.confirm_fork),
                None => html! { <div class="notice-slot" hidden=true></div> },
            }
        };
        let stream = state.stream();
        html! {
            <div class="app">
                { top_bar(TopBarProps {
                    now_ms: shown.now_ms,
                    playing: state.playing(),
                    speed: state.speed(),
                    speed_limit: stream.as_ref().and_then(|s| s.speed_limit),
                    speed_lag: state.speed_lag(),
                    slow_frames: state
                        .frames_per_sec_low()
                        .map(|fps| (fps, shown.topics.iter().map(|t| t.partitions.len()).sum())),
                    events_dispatched: world.events_dispatched(),
                    on_toggle: cb.toggle.clone(),
                    on_step: cb.step.clone(),
                    on_speed: cb.speed.clone(),
                    on_help: cb.help_open.clone(),
                }) }
                if state.help_open() {
                    <ShortcutHelp on_close={cb.help_close.clone()} />
                }
                { notice(Place::Top) }
                { notice(Place::Lesson) }
                { notice(Place::Timeline) }
                <main class="grid">
                    <LessonPanel
                        chapters={shown.chapters.clone()}
                        lesson={shown.lesson.clone()}
                        on_open={cb.open_lesson.clone()}
                        on_next={cb.lesson_next.clone()}
                        on_back={cb.lesson_back.clone()}
                        on_draft={cb.save_draft.clone()}
                        on_free_play={cb.free_play.clone()}
                    />
                    <ClusterMap
                        picture={shown.map.clone()}
                        flights={shown.flights.clone()}
                        map={state.map_view()}
                        notice={notice(Place::Map)}
                        on_action={cb.action.clone()}
                    />
                    <TimelineScrubber
                        timeline={state.timeline()}
                        on_seek={cb.time_travel.clone()}
                        on_mark={cb.jump_to_mark.clone()}
                        on_now={cb.back_to_now.clone()}
                    />
                    <div class="column left">
                        <ClusterPanel
                            brokers={shown.brokers.clone()}
                            controller={view.controller.clone()}
                            cut_off={view.network.sides.iter().flatten().copied().collect::<Vec<_>>()}
                            notice={notice(Place::Cluster)}
                            on_action={cb.broker.clone()}
                            on_heal={cb.heal.clone()}
                        />
                        <NetworkPanel
                            network={view.network.clone()}
                            summary={shown.network.clone()}
                            notice={notice(Place::Network)}
                            on_apply={cb.network.clone()}
                            on_heal={cb.heal.clone()}
                        />
                        <ScenarioPanel
                            now_ms={shown.now_ms}
                            seed={world.config().seed}
                            in_past={state.timeline().in_past()}
                            notice={notice(Place::Replay)}
                            on_share={cb.share.clone()}
                            on_time_travel={cb.time_travel_text.clone()}
                            on_back_to_now={cb.back_to_now.clone()}
                            on_new={cb.new_cluster.clone()}
                        />
                    </div>
                    <TopicsPanel
                        topics={shown.topics.clone()}
                        logs={shown.logs.clone()}
                        warnings={shown.topic_warnings.clone()}
                        all_partitions_shown={state.all_partitions_shown().clone()}
                        notice={notice(Place::Topics)}
                        on_action={cb.topic.clone()}
                        on_show_all={cb.show_all.clone()}
                    />
                    <div class="column right">
                        <ClientsPanel
                            clients={view.clients.clone()}
                            topics={shown.user_topics.clone()}
                            polled={shown.polled.clone()}
                            {stream}
                            waits={shown.producer_waits.clone()}
                            consumer={shown.consumer.clone()}
                            producer_notice={notice(Place::Producer)}
                            consumer_notice={notice(Place::Consumer)}
                            on_send={cb.send.clone()}
                            on_stream={cb.stream.clone()}
                            on_poll_target={cb.poll_target.clone()}
                            on_poll={cb.poll.clone()}
                        />
                        <GroupsPanel
                            groups={shown.groups.clone()}
                            members={shown.members.clone()}
                            topics={shown.user_topics.clone()}
                            notice={notice(Place::Groups)}
                            on_add={cb.add_member.clone()}
                            on_member={cb.member.clone()}
                        />
                        { checker_panel(state.report(), notice(Place::Checker), &cb.check) }
                    </div>
                    <Timeline
                        events={shown.events.clone()}
                        filter={state.events_filter().clone()}
                        nodes={shown.nodes.clone()}
                        on_filter={cb.filter_events.clone()}
                    />
                </main>
            </div>
        }
    }
}
