use std::collections::BTreeSet;

use franz_core::vec_map::VecMap;

use franz_core::view::TopicDescription;
use yew::prelude::*;

use super::input_text;
use super::log_strip::LogStrip;
use crate::playground::shared::Shared;
use crate::playground::state::{is_internal, PartitionLogView, TopicAction, LOG_STRIPS_PER_TOPIC};

#[derive(Properties, PartialEq)]
pub struct TopicsPanelProps {
    /// The user's topics first, then the internal ones.
    pub topics: Shared<Vec<TopicDescription>>,
    pub logs: Shared<VecMap<(String, u32), PartitionLogView>>,
    /// Each topic's warnings (settings that cannot work, partitions that cannot take acks=all writes).
    pub warnings: Shared<VecMap<String, Vec<String>>>,
    /// Topics whose every partition's log strip is shown (the others show the first few).
    pub all_partitions_shown: BTreeSet<String>,
    pub notice: Html,
    pub on_action: Callback<TopicAction>,
    /// Show every partition of the topic (`true`), or the first few.
    pub on_show_all: Callback<(String, bool)>,
}

/// A count typed in a number field ("12", "1e3"): a whole number above any limit is the largest count (the
/// cluster then refuses it as too many, not as none); 0 when it is not a whole number at all.
fn count(text: &str) -> u32 {
    match franz_core::json::parse_f64(text.trim()) {
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => n as u32,
        Some(n) if n.fract() == 0.0 && n > f64::from(u32::MAX) => u32::MAX,
        _ => 0,
    }
}

fn text_state(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_text(&e)))
}

#[function_component(TopicsPanel)]
pub fn topics_panel(p: &TopicsPanelProps) -> Html {
    let name = use_state(|| String::from("orders"));
    let partitions = use_state(|| String::from("1"));
    let replication = use_state(String::new);
    let config = use_state(String::new);
    let on_submit = {
        let (name, partitions, replication, config, cb) =
            (name.clone(), partitions.clone(), replication.clone(), config.clone(), p.on_action.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // A number field takes "1e3" too; what is not a whole count goes through as 0, so the cluster
            // answers with Kafka's own error.
            // Left empty: the broker's default, num.partitions (1), as kafka-topics.sh --create does.
            let partitions = if partitions.trim().is_empty() { 1 } else { count(&partitions) };
            let rf = replication.trim();
            let replication_factor = (!rf.is_empty()).then(|| count(rf));
            let (name, config) = ((*name).clone(), (*config).clone());
            cb.emit(TopicAction::Create { name, partitions, replication_factor, config });
        })
    };
    let internal: Vec<&TopicDescription> = p.topics.iter().filter(|t| is_internal(&t.name)).collect();
    let card = |t: &TopicDescription| {
        let warnings = p.warnings.get(&t.name).cloned().unwrap_or_default();
        let logs: VecMap<u32, PartitionLogView> =
            p.logs.range((t.name.clone(), 0)..=(t.name.clone(), u32::MAX)).map(|((_, i), l)| (*i, l.clone())).collect();
        let all_shown = p.all_partitions_shown.contains(&t.name);
        let on_show_all = p.on_show_all.reform({
            let name = t.name.clone();
            move |all| (name.clone(), all)
        });
        html! { <TopicCard topic={t.clone()} {logs} {warnings} {all_shown} on_action={p.on_action.clone()} {on_show_all} /> }
    };
    html! {
        <section class="panel topics" data-testid="topics">
            <h2>{ "Topics" }</h2>
            { p.notice.clone() }
            <form class="inline-form topic-form" onsubmit={on_submit}>
                <input data-testid="topic-name" placeholder="topic name" value={(*name).clone()} oninput={text_state(&name)} />
                <input data-testid="topic-partitions" class="narrow" type="number" min="1" value={(*partitions).clone()} oninput={text_state(&partitions)} title="partitions" />
                <input data-testid="topic-replication" class="narrow" type="number" min="1" placeholder="RF" value={(*replication).clone()} oninput={text_state(&replication)} title="replication factor (empty: min(3, brokers))" />
                <input data-testid="topic-config" placeholder="config: retention.ms=60000, cleanup.policy=compact" value={(*config).clone()} oninput={text_state(&config)} />
                <button data-testid="create-topic" type="submit">{ "Create topic" }</button>
            </form>
            if p.topics.iter().all(|t| is_internal(&t.name)) {
                <p class="hint">{ "No topics yet. Create one, then send it a record." }</p>
            }
            { for p.topics.iter().filter(|t| !is_internal(&t.name)).map(card) }
            if !internal.is_empty() {
                <details class="internal-topics" data-testid="internal-topics">
                    <summary>{ format!("Internal topics ({}): {}", internal.len(), internal.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")) }</summary>
                    <p class="hint">{ "Kafka keeps these for itself: __consumer_offsets holds the groups' committed offsets and the groups themselves." }</p>
                    { for internal.iter().map(|t| card(t)) }
                </details>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TopicCardProps {
    topic: TopicDescription,
    /// The log strips drawn, by partition.
    logs: VecMap<u32, PartitionLogView>,
    warnings: Vec<String>,
    all_shown: bool,
    on_action: Callback<TopicAction>,
    on_show_all: Callback<bool>,
}

/// One topic: its settings, its partitions' log strips, and what can be done to it.
#[function_component(TopicCard)]
fn topic_card(p: &TopicCardProps) -> Html {
    let t = &p.topic;
    let key = use_state(|| String::from("retention.ms"));
    let value = use_state(String::new);
    let name = t.name.clone();
    let on_delete = {
        let (cb, name) = (p.on_action.clone(), name.clone());
        Callback::from(move |_| cb.emit(TopicAction::Delete(name.clone())))
    };
    let total = t.partitions.len() as u32 + 1;
    let on_grow = {
        let (cb, name) = (p.on_action.clone(), name.clone());
        Callback::from(move |_| cb.emit(TopicAction::AddPartition { name: name.clone(), total }))
    };
    let on_set = {
        let (cb, name, key, value) = (p.on_action.clone(), name.clone(), key.clone(), value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let v = value.trim();
            cb.emit(TopicAction::SetConfig {
                name: name.clone(),
                key: key.trim().to_string(),
                value: (!v.is_empty()).then(|| v.to_string()),
            });
        })
    };
    let setting = |k: &str| t.config.get(k).map_or("", String::as_str).to_string();
    html! {
        <div class="topic" data-testid={format!("topic-{}", t.name)}>
            <h3>{ &t.name }
                <span class="meta">{ format!(" · {} partition(s) · cleanup.policy {} · retention.ms {} · segment.bytes {}",
                    t.partitions.len(), setting("cleanup.policy"), setting("retention.ms"), setting("segment.bytes")) }</span>
            </h3>
            <div class="topic-actions">
                <button class="small" data-testid={format!("grow-{}", t.name)} onclick={on_grow} title="CreatePartitions: one more partition">{ "+ partition" }</button>
                if !is_internal(&t.name) {
                    <button class="small danger" data-testid={format!("delete-{}", t.name)} onclick={on_delete}>{ "Delete topic" }</button>
                }
                <form class="inline-form config-form" onsubmit={on_set}>
                    <input data-testid={format!("config-key-{}", t.name)} value={(*key).clone()} oninput={text_state(&key)} title="config key" />
                    <input data-testid={format!("config-value-{}", t.name)} placeholder="value (empty: default)" value={(*value).clone()} oninput={text_state(&value)} />
                    <button class="small" data-testid={format!("config-set-{}", t.name)} type="submit">{ "Set" }</button>
                </form>
            </div>
            { for p.warnings.iter().map(|w| html! { <p class="warning" data-testid={format!("warning-{}", t.name)}>{ w }</p> }) }
            { for t.partitions.iter().filter_map(|d| {
                let log = p.logs.get(&d.partition)?.clone();
                Some(html! { <LogStrip topic={t.name.clone()} partition={d.clone()} records={log.records} segments={log.segments} from_offset={log.from_offset} committed={log.committed} violations={log.violations} fenced={log.fenced} /> })
            }) }
            if t.partitions.len() > LOG_STRIPS_PER_TOPIC {
                <p class="meta strips-shown" data-testid={format!("strips-shown-{}", t.name)}>
                    if p.all_shown {
                        { format!("All {} partitions shown. ", t.partitions.len()) }
                        <button class="small" data-testid={format!("show-all-{}", t.name)} onclick={p.on_show_all.reform(|_| false)}>
                            { format!("Show the first {LOG_STRIPS_PER_TOPIC}") }
                        </button>
                    } else {
                        { format!("Partitions 0–{} of {} shown (each strip costs the page time on every frame). ", LOG_STRIPS_PER_TOPIC - 1, t.partitions.len()) }
                        <button class="small" data-testid={format!("show-all-{}", t.name)} onclick={p.on_show_all.reform(|_| true)}>
                            { format!("Show all {}", t.partitions.len()) }
                        </button>
                    }
                </p>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn a_count_too_large_is_the_largest_not_none() {
        assert_eq!(count("12"), 12);
        assert_eq!(count(" 1e3 "), 1_000);
        assert_eq!(count("99999999999"), u32::MAX, "refused as too many, not read as 0");
        for bad in ["-1", "2.5", "abc", ""] {
            assert_eq!(count(bad), 0, "{bad:?}");
        }
    }
}
