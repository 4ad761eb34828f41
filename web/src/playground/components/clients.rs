use franz_core::view::ClientView;
use yew::prelude::*;

use super::{input_text, input_value};
use crate::playground::shared::Shared;
use crate::playground::state::{
    speed_limit_text, ConsumerPanel, Countdown, KeyMode, PolledRecord, SendRequest, StreamRequest, StreamStatus,
};

#[derive(Properties, PartialEq)]
pub struct ClientsPanelProps {
    pub clients: Vec<ClientView>,
    pub topics: Shared<Vec<String>>,
    /// Oldest first.
    pub polled: Shared<Vec<PolledRecord>>,
    pub stream: Option<StreamStatus>,
    /// What the page's producers wait for.
    pub waits: Shared<Vec<Countdown>>,
    pub consumer: Shared<ConsumerPanel>,
    pub producer_notice: Html,
    pub consumer_notice: Html,
    pub on_send: Callback<SendRequest>,
    /// Start a stream with the form's settings, or stop it.
    pub on_stream: Callback<Option<StreamRequest>>,
    /// The consumer's (topic, partition) as chosen and typed.
    pub on_poll_target: Callback<(String, String)>,
    /// (topic, partition)
    pub on_poll: Callback<(String, u32)>,
}

fn text_state(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_text(&e)))
}

#[function_component(ClientsPanel)]
pub fn clients_panel(p: &ClientsPanelProps) -> Html {
    html! {
        <section class="panel clients" data-testid="clients">
            <h2>{ "Clients" }</h2>
            <h3>{ "Producer" }</h3>
            { p.producer_notice.clone() }
            <ProducerForm topics={p.topics.clone()} streaming={p.stream.is_some()} on_send={p.on_send.clone()} on_stream={p.on_stream.clone()} />
            if let Some(s) = &p.stream {
                { stream_line(s) }
            }
            <div class="producer-waits">
                { for p.waits.iter().map(|w| html! { <p class="countdown" data-testid="producer-wait">{ w.text() }</p> }) }
            </div>
            <ConsumerForm consumer={p.consumer.clone()} topics={p.topics.clone()} polled={p.polled.clone()}
                          notice={p.consumer_notice.clone()} on_target={p.on_poll_target.clone()} on_poll={p.on_poll.clone()} />
            <h3>{ "Running" }</h3>
            <ul class="client-list">
                { for p.clients.iter().map(|c| html! {
                    <li data-testid={format!("client-{}", c.client_id)}>{ format!("{} · {}", c.client_id, c.role) }</li>
                }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProducerFormProps {
    topics: Shared<Vec<String>>,
    streaming: bool,
    on_send: Callback<SendRequest>,
    on_stream: Callback<Option<StreamRequest>>,
}

/// The producer's forms: one send, or a stream. A component of its own, drawn again only when its topics
/// or its fields change: a value of a megabyte written into its field at every frame cost the page 80 ms
/// a frame.
#[function_component(ProducerForm)]
fn producer_form(p: &ProducerFormProps) -> Html {
    let topic = use_state(String::new);
    let key = use_state(|| String::from("user-1"));
    let value = use_state(|| String::from("hello"));
    let chosen =
        if p.topics.contains(&topic) { (*topic).clone() } else { p.topics.first().cloned().unwrap_or_default() };
    let acks = use_state(|| String::from("all"));
    let idempotent = use_state(|| true);
    let rate = use_state(|| String::from("20"));
    let key_mode = use_state(|| String::from("fixed"));
    let rotating = use_state(|| String::from("4"));
    let request = {
        let (chosen, key, value, acks, idempotent) =
            (chosen.clone(), (*key).clone(), (*value).clone(), (*acks).clone(), *idempotent);
        move || SendRequest {
            topic: chosen.clone(),
            key: key.clone(),
            value: value.clone(),
            acks: acks.clone(),
            idempotent,
        }
    };
    let on_send = {
        let (request, cb) = (request.clone(), p.on_send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(request());
        })
    };
    let on_value_key = {
        let (request, cb, no_topics) = (request.clone(), p.on_send.clone(), p.topics.is_empty());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                // As the Send button: off until there is a topic.
                if !no_topics {
                    cb.emit(request());
                }
            }
        })
    };
    let on_stream = {
        let (request, cb, streaming) = (request.clone(), p.on_stream.clone(), p.streaming);
        let (rate, key_mode, rotating) = ((*rate).clone(), (*key_mode).clone(), (*rotating).clone());
        Callback::from(move |_: MouseEvent| {
            if streaming {
                return cb.emit(None);
            }
            let key = match key_mode.as_str() {
                "none" => KeyMode::None,
                "rotating" => KeyMode::Rotating(rotating.trim().parse().unwrap_or(0)),
                _ => KeyMode::Fixed,
            };
            cb.emit(Some(StreamRequest { send: request(), records_per_sec: rate.clone(), key }));
        })
    };
    let on_acks = {
        let acks = acks.clone();
        Callback::from(move |e: Event| acks.set(input_value(&e)))
    };
    let on_key_mode = {
        let key_mode = key_mode.clone();
        Callback::from(move |e: Event| key_mode.set(input_value(&e)))
    };
    let on_idempotent = {
        let idempotent = idempotent.clone();
        Callback::from(move |e: Event| idempotent.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
    };
    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| topic.set(input_value(&e)))
    };
    let no_topics = p.topics.is_empty();
    html! {
        <>
            <form class="stack-form" onsubmit={on_send}>
                <div class="producer-settings">
                    <label title="how many replicas must have the record before the send is acknowledged">{ "acks " }
                        <select data-testid="acks" onchange={on_acks}>
                            { for ["all", "1", "0"].iter().map(|a| html! { <option value={*a} selected={*acks == *a}>{ *a }</option> }) }
                        </select>
                    </label>
                    <label title="enable.idempotence: a retried batch is not written twice (needs acks=all)">
                        <input type="checkbox" data-testid="idempotent" checked={*idempotent} onchange={on_idempotent} />{ " idempotent" }
                    </label>
                </div>
                <select data-testid="send-topic" onchange={on_topic} disabled={no_topics}>
                    { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == chosen}>{ t }</option> }) }
                </select>
                <input data-testid="send-key" placeholder="key (empty: null)" value={(*key).clone()} oninput={text_state(&key)} />
                // A text area, not an input: Chrome lays out a focused input's whole text again at every
                // frame, 70 ms for a value of a megabyte. Enter sends, as in an input; Shift+Enter is a new line.
                <textarea data-testid="send-value" rows="1" placeholder="value" value={(*value).clone()}
                          oninput={text_state(&value)}
                          onkeydown={on_value_key} />
                <button data-testid="send" type="submit" disabled={no_topics} title={no_topics.then_some("create a topic first")}>{ "Send" }</button>
            </form>
            <div class="stream-form" title="keep sending records (each value gets its number) as virtual time passes">
                <input data-testid="stream-rate" class="narrow" inputmode="numeric" value={(*rate).clone()} oninput={text_state(&rate)} />
                <span class="meta">{ " records/s · key " }</span>
                <select data-testid="stream-key" onchange={on_key_mode} title="the key of each streamed record">
                    <option value="fixed" selected={*key_mode == "fixed"}>{ "the key above (one partition)" }</option>
                    <option value="rotating" selected={*key_mode == "rotating"}>{ "key-0 … key-N, in turn" }</option>
                    <option value="none" selected={*key_mode == "none"}>{ "none (sticky: a partition per batch.size bytes)" }</option>
                </select>
                if *key_mode == "rotating" {
                    <input data-testid="stream-keys" class="narrow" inputmode="numeric" value={(*rotating).clone()} oninput={text_state(&rotating)} title="N: how many keys" />
                }
                <button class="small" data-testid="stream" onclick={on_stream} disabled={no_topics}>
                    { if p.streaming { "Stop stream" } else { "Start stream" } }
                </button>
            </div>
        </>
    }
}

/// The stream's counts, why sent and acknowledged differ, and the speed it holds the page to. (A function,
/// not a component: a component's machinery costs the wasm about 2 KB.)
fn stream_line(s: &StreamStatus) -> Html {
    html! {
        <div class="stream-status" data-testid="stream-status">
            <p class="hint">{ format!("streaming {}/s to {} ({}): {} sent, {} acknowledged, {} failed",
                s.records_per_sec, s.topic, s.key, s.sent, s.acknowledged, s.failed) }</p>
            if s.pending > 0 {
                <p class="hint" data-testid="stream-pending">{ format!(
                    "{} sent, not acknowledged yet: batched (linger.ms), on the wire, or waiting for the ISR (acks=all waits for every in-sync replica).",
                    s.pending) }</p>
            }
            if s.failed > 0 {
                <p class="hint warning">{ "Failed sends ran out of delivery.timeout.ms, or met an error Kafka does not retry: see the event log." }</p>
            }
            if let Some(limit) = s.speed_limit {
                <p class="hint warning" data-testid="speed-limit">{ speed_limit_text(s.records_per_sec, limit) }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ConsumerFormProps {
    consumer: Shared<ConsumerPanel>,
    topics: Shared<Vec<String>>,
    polled: Shared<Vec<PolledRecord>>,
    notice: Html,
    on_target: Callback<(String, String)>,
    on_poll: Callback<(String, u32)>,
}

/// The plain consumer: pick a partition (its range shown), poll it, and see its position and lag.
#[function_component(ConsumerForm)]
fn consumer_form(p: &ConsumerFormProps) -> Html {
    let c = &p.consumer;
    let on_topic = {
        let (cb, partition) = (p.on_target.clone(), c.partition_text.clone());
        Callback::from(move |e: Event| cb.emit((input_value(&e), partition.clone())))
    };
    let on_partition = {
        let (cb, topic) = (p.on_target.clone(), c.topic.clone());
        Callback::from(move |e: InputEvent| cb.emit((topic.clone(), input_text(&e))))
    };
    let on_poll = {
        let (cb, topic, target) = (p.on_poll.clone(), c.topic.clone(), c.target.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Ok(partition) = target {
                cb.emit((topic.clone(), partition));
            }
        })
    };
    let reason = c.target.clone().err();
    html! {
        <>
            <h3>{ "Consumer" }<span class="meta">{ " · assign + poll, auto.offset.reset=earliest" }</span></h3>
            { p.notice.clone() }
            <form class="inline-form consumer-form" onsubmit={on_poll}>
                <select data-testid="poll-topic" onchange={on_topic} disabled={p.topics.is_empty()} title="topic">
                    { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == c.topic}>{ t }</option> }) }
                </select>
                <label class="meta">{ "partition " }
                    <input data-testid="poll-partition" class="narrow" inputmode="numeric" value={c.partition_text.clone()} oninput={on_partition} />
                </label>
                <button data-testid="poll" type="submit" disabled={reason.is_some()} title={reason.clone()}>{ "Poll" }</button>
            </form>
            if let Some(why) = &reason {
                <p class="hint" data-testid="poll-disabled">{ why }</p>
            }
            if let Some(range) = &c.range {
                <p class="hint" data-testid="consumer-position">{ format!("{}-{}: {range} · position {} · lag {}",
                    c.topic, c.target.clone().unwrap_or(0),
                    c.position.map_or("none yet (poll to start at the earliest offset)".to_string(), |p| p.to_string()),
                    c.lag.map_or("-".to_string(), |l| l.to_string())) }</p>
            }
            <ul class="polled" data-testid="polled" title="oldest first; the newest at the bottom">
                // Newest first in the page: the list is laid out bottom up (CSS column-reverse), so it stays
                // scrolled to the newest.
                { for p.polled.iter().rev().map(|r| html! {
                    <li>{ format!("{} @{}  {} = {}", r.partition, r.offset, r.key, r.value) }</li>
                }) }
            </ul>
        </>
    }
}
