//! GitHub Actions workflow commands: one annotation per finding,
//!
//! ```text
//! ::error file=catalog/foo/catalog.yaml,line=11,col=11,endLine=11,endColumn=21,title=FBC204 duplicate-channel-entry::channel "stable" …%0Ahelp: remove one of the two entries
//! ```
//!
//! then the summary line as plain log text. Values are escaped as the
//! Actions toolkit does (`%`, CR and LF in the message; also `:` and `,` in
//! properties). Paths use forward slashes, relative as given; a finding
//! without a location has no `file`/`line` properties.

use super::{Palette, RenderOptions, portable_path, resolve, resolve_for_annotation, summary_line};
use crate::diagnostic::Diagnostic;
use crate::rules::Validation;
use crate::source::SourceMap;
use std::fmt::Write as _;

/// Render one workflow command per finding, then the summary line.
pub fn render(v: &Validation, sources: &SourceMap, _opts: &RenderOptions) -> String {
    let mut out = String::new();
    for d in &v.diagnostics {
        out.push_str(&command(d, sources));
        out.push('\n');
    }
    out.push_str(&summary_line(v, &Palette::new(false)));
    out.push('\n');
    out
}

/// The workflow command for one finding (without the newline).
pub fn command(d: &Diagnostic, sources: &SourceMap) -> String {
    let info = d.code.info();
    let mut props = String::new();
    if let Some(r) = d.span.and_then(|s| resolve_for_annotation(sources, s)) {
        let _ = write!(
            props,
            "file={},line={},col={},endLine={},endColumn={},",
            escape_property(&portable_path(&r.info.path)),
            r.start.line,
            r.start.column,
            r.end.line,
            r.end.column
        );
    }
    let _ = write!(
        props,
        "title={}",
        escape_property(&format!("{} {}", info.code, info.name))
    );

    let mut message = d.message.clone();
    for l in &d.labels {
        if let Some(r) = resolve(sources, l.span) {
            let _ = write!(
                message,
                "\n{}:{}:{}: {}",
                portable_path(&r.info.path),
                r.start.line,
                r.start.column,
                l.message
            );
        }
    }
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{} {props}::{}",
        d.severity.as_str(),
        escape_data(&message)
    )
}

/// Escape a command's message: `%`, CR, LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
