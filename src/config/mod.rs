//! Configuration: the TOML file as written ([`raw`]) resolved into a typed [`RunPlan`]
//! ([`plan`]), with command-line overrides applied on top of the file.

pub mod dist;
pub mod plan;
pub mod raw;

pub use dist::{Dist, DistSpec, Quantity, Sampler};
pub use plan::{load, KindModel, Method, NodeScale, Overrides, QuantileLevel, RunPlan};
