use franz_core::client::{AutoOffsetReset, ConsumerConfig};
use franz_core::sim::{ClusterConfig, World};
fn main() {
    let mut w = World::new(ClusterConfig { seed: 5, ..Default::default() }).unwrap();
    w.create_topic("t", 4, None, Default::default()).unwrap();
    let mut ids = vec![];
    for name in ["a", "b", "c"] {
        let c = w
            .add_consumer(ConsumerConfig {
                group_id: Some("g".into()),
                auto_offset_reset: AutoOffsetReset::Earliest,
                assignor: "roundrobin".into(),
                ..ConsumerConfig::named(name)
            })
            .unwrap();
        w.subscribe(c, vec!["t".into()]).unwrap();
        ids.push(c);
    }
    w.run_for(5_000);
    w.crash_client(ids[0]).unwrap();
    for _ in 0..20 {
        for &c in &ids[1..] {
            w.poll(c, 1_500).unwrap();
        }
    }
    for e in w
        .trace()
        .since(0)
        .iter()
        .filter(|e| e.kind.kind_name().starts_with("group") || e.text.contains("consumer_offsets with"))
    {
        println!("{}", e.text);
    }
    println!("{:?}", w.describe_group("g"));
}
