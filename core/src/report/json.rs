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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{self, opts};
    use serde_json::Value;

    const SCHEMA: &str = include_str!("../../../schemas/validate-output.schema.json");

    /// Checks `v` against the keywords `schemas/validate-output.schema.json`
    /// uses (type, const, enum, required, properties, additionalProperties,
    /// items, $ref, minimum, minLength); `pattern` is checked by the tests.
    fn conforms(root: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let target = root
                .pointer(r.trim_start_matches('#'))
                .ok_or(format!("bad $ref {r}"))?;
            conforms(root, target, v, at)?;
        }
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "boolean" => v.is_boolean(),
                "integer" => v.is_u64() || v.is_i64(),
                other => return Err(format!("type {other} not handled")),
            };
            if !ok {
                return Err(format!("{at}: expected {t}, got {v}"));
            }
        }
        if let Some(c) = schema.get("const").filter(|c| *c != v) {
            return Err(format!("{at}: expected {c}, got {v}"));
        }
        if let Some(e) = schema
            .get("enum")
            .and_then(Value::as_array)
            .filter(|e| !e.contains(v))
        {
            return Err(format!("{at}: {v} not in {e:?}"));
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_u64), v.as_u64())
            && n < min
        {
            return Err(format!("{at}: {n} < {min}"));
        }
        if let (Some(min), Some(s)) = (schema.get("minLength").and_then(Value::as_u64), v.as_str())
            && (s.chars().count() as u64) < min
        {
            return Err(format!("{at}: too short"));
        }
        if let Some(obj) = v.as_object() {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let req = req.as_str().unwrap();
                if !obj.contains_key(req) {
                    return Err(format!("{at}: missing {req}"));
                }
            }
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => conforms(root, s, val, &format!("{at}.{k}"))?,
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Err(format!("{at}: unexpected {k}"));
                    }
                    None => {}
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
            for (i, item) in arr.iter().enumerate() {
                conforms(root, items, item, &format!("{at}[{i}]"))?;
            }
        }
        Ok(())
    }

    fn check(out: &str) -> Value {
        assert!(out.ends_with("}\n"));
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let v: Value = serde_json::from_str(out).unwrap();
        conforms(&schema, &schema, &v, "$").unwrap();
        v
    }

    #[test]
    fn sample() {
        let (v, sources) = testutil::sample();
        let out = render(&v, &sources, &opts());
        let doc = check(&out);
        let diags = doc["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), v.diagnostics.len());
        for d in diags {
            let code = d["code"].as_str().unwrap();
            assert!(
                code.len() == 6
                    && code.starts_with("FBC")
                    && code[3..].bytes().all(|b| b.is_ascii_digit())
            );
        }
        // The wide-character line: columns in scalar values and UTF-16 units.
        let related = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().starts_with("related image"))
            .unwrap();
        assert_eq!(related["location"]["start"]["column"], 47);
        assert_eq!(related["location"]["start"]["columnUtf16"], 48);
        assert_eq!(related["location"]["start"]["offset"], 162);
        let cafe = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().starts_with("image \"quay"))
            .unwrap();
        assert_eq!(cafe["location"]["path"], "./catalog/café/index.json");
        insta::assert_snapshot!("json_sample", out);
    }

    #[test]
    fn no_findings() {
        let (v, sources) = testutil::clean();
        let out = render(&v, &sources, &opts());
        let doc = check(&out);
        assert_eq!(doc["passed"], true);
        insta::assert_snapshot!("json_clean", out);
    }

    #[test]
    fn warnings_only_pass() {
        let (v, sources) = testutil::sample();
        let diagnostics = v
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .cloned()
            .collect();
        let v = Validation { diagnostics, ..v };
        let doc = check(&render(&v, &sources, &opts()));
        assert_eq!(doc["passed"], true);
        assert_eq!(doc["summary"]["warnings"], 2);
    }

    #[test]
    fn schema_rejects_what_it_should() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let (v, sources) = testutil::sample();
        let mut doc: Value = serde_json::from_str(&render(&v, &sources, &opts())).unwrap();
        doc["diagnostics"][0]["extra"] = Value::Bool(true);
        assert!(conforms(&schema, &schema, &doc, "$").is_err());
        doc["diagnostics"][0]
            .as_object_mut()
            .unwrap()
            .remove("extra");
        doc["diagnostics"][0]["severity"] = "fatal".into();
        assert!(conforms(&schema, &schema, &doc, "$").is_err());
    }
}
