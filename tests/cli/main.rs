//! Integration tests of the commands through the real `mfucal` binary: what each command
//! prints, writes and exits with (`run`, `show`, `list`, `diff`, `check`, `limit`,
//! `import-epoch`, `validate`, help), and snapshots of every file a small run writes.
//!
//! One test binary per theme (`cli`, `safety`, `model`), each file a module: one link instead
//! of one per file. Run one file's tests with `cargo test --test cli diff::`.

mod check;
mod check_scaled;
#[path = "../common/mod.rs"]
mod common;
mod config_and_cli;
mod counts;
mod diff;
mod diff_settings;
mod help;
mod import_epoch;
mod import_epoch_checks;
mod interval_convention;
mod limit;
mod list;
mod picture_layout;
mod pictures;
mod run_warnings;
mod sensitivity_rows;
mod show;
mod snapshots;
mod summary;
mod table_formats;
mod validate_warnings;
