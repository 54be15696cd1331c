//! The JSON format: one pretty-printed document, versioned, described by
//! `schemas/validate-output.schema.json` and `docs/output-formats.md`.
//!
//! Positions are 1-based; `column` counts Unicode scalar values and
//! `columnUtf16` UTF-16 code units (what editors and browsers use); `end` is
//! exclusive, like `offset` ranges. When the CLI did not keep a file's text,
//! both columns count bytes.

use super::{RenderOptions, TOOL_NAME, resolve};
use crate::diagnostic::Diagnostic;
use crate::rules::Validation;
use crate::source::{Position, SourceMap, Span};
use serde::Serialize;

/// The version of the document's shape; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Output<'a> {
    /// [`SCHEMA_VERSION`].
    pub version: u32,
    /// Which tool wrote it.
    pub tool: Tool<'a>,
    /// True when no finding has error severity (exit code 0).
    pub passed: bool,
    /// Counts.
    pub summary: Summary,
    /// Every finding, sorted by file, position, code.
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// `tool`: name and version.
#[derive(Debug, Serialize)]
pub struct Tool<'a> {
    /// Always `oc-catalog`.
    pub name: &'static str,
    /// The tool's version.
    pub version: &'a str,
}

/// `summary`: what was found and what was validated.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Findings of error severity.
    pub errors: usize,
    /// Findings of warning severity.
    pub warnings: usize,
    /// Files read.
    pub files: usize,
    /// Packages in the catalog.
    pub packages: usize,
    /// Channels in the catalog.
    pub channels: usize,
    /// Bundles in the catalog.
    pub bundles: usize,
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `FBC204`.
    pub code: &'static str,
    /// `duplicate-channel-entry`.
    pub name: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// One line.
    pub message: &'a str,
    /// What to do about it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    /// Where it is; absent for findings about the catalog as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location<'a>>,
    /// Other places that explain it.
    pub labels: Vec<JsonLabel<'a>>,
}

/// A secondary location.
#[derive(Debug, Serialize)]
pub struct JsonLabel<'a> {
    /// What this place has to do with the finding.
    pub message: &'a str,
    /// Where it is.
    pub location: Location<'a>,
}

/// A range in one file.
#[derive(Debug, Serialize)]
pub struct Location<'a> {
    /// The path as the user gave it (or `<stdin>`).
    pub path: &'a str,
    /// First character.
    pub start: JsonPosition,
    /// Just past the last character.
    pub end: JsonPosition,
}

/// A position in a file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonPosition {
    /// Byte offset from the start of the file (0-based).
    pub offset: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in Unicode scalar values.
    pub column: u32,
    /// 1-based column in UTF-16 code units.
    pub column_utf16: u32,
}

impl From<Position> for JsonPosition {
    fn from(p: Position) -> Self {
        JsonPosition {
            offset: p.offset,
            line: p.line,
            column: p.column,
            column_utf16: p.column_utf16,
        }
    }
}

fn location(sources: &SourceMap, span: Span) -> Option<Location<'_>> {
    let r = resolve(sources, span)?;
    Some(Location {
        path: &r.info.path,
        start: r.start.into(),
        end: r.end.into(),
    })
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
    let info = d.code.info();
    JsonDiagnostic {
        code: info.code,
        name: info.name,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        location: d.span.and_then(|s| location(sources, s)),
        labels: d
            .labels
            .iter()
            .filter_map(|l| {
                Some(JsonLabel {
                    message: &l.message,
                    location: location(sources, l.span)?,
                })
            })
            .collect(),
    }
}

/// The document as data (for callers that embed it, such as the browser shim).
pub fn output<'a>(
    v: &'a Validation,
    sources: &'a SourceMap,
    opts: &'a RenderOptions,
) -> Output<'a> {
    Output {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: &opts.tool_version,
        },
        passed: v.passed(),
        summary: Summary {
            errors: v.errors(),
            warnings: v.warnings(),
            files: v.files,
            packages: v.packages,
            channels: v.channels,
            bundles: v.bundles,
        },
        diagnostics: v
            .diagnostics
            .iter()
            .map(|d| diagnostic(d, sources))
            .collect(),
    }
}

/// Render the document, pretty-printed, with a trailing newline.
pub fn render(v: &Validation, sources: &SourceMap, opts: &RenderOptions) -> String {
    let mut s = serde_json::to_string_pretty(&output(v, sources, opts))
        .expect("plain data always serializes");
    s.push('\n');
    s
}
