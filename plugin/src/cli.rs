//! Command-line interface. The binary answers as `oc-catalog` (run by `oc
//! catalog`) and as `kubectl-catalog` (run by `kubectl catalog`); usage and
//! help name the command the user typed.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// `oc catalog` or `kubectl catalog`, from the name the binary was run as.
pub fn invoked_as(argv0: Option<OsString>) -> String {
    let name = argv0
        .as_deref()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("kubectl-") || name.starts_with("kubectl_") {
        "kubectl catalog".to_string()
    } else {
        "oc catalog".to_string()
    }
}

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Author, validate, build, mirror and apply OLM file-based catalogs, also across an air gap",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Registry options (any command that reads or writes images).
    #[command(flatten)]
    pub registry: crate::registry::RegistryArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a file-based catalog as `opm validate` does, reporting every problem at once.
    Validate(ValidateArgs),
    /// Explain a finding code (FBC204, or its name): what it means and how to fix it.
    Explain(ExplainArgs),
    /// Build a catalog image with no daemon (FBC layer at /configs over a base image); push it or write an OCI layout.
    Build(crate::commands::build::BuildArgs),
    /// Render bundle dirs, FBC dirs, sqlite index.db files or images to FBC (as `opm render`).
    Render(crate::commands::render::RenderArgs),
    /// Print a new olm.package document (as `opm init`).
    Init(crate::commands::init::InitArgs),
    /// Generate files for a catalog: `generate dockerfile DIR` (as `opm generate dockerfile`).
    Generate(crate::commands::generate::GenerateArgs),
    /// Migrate a sqlite index.db to one FBC directory per package (as `opm migrate`).
    Migrate(crate::commands::migrate::MigrateArgs),
    /// Expand a basic or semver catalog template to FBC (as `opm alpha render-template`).
    Template(crate::commands::template::TemplateArgs),
    /// Render a bundle and place it in a channel of a catalog so the catalog stays valid.
    Add(crate::commands::add::AddArgs),
    /// List a catalog's packages, a package's channels and heads, or a channel's bundles.
    List(crate::commands::list::ListArgs),
    /// Draw a package's upgrade graph (mermaid, dot or json).
    Graph(crate::commands::graph::GraphArgs),
    /// Show packages, channels and bundles added, removed or changed between two catalogs.
    Diff(crate::commands::diff::DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish); see docs/install.md.
    Completion(crate::completion::CompletionArgs),
    /// Copy images between registries and OCI layouts: from a mapping file, a retry file or a layout; resumable, with a dry run that sizes the copy.
    Mirror(crate::commands::mirror::MirrorArgs),
    /// Make a cluster use a catalog: OperatorHub sources, pull secrets, mirror sets, CatalogSources (server-side apply); --wait until it serves.
    Apply(Box<crate::commands::apply::ApplyArgs>),
    /// Show catalog sources, their pods and connection state, why they fail, their package count, and OperatorHub's default sources.
    Status(crate::commands::status::StatusArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable, with source snippets (coloured on a terminal).
    Text,
    /// Stable JSON (schemas/validate-output.schema.json).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Catalog directories or files (`-` reads one file from standard input). Each is validated as its own catalog.
    #[arg(required_unless_present = "roots", value_name = "CATALOG")]
    pub paths: Vec<PathBuf>,
    /// The paths are changed files (as pre-commit passes them): validate the catalog root of each, once. The root is the deepest --root holding the file; without --root, the parent of the nearest ancestor directory named after a package the file declares, else the file's directory.
    #[arg(long)]
    pub changed: bool,
    /// With --changed: a catalog root of the repository (repeatable); files outside every root are skipped. Given no files, every root is validated.
    #[arg(long = "root", value_name = "DIR", requires = "changed")]
    pub roots: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Treat warnings (mirror-readiness lints) as errors.
    #[arg(long)]
    pub strict: bool,
    /// Only report these codes or names (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub only: Vec<String>,
    /// Do not report these codes or names (comma-separated), e.g. --ignore FBC501.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Print only the summary line (text output).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code (FBC204, fbc204, 204) or its name (duplicate-channel-entry).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its severity and summary.
    #[arg(long)]
    pub list: bool,
}

/// Parse the command line, naming the command as the user invoked it.
pub fn parse(invoked_as: &str) -> Cli {
    let cmd = Cli::command()
        .name(invoked_as.to_string())
        .bin_name(invoked_as.to_string());
    let matches = cmd.get_matches();
    match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    }
}
