//! The coordinator quorum (KRaft's controllers). So far: [`raft`], the replication algorithm the
//! controllers will run over the metadata log, tested on its own. Until the quorum is wired into the
//! world (issue 5), the single broker decides topic administration itself (see `broker::admin`).

pub mod raft;
