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

/// `"retention.ms=60000, cleanup.policy=compact"` → a config map. Pieces without `=` are ignored; the
/// cluster validates keys and values.
pub fn parse_config(text: &str) -> std::collections::BTreeMap<String, String> {
    text.split([',', ';', '\n'])
        .filter_map(|piece| piece.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_text_reads_as_kafka_pairs() {
        let c = super::parse_config(" retention.ms=60000, cleanup.policy = compact,oops");
        assert_eq!(c.len(), 2);
        assert_eq!(c["cleanup.policy"], "compact");
    }
}
