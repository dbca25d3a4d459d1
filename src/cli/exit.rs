//! Exit statuses, decided here and nowhere else (table in docs/reliability.md):
//! 0 success, 1 bad input or a failed command, 3 a claim `check --fail-if-contradicted`
//! found contradicted, 130 interrupted (128 + SIGINT, as shells report it).

use mfucal::app::run;

/// Success.
pub const SUCCESS: u8 = 0;
/// Bad input, a bad flag value, or a command that could not finish.
pub const FAILURE: u8 = 1;
/// `check --fail-if-contradicted`: the claim is contradicted.
pub const CONTRADICTED: u8 = 3;
/// Stopped by Ctrl-C or SIGTERM (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// The status of a failed command, from the kind of its error.
pub fn of_error(error: &anyhow::Error) -> u8 {
    if error.is::<run::Interrupted>() {
        INTERRUPTED
    } else {
        FAILURE
    }
}

/// An error as printed on stderr: an interruption is news, not an error; anything else is
/// `error: ` and the chain of causes.
pub fn message(error: &anyhow::Error) -> String {
    if of_error(error) == INTERRUPTED {
        format!("{error:#}")
    } else {
        format!("error: {error:#}")
    }
}
