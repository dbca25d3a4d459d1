//! Integration tests of the statistics: posteriors against closed forms and independent
//! oracles, simulation-based calibration, coverage on simulated worlds, the predictive checks
//! and sensitivities, the random generators and histograms, and bit-reproducibility (SIMD
//! paths, thread counts, shards, the committed results).
//!
//! One test binary per theme (`cli`, `safety`, `model`), each file a module: one link instead
//! of one per file. Run one file's tests with `cargo test --test model closed_form::`; the
//! long variants are `#[ignore]`d (`cargo test --release --test model sbc:: -- --ignored`).

#[path = "../common/mod.rs"]
mod common;

mod closed_form;
mod coverage;
mod datasets;
mod frontier;
mod frontier_sbc;
mod generators;
mod histogram_props;
mod ppc;
mod rejection;
mod reproducibility;
mod sbc;
mod sensitivity;
mod shards;
mod simd_paths;
