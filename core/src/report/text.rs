//! The human format, modelled on rustc:
//!
//! ```text
//! error[FBC204]: channel "stable" of package "foo" lists bundle "foo.v1.0.0" twice
//!   --> catalog/foo/catalog.yaml:11:11
//!    |
//! 10 |   - name: foo.v1.0.0
//!    |           ---------- first listed here
//! 11 |   - name: foo.v1.0.0
//!    |           ^^^^^^^^^^
//!    |
//!    = help: remove one of the two entries
//!    = note: run `oc catalog explain FBC204` for details
//!
//! validated 1 file: 1 error, 0 warnings (1 package, 1 channel, 1 bundle)
//! ```
//!
//! Snippets show the first line of a span (a span over several lines is
//! marked to the end of its first line); lines longer than [`MAX_WIDTH`]
//! columns are cut around the marks. Tabs are shown as four spaces, control
//! and bidi-override characters as `�`, so a catalog cannot drive the terminal.

use super::{Palette, RenderOptions, file_of, summary_line};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Validation;
use crate::source::{FileId, SourceMap, Span};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Only the summary line (`--quiet`): no snippets, so no source text needed.
pub fn render_summary(v: &Validation, opts: &RenderOptions) -> String {
    let mut out = summary_line(v, &Palette::new(opts.color));
    out.push('\n');
    out
}

/// Source lines wider than this many columns are shown cut around the marks.
pub const MAX_WIDTH: usize = 120;

/// Render every finding rustc-style, then the summary line.
pub fn render(v: &Validation, sources: &SourceMap, opts: &RenderOptions) -> String {
    let p = Palette::new(opts.color);
    let mut out = String::new();
    let mut explained = BTreeSet::new();
    for d in &v.diagnostics {
        let explain = explained
            .insert(d.code)
            .then_some(opts.command_name.as_str());
        diagnostic(&mut out, d, sources, &p, explain);
        out.push('\n');
    }
    out.push_str(&summary_line(v, &p));
    out.push('\n');
    out
}

/// One place to mark: the primary span or a label.
struct Mark<'a> {
    span: Span,
    primary: bool,
    message: Option<&'a str>,
}

fn diagnostic(
    out: &mut String,
    d: &Diagnostic,
    sources: &SourceMap,
    p: &Palette,
    explain: Option<&str>,
) {
    let sev = match d.severity {
        Severity::Error => p.red,
        Severity::Warning => p.yellow,
    };
    let _ = writeln!(
        out,
        "{sev}{}[{}]{}{}: {}{}",
        d.severity.as_str(),
        d.code.as_str(),
        p.reset,
        p.bold,
        clean(&d.message),
        p.reset
    );

    // Marks grouped by file, the primary span's file first.
    let mut marks: Vec<Mark<'_>> = Vec::new();
    if let Some(span) = d.span.filter(|s| file_of(sources, *s).is_some()) {
        marks.push(Mark {
            span,
            primary: true,
            message: None,
        });
    }
    for l in d
        .labels
        .iter()
        .filter(|l| file_of(sources, l.span).is_some())
    {
        marks.push(Mark {
            span: l.span,
            primary: false,
            message: Some(&l.message),
        });
    }
    let mut groups: Vec<(FileId, Vec<&Mark<'_>>)> = Vec::new();
    for m in &marks {
        match groups.iter_mut().find(|(f, _)| *f == m.span.file) {
            Some((_, g)) => g.push(m),
            None => groups.push((m.span.file, vec![m])),
        }
    }

    // Gutter wide enough for the largest line number shown.
    let max_line = marks
        .iter()
        .filter(|m| sources.get(m.span.file).text.is_some())
        .map(|m| sources.position(m.span.file, m.span.start).line)
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(max_line.to_string().len());

    let mut snippet_last = false;
    for (file, group) in &groups {
        let info = sources.get(*file);
        let path = clean(&info.path);
        let Some(text) = info.text.as_deref() else {
            // Text dropped: locations only.
            for m in group {
                let pos = sources.position(*file, m.span.start);
                match m.message {
                    None => {
                        let _ = writeln!(
                            out,
                            "{pad}{}-->{} {path}:{}:{}",
                            p.blue, p.reset, pos.line, pos.column
                        );
                    }
                    Some(msg) => {
                        let _ = writeln!(
                            out,
                            "{pad}{}:::{} {path}:{}:{}: {}",
                            p.blue,
                            p.reset,
                            pos.line,
                            pos.column,
                            clean(msg)
                        );
                    }
                }
            }
            snippet_last = false;
            continue;
        };
        let first = group[0];
        let pos = sources.position(*file, first.span.start);
        let arrow = if first.primary { "-->" } else { ":::" };
        let _ = writeln!(
            out,
            "{pad}{}{arrow}{} {path}:{}:{}",
            p.blue, p.reset, pos.line, pos.column
        );
        let _ = writeln!(out, "{pad} {}|{}", p.blue, p.reset);
        snippet(out, sources, *file, text, group, &pad, sev, p);
        snippet_last = true;
    }

    if (d.help.is_some() || explain.is_some()) && snippet_last {
        let _ = writeln!(out, "{pad} {}|{}", p.blue, p.reset);
    }
    if let Some(help) = &d.help {
        note(out, &pad, p, "help", &clean(help));
    }
    if let Some(cmd) = explain {
        note(
            out,
            &pad,
            p,
            "note",
            &format!("run `{cmd} explain {}` for details", d.code.as_str()),
        );
    }
}

/// `= help: text`, continuation lines aligned under the text.
fn note(out: &mut String, pad: &str, p: &Palette, kind: &str, text: &str) {
    let indent = " ".repeat(pad.len() + 4 + kind.len() + 1);
    for (i, line) in text.trim_end().lines().enumerate() {
        if i == 0 {
            let _ = writeln!(
                out,
                "{pad} {}={} {}{kind}{}: {line}",
                p.blue, p.reset, p.bold, p.reset
            );
        } else if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
}

/// A mark resolved to its line and to byte offsets within that line.
struct Placed<'a> {
    line: u32,
    start: usize,
    end: usize,
    primary: bool,
    message: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    sources: &SourceMap,
    file: FileId,
    text: &str,
    group: &[&Mark<'_>],
    pad: &str,
    sev: &str,
    p: &Palette,
) {
    let lines = &sources.get(file).lines;
    let line_text = |line: u32| -> &str {
        let (s, e) = lines.line_range(line).unwrap_or((0, 0));
        let t = text.get(s as usize..e as usize).unwrap_or("");
        t.strip_suffix('\r').unwrap_or(t)
    };

    let mut placed: Vec<Placed<'_>> = group
        .iter()
        .map(|m| {
            let line = sources.position(file, m.span.start).line;
            let (ls, _) = lines.line_range(line).unwrap_or((0, 0));
            let len = line_text(line).len();
            let start = (m.span.start.saturating_sub(ls) as usize).min(len);
            // A span past the end of its first line is marked to the end of that line.
            let end = (m.span.end.saturating_sub(ls) as usize).clamp(start, len);
            Placed {
                line,
                start,
                end,
                primary: m.primary,
                message: m.message,
            }
        })
        .collect();
    placed.sort_by_key(|m| (m.line, !m.primary, m.start));

    let mut prev: Option<u32> = None;
    let mut i = 0;
    while i < placed.len() {
        let line = placed[i].line;
        let on_line: Vec<&Placed<'_>> = placed[i..].iter().take_while(|m| m.line == line).collect();
        i += on_line.len();

        if let Some(prev) = prev {
            if line == prev + 2 {
                let shown = Shown::new(line_text(prev + 1), 0);
                source_line(out, pad, p, prev + 1, &shown.text);
            } else if line > prev + 2 {
                let _ = writeln!(out, "{}...{}", p.blue, p.reset);
            }
        }
        prev = Some(line);

        let raw = line_text(line);
        let anchor = on_line
            .iter()
            .map(|m| Shown::col(raw, m.start))
            .min()
            .unwrap_or(0);
        let shown = Shown::new(raw, anchor);
        source_line(out, pad, p, line, &shown.text);
        for m in on_line {
            let (col, width) = shown.marker(Shown::col(raw, m.start), Shown::col(raw, m.end));
            let (style, ch) = if m.primary { (sev, "^") } else { (p.blue, "-") };
            let msg = m
                .message
                .map(|s| format!(" {}", clean(s)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad} {}|{} {}{style}{}{msg}{}",
                p.blue,
                p.reset,
                " ".repeat(col),
                ch.repeat(width),
                p.reset
            );
        }
    }
}

fn source_line(out: &mut String, pad: &str, p: &Palette, line: u32, text: &str) {
    let num = line.to_string();
    let text = if text.is_empty() {
        String::new()
    } else {
        format!(" {text}")
    };
    let _ = writeln!(out, "{}{num:>w$} |{}{text}", p.blue, p.reset, w = pad.len());
}

/// A source line as displayed: cleaned, and cut to [`MAX_WIDTH`] columns.
struct Shown {
    text: String,
    /// First displayed column of the raw line.
    from: usize,
    /// Displayed columns taken by the `...` prefix.
    shift: usize,
    /// Columns past the last one shown.
    to: usize,
}

impl Shown {
    /// Display `raw` so that column `anchor` is visible.
    fn new(raw: &str, anchor: usize) -> Self {
        let total = Self::col(raw, raw.len());
        let (from, to) = if total <= MAX_WIDTH {
            (0, total)
        } else {
            let from = anchor.saturating_sub(MAX_WIDTH / 6);
            (from, (from + MAX_WIDTH).min(total))
        };
        let mut text = String::new();
        if from > 0 {
            text.push_str("...");
        }
        let mut col = 0;
        for c in raw.chars() {
            let w = width(c);
            if col >= from && col + w <= to {
                push_shown(&mut text, c);
            }
            col += w;
        }
        if to < total {
            text.push_str("...");
        }
        Shown {
            text,
            from,
            shift: if from > 0 { 3 } else { 0 },
            to,
        }
    }

    /// Display column of byte offset `byte` of `raw` (offsets inside a
    /// character count from the next one).
    fn col(raw: &str, byte: usize) -> usize {
        raw.char_indices()
            .take_while(|(i, _)| *i < byte)
            .map(|(_, c)| width(c))
            .sum()
    }

    /// Where to draw a marker for raw columns `[start, end)`: column and width (at least 1).
    fn marker(&self, start: usize, end: usize) -> (usize, usize) {
        let start = start.clamp(self.from, self.to);
        let end = end.clamp(start, self.to);
        (start - self.from + self.shift, (end - start).max(1))
    }
}

/// How a character of a source line is displayed.
fn push_shown(s: &mut String, c: char) {
    match c {
        '\t' => s.push_str("    "),
        c if replaced(c) => s.push('\u{FFFD}'),
        c => s.push(c),
    }
}

/// Control characters and bidi overrides: never sent to the terminal.
fn replaced(c: char) -> bool {
    c.is_control() || matches!(c as u32, 0x202A..=0x202E | 0x2066..=0x2069)
}

/// Terminal columns a character takes (a small table: combining marks 0,
/// East Asian wide and emoji 2, the rest 1).
fn width(c: char) -> usize {
    if c == '\t' {
        return 4;
    }
    if replaced(c) {
        return 1;
    }
    match c as u32 {
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x200B..=0x200F
        | 0x2060..=0x2064
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F
        | 0xFEFF => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F680..=0x1F6FF
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Message text with carriage returns dropped and other terminal control
/// characters (but line breaks and tabs) replaced, so a name read from a
/// catalog cannot inject escapes.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\r')
        .map(|c| {
            if c != '\n' && c != '\t' && replaced(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::report::testutil::{self, map, opts, span_of};

    fn one(d: Diagnostic, sources: &SourceMap) -> String {
        let v = Validation {
            diagnostics: vec![d],
            files: 1,
            ..Default::default()
        };
        render(&v, sources, &opts())
    }

    #[test]
    fn sample() {
        let (v, sources) = testutil::sample();
        insta::assert_snapshot!("text_sample", render(&v, &sources, &opts()));
    }

    #[test]
    fn no_findings() {
        let (v, sources) = testutil::clean();
        let out = render(&v, &sources, &opts());
        assert_eq!(
            out,
            "validated 1 file: no problems (1 package, 1 channel, 1 bundle)\n"
        );
    }

    #[test]
    fn colour() {
        let (v, sources) = testutil::sample();
        let v = Validation {
            diagnostics: v.diagnostics[..2].to_vec(),
            ..v
        };
        let out = render(
            &v,
            &sources,
            &RenderOptions {
                color: true,
                ..opts()
            },
        );
        insta::assert_snapshot!("text_colour", out.replace('\x1b', "␛"));
        assert!(render(&v, &sources, &opts()).chars().all(|c| c != '\x1b'));
    }

    #[test]
    fn command_name_in_note() {
        let (v, sources) = testutil::sample();
        let out = render(
            &v,
            &sources,
            &RenderOptions {
                command_name: "kubectl catalog".into(),
                ..opts()
            },
        );
        assert!(out.contains("= note: run `kubectl catalog explain FBC204` for details"));
        // Once per code: FBC501 is reported twice, explained once.
        assert_eq!(out.matches("explain FBC501").count(), 1);
    }

    #[test]
    fn long_line_is_cut_around_the_mark() {
        let text = format!(
            "{{\"schema\":\"olm.bundle\",\"data\":\"{}\",\"image\":\"quay.io/a/b:v1\",\"x\":\"{}\"}}\n",
            "A".repeat(300),
            "B".repeat(300)
        );
        let (sources, ids) = map(&[("index.json", &text)]);
        let d = Diagnostic::new(Code::ImageNotPinned, "image is a tag").at(span_of(
            ids[0],
            &text,
            "\"quay.io/a/b:v1\"",
            0,
        ));
        insta::assert_snapshot!("text_long_line", one(d, &sources));
    }

    #[test]
    fn crlf_tabs_and_control_characters() {
        let text = "schema: olm.package\r\nname:\tfoo\x1b[31m\r\n";
        let (sources, ids) = map(&[("crlf.yaml", text)]);
        let d = Diagnostic::new(
            Code::PackageNameInvalid,
            "package name \"foo\x1b[31m\" is not a lowercase RFC 1123 label",
        )
        .at(span_of(ids[0], text, "foo\x1b[31m\r\n", 0));
        let out = one(d, &sources);
        assert!(!out.contains('\x1b') && !out.contains('\r'));
        insta::assert_snapshot!("text_crlf_tabs_control", out);
    }

    #[test]
    fn distant_labels_and_other_files() {
        let a = "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\n";
        let b = "other: x\n";
        let (sources, ids) = map(&[("a.yaml", a), ("b.yaml", b)]);
        let d = Diagnostic::new(Code::DuplicatePackage, "package \"foo\" is defined twice")
            .at(span_of(ids[0], a, "l10", 0))
            .with_label(span_of(ids[0], a, "l2", 0), "first defined here")
            .with_label(span_of(ids[0], a, "l8", 0), "next to the last")
            .with_label(span_of(ids[1], b, "x", 0), "and here")
            .with_label(span_of(ids[0], a, "l10", 0), "on the same line");
        insta::assert_snapshot!("text_labels", one(d, &sources));
    }

    #[test]
    fn empty_span_at_end_of_file() {
        let text = "schema: olm.package\n";
        let (sources, ids) = map(&[("eof.yaml", text)]);
        let d = Diagnostic::new(Code::MissingSchema, "unexpected end").at(Span::new(
            ids[0],
            text.len(),
            text.len(),
        ));
        insta::assert_snapshot!("text_empty_span_eof", one(d, &sources));
    }

    #[test]
    fn display_widths() {
        assert_eq!(Shown::col("日本:x", "日本:".len()), 5);
        assert_eq!(Shown::col("e\u{301}x", 3), 1);
        assert_eq!(Shown::col("\tx", 1), 4);
        assert_eq!(Shown::new("a\u{202E}b", 0).text, "a\u{FFFD}b");
    }
}
