//! The accelerators file, fuzzed, against the fixture observations and config.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mfucal_fuzz::load_and_check(mfucal_fuzz::plan(), data, mfucal_fuzz::OBSERVATIONS);
});
