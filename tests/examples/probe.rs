use franz_core::sim::{ClusterConfig, World};
use franz_core::client::ProducerConfig;
use franz_core::types::ProducerRecord;
fn main() {
    let mut w = World::new(ClusterConfig::default()).unwrap();
    println!("formed at {}", w.now_ms());
    let r = w.create_topic("t", 3, None, Default::default());
    println!("create {:?} at {}", r, w.now_ms());
    let p = w.add_producer(ProducerConfig::default()).unwrap();
    let rec = |v: &str| ProducerRecord { value: Some(v.as_bytes().to_vec().into()), ..Default::default() };
    println!("send {:?}", w.send(p, "t", vec![rec("a"), rec("b")]));
    w.run_for(100);
    println!("{:#?}", w.describe_topic("t").unwrap().partitions);
    let leader = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
    w.crash_broker(leader).unwrap();
    w.run_for(12_000);
    println!("send after crash {:?}", w.send(p, "t", vec![rec("c")]));
    println!("{:#?}", w.describe_topic("t").unwrap().partitions[0]);
    println!("{:?}", w.describe_cluster());
    for e in w.trace().since(0) { println!("{}", e.text); }
    println!("check {:?}", w.check());
}
