use franz_core::types::NodeId;
use yew::prelude::*;

use super::input_text;
use crate::playground::shared::Shared;
use crate::playground::state::{GroupCard, MemberAction, MemberUi};

/// Rows of a group's lag table: a group on hundreds of partitions would fill the page (and cost every
/// frame); the rest is summed in one row, and the total in another.
const LAG_ROWS_MAX: usize = 12;

#[derive(Properties, PartialEq)]
pub struct GroupsPanelProps {
    /// Each group with its committed offsets and its members' countdowns.
    pub groups: Shared<Vec<GroupCard>>,
    pub notice: Html,
    pub members: Shared<Vec<MemberUi>>,
    pub topics: Shared<Vec<String>>,
    /// (group id, topic): start one more member subscribed to the topic.
    pub on_add: Callback<(String, String)>,
    pub on_member: Callback<(NodeId, MemberAction)>,
}

/// Consumer groups: add members, watch the assignment move as they join, stop, slow down or crash, and the
/// committed offsets with each partition's lag.
#[function_component(GroupsPanel)]
pub fn groups_panel(p: &GroupsPanelProps) -> Html {
    let group = use_state(|| String::from("playground-group"));
    let topic = use_state(String::new);
    let chosen =
        if p.topics.contains(&topic) { (*topic).clone() } else { p.topics.first().cloned().unwrap_or_default() };
    let on_add = {
        let (group, chosen, cb) = (group.clone(), chosen.clone(), p.on_add.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(((*group).clone(), chosen.clone()));
        })
    };
    let on_group = {
        let group = group.clone();
        Callback::from(move |e: InputEvent| group.set(input_text(&e)))
    };
    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| topic.set(super::input_value(&e)))
    };
    let button = |id: NodeId, action: MemberAction, label: &str, title: &str| {
        let cb = p.on_member.clone();
        let testid = format!("member-{id}-{}", label.to_ascii_lowercase());
        html! { <button class="small" data-testid={testid} title={title.to_string()} onclick={Callback::from(move |_| cb.emit((id, action)))}>{ label }</button> }
    };
    html! {
        <section class="panel groups" data-testid="groups">
            <h2>{ "Consumer groups" }</h2>
            { p.notice.clone() }
            <form class="inline-form" onsubmit={on_add}>
                <input data-testid="group-id" value={(*group).clone()} oninput={on_group} title="group.id" />
                <select data-testid="group-topic" onchange={on_topic} disabled={p.topics.is_empty()}>
                    { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == chosen}>{ t }</option> }) }
                </select>
                <button class="small" data-testid="add-member" type="submit" disabled={p.topics.is_empty()}>{ "+ member" }</button>
            </form>
            { for p.groups.iter().map(|g| { let (d, offsets) = (&g.description, &g.offsets); html! {
                <div class="group" data-testid={format!("group-{}", d.group_id)}>
                    <div class="group-head">
                        <b>{ &d.group_id }</b>
                        <span class="meta" data-testid={format!("group-{}-state", d.group_id)}>{ match g.coordinator_down {
                            // Nobody knows its generation or assignor now: not 0 and none.
                            true => format!(" · {} · coordinator broker {} (down)", d.state, d.coordinator.unwrap_or_default()),
                            false => format!(" · {} · generation {} · {} · coordinator {}",
                                d.state, d.generation, d.protocol.as_deref().unwrap_or("no assignor yet"),
                                d.coordinator.map_or("none".to_string(), |c| format!("broker {c}"))),
                        } }</span>
                    </div>
                    if g.coordinator_down {
                        <p class="hint warning" data-testid={format!("group-{}-coordinator-down", d.group_id)}>{ format!(
                            "Its coordinator, broker {}, is down: no one knows the group's members now (Kafka's describe fails with COORDINATOR_NOT_AVAILABLE). Once the controller fences it, another replica of its __consumer_offsets partition leads, loads the committed offsets shown here, and the members join it again.",
                            d.coordinator.unwrap_or_default()) }</p>
                    }
                    <ul class="members">
                        { for d.members.iter().map(|m| {
                            let ui = p.members.iter().find(|u| u.name == m.client_id);
                            let parts: Vec<String> = m.assignment.iter().map(|tp| tp.to_string()).collect();
                            html! {
                                <li data-testid={format!("member-{}", m.client_id)}>
                                    { format!("{}{} owns [{}]", m.client_id, if d.leader.as_deref() == Some(m.member_id.as_str()) { " (leader)" } else { "" }, parts.join(", ")) }
                                    if let Some(u) = ui {
                                        <span class="meta">{ format!(" · read {}{}", u.consumed, if u.slow { " · not polling" } else { "" }) }</span>
                                    }
                                    if let Some(c) = g.sessions.get(&m.member_id) {
                                        <div class="countdown" data-testid={format!("session-{}", m.client_id)}
                                             title="the coordinator removes a member it has not heard a heartbeat from for session.timeout.ms">{ c.text() }</div>
                                    }
                                    if let Some(c) = g.leaving.get(&m.client_id) {
                                        <div class="countdown" data-testid={format!("leaving-{}", m.client_id)}>{ c.text() }</div>
                                    }
                                </li>
                            }
                        }) }
                    </ul>
                    <table class="lag">
                        <tr><th>{ "partition" }</th><th>{ "committed" }</th><th>{ "HW" }</th><th>{ "lag" }</th></tr>
                        { for offsets.iter().take(LAG_ROWS_MAX).map(|o| html! {
                            <tr data-testid={format!("lag-{}-{}-{}", d.group_id, o.topic, o.partition)}>
                                <td>{ format!("{}-{}", o.topic, o.partition) }</td><td>{ o.committed }</td><td>{ o.high_watermark }</td><td>{ o.lag }</td>
                            </tr>
                        }) }
                        if offsets.len() > LAG_ROWS_MAX {
                            <tr class="lag-rest" data-testid={format!("lag-{}-rest", d.group_id)}>
                                <td colspan="3">{ format!("{} more partitions", offsets.len() - LAG_ROWS_MAX) }</td>
                                <td>{ offsets.iter().skip(LAG_ROWS_MAX).map(|o| o.lag).sum::<i64>() }</td>
                            </tr>
                        }
                        if offsets.len() > 1 {
                            <tr class="lag-total" data-testid={format!("lag-{}-total", d.group_id)}>
                                <td colspan="3">{ "total lag" }</td><td>{ offsets.iter().map(|o| o.lag).sum::<i64>() }</td>
                            </tr>
                        }
                    </table>
                    if d.members.is_empty() {
                        <p class="hint" data-testid={format!("group-{}-empty", d.group_id)}>{ "No member now: the group keeps its committed offsets, and its lag grows as records arrive. A new member starts from them." }</p>
                    }
                </div>
            }}) }
            if !p.members.is_empty() {
                <h3>{ "Members" }</h3>
                <ul class="client-list">
                    { for p.members.iter().map(|m| html! {
                        <li>
                            { format!("{} ({}) ", m.name, m.group) }
                            { button(m.id, MemberAction::ToggleSlow, if m.slow { "Resume" } else { "Slow" }, "stop polling: after max.poll.interval.ms (10 s here) it leaves the group") }
                            { button(m.id, MemberAction::Close, "Stop", "close(): commit and leave the group at once") }
                            { button(m.id, MemberAction::Crash, "Crash", "dies silently: the group notices after session.timeout.ms") }
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
