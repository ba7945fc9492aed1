//! Fuzz `requesty::testing::fuzz::anthropic_response`: no panic on any input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::testing::fuzz;

fuzz_target!(|data: &[u8]| {
    let _ = fuzz::anthropic_response(data);
});
