//! Small formatting helpers for the views.

use franz_core::trace::group_thousands;
use franz_core::types::Bytes;

/// Bytes as a person reads them: UTF-8 text, else hex; `null` for none.
pub fn bytes(b: &Option<Bytes>) -> String {
    match b {
        None => "null".into(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => b.iter().map(|x| format!("{x:02x}")).collect(),
        },
    }
}

/// Virtual milliseconds: "12,340 ms".
pub fn ms(t: u64) -> String {
    format!("{} ms", group_thousands(t))
}
