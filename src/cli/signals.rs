//! Ctrl-C and SIGTERM: the flag the library polls ([`mfucal::stop::Stop`]), a watchdog that
//! ends a run that does not answer in time, and the rule that one message reports the outcome.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mfucal::output;

/// How long a run has to answer Ctrl-C itself (it polls between units of work of a few
/// milliseconds) before the watchdog ends the process anyway.
const GRACE: Duration = Duration::from_millis(500);

/// Set by whichever of `main` and the Ctrl-C watchdog reports the outcome first; the other
/// then stays silent, so a stopped run prints one message.
pub static REPORTING: AtomicBool = AtomicBool::new(false);

/// The flag Ctrl-C (SIGINT) and SIGTERM set; sampling, the posteriors and the analyses poll it
/// between units of work of a few milliseconds (`mfucal::stop`), and the run
/// then stops without writing; a watchdog ends it after [`GRACE`] if it has not. A second
/// signal ends the process at once.
pub fn cancel_on_signals() -> mfucal::error::Result<Arc<AtomicBool>> {
    let failed = |e: std::io::Error| mfucal::error::Error::Other(e.into());
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            super::exit::INTERRUPTED.into(),
            Arc::clone(&cancel),
        )
        .map_err(failed)?;
        signal_hook::flag::register(signal, Arc::clone(&cancel)).map_err(failed)?;
    }
    watchdog(Arc::clone(&cancel));
    Ok(cancel)
}

/// Ends the process [`GRACE`] after a stop was requested if the run has not ended by then (a
/// single exporter can take a second on 100,000 observations). Safe at any point before the
/// results folder is swapped in, which is exactly when [`output::exit_unless_published`] lets
/// it act: the temporary folder it may leave is never read as results and the next run
/// removes it.
fn watchdog(cancel: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !cancel.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(GRACE);
        output::exit_unless_published(|| {
            if !REPORTING.swap(true, Ordering::SeqCst) {
                eprintln!("interrupted; nothing was written, the previous results are unchanged");
                std::process::exit(super::exit::INTERRUPTED.into());
            }
        });
    });
}
