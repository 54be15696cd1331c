//! `diff OLD NEW`: packages, channels and bundles added, removed or changed
//! between two catalogs (directories, sqlite files or images).

use crate::input::{self, RenderOptions};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change (+ added, - removed, ~ changed).
    Text,
    /// The changes as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old catalog.
    pub old: String,
    /// The new catalog.
    pub new: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Exit with status 1 when the catalogs differ.
    #[arg(long)]
    pub exit_code: bool,
}

pub fn run(a: DiffArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let source = input::image_source();
    let opts = RenderOptions::default();
    let old =
        input::render_ref(&a.old, &opts, source.as_ref()).map_err(|e| format!("diff: {e}"))?;
    let new =
        input::render_ref(&a.new, &opts, source.as_ref()).map_err(|e| format!("diff: {e}"))?;
    let d = fbc_core::diff::diff(&old, &new);
    let text = match a.output {
        DiffFormat::Text => fbc_core::diff::to_text(&d),
        DiffFormat::Json => serde_json::to_string_pretty(&d).map_err(|e| e.to_string())? + "\n",
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(if a.exit_code && !d.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
