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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::report::testutil::{self, map, opts, span_of};

    #[test]
    fn sample() {
        let (v, sources) = testutil::sample();
        let out = render(&v, &sources, &opts());
        // One command per finding, each on one line, then the summary.
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), v.diagnostics.len() + 1);
        for (l, d) in lines.iter().zip(&v.diagnostics) {
            assert!(l.starts_with(&format!("::{} ", d.severity.as_str())), "{l}");
        }
        insta::assert_snapshot!("github_sample", out);
    }

    #[test]
    fn no_findings() {
        let (v, sources) = testutil::clean();
        assert_eq!(
            render(&v, &sources, &opts()),
            "validated 1 file: no problems (1 package, 1 channel, 1 bundle)\n"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100%\r\nnext: a,b"), "100%25%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // A path with the characters that end a property or the command.
        let text = "schema: olm.package\nname: x\n";
        let (sources, ids) = map(&[(r".\odd,dir\a:b%.yaml", text)]);
        let d = Diagnostic::new(Code::PackageNameInvalid, "name \"x\": bad, 50%\nreally")
            .at(span_of(ids[0], text, "x", 0))
            .with_help("use: y");
        assert_eq!(
            command(&d, &sources),
            "::error file=odd%2Cdir/a%3Ab%25.yaml,line=2,col=7,endLine=2,endColumn=8,\
             title=FBC103 package-name-invalid::name \"x\": bad, 50%25%0Areally%0Ahelp: use: y"
        );
    }

    #[test]
    fn no_location() {
        let (sources, _) = map(&[]);
        let d = Diagnostic::new(
            Code::PackageWithoutChannels,
            "package \"bar\" has no channels",
        );
        assert_eq!(
            command(&d, &sources),
            "::error title=FBC106 package-without-channels::package \"bar\" has no channels"
        );
    }
}
