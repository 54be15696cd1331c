//! `graph REF --package P [--channel C] [-o mermaid|dot|json]`: a package's
//! upgrade graph, from a directory, sqlite file or image.

use crate::input;
use clap::{Args, ValueEnum};
use fbc_core::{draw, model};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid flowchart (renders on GitHub, GitLab, mermaid.live).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// The graph as data.
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The catalog: an FBC directory, a sqlite index.db or a catalog image.
    pub catalog: String,
    /// The package to draw.
    #[arg(long)]
    pub package: String,
    /// Only this channel.
    #[arg(long)]
    pub channel: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub output: GraphFormat,
}

pub fn run(a: GraphArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let source = input::image_source();
    let cfg =
        input::load_declcfg(&a.catalog, source.as_ref()).map_err(|e| format!("graph: {e}"))?;
    let g = model::package_graph(&cfg, &a.package)
        .ok_or_else(|| format!("package {:?} not found in the catalog", a.package))?;
    if let Some(c) = &a.channel
        && !g.channels.iter().any(|x| &x.name == c)
    {
        return Err(format!(
            "channel {c:?} not found in package {:?}",
            a.package
        ));
    }
    let text = match a.output {
        GraphFormat::Mermaid => draw::mermaid(&g, a.channel.as_deref()),
        GraphFormat::Dot => draw::dot(&g, a.channel.as_deref()),
        GraphFormat::Json => {
            let mut g = g;
            if let Some(c) = &a.channel {
                g.channels.retain(|x| &x.name == c);
            }
            serde_json::to_string_pretty(&g).map_err(|e| e.to_string())? + "\n"
        }
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
