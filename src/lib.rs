//! mfucal: Monte Carlo calibration of the energy per multiply-accumulate (pJ/MAC) of AI
//! accelerators, per process node and precision, from published MFU observations.
//!
//! A training run at model FLOPs utilisation `m` on a board of power `P` and dense peak `F`
//! spends at most `P / (m F)` joules per FLOP, `P k / (m F)` per MAC with `k` FLOPs per MAC.
//! Every uncertain input is sampled ([`sampler`]), turned into posteriors ([`posterior`],
//! [`calibrate`]), exported as tables ([`export`]) and written atomically ([`output`]).
//!
//! [`stats`] adds sensitivity indices, prior sensitivity and predictive checks.
//!
//! Layers: [`config`] (TOML → typed plan) and [`data`] (CSV → checked dataset) feed the
//! engine; [`app`] holds the commands; the binary only parses arguments.

pub mod app;
pub mod calibrate;
pub mod compare;
pub mod config;
pub mod data;
pub mod dist;
pub mod error;
pub mod export;
pub mod fmt;
pub mod input;
pub mod output;
pub mod plot;
pub mod posterior;
pub mod sampler;
pub mod stats;
pub mod stop;
pub mod suggest;
pub mod units;
