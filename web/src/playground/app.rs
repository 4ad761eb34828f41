//! The playground's root component: it schedules animation frames, hands every message to the state's
//! reducer ([`Playground::reduce`]), writes the URL fragment the reducer asks for (replacing the history
//! entry, so that the browser's Back leaves the page rather than stepping through its fragments), hands
//! the browser the files it asks to download, and renders the state.

use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::components::checker::CheckerPanel;
use super::components::clients::ClientsPanel;
use super::components::cluster::ClusterPanel;
use super::components::cluster_map::ClusterMap;
use super::components::groups::GroupsPanel;
use super::components::lesson::LessonPanel;
use super::components::network::NetworkPanel;
use super::components::scenario::ScenarioPanel;
use super::components::scrubber::TimelineScrubber;
use super::components::timeline::Timeline;
use super::components::top_bar::TopBar;
use super::components::topics::TopicsPanel;
use super::state::{Action, Download, Playground, Snapshot};

pub struct App {
    state: Playground,
    frame: Option<AnimationFrame>,
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// Writes the fragment in place of the current history entry.
fn write_fragment(fragment: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(fragment));
    }
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

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |t| link.send_message(Action::Frame(t))));
    }
}

impl Component for App {
    type Message = Action;
    type Properties = ();

    /// A run shared as a link is replayed (or the page says why the link cannot be used).
    fn create(ctx: &Context<Self>) -> Self {
        let fragment = location().and_then(|l| l.hash().ok()).unwrap_or_default();
        let mut app = App { state: Playground::from_fragment(&fragment), frame: None };
        app.request_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, action: Action) -> bool {
        let frame = matches!(action, Action::Frame(_));
        let outcome = self.state.reduce(action);
        if frame {
            self.request_frame(ctx);
        }
        if let Some(fragment) = &outcome.fragment {
            write_fragment(fragment);
        }
        if let Some(file) = &outcome.download {
            download(file);
        }
        outcome.changed
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let state = &self.state;
        let world = state.world();
        let Snapshot { view, groups, logs, events, user_topics, flights } = state.snapshot();

        html! {
            <div class="app">
                <TopBar
                    now_ms={view.now_ms}
                    playing={state.playing()}
                    speed={state.speed()}
                    events_dispatched={world.events_dispatched()}
                    on_toggle={link.callback(|_| Action::TogglePlay)}
                    on_step={link.callback(|_| Action::Step)}
                    on_speed={link.callback(Action::SetSpeed)}
                />
                if let Some(notice) = state.notice() {
                    <div class={classes!("notice", notice.error.then_some("error"))} data-testid="notice">{ &notice.text }</div>
                }
                <main class="grid">
                    <LessonPanel
                        chapters={state.chapters()}
                        lesson={state.lesson()}
                        on_open={link.callback(Action::OpenLesson)}
                        on_next={link.callback(|_| Action::LessonNext)}
                        on_back={link.callback(|_| Action::LessonBack)}
                        on_draft={link.callback(|_| Action::SaveDraft)}
                        on_free_play={link.callback(|_| Action::NewCluster(1))}
                    />
                    <ClusterMap
                        controller={view.controller.clone()}
                        brokers={view.brokers.clone()}
                        topics={view.topics.clone()}
                        clients={view.clients.clone()}
                        sides={view.network.sides.clone()}
                        {flights}
                    />
                    <TimelineScrubber
                        timeline={state.timeline()}
                        on_seek={link.callback(Action::TimeTravel)}
                        on_mark={link.callback(Action::JumpToMark)}
                        on_now={link.callback(|_| Action::BackToNow)}
                    />
                    <div class="column left">
                        <ClusterPanel brokers={view.brokers.clone()} controller={view.controller.clone()} on_action={link.callback(|(id, a)| Action::Broker(id, a))} />
                        <NetworkPanel
                            network={view.network.clone()}
                            on_apply={link.callback(Action::SetNetwork)}
                            on_heal={link.callback(|_| Action::HealNetwork)}
                        />
                        <ScenarioPanel
                            now_ms={view.now_ms}
                            seed={world.config().seed}
                            on_share={link.callback(|_| Action::Share)}
                            on_time_travel={link.callback(Action::TimeTravel)}
                            on_new={link.callback(Action::NewCluster)}
                        />
                    </div>
                    <TopicsPanel
                        topics={view.topics.clone()}
                        logs={logs}
                        on_action={link.callback(Action::Topic)}
                    />
                    <div class="column right">
                        <ClientsPanel
                            clients={view.clients.clone()}
                            topics={user_topics.clone()}
                            polled={state.polled().to_vec()}
                            on_send={link.callback(Action::Send)}
                            on_stream={link.callback(Action::Stream)}
                            stream={state.stream().cloned()}
                            on_poll={link.callback(|(topic, partition)| Action::Poll { topic, partition })}
                        />
                        <GroupsPanel
                            groups={groups}
                            members={state.members().to_vec()}
                            topics={user_topics}
                            on_add={link.callback(|(g, t)| Action::AddMember(g, t))}
                            on_member={link.callback(|(id, a)| Action::Member(id, a))}
                        />
                        <CheckerPanel report={state.report().cloned()} on_check={link.callback(|_| Action::Check)} />
                    </div>
                    <Timeline events={events} />
                </main>
            </div>
        }
    }
}
