//! The history: every client operation's invocation and completion, as the checker needs them.
//!
//! A send is invoked (with its records) and later completes (acknowledged with offsets, or failed with an
//! error name); a send that never completes (its producer crashed) is indeterminate. A poll records what it
//! returned, with the high watermark the broker reported alongside.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

use crate::error::ErrorCode;
use crate::types::{Bytes, NodeId, Offset, TopicPartition};

/// Franz keeps this many history entries; beyond it the oldest go, and the checker says its view is partial.
pub const HISTORY_ENTRIES_MAX: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AckedRecord {
    pub partition: u32,
    /// `None` with `acks=0`.
    pub offset: Option<Offset>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolledRecord {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// The high watermark the broker reported with the fetch that brought this record.
    pub high_watermark: Offset,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Op {
    SendInvoked {
        producer: NodeId,
        request_id: u64,
        topic: String,
        records: Vec<SentRecord>,
    },
    SendAcked {
        producer: NodeId,
        request_id: u64,
        topic: String,
        records: Vec<AckedRecord>,
    },
    SendFailed {
        producer: NodeId,
        request_id: u64,
        topic: String,
        error: ErrorCode,
    },
    Polled {
        consumer: NodeId,
        records: Vec<PolledRecord>,
    },
    /// `assign` or `seek`: the consumer's position moved by the user's hand, so polls may go back.
    PositionReset {
        consumer: NodeId,
        partitions: Vec<TopicPartition>,
    },
    /// A topic was deleted: what was written to it before is gone on purpose.
    TopicDeleted {
        topic: String,
    },
    /// A group generation's assignment as its leader computed it.
    GroupAssignment {
        group: String,
        generation: u32,
        member: String,
        partitions: Vec<TopicPartition>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub time_ms: u64,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    entries: VecDeque<HistoryEntry>,
    dropped: u64,
}

impl History {
    pub fn record(&mut self, time_ms: u64, op: Op) {
        if self.entries.len() == HISTORY_ENTRIES_MAX {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(HistoryEntry { time_ms, op });
    }

    pub fn entries(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    /// How many of the oldest entries were dropped to stay within [`HISTORY_ENTRIES_MAX`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn from_entries(entries: Vec<HistoryEntry>) -> History {
        History { entries: entries.into(), dropped: 0 }
    }
}
