//! What the user types, read strictly: a time to go back to, a seed, the network's numbers, topic configs,
//! a partition to poll. Each either gives the value or says, in a sentence, what is wrong with the text
//! (never a silent default: "abc" is not 1, and "-5" is not 18446744073709551615).

use franz_core::config::ConfigMap;

use franz_core::trace::group_thousands;

/// A whole number a person typed: digits, with `,` or `_` or spaces between thousands allowed.
fn whole(text: &str) -> Option<u64> {
    let digits: String = text.trim().chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The virtual time to go back to: whole milliseconds before `now_ms`.
pub fn time_to_go_back_to(text: &str, now_ms: u64) -> Result<u64, String> {
    let now = group_thousands(now_ms);
    if text.trim().is_empty() {
        return Err(format!("Type the virtual time to go back to, in ms (the run is at t = {now} ms)."));
    }
    let t = whole(text).ok_or_else(|| {
        format!("{:?} is not a time: type whole milliseconds from 0 to {now}, such as 1500.", text.trim())
    })?;
    Ok(t)
}

/// A seed: a whole number from 0 to 2^64 − 1.
pub fn seed(text: &str) -> Result<u64, String> {
    whole(text).ok_or_else(|| format!("A seed is a whole number from 0 to {}; {:?} is not one.", u64::MAX, text.trim()))
}

/// One of the network's millisecond fields.
pub fn milliseconds(field: &str, text: &str) -> Result<u64, String> {
    whole(text)
        .ok_or_else(|| format!("{field} is a whole number of milliseconds, such as 2; {:?} is not one.", text.trim()))
}

/// The drop rate: a number (the cluster then checks it is a probability, from 0 to 1).
pub fn drop_rate(text: &str) -> Result<f64, String> {
    franz_core::json::parse_f64(text.trim())
        .ok_or_else(|| format!("The drop rate is a number from 0 to 1, such as 0.1; {:?} is not one.", text.trim()))
}

/// A stream's rate: whole records per second of virtual time, 1 to `max`.
pub fn records_per_sec(text: &str, max: u32) -> Result<u32, String> {
    match whole(text).map(u32::try_from) {
        Some(Ok(rate)) if (1..=max).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "A stream sends 1 to {max} records per second of virtual time (whole records); {:?} is not that.",
            text.trim()
        )),
    }
}

/// `"retention.ms=60000, cleanup.policy=compact"` → a config map; a piece without `=` or without a key is an
/// error (the cluster then checks keys and values with Kafka's rules). A list value is written as
/// `kafka-configs.sh --add-config` takes it, `cleanup.policy=[compact,delete]`, or plainly,
/// `cleanup.policy=compact,delete`: a piece without `=` after a list-valued key goes on its list.
pub fn topic_config(text: &str) -> Result<ConfigMap, String> {
    let mut config = ConfigMap::new();
    let mut last_list: Option<String> = None;
    for piece in split_outside_brackets(text).into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = piece.split_once('=') else {
            if let Some(value) = last_list.as_ref().and_then(|k| config.get_mut(k)) {
                value.push(',');
                value.push_str(piece);
                continue;
            }
            return Err(format!(
                "Topic config {piece:?} is not key=value: write it as retention.ms=60000, pairs separated by commas."
            ));
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err(format!("Topic config {piece:?} has no key before its '='."));
        }
        let v = v.strip_prefix('[').and_then(|v| v.strip_suffix(']')).unwrap_or(v);
        last_list = (k == "cleanup.policy").then(|| k.to_string());
        config.insert(k.to_string(), v.split(',').map(str::trim).collect::<Vec<_>>().join(","));
    }
    Ok(config)
}

/// `text` cut at commas, semicolons and line ends, but not within `[...]`.
fn split_outside_brackets(text: &str) -> Vec<&str> {
    let (mut pieces, mut start, mut depth) = (Vec::new(), 0, 0u32);
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' | ';' | '\n' if depth == 0 => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// A partition number of a topic with `partitions` partitions.
pub fn partition(text: &str, topic: &str, partitions: u32) -> Result<u32, String> {
    let range = match partitions {
        0 => return Err(format!("{topic} has no partitions.")),
        1 => String::from("its only partition is 0"),
        n => format!("its partitions are 0 to {}", n - 1),
    };
    let p = whole(text).ok_or_else(|| format!("Type a partition number: {topic} has {partitions}, {range}."))?;
    match u32::try_from(p) {
        Ok(p) if p < partitions => Ok(p),
        _ => Err(format!("{topic} has no partition {p}: {range}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_seeds_are_whole_numbers_or_a_sentence_why_not() {
        assert_eq!(time_to_go_back_to("1500", 9_000), Ok(1_500));
        assert_eq!(time_to_go_back_to(" 12,340 ", 99_000), Ok(12_340), "as the page prints times");
        let empty = time_to_go_back_to("", 12_000).unwrap_err();
        assert_eq!(empty, "Type the virtual time to go back to, in ms (the run is at t = 12,000 ms).");
        for bad in ["abc", "-5", "1.5", "1e3"] {
            let e = time_to_go_back_to(bad, 12_000).unwrap_err();
            assert!(e.starts_with(&format!("{bad:?} is not a time")), "{e}");
        }
        assert_eq!(seed("42"), Ok(42));
        assert_eq!(
            seed("abc").unwrap_err(),
            "A seed is a whole number from 0 to 18446744073709551615; \"abc\" is not one."
        );
        assert!(seed("").is_err() && seed("-1").is_err() && seed("99999999999999999999").is_err());
    }

    #[test]
    fn network_numbers_name_their_field() {
        assert_eq!(milliseconds("latency", "20"), Ok(20));
        assert_eq!(
            milliseconds("latency", "abc").unwrap_err(),
            "latency is a whole number of milliseconds, such as 2; \"abc\" is not one."
        );
        assert!(milliseconds("jitter", "-5").unwrap_err().starts_with("jitter is a whole number"));
        assert_eq!(drop_rate("0.25"), Ok(0.25));
        assert_eq!(drop_rate("7"), Ok(7.0), "a number: the cluster says it is no probability");
        assert!(drop_rate("lots").unwrap_err().ends_with("\"lots\" is not one."));
    }

    #[test]
    fn a_stream_rate_is_whole_records_per_second() {
        assert_eq!(records_per_sec("1000", 10_000), Ok(1_000));
        for bad in ["0", "0.5", "20000", "fast", ""] {
            assert!(records_per_sec(bad, 10_000).unwrap_err().starts_with("A stream sends 1 to 10000"), "{bad}");
        }
    }

    #[test]
    fn topic_configs_are_key_value_pairs_or_an_error() {
        let c = topic_config(" retention.ms=60000, cleanup.policy = compact,").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c["cleanup.policy"], "compact");
        assert!(topic_config("").unwrap().is_empty());
        let e = topic_config("retention.ms=1, foo").unwrap_err();
        assert!(e.starts_with("Topic config \"foo\" is not key=value"), "{e}");
        assert!(topic_config("=5").unwrap_err().contains("has no key"));
        // Found by an adversary: a list value, plainly or as kafka-configs.sh writes it.
        for text in ["cleanup.policy=compact,delete, retention.ms=5", "cleanup.policy=[compact, delete];retention.ms=5"]
        {
            let c = topic_config(text).unwrap();
            assert_eq!((c["cleanup.policy"].as_str(), c["retention.ms"].as_str()), ("compact,delete", "5"), "{text}");
        }
    }

    #[test]
    fn a_partition_is_in_its_topics_range() {
        assert_eq!(partition("0", "orders", 1), Ok(0));
        assert_eq!(partition("99", "orders", 1).unwrap_err(), "orders has no partition 99: its only partition is 0.");
        assert_eq!(partition("3", "jobs", 3).unwrap_err(), "jobs has no partition 3: its partitions are 0 to 2.");
        assert!(partition("x", "jobs", 3).unwrap_err().starts_with("Type a partition number"));
    }
}
