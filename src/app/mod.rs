//! The commands, as library functions: typed options in, a report out. `main.rs` only parses
//! arguments and prints.

pub mod check;
pub mod limit;
pub mod run;
pub mod validate;
