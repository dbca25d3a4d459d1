//! The observations file, fuzzed, against the fixture accelerators and config.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mfucal_fuzz::load_and_check(mfucal_fuzz::plan(), mfucal_fuzz::ACCELERATORS, data);
});
