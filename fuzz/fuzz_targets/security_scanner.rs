//! Fuzz `requesty::testing::fuzz::security_scanner`: the security scanner
//! (`redact`, `injection`) and the `StreamRedactor` fed in random piece
//! sizes must not panic, and no value the whole-text scan detected may
//! come out of either.
//!
//! The first byte says how many of the following bytes are piece sizes;
//! the rest, decoded as UTF-8 with replacement, is the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::testing::fuzz;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (sizes, text) = rest.split_at(n);
    let _ = fuzz::security_scanner(&String::from_utf8_lossy(text), sizes);
});
