//! The `mfucal` command line: parse arguments, run the command, print, set the exit status.
//! Everything else is in [`cli`] (binary-only) and the `mfucal` library.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::Parser;

mod cli;
use cli::args::Cli;
use cli::{dispatch, exit, signals};

fn main() -> ExitCode {
    // A bad command-line value is bad input like any other: status 1 (clap's default is 2),
    // one table of exit statuses for every command (docs/reliability.md).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::FAILURE
            } else {
                exit::SUCCESS
            });
        }
    };
    let outcome = dispatch::dispatch(cli.command);
    if signals::REPORTING.swap(true, Ordering::SeqCst) {
        // The watchdog is reporting the interruption and ending the process.
        loop {
            std::thread::park();
        }
    }
    match outcome {
        Ok(printed) => {
            eprint!("{}", printed.stderr);
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(&printed.stdout).and_then(|()| out.flush());
            ExitCode::from(printed.exit)
        }
        Err(e) => {
            eprintln!("{}", exit::message(&e));
            ExitCode::from(exit::of_error(&e))
        }
    }
}
