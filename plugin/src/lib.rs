//! `oc catalog` / `kubectl catalog`: the whole life of an OLM catalog in a
//! disconnected cluster, as one oc/kubectl plugin.
//!
//! The command-line program as a library: [`main`] is the whole CLI. The
//! `oc-catalog` binary calls it, and so does the binary the repository root
//! builds for pre-commit's `language: rust` hook (`hooks/rust/main.rs`).

mod cli;
mod cluster;
mod commands;
mod completion;
mod fs;
mod input;
pub mod mirror;
mod registry;
mod sqlite;
mod time;

use std::process::ExitCode;

/// Run the CLI on this process's arguments; the exit code to return.
pub fn main() -> ExitCode {
    // rustls with the ring provider only (oci-client's default would add aws-lc).
    registry::ensure_crypto();
    // kubectl's plugin completion: `kubectl_complete-catalog WORDS…` (this
    // binary under that name) or `oc-catalog __complete WORDS…`.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let stem = argv
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() == Some(completion::COMPLETE_EXEC) {
        return completion::answer(&argv[1..]);
    }
    if argv.get(1).map(String::as_str) == Some(completion::COMPLETE_ARG) {
        return completion::answer(&argv[2..]);
    }
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
