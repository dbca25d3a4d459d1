//! Terminal text, for people: what a run says about its analyses ([`analyses`]) and the
//! progress bar ([`progress`]). Files for people (`summary.md`) are bytes in
//! [`crate::export`]; this module only writes to the screen.

pub mod analyses;
pub mod progress;
