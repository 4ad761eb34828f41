use std::collections::BTreeMap;

use franz_core::view::{RecordView, TopicDescription};
use yew::prelude::*;

use super::input_text;
use super::log_strip::LogStrip;

#[derive(Properties, PartialEq)]
pub struct TopicsPanelProps {
    pub topics: Vec<TopicDescription>,
    pub logs: BTreeMap<(String, u32), Vec<RecordView>>,
    pub on_create: Callback<(String, u32)>,
}

#[function_component(TopicsPanel)]
pub fn topics_panel(p: &TopicsPanelProps) -> Html {
    let name = use_state(|| String::from("orders"));
    let partitions = use_state(|| String::from("1"));
    let on_submit = {
        let (name, partitions, on_create) = (name.clone(), partitions.clone(), p.on_create.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // An unparsable count goes through as 0, so the cluster answers with Kafka's INVALID_PARTITIONS.
            on_create.emit(((*name).clone(), partitions.trim().parse().unwrap_or(0)));
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(input_text(&e)))
    };
    let on_partitions = {
        let partitions = partitions.clone();
        Callback::from(move |e: InputEvent| partitions.set(input_text(&e)))
    };
    html! {
        <section class="panel topics" data-testid="topics">
            <h2>{ "Topics" }</h2>
            <form class="inline-form" onsubmit={on_submit}>
                <input data-testid="topic-name" placeholder="topic name" value={(*name).clone()} oninput={on_name} />
                <input data-testid="topic-partitions" class="narrow" type="number" min="1" value={(*partitions).clone()} oninput={on_partitions} title="partitions" />
                <button data-testid="create-topic" type="submit">{ "Create topic" }</button>
            </form>
            if p.topics.is_empty() {
                <p class="hint">{ "No topics yet. Create one, then send it a record." }</p>
            }
            { for p.topics.iter().map(|t| html! {
                <div class="topic" data-testid={format!("topic-{}", t.name)}>
                    <h3>{ &t.name }
                        <span class="meta">{ format!(" · {} partition(s) · retention.ms {} · cleanup.policy {}",
                            t.partitions.len(),
                            t.config.get("retention.ms").map_or("", String::as_str),
                            t.config.get("cleanup.policy").map_or("", String::as_str)) }</span>
                    </h3>
                    { for t.partitions.iter().map(|d| html! {
                        <LogStrip topic={t.name.clone()} partition={d.clone()}
                            records={p.logs.get(&(t.name.clone(), d.partition)).cloned().unwrap_or_default()} />
                    }) }
                </div>
            }) }
        </section>
    }
}
