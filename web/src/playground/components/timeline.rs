use franz_core::trace::TraceKind;
use franz_core::types::NodeId;
use yew::prelude::*;

use super::input_value;
use crate::playground::shared::Shared;
use crate::playground::state::{EventFilter, EventKind, EventLine};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// Newest first, filtered, routine runs folded.
    pub events: Shared<Vec<EventLine>>,
    pub filter: EventFilter,
    /// Every node, with its name, for the node filter.
    pub nodes: Shared<Vec<(NodeId, String)>>,
    pub on_filter: Callback<EventFilter>,
}

/// The event log: filter by kind and node; the routine lines (appends, high watermarks) fold into one line
/// per run unless shown.
#[function_component(Timeline)]
pub fn timeline(p: &TimelineProps) -> Html {
    let on_kind = {
        let (cb, f) = (p.on_filter.clone(), p.filter.clone());
        Callback::from(move |e: Event| cb.emit(EventFilter { kind: EventKind::parse(&input_value(&e)), ..f.clone() }))
    };
    let on_node = {
        let (cb, f) = (p.on_filter.clone(), p.filter.clone());
        Callback::from(move |e: Event| cb.emit(EventFilter { node: input_value(&e).parse().ok(), ..f.clone() }))
    };
    let on_routine = {
        let (cb, f) = (p.on_filter.clone(), p.filter.clone());
        Callback::from(move |_: Event| cb.emit(EventFilter { routine: !f.routine, ..f.clone() }))
    };
    let kind = p.filter.kind.map_or("", EventKind::name);
    html! {
        <section class="panel timeline" data-testid="timeline">
            <div class="events-head">
                <h2>{ "Events" }</h2>
                <select data-testid="events-kind" onchange={on_kind} title="only lines of one kind">
                    <option value="" selected={kind.is_empty()}>{ "every kind" }</option>
                    { for EventKind::ALL.iter().map(|k| html! { <option value={k.name()} selected={kind == k.name()}>{ k.label() }</option> }) }
                </select>
                <select data-testid="events-node" onchange={on_node} title="only lines by a node, or about it">
                    <option value="" selected={p.filter.node.is_none()}>{ "every node" }</option>
                    { for p.nodes.iter().map(|(id, name)| html! { <option value={id.to_string()} selected={p.filter.node == Some(*id)}>{ name }</option> }) }
                </select>
                <label class="meta"><input type="checkbox" data-testid="events-routine" checked={p.filter.routine} onchange={on_routine} />{ " show routine lines" }</label>
            </div>
            <ol class="events">
                { for p.events.iter().map(|line| match line {
                    EventLine::Event(e) => {
                        // An unclean election is where acknowledged records are lost: mark it.
                        let unclean = matches!(e.kind, TraceKind::PartitionChanged { unclean: true, .. });
                        html! { <li class={classes!("event", e.kind.kind_name(), unclean.then_some("unclean"))} key={e.seq}>{ e.text() }</li> }
                    }
                    EventLine::Older => html! { <li class="event older" data-testid="older-events">{ line.text() }</li> },
                    EventLine::Collapsed { .. } => html! {
                        <li class="event routine-run" data-testid="routine-run" title="routine lines, folded: tick \"show routine lines\" to see them">{ line.text() }</li>
                    },
                }) }
            </ol>
        </section>
    }
}
