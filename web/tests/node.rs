//! The JS API in wasm under Node (`wasm-pack test --node`): the calls a script makes, and the errors it
//! gets back, with their Kafka `code`.

use franz_web::{assign_partitions, murmur2, partition_for_key, Cluster};
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn code(err: JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "thrown values are Error objects");
    get(&err, "code").as_string().unwrap()
}

/// A number argument: entry points take `JsValue`s and check them (a string or an object is a Kafka error).
fn n(x: f64) -> JsValue {
    JsValue::from(x)
}

/// An optional number argument, as JS passes it: a handle to any value.
fn opt<T: JsCast>(x: f64) -> T {
    JsValue::from(x).unchecked_into()
}

fn cluster() -> Cluster {
    Cluster::new(None).unwrap()
}

#[wasm_bindgen_test]
fn produce_then_consume_one_topic() {
    let c = cluster();
    c.create_topic("orders".into(), Some(js(r#"{"partitions": 1}"#).into())).unwrap();
    let topics: Vec<String> = Array::from(&c.list_topics().unwrap()).iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(topics, ["orders"]);
    let p = c.producer(Some(js(r#"{"clientId": "p1"}"#).into())).unwrap();
    let meta = p.send("orders".into(), js(r#"[{"key": "k", "value": "v0"}, {"value": "v1"}]"#)).unwrap();
    let meta: Array = meta.dyn_into().unwrap();
    assert_eq!(get(&meta.get(0), "offset").as_f64(), Some(0.0));
    assert_eq!(get(&meta.get(1), "offset").as_f64(), Some(1.0));

    let consumer = c.consumer(Some(js(r#"{"autoOffsetReset": "earliest"}"#).into())).unwrap();
    consumer.assign(js(r#"[{"topic": "orders", "partition": 0}]"#)).unwrap();
    consumer.seek("orders".into(), n(0.0), n(1.0)).unwrap();
    let records: Array = consumer.poll(Some(opt(1000.0))).unwrap().dyn_into().unwrap();
    assert_eq!(records.length(), 1);
    assert_eq!(get(&records.get(0), "value").as_string().as_deref(), Some("v1"));
    assert_eq!(get(&records.get(0), "key"), JsValue::NULL);
    assert_eq!(consumer.position("orders".into(), n(0.0)).unwrap(), 2.0);

    let d = c.describe_topic("orders".into()).unwrap();
    let p0 = Array::from(&get(&d, "partitions")).get(0);
    assert_eq!(get(&p0, "highWatermark").as_f64(), Some(2.0));
    assert_eq!(Array::from(&get(&p0, "replicas")).length(), 3, "replicationFactor defaults to min(3, brokers)");
    let leader = get(&p0, "leader").as_f64().unwrap();
    assert_eq!(get(&get(&p0, "logEndOffsets"), &leader.to_string()).as_f64(), Some(2.0));
    assert!(c.now() > 0.0, "sending and polling advanced virtual time");
}

#[wasm_bindgen_test]
fn bytes_pass_through_and_events_read_like_sentences() {
    let c = cluster();
    c.create_topic("bin".into(), None).unwrap();
    let p = c.producer(None).unwrap();
    let records = Array::new();
    let record = js_sys::Object::new();
    Reflect::set(&record, &"value".into(), &js_sys::Uint8Array::from(&[0xff_u8, 0x00][..])).unwrap();
    records.push(&record);
    p.send("bin".into(), records.into()).unwrap();
    let log: Array = c.read_log(n(1.0), "bin".into(), n(0.0), None).unwrap().dyn_into().unwrap();
    let value = get(&log.get(0), "value").dyn_into::<js_sys::Uint8Array>().unwrap();
    assert_eq!(value.to_vec(), [0xff, 0x00]);
    let events: Array = c.events(None).unwrap().dyn_into().unwrap();
    let texts: Vec<String> = events.iter().map(|e| get(&e, "text").as_string().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("appended 1 record to bin-0 at offset 0")), "{texts:?}");
}

#[wasm_bindgen_test]
fn bad_input_throws_kafka_errors_never_panics() {
    let c = cluster();
    assert_eq!(code(c.create_topic("".into(), None).unwrap_err()), "INVALID_TOPIC_EXCEPTION");
    assert_eq!(code(c.create_topic("no way".into(), None).unwrap_err()), "INVALID_TOPIC_EXCEPTION");
    assert_eq!(code(c.create_topic(JsValue::from(5), None).unwrap_err()), "INVALID_TOPIC_EXCEPTION");
    assert_eq!(
        code(c.create_topic("t".into(), Some(js(r#"{"partitions": -2}"#).into())).unwrap_err()),
        "INVALID_PARTITIONS"
    );
    assert_eq!(code(c.create_topic("t".into(), Some(js(r#"{"partitons": 1}"#).into())).unwrap_err()), "INVALID_CONFIG");
    assert_eq!(
        code(c.create_topic("t".into(), Some(js(r#"{"config": {"retention.ms": "x"}}"#).into())).unwrap_err()),
        "INVALID_CONFIG"
    );

    let p = c.producer(None).unwrap();
    let err = p.send("missing".into(), js(r#"[{"value": "x"}]"#)).unwrap_err();
    assert_eq!(code(err.clone()), "UNKNOWN_TOPIC_OR_PARTITION");
    assert_eq!(get(&err, "retriable"), JsValue::TRUE);
    assert_eq!(code(p.send("t".into(), js(r#"{"value": "x"}"#)).unwrap_err()), "INVALID_RECORD");
    assert_eq!(code(p.send("t".into(), js(r#"[{"value": 5}]"#)).unwrap_err()), "INVALID_RECORD");

    c.create_topic("t".into(), None).unwrap();
    let consumer = c.consumer(None).unwrap();
    consumer.assign(js(r#"[{"topic": "t", "partition": 0}]"#)).unwrap();
    assert_eq!(code(consumer.seek("t".into(), n(0.0), n(-1.0)).unwrap_err()), "OFFSET_OUT_OF_RANGE");
    assert_eq!(code(consumer.seek("t".into(), n(0.0), n(f64::NAN)).unwrap_err()), "OFFSET_OUT_OF_RANGE");
    assert_eq!(code(c.run_for(n(-5.0)).unwrap_err()), "INVALID_REQUEST");
    assert_eq!(code(Cluster::new(Some(js(r#"{"brokers": 1000000000}"#).into())).err().unwrap()), "INVALID_CONFIG");
    assert_eq!(code(Cluster::new(Some(js(r#"{"network": {"dropRate": 2}}"#).into())).err().unwrap()), "INVALID_CONFIG");
    assert_eq!(code(c.producer(Some(js(r#"{"acks": "2"}"#).into())).err().unwrap()), "INVALID_CONFIG");
    // KafkaConsumer: auto-commit needs a group; unset, it is off without one.
    assert_eq!(code(c.consumer(Some(js(r#"{"enableAutoCommit": true}"#).into())).err().unwrap()), "INVALID_CONFIG");
    assert!(c.consumer(Some(js(r#"{"enableAutoCommit": true, "groupId": "g"}"#).into())).is_ok());
    assert!(c.consumer(Some(js(r#"{"enableAutoCommit": false}"#).into())).is_ok());
    let huge = js_sys::Array::new_with_length(1_000_000_000);
    assert_eq!(code(p.send("t".into(), huge.into()).unwrap_err()), "RECORD_LIST_TOO_LARGE", "no allocation first");
    // Bytes are counted before they are copied into wasm memory (an adversary: a 2 GiB array panicked, and
    // one of 256 MiB in 17 records ran wasm out of memory).
    let two_gib = js_sys::Uint8Array::new_with_length(1 << 31);
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"key".into(), &two_gib).unwrap();
    let records = js_sys::Array::of1(&record);
    // One record alone too large is Kafka's RecordTooLargeException.
    assert_eq!(code(p.send("t".into(), records.into()).unwrap_err()), "MESSAGE_TOO_LARGE");
    assert_eq!(code(murmur2(two_gib.clone().into()).unwrap_err()), "INVALID_REQUEST");
    assert_eq!(code(partition_for_key(two_gib.into(), n(3.0)).unwrap_err()), "INVALID_REQUEST");
    let mib = js_sys::Uint8Array::new_with_length((1 << 20) - 100); // within max.request.size
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"value".into(), &mib).unwrap();
    let records: js_sys::Array = (0..34).map(|_| record.clone()).collect();
    assert_eq!(code(p.send("t".into(), records.into()).unwrap_err()), "RECORD_LIST_TOO_LARGE", "32 MiB in all");
    // Kafka's producer takes records one by one: one of 20 MiB fails before the send's total is (adversary 66).
    let twenty_mib = js_sys::Object::new();
    js_sys::Reflect::set(&twenty_mib, &"value".into(), &js_sys::Uint8Array::new_with_length(20 << 20)).unwrap();
    let records = js_sys::Array::of2(&twenty_mib, &twenty_mib);
    assert_eq!(code(p.send("t".into(), records.into()).unwrap_err()), "MESSAGE_TOO_LARGE", "the first too large");
    let long_header_name = js_sys::Object::new();
    let name = "h".repeat(33 << 20);
    js_sys::Reflect::set(&long_header_name, &name.as_str().into(), &"v".into()).unwrap();
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"value".into(), &"v".into()).unwrap();
    js_sys::Reflect::set(&record, &"headers".into(), &long_header_name).unwrap();
    let records = js_sys::Array::of1(&record);
    assert_eq!(code(p.send("t".into(), records.into()).unwrap_err()), "MESSAGE_TOO_LARGE", "a header's name");
    assert_eq!(code(c.producer(Some(js(r#"{"requestTimeoutMs": 0}"#).into())).err().unwrap()), "INVALID_CONFIG");
    assert_eq!(
        code(Cluster::new(Some(js(r#"{"network": {"latencyMs": 0}}"#).into())).err().unwrap()),
        "INVALID_CONFIG"
    );
    assert_eq!(code(p.send("t".into(), js(r#"[{"value": "x", "timestamp": -1}]"#)).unwrap_err()), "INVALID_TIMESTAMP");
    assert_eq!(
        code(Cluster::replay(c.scenario().unwrap().into(), Some(opt(9.0e15))).err().unwrap()),
        "INVALID_REQUEST"
    );
    // A number where a string or a flag belongs is a wrong type (serde's words), whatever the number; a
    // count or a time that is not a whole number says which field and why (found by an adversary: -1 for
    // groupId read "must be a whole number", 0 read "expected a string").
    for bad in [r#"{"groupId": -1}"#, r#"{"groupId": 0}"#, r#"{"enableAutoCommit": 1.5}"#, r#"{"assignor": -2}"#] {
        let err = c.consumer(Some(js(bad).into())).err().unwrap();
        let message = get(&err, "message").as_string().unwrap();
        assert_eq!(code(err), "INVALID_CONFIG", "{bad}: {message}");
        assert!(message.contains("invalid type"), "{bad}: {message}");
    }
    let err = c.consumer(Some(js(r#"{"sessionTimeoutMs": -1}"#).into())).err().unwrap();
    let message = get(&err, "message").as_string().unwrap();
    assert_eq!(
        (code(err), message.contains("sessionTimeoutMs must be a whole number")),
        ("INVALID_REQUEST".into(), true)
    );
    // After all that, the cluster still works.
    assert!(p.send("t".into(), js(r#"[{"value": "ok"}]"#)).is_ok());
}

#[wasm_bindgen_test]
fn the_fixture_scenario_replays_to_the_native_trace_hash() {
    let json = include_str!("../../tests/tests/fixtures/basic-scenario.json");
    let expected = include_str!("../../tests/tests/fixtures/basic-scenario.hash").trim();
    let c = Cluster::replay(json.into(), None).unwrap();
    assert_eq!(c.trace_hash(), expected, "wasm and native give the same trace, bit for bit");
}

/// Kafka's INT configs refuse numbers above 2^31 - 1 (a truncating cast once made min.insync.replicas 2^32
/// zero in wasm32); the largest INT means in wasm32 what it means natively: min.insync.replicas counts as
/// the replication factor, so with a follower down acks=all is refused.
#[wasm_bindgen_test]
fn int_configs_refuse_more_than_an_int_and_mean_what_they_mean_natively() {
    let c = cluster();
    for key in ["min.insync.replicas", "segment.bytes", "max.message.bytes"] {
        let topic = format!(r#"{{"partitions": 1, "config": {{"{key}": "4294967296"}}}}"#);
        let err = c.create_topic("big".into(), Some(js(&topic).into())).unwrap_err();
        assert_eq!(code(err), "INVALID_CONFIG", "{key}");
    }
    let topic = r#"{"partitions": 1, "replicationFactor": 3,
        "config": {"min.insync.replicas": "2147483647", "segment.bytes": "2147483647"}}"#;
    c.create_topic("t".into(), Some(js(topic).into())).unwrap();
    let p0 = Array::from(&get(&c.describe_topic("t".into()).unwrap(), "partitions")).get(0);
    let leader = get(&p0, "leader").as_f64().unwrap();
    let replicas: Vec<f64> = Array::from(&get(&p0, "replicas")).iter().filter_map(|r| r.as_f64()).collect();
    let follower = replicas.into_iter().find(|&r| r != leader).unwrap();
    c.crash_broker(n(follower)).unwrap();
    c.run_for(n(20_000.0)).unwrap();
    let p = c.producer(Some(js(r#"{"deliveryTimeoutMs": 2000, "requestTimeoutMs": 1000}"#).into())).unwrap();
    let err = p.send("t".into(), js(r#"[{"value": "x"}]"#)).unwrap_err();
    let message = get(&err, "message").as_string().unwrap();
    assert!(message.contains("NOT_ENOUGH_REPLICAS"), "{message}");
}

#[wasm_bindgen_test]
fn faults_checker_and_replay() {
    // One broker, one replica: a power loss takes what was not flushed.
    let c = Cluster::new(Some(js(r#"{"brokers": 1}"#).into())).unwrap();
    c.create_topic("t".into(), None).unwrap();
    let p = c.producer(None).unwrap();
    p.send("t".into(), js(r#"[{"value": "a"}, {"value": "b"}]"#)).unwrap();
    c.power_loss(n(1.0)).unwrap();
    assert_eq!(code(c.crash_broker(n(1.0)).unwrap_err()), "INVALID_REQUEST", "down already");
    c.restart_broker(n(1.0)).unwrap();
    let report = c.check().unwrap();
    assert_eq!(get(&report, "ok"), JsValue::FALSE, "unflushed acknowledged records were lost");
    let violations = Array::from(&get(&report, "violations"));
    assert_eq!(violations.length(), 2);
    assert_eq!(get(&violations.get(0), "kind").as_string().as_deref(), Some("lost_write"));

    c.partition_network(js("[[1]]")).unwrap();
    c.heal_network().unwrap();
    c.set_network(js(r#"{"dropRate": 0.5}"#)).unwrap();
    c.pause_node(n(1.0), n(100.0)).unwrap();
    c.run_for(n(1000.0)).unwrap();
    assert_eq!(code(c.partition_network(js("[[42]]")).unwrap_err()), "INVALID_REQUEST");
    assert_eq!(code(c.set_network(js(r#"{"dropRate": 3}"#)).unwrap_err()), "INVALID_CONFIG");

    let again = Cluster::replay(c.scenario().unwrap().into(), None).unwrap();
    assert_eq!(again.trace_hash(), c.trace_hash());
    let past = Cluster::replay(c.scenario().unwrap().into(), Some(opt(5.0))).unwrap();
    assert_eq!(past.now(), 5.0);
    assert_eq!(code(Cluster::replay("{nope".into(), None).err().unwrap()), "INVALID_REQUEST");
}

#[wasm_bindgen_test]
fn pure_helpers_match_kafka() {
    assert_eq!(murmur2("21".into()).unwrap(), -973_932_308);
    assert_eq!(murmur2(js_sys::Uint8Array::from(&b"abc"[..]).into()).unwrap(), 479_470_107);
    assert_eq!(partition_for_key("foobar".into(), n(10.0)).unwrap(), ((-790_332_482_i32 & 0x7fff_ffff) % 10) as u32);
    assert_eq!(code(partition_for_key("k".into(), n(0.0)).unwrap_err()), "INVALID_PARTITIONS");
}

/// Adversary 60: maps from JS are read by inserting keys in order, so a huge object in reverse order took
/// K²/4 moves; an object of more than 10,000 keys is refused, and 10,000 in reverse order are read.
#[wasm_bindgen_test]
fn objects_of_too_many_keys_are_refused_before_they_are_read() {
    let question = |topics: u32| {
        let partitions = js_sys::Object::new();
        for i in (0..topics).rev() {
            Reflect::set(&partitions, &format!("t{i}").into(), &n(1.0)).unwrap();
        }
        let q = js(r#"{"members": [{"memberId": "a", "topics": ["t0", "t9999"]}]}"#);
        Reflect::set(&q, &"partitions".into(), &partitions).unwrap();
        q
    };
    let refused = assign_partitions("range".into(), question(10_001)).unwrap_err();
    let message = get(&refused, "message").as_string().unwrap();
    assert_eq!(code(refused), "INVALID_REQUEST");
    assert!(message.contains("partitions has 10001 keys: at most 10000"), "{message}");
    let answer = assign_partitions("range".into(), question(10_000)).unwrap();
    assert_eq!(Array::from(&get(&answer, "a")).length(), 2, "a subscribes to two topics of one partition");
    // A member id `__proto__` would set the answer's prototype, and vanish from it (adversary 61).
    let proto = js(r#"{"members": [{"memberId": "__proto__", "topics": ["t"]}], "partitions": {"t": 1}}"#);
    assert_eq!(code(assign_partitions("range".into(), proto).unwrap_err()), "INVALID_REQUEST");
}
