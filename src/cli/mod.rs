//! The binary's side of the command line, kept out of the library: the grammar ([`args`]),
//! each command's flag checks and call into [`mfucal::app`] ([`dispatch`]), Ctrl-C handling
//! ([`signals`]), the man pages ([`man`]) and the one place an error becomes an exit status
//! ([`exit`]).

pub mod args;
pub mod dispatch;
pub mod exit;
pub mod man;
pub mod signals;
