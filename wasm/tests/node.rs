//! The API tests, run in Node by wasm-bindgen-test-runner:
//! `cargo test -p fbc-wasm --target wasm32-unknown-unknown --test node`
//! (with `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner`).
#![cfg(target_arch = "wasm32")]

mod api;
