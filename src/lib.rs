//! mfucal: Monte Carlo calibration of the energy per multiply-accumulate (pJ/MAC) of AI
//! accelerators, per process node and precision, from published MFU observations.
//!
//! A training run at model FLOPs utilisation `m` on a board of power `P` and dense peak `F`
//! spends at most `P / (m F)` joules per FLOP, `P k / (m F)` per MAC with `k` FLOPs per MAC.
//!
//! # The pipeline, bottom up
//!
//! Each module imports only modules below it (checked by `tests/architecture.rs`; the map is
//! docs/architecture.md):
//!
//! 1. Foundations: [`error`] (the library's [`error::Error`] and located input problems, below
//!    the other foundations), [`fmt`] (how numbers are written), [`units`]
//!    (the one place units convert), [`stop`] (cooperative cancellation), [`input`] (reading
//!    input files safely), [`suggest`] ("did you mean"), [`schema`] (every results file and column name, once).
//! 2. [`dist`]: the probability library (laws, densities, hot-loop draws, `fast_exp`).
//! 3. [`config`]: the TOML file resolved into a typed [`config::RunPlan`].
//! 4. [`data`]: the CSV datasets, loaded and checked.
//! 5. [`sampler`]: Monte Carlo propagation of every uncertain input into histograms.
//! 6. [`posterior`]: the grid, likelihoods and the methods (frontier, bound, efficiency).
//! 7. [`calibrate`]: orchestration, the result types and the one grouping rule.
//! 8. [`stats`]: sensitivity, prior sensitivity, posterior predictive checks.
//! 9. [`compare`]: two results folders (or a git revision's) side by side.
//! 10. [`export`]: results in, bytes out (tables, manifest, summary, comparisons).
//! 11. [`output`]: the atomic writer and the output folder's safety rules.
//! 12. [`plot`]: the pictures, as SVG bytes.
//! 13. [`report`]: terminal text (analyses, progress bar).
//! 14. [`app`]: the commands as library functions; the binary only parses and dispatches.

#![warn(missing_docs)]

pub mod error;
pub mod fmt;
pub mod input;
pub mod schema;
pub mod stop;
pub mod suggest;
pub mod units;

pub mod dist;

pub mod config;

pub mod data;

pub mod sampler;

pub mod posterior;

pub mod calibrate;

pub mod stats;

pub mod compare;

pub mod export;

pub mod output;

pub mod plot;

pub mod report;

pub mod app;
