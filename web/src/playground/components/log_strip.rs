use franz_core::view::{PartitionDescription, RecordView};
use yew::prelude::*;

use crate::playground::format::{bytes, ms};

#[derive(Properties, PartialEq)]
pub struct LogStripProps {
    pub topic: String,
    pub partition: PartitionDescription,
    /// The newest records of the leader's log.
    pub records: Vec<RecordView>,
}

/// One partition's log, oldest to newest, with the high watermark drawn where it stands.
#[function_component(LogStrip)]
pub fn log_strip(p: &LogStripProps) -> Html {
    let d = &p.partition;
    let leo = d.leader.and_then(|l| d.log_end_offsets.get(&l.to_string()).copied()).unwrap_or(0);
    html! {
        <div class="log-strip" data-testid={format!("log-{}-{}", p.topic, d.partition)}>
            <div class="log-head">
                <span class="partition-name">{ format!("{}-{}", p.topic, d.partition) }</span>
                <span class="meta">{ format!("leader {} · epoch {} · log start {} · HW {} · LEO {}",
                    d.leader.map_or("none".into(), |l| l.to_string()), d.leader_epoch, d.log_start_offset, d.high_watermark, leo) }</span>
            </div>
            <div class="records">
                if p.records.is_empty() {
                    <span class="empty">{ "empty: produce a record" }</span>
                }
                { for p.records.iter().map(|r| {
                    let committed = r.offset < d.high_watermark;
                    html! {
                        <div class={classes!("log-record", (!committed).then_some("uncommitted"))}
                             data-offset={r.offset.to_string()}
                             title={format!("offset {} · timestamp {} · leader epoch {}", r.offset, ms(r.timestamp_ms.max(0) as u64), r.leader_epoch)}>
                            <div class="offset">{ r.offset }</div>
                            <div class="key">{ bytes(&r.key) }</div>
                            <div class="value">{ bytes(&r.value) }</div>
                            <div class="ts">{ format!("@{}", ms(r.timestamp_ms.max(0) as u64)) }</div>
                        </div>
                    }
                }) }
                <div class="hw-marker" title="high watermark: consumers read below it">{ format!("HW {}", d.high_watermark) }</div>
            </div>
        </div>
    }
}
