//! Fuzz `requesty::testing::fuzz::gemini_stream`: no panic on any input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::testing::fuzz;

fuzz_target!(|data: &[u8]| {
    let _ = fuzz::gemini_stream(data);
});
