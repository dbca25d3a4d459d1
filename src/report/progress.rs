//! The progress bar of a run: samples done, samples per second and time left, on stderr.
//!
//! Shown only when stderr is a terminal and the run has lasted a second: short runs and
//! redirected output get nothing. The sampler calls [`Progress::on_chunk`] once per chunk
//! (65,536 samples), never per sample; it adds to an atomic counter, and the bar (whose own
//! position is atomic too) redraws at most 15 times a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How long a run goes before its bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A progress bar over `total` samples, hidden until [`SHOW_AFTER`].
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    done: AtomicU64,
    shown: AtomicBool,
}

impl Progress {
    /// `None` when stderr is not a terminal: nothing is ever drawn then.
    pub fn for_terminal(total: u64) -> Option<Progress> {
        std::io::stderr()
            .is_terminal()
            .then(|| Progress::new(total))
    }

    fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {human_pos}/{human_len} samples  {rate}  ETA {eta}",
            )
            .expect("a valid template")
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} M samples/s", state.per_sec() / 1e6);
                },
            ),
        );
        Progress {
            bar,
            start: Instant::now(),
            done: AtomicU64::new(0),
            shown: AtomicBool::new(false),
        }
    }

    /// Called once per chunk with the samples it drew.
    pub fn on_chunk(&self, samples: u64) {
        let done = self.done.fetch_add(samples, Ordering::Relaxed) + samples;
        if !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            // The bar was created with the run, so its rate and ETA count from the start.
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(done);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Samples counted so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_chunk_and_stays_hidden_in_the_first_second() {
        let p = Progress::new(300);
        p.on_chunk(100);
        p.on_chunk(50);
        assert_eq!(p.done(), 150);
        assert!(!p.shown.load(Ordering::Relaxed));
        assert!(p.bar.is_hidden());
    }
}
