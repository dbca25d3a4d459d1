//! Configuration: the TOML file as written ([`raw`]) resolved into a typed [`RunPlan`]
//! ([`plan`]) section by section (`resolve/`), with command-line overrides applied on top of
//! the file.

pub mod frontier;
pub mod plan;
pub mod raw;
mod resolve;

pub use frontier::FrontierPriors;
pub use plan::{
    load, KindModel, Method, NodeScale, ObservationSensitivity, Overrides, QuantileLevel, RunPlan,
};
