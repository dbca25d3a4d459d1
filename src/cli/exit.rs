//! Exit statuses, decided here and nowhere else (table in docs/reliability.md):
//! 0 success, 1 bad input or a failed command, 3 a claim `check --fail-if-contradicted`
//! found contradicted, 130 interrupted (128 + SIGINT, as shells report it).

use mfucal::error::Error;

/// Success.
pub const SUCCESS: u8 = 0;
/// Bad input, a bad flag value, or a command that could not finish.
pub const FAILURE: u8 = 1;
/// `check --fail-if-contradicted`: the claim is contradicted.
pub const CONTRADICTED: u8 = 3;
/// Stopped by Ctrl-C or SIGTERM (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// The status of a failed command, from the kind of its error.
pub fn of_error(error: &Error) -> u8 {
    match error.kind() {
        Error::Interrupted(_) => INTERRUPTED,
        // Bad inputs, bad flag values, refused or locked output folders, I/O and git
        // failures, damaged results, a cancelled computation not tied to an output, bugs.
        _ => FAILURE,
    }
}

/// An error as printed on stderr: an interruption is news, not an error; anything else is
/// `error: ` and the chain of causes.
pub fn message(error: &Error) -> String {
    if of_error(error) == INTERRUPTED {
        error.report().to_string()
    } else {
        format!("error: {}", error.report())
    }
}
