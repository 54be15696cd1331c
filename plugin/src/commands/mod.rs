//! One module per verb.

pub mod add;
pub mod apply;
pub mod build;
pub mod diff;
mod explain;
pub mod generate;
pub mod graph;
pub mod init;
pub mod list;
pub mod migrate;
pub mod mirror;
pub mod render;
pub mod status;
pub mod template;
mod validate;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Exit code when findings of error severity were reported.
pub const EXIT_FINDINGS: u8 = 1;

pub fn run(cli: Cli, invoked_as: &str) -> Result<ExitCode, String> {
    crate::registry::set_options(cli.registry.options());
    match cli.command {
        Command::Validate(a) => validate::run(a, invoked_as),
        Command::Explain(a) => explain::run(a, invoked_as),
        Command::Build(a) => build::run(a, invoked_as),
        Command::Render(a) => render::run(a, invoked_as),
        Command::Init(a) => init::run(a, invoked_as),
        Command::Generate(a) => generate::run(a, invoked_as),
        Command::Migrate(a) => migrate::run(a, invoked_as),
        Command::Template(a) => template::run(a, invoked_as),
        Command::Add(a) => add::run(a, invoked_as),
        Command::List(a) => list::run(a, invoked_as),
        Command::Graph(a) => graph::run(a, invoked_as),
        Command::Diff(a) => diff::run(a, invoked_as),
        Command::Completion(a) => crate::completion::run(a),
        Command::Mirror(a) => mirror::run(a, invoked_as),
        Command::Apply(a) => apply::run(*a, invoked_as),
        Command::Status(a) => status::run(a, invoked_as),
    }
}
