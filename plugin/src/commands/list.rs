//! `list --catalog REF [--package P [--channel C]]`: the packages of a
//! catalog with their default channels; a package's channels with their
//! heads; a channel's bundles with their versions — as
//! `oc mirror list operators`, from a directory, sqlite file or image.

use crate::input;
use clap::{Args, ValueEnum};
use fbc_core::model::{self, PackageSummary};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Text,
    /// The same data as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The catalog: an FBC directory, a sqlite index.db or a catalog image.
    #[arg(long, value_name = "REF")]
    pub catalog: String,
    /// List this package's channels.
    #[arg(long)]
    pub package: Option<String>,
    /// List this channel's bundles (needs --package).
    #[arg(long, requires = "package")]
    pub channel: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

/// Columns padded to their widest cell, separated by two spaces.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 < r.len() {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { String::new() }
}

pub fn render_list(
    pkgs: &[PackageSummary],
    package: Option<&str>,
    channel: Option<&str>,
    json: bool,
) -> Result<String, String> {
    let Some(p) = package else {
        if json {
            return Ok(serde_json::to_string_pretty(pkgs).map_err(|e| e.to_string())? + "\n");
        }
        let mut rows = vec![vec![
            "NAME".to_string(),
            "DEFAULT CHANNEL".into(),
            "CHANNELS".into(),
            "BUNDLES".into(),
        ]];
        for p in pkgs {
            rows.push(vec![
                p.name.clone(),
                p.default_channel.clone(),
                p.channels.len().to_string(),
                p.bundles.len().to_string(),
            ]);
        }
        return Ok(table(&rows));
    };
    let pkg = pkgs
        .iter()
        .find(|x| x.name == p)
        .ok_or_else(|| format!("package {p:?} not found in the catalog"))?;
    let Some(c) = channel else {
        if json {
            return Ok(serde_json::to_string_pretty(pkg).map_err(|e| e.to_string())? + "\n");
        }
        let mut rows = vec![vec![
            "PACKAGE".to_string(),
            "CHANNEL".into(),
            "HEAD".into(),
            "VERSION".into(),
            "ENTRIES".into(),
            "DEPRECATED".into(),
        ]];
        let mut chans: Vec<_> = pkg.channels.iter().collect();
        chans.sort_by(|a, b| a.name.cmp(&b.name));
        for ch in chans {
            let head = ch
                .head
                .clone()
                .unwrap_or_else(|| format!("({} heads)", ch.heads.len()));
            let version = pkg
                .bundles
                .iter()
                .find(|b| Some(&b.name) == ch.head.as_ref())
                .and_then(|b| b.version.clone())
                .unwrap_or_default();
            let name = if ch.name == pkg.default_channel {
                format!("{} (default)", ch.name)
            } else {
                ch.name.clone()
            };
            rows.push(vec![
                pkg.name.clone(),
                name,
                head,
                version,
                ch.entries.to_string(),
                yes(ch.deprecated),
            ]);
        }
        return Ok(table(&rows));
    };
    if !pkg.channels.iter().any(|x| x.name == c) {
        return Err(format!("channel {c:?} not found in package {p:?}"));
    }
    let bundles: Vec<_> = pkg
        .bundles
        .iter()
        .filter(|b| b.channels.iter().any(|x| x == c))
        .collect();
    if json {
        return Ok(serde_json::to_string_pretty(&bundles).map_err(|e| e.to_string())? + "\n");
    }
    let mut rows = vec![vec![
        "VERSION".to_string(),
        "BUNDLE".into(),
        "IMAGE".into(),
        "DEPRECATED".into(),
    ]];
    for b in bundles {
        rows.push(vec![
            b.version.clone().unwrap_or_default(),
            b.name.clone(),
            b.image.clone(),
            yes(b.deprecated),
        ]);
    }
    Ok(table(&rows))
}

pub fn run(a: ListArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let source = input::image_source();
    let cfg = input::load_declcfg(&a.catalog, source.as_ref()).map_err(|e| format!("list: {e}"))?;
    let pkgs = model::overview(&cfg);
    let text = render_list(
        &pkgs,
        a.package.as_deref(),
        a.channel.as_deref(),
        a.output == ListFormat::Json,
    )?;
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
