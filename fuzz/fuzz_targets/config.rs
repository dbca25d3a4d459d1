//! The config file, fuzzed: parsed and resolved as `mfucal run` does; a plan that resolves
//! is then checked against the fixture datasets, and every distribution it holds must draw
//! finite values inside its quantity's range, with a finite log-density for the prior.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mfucal::config::{self, Overrides};

fuzz_target!(|data: &[u8]| {
    let file = Path::new(mfucal_fuzz::CONFIG_FILE);
    match config::plan::from_bytes(data, file, &Overrides::default()) {
        Ok(plan) => {
            mfucal_fuzz::check_plan(&plan);
            mfucal_fuzz::load_and_check(
                &plan,
                mfucal_fuzz::ACCELERATORS,
                mfucal_fuzz::OBSERVATIONS,
            );
        }
        Err(e) => mfucal_fuzz::check_problems(&e, &[file]),
    }
});
