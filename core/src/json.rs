//! Reading the JSON of Franz's internally tagged enums (a scenario's actions, a lesson's expectations, a
//! stream's key) by hand.
//!
//! Serde's derive for `#[serde(tag = "...")]` buffers the object, then generates a whole deserializer per
//! variant (a field visitor for strings and bytes, a map and a sequence visitor) over its buffer: in the
//! playground's wasm that was 250 KB of code (45 KB gzip). Here the object is read once into a map, and each
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
use serde_json::{Map, Value};

pub type Error = serde_json::Error;
pub type Result<T> = core::result::Result<T, Error>;

/// A JSON object read once, its tag taken out; each field is then taken by name.
pub struct Object {
    map: Map<String, Value>,
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
        let name = match object.map.remove(tag) {
            Some(Value::String(name)) => name,
            Some(_) => return Err(D::Error::custom(format_args!("{tag} must be a string"))),
            None => return Err(D::Error::missing_field(tag)),
        };
        Ok((name, object))
    }

    /// A field the variant must have.
    pub fn req<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T> {
        self.taken.push(name);
        match self.map.remove(name) {
            Some(value) => T::deserialize(value),
            None => Err(Error::missing_field(name)),
        }
    }

    /// An `Option` or `#[serde(default)]` field: absent, it is the default.
    pub fn opt<T: DeserializeOwned + Default>(&mut self, name: &'static str) -> Result<T> {
        self.taken.push(name);
        self.map.remove(name).map_or_else(|| Ok(T::default()), T::deserialize)
    }

    /// A field read by a function of its own (`#[serde(deserialize_with)]`).
    pub fn req_with<T>(&mut self, name: &'static str, read: fn(Value) -> Result<T>) -> Result<T> {
        self.taken.push(name);
        self.map.remove(name).map_or_else(|| Err(Error::missing_field(name)), read)
    }

    /// Every field taken: one left over is unknown (`deny_unknown_fields`).
    pub fn end<T>(self, value: T) -> Result<T> {
        let Some(unknown) = self.map.keys().next() else {
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

/// `text.parse::<f64>().ok()`, read by serde_json's exact float parser (the one every JSON number goes
/// through): `core`'s parser is a second copy of that work, with a 10 KB table of powers of five in the
/// wasm. Rust's grammar, not JSON's: a sign, `inf`, `infinity` and `nan` in any case, `5.`, `.5`, leading
/// zeros, `e` or `E`; a number too large is infinite, one too small zero. Both round correctly, so the
/// values are the same bits (tested against `parse`).
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
    Some(serde_json::from_str::<f64>(&json).unwrap_or(signed(f64::INFINITY)))
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
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if map.contains_key(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            map.insert(key, value);
        }
        Ok(Object { map, taken: Vec::new() })
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
            same(text);
        }
    }

    proptest! {
        #[test]
        fn parse_f64_is_parse_on_decimals(text in "[+-]?[0-9]{0,20}(\\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?") {
            same(&text);
        }

        #[test]
        fn parse_f64_is_parse_near_halfway(digits in "[1-9][0-9]{15,40}", exponent in -340i32..310) {
            same(&alloc::format!("{digits}e{exponent}"));
            same(&alloc::format!("0.{digits}e{exponent}"));
        }

        #[test]
        fn parse_f64_is_parse_on_every_double(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            same(&alloc::format!("{x:e}"));
            same(&alloc::format!("{x:.30e}"));
            same(&alloc::format!("{x}"));
        }

        #[test]
        fn parse_f64_is_parse_on_anything(text in "[-+0-9.eEinfaINFA]{0,12}") {
            same(&text);
        }
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
