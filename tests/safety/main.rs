//! Integration tests of what mfucal must never do, whatever the input or the interruption:
//! write a partial or foreign folder, accept a bad input (and disagree with `validate` about
//! it), lose the previous results to a kill or Ctrl-C, or report a non-finite number.
//!
//! One test binary per theme (`cli`, `safety`, `model`), each file a module: one link instead
//! of one per file. Run one file's tests with `cargo test --test safety kill_safety::`.
//! (`tests/publish_lock.rs` stays a binary of its own: it tests per-process state that any
//! in-process write of a results folder, as in `stop.rs`, would set.)

#[path = "../common/mod.rs"]
mod common;

mod cli_validation;
mod concurrent_runs;
mod folder_safety;
mod hostile_inputs;
mod input_files;
mod kill_safety;
mod numerical_safety;
mod stop;
mod validation_equals_execution;
