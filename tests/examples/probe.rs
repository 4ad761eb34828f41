use franz_core::client::ProducerConfig;
use franz_core::sim::{ClusterConfig, World};
use franz_core::types::ProducerRecord;
fn main() {
    let mut w = World::new(ClusterConfig { seed: 10, ..Default::default() }).unwrap();
    w.add_broker().unwrap();
    w.run_for(200);
    w.create_topic("t", 1, Some(2), Default::default()).unwrap();
    let p = w.add_producer(ProducerConfig::named("p")).unwrap();
    let rec = |v: &str| ProducerRecord { value: Some(v.as_bytes().to_vec().into()), ..Default::default() };
    for i in 0..20 {
        w.send(p, "t", vec![rec(&format!("v{i}"))]).unwrap();
    }
    println!("{:?}", w.describe_cluster().controller);
    for &c in w.controllers() {
        println!("{c}: {:?}", w.controller(c).unwrap().image().topics.keys().collect::<Vec<_>>());
    }
    println!("{:?}", w.reassign_partitions("t", [(0, vec![1, 2])].into()));
    for e in w.trace().since(0).iter().rev().take(15) {
        println!("{}", e.text);
    }
}
