use franz_core::client::ProducerConfig;
use franz_core::message::Acks;
use franz_core::sim::network::NetworkConfig;
use franz_core::sim::{ClusterConfig, World};
use franz_core::types::ProducerRecord;
fn main() {
    let mut w = World::new(ClusterConfig { seed: 7, ..Default::default() }).unwrap();
    w.create_topic("t", 1, Some(3), Default::default()).unwrap();
    let p = w.add_producer(ProducerConfig { acks: Acks::Leader, ..ProducerConfig::named("p") }).unwrap();
    let rec = |v: &str| ProducerRecord { value: Some(v.as_bytes().to_vec().into()), ..Default::default() };
    println!("{:?}", w.send(p, "t", vec![rec("safe")]));
    w.run_for(1000);
    let l = w.describe_topic("t").unwrap().partitions[0].leader.unwrap();
    for f in w.brokers().to_vec().into_iter().filter(|&b| b != l) {
        w.set_link(l, f, Some(NetworkConfig { drop_rate: 1.0, ..Default::default() })).unwrap();
    }
    let n = w.trace().len();
    println!("{:?}", w.send(p, "t", vec![rec("lost-1")]));
    for e in w.trace().since(n).iter().take(60) {
        println!("{}", e.text);
    }
}
