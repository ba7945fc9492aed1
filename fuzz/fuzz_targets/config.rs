//! Fuzz `requesty::testing::fuzz::config`: the `router.toml` parser (and,
//! when a text parses, the check that builds the router with an empty
//! environment) must not panic; errors of a text that is not valid TOML
//! carry a line and column.

#![no_main]

use libfuzzer_sys::fuzz_target;
use requesty::testing::fuzz;

fuzz_target!(|data: &[u8]| {
    let _ = fuzz::config(&String::from_utf8_lossy(data));
});
