//! Fuzz `requesty::testing::fuzz::model_id`: no panic on any input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::testing::fuzz;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = fuzz::model_id(text);
    }
});
