//! The JS API in a real browser (`wasm-pack test --headless --chrome`).

use franz_web::Cluster;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn a_record_round_trips_in_the_browser() {
    let c = Cluster::new(Some(js(r#"{"seed": 42}"#).into())).unwrap();
    c.create_topic("t".into(), Some(js(r#"{"partitions": 3}"#).into())).unwrap();
    let p = c.producer(None).unwrap();
    let meta: Array = p.send("t".into(), js(r#"[{"key": "foobar", "value": "v"}]"#)).unwrap().dyn_into().unwrap();
    let partition = Reflect::get(&meta.get(0), &"partition".into()).unwrap().as_f64().unwrap();
    assert_eq!(partition as u32, ((-790_332_482_i32 & 0x7fff_ffff) % 3) as u32, "Kafka's partitioner");
    let consumer = c.consumer(Some(js(r#"{"autoOffsetReset": "earliest"}"#).into())).unwrap();
    consumer.assign(js(&format!(r#"[{{"topic": "t", "partition": {partition}}}]"#))).unwrap();
    let records: Array = consumer.poll(None).unwrap().dyn_into().unwrap();
    assert_eq!(records.length(), 1);
    let err = p.send("nope".into(), js(r#"[{"value": "x"}]"#)).unwrap_err();
    assert_eq!(Reflect::get(&err, &"code".into()).unwrap().as_string().as_deref(), Some("UNKNOWN_TOPIC_OR_PARTITION"));
}
