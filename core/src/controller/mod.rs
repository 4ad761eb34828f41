//! The coordinator quorum (KRaft's controllers): [`raft`] replicates the metadata log, [`metadata`] holds its
//! records and the image replaying them builds, [`node`] is the controller process (the active one decides
//! with [`placement`] and [`election`] and writes the records).

pub mod election;
/// The metadata image is machinery below the actors; here for old paths.
pub use crate::metadata;
pub mod node;
pub mod placement;
pub mod raft;
