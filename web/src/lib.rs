//! # franz-web
//!
//! Franz's JS API (`Cluster`, `Producer`, `Consumer` and pure helpers) over `franz-core`, through
//! wasm-bindgen, and, behind the `playground` feature, the Yew playground. This crate only translates:
//! every Kafka rule lives in `franz-core`.

#[cfg(feature = "js-api")]
mod api;
#[cfg(feature = "bench")]
mod bench;
#[cfg(feature = "js-api")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod heap;
#[cfg(feature = "playground")]
pub mod playground;

#[cfg(feature = "js-api")]
pub use api::{assign_partitions, murmur2, partition_for_key, Cluster, Consumer, Producer};
