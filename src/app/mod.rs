//! The commands, as library functions: typed options in, a report out. `main.rs` only parses
//! arguments and prints.

pub mod check;
pub mod diff;
pub mod import_epoch;
pub mod limit;
pub mod list;
pub mod run;
pub mod shard;
pub mod show;
pub mod validate;
