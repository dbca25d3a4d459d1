//! Cooperative cancellation. Long computations poll a flag (set by the Ctrl-C handler) between
//! units of work, each a few milliseconds at most, and give up with [`Cancelled`]: a run of
//! 100,000 observations answers Ctrl-C as promptly as a small one.

use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::error::Cancelled;

/// A flag to poll, or none (never stop).
#[derive(Debug, Default, Clone, Copy)]
pub struct Stop<'a>(Option<&'a AtomicBool>);

impl<'a> Stop<'a> {
    /// Never requested: for library callers without a signal handler.
    pub const NEVER: Stop<'static> = Stop(None);

    /// Polls `flag`; `None` never stops.
    pub fn on(flag: Option<&'a AtomicBool>) -> Stop<'a> {
        Stop(flag)
    }

    /// Has a stop been requested?
    #[inline]
    pub fn requested(self) -> bool {
        self.0.is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(Cancelled)` once a stop has been requested.
    pub fn check(self) -> Result<(), Cancelled> {
        if self.requested() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}
