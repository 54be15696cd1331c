//! `oc catalog` / `kubectl catalog`: the whole life of an OLM catalog in a
//! disconnected cluster, as one oc/kubectl plugin.
//!
//! The command-line program as a library: [`main`] is the whole CLI. The
//! `oc-catalog` binary calls it, and so does the binary the repository root
//! builds for pre-commit's `language: rust` hook (`hooks/rust/main.rs`).

mod cli;
mod commands;
mod fs;
mod input;
pub mod mirror;
mod registry;
mod sqlite;

use std::process::ExitCode;

/// Run the CLI on this process's arguments; the exit code to return.
pub fn main() -> ExitCode {
    // rustls with the ring provider only (oci-client's default would add aws-lc).
    registry::ensure_crypto();
    let invoked_as = cli::invoked_as(std::env::args_os().next());
    let args = cli::parse(&invoked_as);
    match commands::run(args, &invoked_as) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
