//! The API tests, run in headless Chromium through chromedriver
//! (`CHROMEDRIVER=/usr/bin/chromedriver`; browser flags in `wasm/webdriver.json`):
//! `cargo test -p fbc-wasm --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod api;
