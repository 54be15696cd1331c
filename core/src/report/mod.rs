//! Renderers for findings, shared by the CLI and the browser.
//!
//! One entry point, [`render`], turns a [`Validation`] and the [`SourceMap`]
//! its spans point into into one of four outputs:
//!
//! - [`Format::Text`]: rustc-style, for people (see [`text`]);
//! - [`Format::Json`]: a stable, versioned document for scripts
//!   (`schemas/validate-output.schema.json`, see [`json`]);
//! - [`Format::Sarif`]: SARIF 2.1.0 for GitHub code scanning and other
//!   SARIF viewers (see [`sarif`]);
//! - [`Format::Github`]: GitHub Actions workflow commands, one annotation per
//!   finding (see [`github`]).
//!
//! `docs/output-formats.md` documents every format. Renderers never fail and
//! never panic on odd input: a span into an unknown file is treated as
//! having no location, a file whose text was dropped is shown without a
//! snippet.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::rules::Validation;
use crate::source::{Position, SourceInfo, SourceMap, Span};
use std::fmt;
use std::str::FromStr;

/// An output format of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Human-readable, rustc-style.
    #[default]
    Text,
    /// The versioned JSON document described by `schemas/validate-output.schema.json`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 4] = [Format::Text, Format::Json, Format::Sarif, Format::Github];

    /// The name used on the command line: `text`, `json`, `sarif` or `github`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown format name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format '{}' (expected one of: text, json, sarif, github)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// What a renderer needs to know besides the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Emit ANSI colours (text format only). The CLI sets it for a TTY without `NO_COLOR`.
    pub color: bool,
    /// The version reported by the json and sarif formats.
    pub tool_version: String,
    /// How the user invoked us (`oc catalog` or `kubectl catalog`), for hints.
    pub command_name: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            command_name: "oc catalog".to_string(),
        }
    }
}

/// Render a validation result in `format`. Text, json and github output end with a newline.
pub fn render(format: Format, v: &Validation, sources: &SourceMap, opts: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(v, sources, opts),
        Format::Json => json::render(v, sources, opts),
        Format::Sarif => sarif::render(v, sources, opts),
        Format::Github => github::render(v, sources, opts),
    }
}

/// The tool name every machine-readable format reports.
pub const TOOL_NAME: &str = "oc-catalog";

/// Where the tool and its code documents live.
pub const INFORMATION_URI: &str = "https://github.com/oc-catalog/oc-catalog";

/// A span resolved to a path and positions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved<'a> {
    pub info: &'a SourceInfo,
    pub start: Position,
    pub end: Position,
}

/// The file a span points into, or `None` when its id is not in the map.
pub(crate) fn file_of(sources: &SourceMap, span: Span) -> Option<&SourceInfo> {
    ((span.file.0 as usize) < sources.len()).then(|| sources.get(span.file))
}

/// Resolve a span to line/column positions (`end` is exclusive, as the span).
pub(crate) fn resolve(sources: &SourceMap, span: Span) -> Option<Resolved<'_>> {
    let info = file_of(sources, span)?;
    Some(Resolved {
        info,
        start: sources.position(span.file, span.start),
        end: sources.position(span.file, span.end.max(span.start)),
    })
}

/// Like [`resolve`], but a span that ends just after a line break ends at the
/// end of that line instead of column 1 of the next one (what annotation
/// consumers such as GitHub expect: `endLine` is the line of the last character).
pub(crate) fn resolve_for_annotation(sources: &SourceMap, span: Span) -> Option<Resolved<'_>> {
    let mut r = resolve(sources, span)?;
    if span.end > span.start
        && r.end.column == 1
        && r.end.line > r.start.line
        && let Some((_, line_end)) = r.info.lines.line_range(r.end.line - 1)
    {
        r.end = sources.position(span.file, line_end.max(span.start));
    }
    Some(r)
}

/// A path for machine consumers: forward slashes, without a leading `./`.
pub(crate) fn portable_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

/// `1 package`, `2 packages`.
pub(crate) fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// ANSI styles, all empty when colour is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    pub red: &'static str,
    pub yellow: &'static str,
    pub green: &'static str,
    pub blue: &'static str,
    pub bold: &'static str,
    pub reset: &'static str,
}

impl Palette {
    pub fn new(color: bool) -> Self {
        if color {
            Palette {
                red: "\x1b[1;31m",
                yellow: "\x1b[1;33m",
                green: "\x1b[1;32m",
                blue: "\x1b[1;34m",
                bold: "\x1b[1m",
                reset: "\x1b[0m",
            }
        } else {
            Palette {
                red: "",
                yellow: "",
                green: "",
                blue: "",
                bold: "",
                reset: "",
            }
        }
    }
}

/// The one-line summary that ends text and github output:
/// `validated 3 files: 2 errors, 1 warning (1 package, 2 channels, 5 bundles)`.
pub(crate) fn summary_line(v: &Validation, p: &Palette) -> String {
    let (errors, warnings) = (v.errors(), v.warnings());
    let verdict = if errors + warnings == 0 {
        format!("{}no problems{}", p.green, p.reset)
    } else {
        let e = plural(errors, "error");
        let w = plural(warnings, "warning");
        let e = if errors > 0 {
            format!("{}{e}{}", p.red, p.reset)
        } else {
            e
        };
        let w = if warnings > 0 {
            format!("{}{w}{}", p.yellow, p.reset)
        } else {
            w
        };
        format!("{e}, {w}")
    };
    format!(
        "validated {}: {verdict} ({}, {}, {})",
        plural(v.files, "file"),
        plural(v.packages, "package"),
        plural(v.channels, "channel"),
        plural(v.bundles, "bundle"),
    )
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!(" JSON ".parse::<Format>(), Ok(Format::Json));
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown output format 'xml' (expected one of: text, json, sarif, github)"
        );
    }

    #[test]
    fn paths_for_machines() {
        assert_eq!(portable_path("./a/b.yaml"), "a/b.yaml");
        assert_eq!(portable_path(r"cat\pkg\index.json"), "cat/pkg/index.json");
        assert_eq!(portable_path("/abs/x.json"), "/abs/x.json");
    }

    #[test]
    fn summary_wording() {
        let mut v = Validation {
            files: 1,
            packages: 1,
            channels: 2,
            bundles: 5,
            ..Default::default()
        };
        let p = Palette::new(false);
        assert_eq!(
            summary_line(&v, &p),
            "validated 1 file: no problems (1 package, 2 channels, 5 bundles)"
        );
        v.diagnostics
            .push(crate::Diagnostic::new(crate::Code::ImageNotPinned, "x"));
        assert_eq!(
            summary_line(&v, &p),
            "validated 1 file: 0 errors, 1 warning (1 package, 2 channels, 5 bundles)"
        );
    }
}
