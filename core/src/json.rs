//! Reading the JSON of Franz's internally tagged enums (a scenario's actions, a lesson's expectations, a
//! stream's key) by hand.
//!
//! Serde's derive for `#[serde(tag = "...")]` buffers the object, then generates a whole deserializer per
//! variant (a field visitor for strings and bytes, a map and a sequence visitor) over its buffer: in the
//! playground's wasm that was 250 KB of code (45 KB gzip). Here the object is read once into a list, and each
//! variant takes its fields by name with [`Object::req`] and [`Object::opt`]. The format is the derive's:
//! the tag anywhere in the object, fields named as the derive named them, a missing `Option` or
//! `#[serde(default)]` field its default, unknown or repeated fields refused, and the extra fields of a unit
//! variant ignored. Two forms the derive also took and `to_json` never wrote are not read: an action as an
//! array (`["runFor", 5]`) and a variant by its index (`{"type": 0}`). Within a field's value (a topic
//! config, a record), a repeated key is the last one, as serde_json reads any map.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::de::{DeserializeOwned, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::Value;

pub type Error = serde_json::Error;
pub type Result<T> = core::result::Result<T, Error>;

/// Reads JSON text through a [`Value`]: one copy of serde_json's text parser in the wasm whatever `T` is (each
/// `serde_json::from_str::<T>` compiles its own, 2 to 5 KB a type). For cold paths (it builds the tree first)
/// and text without repeated keys (the tree keeps the last): `JSON.stringify`'s, or Franz's own. A scenario
/// or a lesson, written by hand, is read by `serde_json::from_str`, which refuses a repeated field.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str::<Value>(text).and_then(serde_json::from_value)
}

/// A JSON object read once, its tag taken out; each field is then taken by name.
pub struct Object {
    /// In the text's order (a list: nothing here needs a map's removal code in the wasm).
    fields: Vec<(String, Value)>,
    /// The fields taken so far, for the message about an unknown one.
    taken: Vec<&'static str>,
}

impl Object {
    /// Reads an object whose variant is named by the string field `tag`; the other fields stay to be taken.
    pub fn read_tagged<'de, D: Deserializer<'de>>(
        deserializer: D,
        tag: &'static str,
    ) -> core::result::Result<(String, Object), D::Error> {
        let mut object = deserializer.deserialize_map(ObjectVisitor)?;
        let name = match object.take(tag) {
            Some(Value::String(name)) => name,
            Some(_) => return Err(D::Error::custom(format_args!("{tag} must be a string"))),
            None => return Err(D::Error::missing_field(tag)),
        };
        Ok((name, object))
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.fields.iter().position(|(k, _)| k == name)?;
        Some(self.fields.remove(i).1)
    }

    /// Reads an object whose fields are then taken by name (a struct read by hand).
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Object, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }

    /// A field of a struct with `#[serde(default)]`: absent, it is the struct's default's.
    pub fn opt_or<T: DeserializeOwned>(&mut self, name: &'static str, default: T) -> Result<T> {
        self.taken.push(name);
        self.take(name).map_or(Ok(default), T::deserialize)
    }

    /// A field the variant must have.
    pub fn req<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T> {
        self.taken.push(name);
        match self.take(name) {
            Some(value) => T::deserialize(value),
            None => Err(Error::missing_field(name)),
        }
    }

    /// An `Option` or `#[serde(default)]` field: absent, it is the default.
    pub fn opt<T: DeserializeOwned + Default>(&mut self, name: &'static str) -> Result<T> {
        self.taken.push(name);
        self.take(name).map_or_else(|| Ok(T::default()), T::deserialize)
    }

    /// A field read by a function of its own (`#[serde(deserialize_with)]`).
    pub fn req_with<T>(&mut self, name: &'static str, read: fn(Value) -> Result<T>) -> Result<T> {
        self.taken.push(name);
        self.take(name).map_or_else(|| Err(Error::missing_field(name)), read)
    }

    /// Every field taken: one left over is unknown (`deny_unknown_fields`).
    pub fn end<T>(self, value: T) -> Result<T> {
        let Some((unknown, _)) = self.fields.first() else {
            return Ok(value);
        };
        // Serde's wording (`OneOf`).
        let expected = match self.taken.as_slice() {
            [] => String::from("there are no fields"),
            [one] => format!("expected `{one}`"),
            [one, two] => format!("expected `{one}` or `{two}`"),
            names => format!("expected one of `{}`", names.join("`, `")),
        };
        Err(Error::custom(format_args!("unknown field `{unknown}`, {expected}")))
    }
}

/// `text.parse::<f64>().ok()`, read by serde_json's float parser (the one every JSON number goes through):
/// `core`'s parser is a second copy of that work, with a 10 KB table of powers of five in the wasm. Rust's
/// grammar, not JSON's: a sign, `inf`, `infinity` and `nan` in any case, `5.`, `.5`, leading zeros, `e` or
/// `E`; a number too large is infinite, one too small zero. The same bits for up to 15 significant digits
/// whose whole number is scaled by at most 10^22 (what people write: `0.5`, `1e-3`, `0.000125`); beyond,
/// serde_json's reader (without its `float_roundtrip`, ~10 KB gzip of wasm) may be a few units in the last
/// place off (tested against `parse`).
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let signed = |x: f64| if negative { -x } else { x };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(signed(f64::INFINITY));
    }
    if body.eq_ignore_ascii_case("nan") {
        return Some(signed(f64::NAN));
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    let mut json = String::with_capacity(text.len() + 2);
    if negative {
        json.push('-');
    }
    let int = int.trim_start_matches('0');
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(exponent) = exponent {
        let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exponent_digits.is_empty() || !digits(exponent_digits) {
            return None;
        }
        json.push('e');
        json.push_str(exponent);
    }
    // Valid JSON now: serde_json's only refusal is a number out of range, which `parse` makes infinite.
    Some(from_str::<f64>(&json).unwrap_or(signed(f64::INFINITY)))
}

/// Compact JSON (serde_json's `to_string`) indented as `to_string_pretty` writes it: two spaces a level,
/// `": "` after a key, `[]` and `{}` when empty.
pub fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// The error for a tag no variant has.
pub fn unknown_variant(name: &str, variants: &'static [&'static str]) -> Error {
    Error::unknown_variant(name, variants)
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> core::result::Result<Object, A::Error> {
        let mut fields: Vec<(String, Value)> = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            fields.push((key, value));
        }
        Ok(Object { fields, taken: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    fn same(text: &str) {
        let ours = super::parse_f64(text).map(f64::to_bits);
        let std = text.parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(ours, std, "{text:?}");
    }

    /// As `parse` reads it, to a few units in the last place (serde_json's reader beyond 15 digits).
    fn close(text: &str) {
        match (super::parse_f64(text), text.parse::<f64>().ok()) {
            (Some(ours), Some(std)) if ours.is_nan() || std.is_nan() => {
                assert!(ours.is_nan() && std.is_nan(), "{text:?}")
            }
            (Some(ours), Some(std)) => {
                let near = ours == std || (ours - std).abs() <= 1e-14 * std.abs() || (ours - std).abs() <= 1e-306;
                assert!(near, "{text:?}: {ours:e} against {std:e}");
            }
            (ours, std) => assert_eq!(ours.is_some(), std.is_some(), "{text:?}"),
        }
    }

    #[test]
    fn parse_f64_is_parse() {
        for text in [
            "0",
            "-0",
            "+0",
            "1",
            "0.1",
            ".5",
            "5.",
            "-.5",
            "+5.",
            "007.50",
            "1e5",
            "1E5",
            "1e+5",
            "1e-5",
            "1e05",
            "2.5e-3",
            "1e308",
            "1.8e308",
            "1e309",
            "-1e309",
            "1e-400",
            "4.9e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "0.30000000000000004",
            "9007199254740993",
            "123456789012345678901234567890",
            "0e99999999999999999999",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "inf",
            "-inf",
            "+inf",
            "Infinity",
            "INF",
            "nan",
            "NaN",
            "-nan",
            "",
            ".",
            "-",
            "+",
            "e5",
            ".e5",
            "1e",
            "1e+",
            "1e-",
            "1.2.3",
            "1e5e5",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "++1",
            "+-1",
            "--1",
            "1,5",
            "∞",
            "infinit",
            "nana",
            "1.e5",
        ] {
            close(text);
        }
    }

    proptest! {
        #[test]
        fn parse_f64_is_parse_on_short_decimals(digits in "[0-9]{1,15}", point in 0usize..16, exponent in -22i32..=22) {
            let point = point.min(digits.len());
            let text = alloc::format!("{}.{}e{exponent}", &digits[..point], &digits[point..]);
            // Exact: its digits as a whole number (below 2^53), scaled by at most 10^22 either way.
            let scale = exponent - (digits.len() - point) as i32;
            if scale.abs() <= 22 {
                same(&text);
            }
        }

        #[test]
        fn parse_f64_is_close_on_decimals(text in "[+-]?[0-9]{0,20}(\\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?") {
            close(&text);
        }

        #[test]
        fn parse_f64_is_close_near_halfway(digits in "[1-9][0-9]{15,40}", exponent in -300i32..300) {
            close(&alloc::format!("{digits}e{exponent}"));
            close(&alloc::format!("0.{digits}e{exponent}"));
        }

        #[test]
        fn parse_f64_is_close_on_every_double(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            close(&alloc::format!("{x:e}"));
            close(&alloc::format!("{x:.30e}"));
            close(&alloc::format!("{x}"));
        }

        #[test]
        fn parse_f64_is_parse_on_anything(text in "[-+0-9.eEinfaINFA]{0,12}") {
            close(&text);
        }
    }
    /// Every field of a struct read by hand, against what its derived `Serialize` writes: each field given
    /// reads back; each left out is the default's.
    fn reads_every_field<T>(given: T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + Default + PartialEq + core::fmt::Debug,
    {
        let json = serde_json::to_value(&given).unwrap();
        assert_eq!(serde_json::from_value::<T>(json.clone()).unwrap(), given);
        let default = serde_json::to_value(T::default()).unwrap();
        for (key, value) in json.as_object().unwrap() {
            assert_ne!(default[key], *value, "{key}: give it a value other than the default's");
            let mut without = json.as_object().unwrap().clone();
            without.remove(key);
            let read = serde_json::to_value(serde_json::from_value::<T>(without.into()).unwrap()).unwrap();
            assert_eq!(read[key], default[key], "{key} left out");
        }
        let mut unknown = json.as_object().unwrap().clone();
        unknown.insert("lingerMS".into(), 1.into());
        let e = serde_json::from_value::<T>(unknown.into()).unwrap_err().to_string();
        assert!(e.starts_with("unknown field `lingerMS`, expected one of `clientId`"), "{e}");
        assert!(serde_json::from_value::<T>(serde_json::json!({"clientId": null})).unwrap() == T::default());
        assert!(serde_json::from_value::<T>(serde_json::json!([])).is_err());
    }

    #[test]
    fn client_configs_read_every_field() {
        use crate::client::{AutoOffsetReset, ConsumerConfig, ProducerConfig};
        use crate::protocol::message::{Acks, IsolationLevel};
        reads_every_field(ProducerConfig {
            client_id: Some("p".into()),
            acks: Acks::Leader,
            batch_size_bytes: 1,
            delivery_timeout_ms: 2,
            request_timeout_ms: 3,
            enable_idempotence: Some(false),
            metadata_max_age_ms: 4,
            max_block_ms: 5,
            linger_ms: 6,
            max_in_flight_requests_per_connection: 7,
            max_request_size_bytes: 8,
            retries: 9,
        });
        reads_every_field(ConsumerConfig {
            client_id: Some("c".into()),
            group_id: Some("g".into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            max_poll_records: 1,
            fetch_max_wait_ms: 2,
            max_partition_fetch_bytes: 3,
            request_timeout_ms: 4,
            enable_auto_commit: false,
            auto_commit_interval_ms: 5,
            assignor: "sticky".into(),
            session_timeout_ms: 6,
            heartbeat_interval_ms: 7,
            max_poll_interval_ms: 8,
            group_instance_id: Some("i".into()),
            isolation_level: IsolationLevel::ReadCommitted,
            metadata_max_age_ms: 9,
        });
    }

    #[test]
    fn pretty_is_serde_json_s_pretty() {
        let value = serde_json::json!({
            "a": [1, {"b": "x,y:{z}[\\\"", "c": []}, {}],
            "d": {"e": null, "f": -1.5e-7, "g": true},
            "h": "ünïcödé \u{1F600}",
        });
        let compact = serde_json::to_string(&value).unwrap();
        assert_eq!(super::pretty(&compact), serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(super::pretty("[]"), "[]");
    }
}
