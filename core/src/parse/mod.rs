//! Reading one catalog file into documents, exactly as opm splits it.
//!
//! opm decodes each file with apimachinery's `YAMLOrJSONDecoder`:
//! - a UTF-8 byte-order mark is skipped;
//! - if the first non-space character is `{`, the file is read as a stream
//!   of JSON values; if that fails before a second value was read, the rest
//!   is read as YAML instead (and if YAML fails too, the JSON error is the
//!   one reported);
//! - otherwise the file is cut into YAML documents at lines starting with
//!   `---` (only spaces or a comment may follow on that line), and every
//!   non-empty piece is one document — a piece holding only comments or
//!   blank lines is a null document, which opm rejects for lacking a schema.
//!
//! Unlike opm, parsing goes on after an error: every YAML document is
//! parsed, so one run reports every broken document.

pub mod fastyaml;
pub mod json;
pub mod yaml;

use crate::value::Node;
use json::JsonParser;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxKind {
    Json,
    Yaml,
}

/// A document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub kind: SyntaxKind,
    /// Byte offset in the file.
    pub offset: usize,
    pub message: String,
}

/// The documents of one file, in order, and the errors met.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    pub docs: Vec<Node<'a>>,
    pub errors: Vec<SyntaxError>,
    /// True when the file was read as a JSON stream.
    pub json: bool,
}

const BOM: &str = "\u{feff}";

/// Split and parse one file.
pub fn parse_stream(text: &str) -> Parsed<'_> {
    let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let first = text[start..]
        .trim_start_matches(char::is_whitespace)
        .as_bytes()
        .first()
        .copied();
    let mut out = Parsed::default();
    if first == Some(b'{') {
        out.json = true;
        parse_json_stream(text, start, &mut out);
    } else {
        parse_yaml_stream(text, start, &mut out);
    }
    out
}

fn parse_json_stream<'a>(text: &'a str, start: usize, out: &mut Parsed<'a>) {
    let mut p = JsonParser::new(text, start);
    while !p.at_end() {
        match p.next_value() {
            Ok(node) => out.docs.push(node),
            Err(e) => {
                // apimachinery (v0.33+) would retry the rest as YAML when
                // fewer than two values were read, but the reference opm
                // build rejects such files (a flow-style YAML mapping at the
                // top of a file fails with this JSON error): so do we.
                out.errors.push(SyntaxError {
                    kind: SyntaxKind::Json,
                    offset: e.offset,
                    message: if e.eof {
                        e.message
                    } else {
                        format!("json: offset {}: {}", e.offset + 1, e.message)
                    },
                });
                return;
            }
        }
    }
}

fn is_separator(line: &str) -> Option<Result<(), String>> {
    let rest = line.strip_prefix("---")?;
    let trimmed = rest.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        Some(Ok(()))
    } else {
        Some(Err(format!("invalid Yaml document separator: {trimmed}")))
    }
}

/// Cut `text[start..]` into documents at `---` lines and parse each.
fn parse_yaml_stream<'a>(text: &'a str, start: usize, out: &mut Parsed<'a>) {
    let bytes = text.as_bytes();
    let emit = |from: usize, to: usize, out: &mut Parsed<'a>| {
        if to <= from {
            return;
        }
        match yaml::parse_document(&text[from..to], from) {
            Ok(node) => out.docs.push(node),
            Err(e) => out.errors.push(SyntaxError {
                kind: SyntaxKind::Yaml,
                offset: e.offset,
                message: e.message,
            }),
        }
    };
    let mut chunk_start = start;
    let mut pos = start;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..])
            .map(|i| pos + i + 1)
            .unwrap_or(bytes.len());
        match is_separator(&text[pos..line_end]) {
            Some(Ok(())) => {
                emit(chunk_start, pos, out);
                chunk_start = line_end;
            }
            Some(Err(message)) => {
                // apimachinery stops the file here, dropping the pending document.
                out.errors.push(SyntaxError {
                    kind: SyntaxKind::Yaml,
                    offset: pos,
                    message,
                });
                return;
            }
            None => {}
        }
        pos = line_end;
    }
    emit(chunk_start, bytes.len(), out);
}

/// Every document of a file as `serde_json::Value`s (for schema checks and
/// tools). Fails on the first syntax error.
pub fn documents_to_json(text: &str) -> Result<Vec<serde_json::Value>, String> {
    let parsed = parse_stream(text);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("at byte {}: {}", e.offset, e.message));
    }
    Ok(parsed.docs.iter().map(Node::to_json).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_split_like_apimachinery() {
        let p = parse_stream("---\na: 1\n---\nb: 2\n--- # c\nc: 3\n");
        assert_eq!(p.docs.len(), 3);
        assert!(p.errors.is_empty());
        // A comment before the first separator is a null document.
        let p = parse_stream("# licence\n---\na: 1\n");
        assert_eq!(p.docs.len(), 2);
        assert!(p.docs[0].is_null());
        // Empty file: nothing.
        assert!(parse_stream("").docs.is_empty());
        // Bad separator stops the file.
        let p = parse_stream("a: 1\n--- b\nc: 2\n");
        assert_eq!(p.errors[0].message, "invalid Yaml document separator: b");
        assert_eq!(p.docs.len(), 0, "apimachinery drops the pending document");
        // Every broken document is reported, and good ones are kept.
        let p = parse_stream("a: [\n---\nb: 1\n---\nc: {\n");
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.docs.len(), 1);
    }

    #[test]
    fn json_stream_and_fallback() {
        let p = parse_stream("\u{feff} {\"a\":1}\n{\"b\":2}{\"c\":3}");
        assert!(p.json && p.errors.is_empty());
        assert_eq!(p.docs.len(), 3);
        // A YAML flow mapping starting with '{' is read as JSON and fails, as in opm.
        let p = parse_stream("{schema: olm.package, name: foo}\n");
        assert_eq!(
            p.errors[0].message,
            "json: offset 2: invalid character 's' looking for beginning of object key string"
        );
        // Neither: the JSON error is reported.
        let p = parse_stream("{{{ this is not json");
        assert_eq!(
            p.errors[0].message,
            "json: offset 2: invalid character '{' looking for beginning of object key string"
        );
        // Two good values then garbage: JSON error, no fallback.
        let p = parse_stream("{\"a\":1}{\"b\":2}{oops");
        assert_eq!(p.errors[0].kind, SyntaxKind::Json);
        assert_eq!(p.docs.len(), 2);
        let p = parse_stream("{\"schema\": \"olm.package\", \"name\": \"foo\",");
        assert_eq!(p.errors[0].message, "unexpected EOF");
    }
}
