use franz_core::types::NodeId;
use franz_core::view::{PartitionDescription, RecordView, SegmentView};
use yew::prelude::*;

use crate::playground::format::{bytes, ms};
use crate::playground::state::ViolationPin;

#[derive(Properties, PartialEq)]
pub struct LogStripProps {
    pub topic: String,
    pub partition: PartitionDescription,
    /// The newest records of the leader's log.
    pub records: Vec<RecordView>,
    pub segments: Vec<SegmentView>,
    /// The offset the strip starts from (records before it are not shown).
    pub from_offset: u64,
    /// Each consumer group's committed offset here (the next record it will read).
    #[prop_or_default]
    pub committed: Vec<(String, u64)>,
    /// The checker's violations at offsets of this partition.
    #[prop_or_default]
    pub violations: Vec<ViolationPin>,
    /// Offline replicas whose broker runs: fenced, not down (adversary 40).
    #[prop_or_default]
    pub fenced: Vec<NodeId>,
}

/// A red pin for the checker's violations at one offset, their sentences as its tooltip and label.
fn pin(v: &ViolationPin) -> Html {
    html! {
        <span class="violation-pin" data-testid="violation-pin" data-offset={v.offset.to_string()} role="img"
              title={v.text.clone()} aria-label={format!("checker: {}", v.text)}>{ "✕" }</span>
    }
}

/// Pins at offsets the strip shows no record for (before its first record, or after its last), as cells.
fn pin_cell(v: &ViolationPin) -> Html {
    html! { <div key={format!("pin-{}", v.offset)} class="pin-cell">{ pin(v) }<span class="offset">{ format!("@{}", v.offset) }</span></div> }
}

/// One partition's log, oldest to newest: segment boundaries, records (dashed above the high
/// watermark), the high watermark and each group's committed offset where they fall, gaps that compaction
/// left, where retention has cut the log's start, and the checker's violations pinned (✕, red) on the offsets
/// they name. The strip is laid out from its newest end (CSS
/// `row-reverse`), so that end stays in view as records arrive; older records scroll to the left.
#[function_component(LogStrip)]
pub fn log_strip(p: &LogStripProps) -> Html {
    let d = &p.partition;
    let leo = d.log_end_offset().unwrap_or(0);
    let mut cells: Vec<Html> = Vec::new();
    if d.log_start_offset > 0 {
        cells.push(html! {
            <div key="log-start" class="log-cut" data-testid="log-start" title="retention deleted everything before the log start offset">
                { format!("deleted < {}", d.log_start_offset) }
            </div>
        });
    }
    // A group whose committed offset is before the first record shown: marked at the strip's oldest end.
    let first = p.records.first().map(|r| r.offset);
    for (group, c) in p.committed.iter().filter(|(_, c)| first.is_some_and(|f| *c < f)) {
        cells.push(html! {
            <div key={format!("behind-{group}")} class="commit-mark behind" data-testid={format!("commit-{group}")}
                 title={format!("group {group} committed offset {c}, before the records shown here")}>{ format!("▼ {group} @{c} ◀") }</div>
        });
    }
    let shown = |o: u64| p.records.iter().any(|r| r.offset == o);
    let first_shown = p.records.first().map_or(u64::MAX, |r| r.offset);
    for v in p.violations.iter().filter(|v| !shown(v.offset) && v.offset < first_shown) {
        cells.push(pin_cell(v));
    }
    // The offset the next record would have if nothing had been compacted away.
    let mut next = d.log_start_offset.max(p.from_offset);
    let hw = d.high_watermark;
    let mut hw_drawn = false;
    let hw_marker = || {
        html! {
            <div key="hw" class="hw-marker" data-testid={format!("hw-{}-{}", p.topic, d.partition)}
                 title="high watermark: consumers read below it; records at or above it are not committed yet">{ format!("HW {hw}") }</div>
        }
    };
    let commit_mark = |group: &str, offset: u64, last: bool| {
        let title = if last {
            format!("group {group} committed offset {offset}: it has read everything here")
        } else {
            format!("group {group} committed offset {offset}: it reads from here next")
        };
        html! { <div key={format!("commit-{group}")} class="commit-mark" data-testid={format!("commit-{group}")} title={title}>{ format!("▼ {group}") }</div> }
    };
    for (i, r) in p.records.iter().enumerate() {
        if i > 0 {
            if let Some(s) = p.segments.iter().find(|s| s.base_offset >= next && s.base_offset <= r.offset) {
                let title = format!("a new segment starts at offset {} ({} bytes)", s.base_offset, s.size_bytes);
                cells.push(
                    html! { <div key={format!("segment-{}", s.base_offset)} class="segment-mark" title={title}></div> },
                );
            }
        }
        if r.offset > next {
            let title = "removed by compaction: a later record has the same key";
            cells.push(
                html! { <div key={format!("gap-{}", r.offset)} class="compacted-gap" title={title}>{ format!("{} compacted", r.offset - next) }</div> },
            );
        }
        next = r.offset + 1;
        if !hw_drawn && r.offset >= hw {
            cells.push(hw_marker());
            hw_drawn = true;
        }
        for (group, _) in p.committed.iter().filter(|(_, c)| *c == r.offset) {
            cells.push(commit_mark(group, r.offset, false));
        }
        let committed = r.offset < hw;
        let violation = p.violations.iter().find(|v| v.offset == r.offset);
        cells.push(html! {
            <div key={r.offset.to_string()} class={classes!("log-record", (!committed).then_some("uncommitted"), r.value.is_none().then_some("tombstone"), violation.map(|_| "violated"))}
                 data-offset={r.offset.to_string()}
                 title={format!("offset {} · timestamp {} · leader epoch {}", r.offset, ms(r.timestamp_ms.max(0) as u64), r.leader_epoch)}>
                <div class="offset">{ r.offset }{ for violation.map(pin) }</div>
                <div class="key">{ bytes(&r.key) }</div>
                <div class="value">{ if r.value.is_none() { "tombstone".to_string() } else { bytes(&r.value) } }</div>
                <div class="ts">{ format!("@{}", ms(r.timestamp_ms.max(0) as u64)) }</div>
            </div>
        });
    }
    if p.records.is_empty() {
        let empty =
            if d.log_start_offset > 0 { "every record was deleted by retention" } else { "empty: produce a record" };
        cells.push(html! { <span key="empty" class="empty">{ empty }</span> });
    }
    if !hw_drawn {
        cells.push(hw_marker());
    }
    for v in p.violations.iter().filter(|v| !shown(v.offset) && v.offset >= first_shown) {
        cells.push(pin_cell(v));
    }
    for (group, _) in p.committed.iter().filter(|(_, c)| *c == next && !p.records.is_empty()) {
        cells.push(commit_mark(group, next, true));
    }
    // Newest first: the strip lays its cells out from the right.
    cells.reverse();
    html! {
        <div class="log-strip" data-testid={format!("log-{}-{}", p.topic, d.partition)}>
            <div class="log-head">
                <span class="partition-name">{ format!("{}-{}", p.topic, d.partition) }</span>
                <span class="meta">{ format!("leader {} · epoch {} · log start {} · HW {} · LEO {} · {} segment(s)",
                    d.leader.map_or("none".into(), |l| l.to_string()), d.leader_epoch, d.log_start_offset, d.high_watermark, leo, p.segments.len()) }</span>
                { for p.committed.iter().map(|(group, c)| html! {
                    <span class="meta commit-head" data-testid={format!("committed-{group}")}
                          title={format!("group {group} committed offset {c}: it reads from there next")}>
                        { format!("▼ {group} committed {c} (lag {})", d.high_watermark.saturating_sub(*c)) }
                    </span>
                }) }
            </div>
            <div class="replicas" data-testid={format!("replicas-{}-{}", p.topic, d.partition)}>
                { for d.replicas.iter().map(|r| {
                    let leo = d.log_end_offsets.get(&r.to_string()).copied();
                    let role = if d.leader == Some(*r) { "leader" } else { "follower" };
                    let in_isr = d.isr.contains(r);
                    let down = d.offline_replicas.contains(r);
                    let fenced = p.fenced.contains(r);
                    let mut title = format!("broker {r}: {role}, {} the ISR", if in_isr { "in" } else { "out of" });
                    if fenced {
                        title.push_str(
                            "; the broker runs but is fenced (cut off from the controller): Kafka counts its replica \
                             offline, and it serves nothing until it is unfenced",
                        );
                    } else if down {
                        title.push_str("; the broker is down: this is its log on disk, read again when it restarts");
                    }
                    if leo.is_none() {
                        title.push_str(
                            "; it holds no log of this partition (yet): it creates the replica when the metadata \
                             names it (a new topic or partition, a reassignment)",
                        );
                    }
                    let leo = leo.map_or_else(|| String::from("no log"), |l| format!("LEO {l}"));
                    let leo = match (fenced, down) {
                        (true, _) => format!("fenced · {leo}"),
                        (false, true) => format!("down · {leo}"),
                        _ => leo,
                    };
                    html! {
                        <span class={classes!("replica", role, (!in_isr).then_some("out-of-isr"), down.then_some("down"))} title={title}
                              data-testid={format!("replica-{}-{}-{r}", p.topic, d.partition)}>
                            { format!("{}{r} {leo}", if role == "leader" { "★" } else { "" }) }
                        </span>
                    }
                }) }
                <span class="meta">{ format!("ISR {:?}", d.isr) }</span>
            </div>
            <div class="records" data-testid={format!("records-{}-{}", p.topic, d.partition)}>
                { for cells }
            </div>
        </div>
    }
}
