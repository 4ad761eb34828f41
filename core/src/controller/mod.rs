//! The coordinator quorum (KRaft's controllers). So far, the pieces the controllers will run, each tested
//! on its own: [`raft`] (the replication of the metadata log), [`metadata`] (the log's records and the
//! image replaying them builds), [`placement`] (where a new topic's replicas go) and [`election`] (who leads
//! a partition). Until the quorum is wired into the world (issue 5), the
//! single broker decides topic administration itself (see `broker::admin`).

pub mod election;
pub mod metadata;
pub mod node;
pub mod placement;
pub mod raft;
