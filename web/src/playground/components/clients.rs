use franz_core::view::ClientView;
use yew::prelude::*;

use super::{input_text, input_value};
use crate::playground::state::{PolledRecord, SendRequest, StreamStatus};

#[derive(Properties, PartialEq)]
pub struct ClientsPanelProps {
    pub clients: Vec<ClientView>,
    pub topics: Vec<String>,
    pub polled: Vec<PolledRecord>,
    pub on_send: Callback<SendRequest>,
    /// Start a stream at this many records per second of virtual time (with the form's settings), or stop.
    pub on_stream: Callback<Option<(SendRequest, f64)>>,
    pub stream: Option<StreamStatus>,
    /// (topic, partition)
    pub on_poll: Callback<(String, u32)>,
}

#[function_component(ClientsPanel)]
pub fn clients_panel(p: &ClientsPanelProps) -> Html {
    let topic = use_state(String::new);
    let key = use_state(|| String::from("user-1"));
    let value = use_state(|| String::from("hello"));
    let poll_partition = use_state(|| String::from("0"));
    let chosen =
        if p.topics.contains(&topic) { (*topic).clone() } else { p.topics.first().cloned().unwrap_or_default() };
    let acks = use_state(|| String::from("all"));
    let idempotent = use_state(|| true);
    let on_send = {
        let (chosen, key, value, cb) = (chosen.clone(), key.clone(), value.clone(), p.on_send.clone());
        let (acks, idempotent) = (acks.clone(), idempotent.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(SendRequest {
                topic: chosen.clone(),
                key: (*key).clone(),
                value: (*value).clone(),
                acks: (*acks).clone(),
                idempotent: *idempotent,
            });
        })
    };
    let rate = use_state(|| String::from("20"));
    let on_stream = {
        let (chosen, key, value, cb) = (chosen.clone(), key.clone(), value.clone(), p.on_stream.clone());
        let (acks, idempotent, rate, streaming) = (acks.clone(), idempotent.clone(), rate.clone(), p.stream.is_some());
        Callback::from(move |_: MouseEvent| {
            if streaming {
                return cb.emit(None);
            }
            let request = SendRequest {
                topic: chosen.clone(),
                key: (*key).clone(),
                value: (*value).clone(),
                acks: (*acks).clone(),
                idempotent: *idempotent,
            };
            cb.emit(Some((request, rate.trim().parse().unwrap_or(-1.0))));
        })
    };
    let on_rate = {
        let rate = rate.clone();
        Callback::from(move |e: InputEvent| rate.set(input_text(&e)))
    };
    let on_acks = {
        let acks = acks.clone();
        Callback::from(move |e: Event| acks.set(input_value(&e)))
    };
    let on_idempotent = {
        let idempotent = idempotent.clone();
        Callback::from(move |e: Event| idempotent.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
    };
    let on_poll = {
        let (chosen, partition, cb) = (chosen.clone(), poll_partition.clone(), p.on_poll.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit((chosen.clone(), partition.trim().parse().unwrap_or(0)));
        })
    };
    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| topic.set(input_value(&e)))
    };
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| key.set(input_text(&e)))
    };
    let on_value = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| value.set(input_text(&e)))
    };
    let on_partition = {
        let pp = poll_partition.clone();
        Callback::from(move |e: InputEvent| pp.set(input_text(&e)))
    };
    let no_topics = p.topics.is_empty();
    html! {
        <section class="panel clients" data-testid="clients">
            <h2>{ "Clients" }</h2>
            <h3>{ "Producer" }</h3>
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
                <input data-testid="send-key" placeholder="key (empty: null)" value={(*key).clone()} oninput={on_key} />
                <input data-testid="send-value" placeholder="value" value={(*value).clone()} oninput={on_value} />
                <button data-testid="send" type="submit" disabled={no_topics}>{ "Send" }</button>
            </form>
            <div class="inline-form" title="keep sending records (the value gets a counter) as virtual time passes">
                <input data-testid="stream-rate" class="narrow" type="number" min="1" value={(*rate).clone()} oninput={on_rate} />
                <span class="meta">{ " records/s " }</span>
                <button class="small" data-testid="stream" onclick={on_stream} disabled={no_topics}>
                    { if p.stream.is_some() { "Stop stream" } else { "Start stream" } }
                </button>
            </div>
            if let Some(s) = &p.stream {
                <p class="hint" data-testid="stream-status">{ format!("streaming {}/s to {}: {} sent, {} acknowledged, {} failed",
                    s.records_per_sec, s.topic, s.sent, s.acknowledged, s.failed) }</p>
            }
            <h3>{ "Consumer" }<span class="meta">{ " · assign + poll, auto.offset.reset=earliest" }</span></h3>
            <form class="inline-form" onsubmit={on_poll}>
                <input data-testid="poll-partition" class="narrow" type="number" min="0" value={(*poll_partition).clone()} oninput={on_partition} title="partition" />
                <button data-testid="poll" type="submit" disabled={no_topics}>{ "Poll" }</button>
            </form>
            <ul class="polled" data-testid="polled">
                { for p.polled.iter().map(|r| html! {
                    <li>{ format!("{} @{}  {} = {}", r.partition, r.offset, r.key, r.value) }</li>
                }) }
            </ul>
            <h3>{ "Running" }</h3>
            <ul class="client-list">
                { for p.clients.iter().map(|c| html! {
                    <li data-testid={format!("client-{}", c.client_id)}>{ format!("{} · {}", c.client_id, c.role) }</li>
                }) }
            </ul>
        </section>
    }
}
