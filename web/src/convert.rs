//! Values crossing between JS and the core: options, records, errors.

use franz_core::types::Bytes;

use franz_core::error::{ErrorCode, FranzError};
use franz_core::types::{Header, ProducerRecord};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// JS builtins that run the caller's code (getters, proxy traps) or throw on odd values (a revoked proxy),
// imported with `catch`. A JS exception thrown through wasm frames skips their epilogues: the shadow stack
// pointer drifts (the module trapped after ~1,600 throwing getters) and a borrow of the cluster is never
// released ("busy" for good; audit 69). Every read of a value the caller passed goes through these or
// `Reflect`, whose js-sys bindings catch too.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn entries(value: &JsValue) -> Result<Array, JsValue>;
    /// A genuine copy of a typed array, as long as its real length, whatever its `length` getter says (a
    /// subclass claiming 4,000 bytes of an empty array had `to_vec` read 4,000 bytes of wasm heap; audit 69).
    #[wasm_bindgen(js_name = Uint8Array)]
    type Uint8Copy;
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    fn new(source: &JsValue) -> Result<Uint8Copy, JsValue>;
}

/// An array's length (`None`: not an array, or a getter or proxy threw); its elements are then read one by one
/// with [`item`].
fn array_length(value: &JsValue) -> Option<u32> {
    if !is_array(value).unwrap_or(false) {
        return None;
    }
    read(value, &"length".into()).as_f64().map(|n| n as u32)
}

/// `value[key]`, `undefined` if a getter or proxy threw.
fn read(value: &JsValue, key: &JsValue) -> JsValue {
    Reflect::get(value, key).unwrap_or_default()
}

const UNREADABLE: &str = "A value could not be read: a getter or proxy threw, or its buffer is detached";

/// Element `i` of an array (or of anything else with such a key).
fn item(array: &JsValue, i: u32) -> Result<JsValue, JsValue> {
    Reflect::get_u32(array, i).map_err(|_| invalid(ErrorCode::InvalidRequest, UNREADABLE))
}

/// A thrown `Error` with Kafka's `code`, `retriable`, and a message that says what to do.
pub fn js_error(e: FranzError) -> JsValue {
    let error = js_sys::Error::new(&format!("{}: {}", e.code.name(), e.message));
    let _ = Reflect::set(&error, &"code".into(), &e.code.name().into());
    let _ = Reflect::set(&error, &"retriable".into(), &e.code.retriable().into());
    error.into()
}

pub fn invalid(code: ErrorCode, message: impl Into<String>) -> JsValue {
    js_error(FranzError::new(code, message))
}

/// Options objects: `undefined`/`null` means all defaults; unknown keys are refused, so a typo does not
/// silently keep a default.
pub fn parse_options<T: DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsValue> {
    parse_options_with(value, what, &[], |_| Ok(()))
}

/// Options as `parse_options` reads them, for a config whose fields are not all whole numbers (`not_whole`
/// names those, at any depth: `dropRate`, a topic `config`), after `normalize` turned JS conveniences into
/// the config's own JSON (a number for `acks`, `2` for `"2"`).
pub fn parse_options_with<T: DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
    not_whole: &[&str],
    normalize: impl FnOnce(&mut JsonMap) -> Result<(), JsValue>,
) -> Result<T, JsValue> {
    let Some(mut map) = options_object(&value, what)? else {
        return Ok(T::default());
    };
    let not_whole = first_not_whole(&map, not_whole);
    normalize(&mut map)?;
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| options_error(&e, what, not_whole))
}

/// Serde would only say "expected u64": a count, time or offset that is not a whole number is named, and
/// why. (A number where a string or a flag belongs keeps serde's words: "expected a string".) Not inlined:
/// every options type's parser shares it.
#[inline(never)]
fn options_error(e: &serde_json::Error, what: &str, not_whole: Option<(String, String)>) -> JsValue {
    let text = e.to_string();
    match not_whole {
        Some((path, n)) if text.contains("expected u") || text.contains("expected i") => invalid(
            ErrorCode::InvalidRequest,
            format!("{path} must be a whole number from 0 to {MAX_SAFE_INTEGER}, got {n}"),
        ),
        _ => invalid(ErrorCode::InvalidConfig, format!("Invalid {what} options: {text}")),
    }
}

pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// An options object as JSON, checked: plain data, an object, every count, time and offset a whole number
/// (`INVALID_REQUEST`, as a bad argument); `None` for `undefined`/`null`. For options whose numbers are all
/// counts, times or offsets (or named in `not_whole`).
pub fn options_map(value: &JsValue, what: &str, not_whole: &[&str]) -> Result<Option<JsonMap>, JsValue> {
    let Some(map) = options_object(value, what)? else { return Ok(None) };
    if let Some((path, n)) = first_not_whole(&map, not_whole) {
        return Err(invalid(
            ErrorCode::InvalidRequest,
            format!("{path} must be a whole number from 0 to {MAX_SAFE_INTEGER}, got {n}"),
        ));
    }
    Ok(Some(map))
}

/// An options object as JSON: plain data, an object; `None` for `undefined`/`null`.
#[inline(never)]
pub fn options_object(value: &JsValue, what: &str) -> Result<Option<JsonMap>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let json: serde_json::Value =
        from_json(value).map_err(|e| invalid(ErrorCode::InvalidConfig, format!("Invalid {what} options: {e}")))?;
    let serde_json::Value::Object(map) = json else {
        return Err(invalid(ErrorCode::InvalidConfig, format!("The {what} options must be an object {{ ... }}")));
    };
    Ok(Some(map))
}

#[inline(never)]
fn first_not_whole(map: &JsonMap, not_whole: &[&str]) -> Option<(String, String)> {
    map.iter().find_map(|(key, v)| not_whole_number(v, key, not_whole, 0))
}

/// The checked options into the core's config type; unknown keys and wrong types are `INVALID_CONFIG`.
pub fn from_map<T: DeserializeOwned>(map: JsonMap, what: &str) -> Result<T, JsValue> {
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| invalid(ErrorCode::InvalidConfig, format!("Invalid {what} options: {e}")))
}

/// The first number under `path` that is not a whole number in 0..=2^53-1, skipping keys in `not_whole`.
fn not_whole_number(
    value: &serde_json::Value,
    path: &str,
    not_whole: &[&str],
    depth: usize,
) -> Option<(String, String)> {
    if not_whole.iter().any(|k| path.rsplit('.').next() == Some(*k)) || depth > OPTIONS_DEPTH_MAX {
        return None;
    }
    match value {
        serde_json::Value::Number(n) => {
            let ok = n.as_u64().is_some_and(|u| u as f64 <= MAX_SAFE_INTEGER);
            (!ok).then(|| (path.to_string(), n.to_string()))
        }
        serde_json::Value::Object(map) => {
            map.iter().find_map(|(k, v)| not_whole_number(v, &format!("{path}.{k}"), not_whole, depth + 1))
        }
        // Arrays in options hold no counts (none today); their numbers are the config's to judge.
        _ => None,
    }
}

/// A topic or broker `config` object as Kafka's strings: `2`, `"2"` and `true` are Kafka's `"2"`, `"true"`.
pub fn config_strings(map: &mut JsonMap, key: &str) -> Result<(), JsValue> {
    let Some(serde_json::Value::Object(config)) = map.get_mut(key) else {
        return Ok(());
    };
    for (name, v) in config.iter_mut() {
        let text = config_string(name, std::mem::take(v))?.ok_or_else(|| not_a_config_value(name))?;
        *v = serde_json::Value::String(text);
    }
    Ok(())
}

/// A config value as Kafka's string (`2` and `"2"` are the same setting); `null` is none (back to the
/// default, where that means something).
pub fn config_string(name: &str, value: serde_json::Value) -> Result<Option<String>, JsValue> {
    Ok(Some(match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) => s,
        serde_json::Value::Bool(b) => format!("{b}"),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        _ => return Err(not_a_config_value(name)),
    }))
}

fn not_a_config_value(name: &str) -> JsValue {
    invalid(ErrorCode::InvalidConfig, format!("Config {name} must be a string, a number or a boolean"))
}

/// A required number argument: a JS number (a string that looks like one is refused, not coerced), whole
/// and within `max`. Anything else is `INVALID_REQUEST`, never a trap.
pub fn number_arg(value: &JsValue, what: &str, max: f64) -> Result<u64, JsValue> {
    let n = value.as_f64().ok_or_else(|| {
        invalid(ErrorCode::InvalidRequest, format!("{what} must be a number, got {}", type_name(value)))
    })?;
    whole(n, what, max)
}

/// An optional number argument: `undefined`/`null` (or left out) is `default`.
pub fn opt_number_arg(value: Option<JsValue>, what: &str, max: f64, default: u64) -> Result<u64, JsValue> {
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => number_arg(&v, what, max),
        _ => Ok(default),
    }
}

/// What a wrong argument was, for the error message: `object`, `array`, `null`, `string`, `bigint` ...
pub fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        String::from("null")
    } else if is_array(value).unwrap_or(false) {
        String::from("an array")
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// Reads a plain JS value (objects, arrays, strings, numbers) into `T`, strictly.
pub fn from_json<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| String::from("it is not plain data (JSON.stringify refused it)"))?;
    if let Some(unreadable) = unreadable(value, "", 0) {
        return Err(unreadable);
    }
    franz_core::json::from_str(&json).map_err(|e| e.to_string())
}

/// Franz's bound on the keys of one object read from JS: a map is read by inserting its keys in order, so a
/// million keys in reverse order would take K²/4 moves (adversary 60; Franz's maps from JS name at most
/// 10,000 topics or partitions).
const OBJECT_KEYS_MAX: u32 = 10_000;

/// Franz's bound on the elements of one array read from JS (JSON.stringify already bounds them by the
/// longest JS string; this bounds the walk over them).
const ARRAY_ITEMS_MAX: u32 = 1_000_000;

/// Franz's bound on how deep `unreadable` looks (serde_json reads no deeper than 128 anyway).
const OPTIONS_DEPTH_MAX: usize = 64;

/// What in a plain JS value cannot be read, and where (`network.dropRate`, `[2]`): a NaN or ±Infinity (JSON
/// has none: JSON.stringify writes null, which would read as "not given"), or an object of too many keys.
fn unreadable(value: &JsValue, path: &str, depth: usize) -> Option<String> {
    let at = || if path.is_empty() { "the value" } else { path }.to_string();
    if let Some(n) = value.as_f64() {
        return (!n.is_finite()).then(|| format!("{} must be a finite number, got {n}", at()));
    }
    // JSON.stringify leaves these out, as if not given (adversary 70: `partitions: Symbol()` made a topic
    // of the default count).
    if value.is_symbol() || value.is_function() {
        return Some(format!("{} must be plain data, got a {}", at(), type_name(value)));
    }
    if value.dyn_ref::<js_sys::JsString>().is_some_and(|s| s.length() as usize > KAFKA_STRING_MAX) {
        return Some(format!("{} is longer than {KAFKA_STRING_MAX} characters", at()));
    }
    if depth >= OPTIONS_DEPTH_MAX || !value.is_object() || js_sys::ArrayBuffer::is_view(value) {
        return None;
    }
    if let Some(n) = array_length(value) {
        if n > ARRAY_ITEMS_MAX {
            return Some(format!("{} has {n} elements: at most {ARRAY_ITEMS_MAX}", at()));
        }
        for i in 0..n {
            let Ok(v) = item(value, i) else { return Some(UNREADABLE.into()) };
            if let Some(unreadable) = unreadable(&v, &format!("{path}[{i}]"), depth + 1) {
                return Some(unreadable);
            }
        }
        return None;
    }
    let Ok(entries) = entries(value) else { return Some(UNREADABLE.into()) };
    if entries.length() > OBJECT_KEYS_MAX {
        return Some(format!("{} has {} keys: at most {OBJECT_KEYS_MAX}", at(), entries.length()));
    }
    for entry in entries.iter() {
        let pair: Array = entry.unchecked_into();
        if pair.get(0).unchecked_ref::<js_sys::JsString>().length() as usize > KAFKA_STRING_MAX {
            return Some(format!("A key of {} is longer than {KAFKA_STRING_MAX} characters", at()));
        }
        let key = pair.get(0).as_string().unwrap_or_default();
        let path = if path.is_empty() { key } else { format!("{path}.{key}") };
        if let Some(unreadable) = unreadable(&pair.get(1), &path, depth + 1) {
            return Some(unreadable);
        }
    }
    None
}

/// To a plain JS value: objects for maps, numbers for 64-bit integers (all offsets fit in 2^53).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| invalid(ErrorCode::UnknownServerError, format!("Could not convert a value for JS: {e}")))
}

// The TypeScript type only: `config_string` reads the values (an untagged enum's deserializer cost 3.6 KB
// of the npm wasm's gzip).
/// A config value as users write it: `"2"`, `2` or `true` all mean Kafka's string form.
#[derive(Tsify)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ConfigValue {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// A whole, non-negative number within `max` (a count, a time, an offset).
pub fn whole(value: f64, what: &str, max: f64) -> Result<u64, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= max {
        Ok(value as u64)
    } else {
        Err(invalid(ErrorCode::InvalidRequest, format!("{what} must be a whole number from 0 to {max}, got {value}")))
    }
}

/// The largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The longest string Kafka's protocol carries (`STRING`: a length of 16 bits): a topic or group name, a
/// client id, a config key or value. Longer ones are refused before they are copied into wasm memory, or
/// kept in the run's scenario (audit 69: a topic name of 512 Mi characters was copied; adversary 70: refused
/// calls with names of 16 Mi characters, kept to be replayed, ran wasm out of memory).
pub const KAFKA_STRING_MAX: usize = i16::MAX as usize;

/// A required string argument, at most [`KAFKA_STRING_MAX`] characters: anything else (a number, an object)
/// is `code`, never a trap.
pub fn string_arg(value: &JsValue, what: &str, code: ErrorCode) -> Result<String, JsValue> {
    string_arg_within(value, what, code, KAFKA_STRING_MAX)
}

/// A required string argument of at most `max` UTF-16 units.
pub fn string_arg_within(value: &JsValue, what: &str, code: ErrorCode, max: usize) -> Result<String, JsValue> {
    match value.dyn_ref::<js_sys::JsString>() {
        Some(s) if s.length() as usize <= max => Ok(value.as_string().unwrap_or_default()),
        _ => {
            Err(invalid(code, format!("{what} must be a string of at most {max} characters, got {}", type_name(value))))
        }
    }
}

/// A string's bytes as Java's `StringSerializer` writes them (`getBytes(UTF_8)`): UTF-8, with `?` for a lone
/// surrogate, where the JS boundary's own conversion puts U+FFFD (adversary 39: such a key hashed to another
/// partition than Kafka's). Only a string that came out with U+FFFD is read again, unit by unit.
pub fn java_utf8(value: &JsValue) -> Option<Vec<u8>> {
    let s = value.as_string()?;
    if !s.contains('\u{FFFD}') {
        return Some(s.into_bytes());
    }
    let units: Vec<u16> = js_sys::JsString::from(value.clone()).iter().collect();
    Some(char::decode_utf16(units).map(|c| c.unwrap_or('?')).collect::<String>().into_bytes())
}

/// What a send may still copy into wasm memory: its keys, values and headers are counted before they are
/// copied, so a huge array or string is refused where copying it would have run wasm out of memory
/// (a `Uint8Array` of 2 GiB panicked; one of 256 MiB sent 17 times did too).
pub struct SendBytes {
    left: usize,
    /// What was left when the record being read began.
    left_at_record: usize,
    /// The producer's `max.request.size`, which a record too large for its buffer is too large for first.
    max_request_size_bytes: usize,
}

impl SendBytes {
    pub fn for_a_send(max_request_size_bytes: usize) -> SendBytes {
        let max = franz_core::client::producer::SEND_BYTES_MAX;
        SendBytes { left: max, left_at_record: max, max_request_size_bytes }
    }

    fn next_record(&mut self) {
        self.left_at_record = self.left;
    }

    /// Whether `n` more bytes fit; refused as the core refuses a record or a send that large.
    fn fits(&self, n: usize) -> Result<(), JsValue> {
        use franz_core::client::producer::{record_too_large, too_many_bytes_in_a_send, SEND_BYTES_MAX};
        if n <= self.left {
            return Ok(());
        }
        let record_bytes = self.left_at_record - self.left + n;
        let too_large = (record_bytes > SEND_BYTES_MAX)
            .then(|| record_too_large(None, self.max_request_size_bytes))
            .flatten()
            .unwrap_or_else(too_many_bytes_in_a_send);
        Err(js_error(too_large))
    }

    /// Counts `n` bytes copied.
    fn take(&mut self, n: usize) -> Result<(), JsValue> {
        self.fits(n)?;
        self.left -= n;
        Ok(())
    }

    /// A string's or a `Uint8Array`'s bytes, if they fit: a string has at least as many UTF-8 bytes as UTF-16
    /// units, so one longer than what is left is refused before it is copied.
    pub fn copy(&mut self, value: &JsValue) -> Result<Option<Vec<u8>>, JsValue> {
        let bytes = if let Some(s) = value.dyn_ref::<js_sys::JsString>() {
            self.fits(s.length() as usize)?;
            java_utf8(value)
        } else if js_sys::ArrayBuffer::is_view(value)
            && read(value, &js_sys::Symbol::to_string_tag()).as_string().as_deref() == Some("Uint8Array")
        {
            // A Uint8Array (a Node Buffer too), known by its intrinsic tag: `instanceof` would run a proxy
            // trap in its prototype chain, uncaught. What it claims is counted before the copy.
            self.fits(read(value, &"length".into()).as_f64().unwrap_or(0.0) as usize)?;
            let array = Uint8Copy::new(value)
                .map(JsCast::unchecked_into::<Uint8Array>)
                .map_err(|_| invalid(ErrorCode::InvalidRecord, UNREADABLE))?;
            self.fits(array.length() as usize)?;
            Some(array.to_vec())
        } else {
            None
        };
        if let Some(b) = &bytes {
            self.take(b.len())?;
        }
        Ok(bytes)
    }
}

/// Keys and values: a string is UTF-8, a `Uint8Array` passes through, `null`/`undefined` is none.
fn bytes(value: JsValue, what: &str, budget: &mut SendBytes) -> Result<Option<Bytes>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match budget.copy(&value)? {
        Some(b) => Ok(Some(b.into())),
        None => {
            Err(invalid(ErrorCode::InvalidRecord, format!("A record's {what} must be a string, a Uint8Array or null")))
        }
    }
}

/// Bytes back to JS: a string when they are UTF-8 (as they were sent, mostly), else a `Uint8Array`.
pub fn bytes_to_js(bytes: &Option<Bytes>) -> JsValue {
    match bytes {
        None => JsValue::NULL,
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => JsValue::from_str(s),
            Err(_) => Uint8Array::from(&b[..]).into(),
        },
    }
}

/// A record's field; one whose getter throws refuses the send (adversary 52: read as absent, a value that
/// could not be read went out as a tombstone).
fn get(object: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(object, &key.into()).map_err(|_| {
        invalid(ErrorCode::InvalidRecord, format!("A record's {key} could not be read (its getter threw)"))
    })
}

fn optional_number(object: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let v = get(object, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| invalid(ErrorCode::InvalidRecord, format!("A record's {key} must be a number")))
}

/// `[{ key?, value, partition?, headers?, timestamp? }]` → producer records.
pub fn producer_records(records: JsValue, max_request_size_bytes: usize) -> Result<Vec<ProducerRecord>, JsValue> {
    let Some(n) = array_length(&records) else {
        return Err(invalid(ErrorCode::InvalidRecord, "send takes an array of records: [{ key, value }]"));
    };
    if n as usize > franz_core::client::producer::RECORDS_PER_SEND_MAX {
        return Err(js_error(franz_core::client::producer::too_many_records_in_a_send(n as usize)));
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut budget = SendBytes::for_a_send(max_request_size_bytes);
    for i in 0..n {
        let item = item(&records, i)?;
        let fields = if item.is_object() { entries(&item).ok() } else { None };
        let Some(fields) = fields else {
            return Err(invalid(ErrorCode::InvalidRecord, "Each record must be an object: { key, value }"));
        };
        // A misspelt field would otherwise send a tombstone (no value) without a word.
        if let Some(other) = fields
            .iter()
            .filter_map(|pair| pair.unchecked_into::<Array>().get(0).as_string())
            .find(|k| !matches!(k.as_str(), "key" | "value" | "partition" | "headers" | "timestamp"))
        {
            return Err(invalid(
                ErrorCode::InvalidRecord,
                format!("A record has key, value, partition, headers and timestamp; \"{other}\" is not one of them"),
            ));
        }
        let partition = match optional_number(&item, "partition")? {
            None => None,
            Some(p) => Some(whole(p, "partition", f64::from(i32::MAX))? as u32),
        };
        let timestamp_ms = match optional_number(&item, "timestamp")? {
            Some(t) if t.is_finite() && t.fract() == 0.0 && t.abs() <= MAX_SAFE_INTEGER => Some(t as i64),
            Some(t) => {
                let text = format!("timestamp must be whole milliseconds from -(2^53 - 1) to 2^53 - 1, got {t}");
                return Err(invalid(ErrorCode::InvalidRecord, text));
            }
            None => None,
        };
        budget.next_record();
        let (key, value, headers) = match (|| {
            let key = bytes(get(&item, "key")?, "key", &mut budget)?;
            let value = bytes(get(&item, "value")?, "value", &mut budget)?;
            Ok((key, value, headers(get(&item, "headers")?, &mut budget)?))
        })() {
            Ok(fields) => fields,
            // Kafka's producer takes records one by one: an earlier record too large fails first.
            Err(e) => return Err(earlier_too_large(&out, max_request_size_bytes).unwrap_or(e)),
        };
        out.push(ProducerRecord { key, value, headers, partition, timestamp_ms });
    }
    Ok(out)
}

fn earlier_too_large(records: &[ProducerRecord], max_request_size_bytes: usize) -> Option<JsValue> {
    use franz_core::client::producer::{record_too_large, serialized_size_upper_bound_bytes};
    let too_large = |r| record_too_large(Some(serialized_size_upper_bound_bytes(r)), max_request_size_bytes);
    records.iter().find_map(too_large).map(js_error)
}

/// Headers as an object `{ name: value }`; an array of values is that header repeated, in order (KafkaJS's
/// form: Kafka's `Headers.add` allows a key more than once; adversary 50).
fn headers(value: JsValue, budget: &mut SendBytes) -> Result<Vec<Header>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let entries = if value.is_object() { entries(&value).ok() } else { None };
    let Some(entries) = entries else {
        return Err(invalid(ErrorCode::InvalidRecord, "headers must be an object { name: value or [values] }"));
    };
    let mut out = Vec::new();
    for entry in entries.iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0);
        budget.fits(key.unchecked_ref::<js_sys::JsString>().length() as usize)?;
        // As keys and values: a lone surrogate is `?`, as Java's String.getBytes writes it.
        let key = java_utf8(&key).and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
        budget.take(key.len())?;
        let value = pair.get(1);
        // A header's values, one by one (an array of 4 Gi nulls is refused as more than a send holds).
        let n = array_length(&value);
        budget.fits(n.unwrap_or(1) as usize)?;
        for i in 0..n.unwrap_or(1) {
            let v = if n.is_some() { item(&value, i)? } else { value.clone() };
            out.push(Header { key: key.clone(), value: bytes(v, "header value", budget)? });
        }
    }
    Ok(out)
}

/// `{ name: value }`, a repeated header's values as an array in their order (as KafkaJS reads them).
pub fn headers_to_js(headers: &[Header]) -> JsValue {
    let out = Object::new();
    for (i, h) in headers.iter().enumerate() {
        let (key, value) = (JsValue::from(h.key.as_str()), bytes_to_js(&h.value));
        let value = if headers[..i].iter().any(|earlier| earlier.key == h.key) {
            let before = Reflect::get(&out, &key).unwrap_or_default();
            let list = if Array::is_array(&before) { before.unchecked_into::<Array>() } else { Array::of1(&before) };
            list.push(&value);
            list.into()
        } else {
            value
        };
        if h.key == "__proto__" {
            // An own key, as KafkaJS's decoder makes it: assigned, it set the object's prototype (adversary 53).
            let yes = JsValue::TRUE;
            let descriptor = object(&[
                ("value", value),
                ("enumerable", yes.clone()),
                ("writable", yes.clone()),
                ("configurable", yes),
            ]);
            let _ = Reflect::define_property(&out, &key, descriptor.unchecked_ref());
        } else {
            let _ = Reflect::set(&out, &key, &value);
        }
    }
    out.into()
}

/// A plain object from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}
