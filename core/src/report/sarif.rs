//! SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! One run; `tool.driver.rules` lists every code of [`codes::ALL`] (so
//! `ruleIndex` is the code's index there), with its summary, its document
//! (text and markdown) and its default level. Each result has exactly one
//! location, as GitHub requires: a finding about the catalog as a whole
//! (no span) is anchored at line 1 of the first file read. Labels become
//! `relatedLocations`, linked from the message. Columns count Unicode code
//! points (`columnKind: unicodeCodePoints`); `endColumn` is exclusive.
//! `partialFingerprints` are left to `github/codeql-action/upload-sarif`,
//! which computes them from the checked-out files.

use super::{
    INFORMATION_URI, RenderOptions, TOOL_NAME, portable_path, resolve, resolve_for_annotation,
};
use crate::codes::{self, Code, CodeInfo};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Validation;
use crate::source::{FileId, SourceMap, Span};
use serde::Serialize;
use std::fmt::Write as _;

/// The `$schema` of the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub caps `fullDescription.text` (and `shortDescription.text`) at this many characters.
const DESCRIPTION_MAX: usize = 1024;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'a str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// Render the SARIF log, pretty-printed, with a trailing newline.
pub fn render(v: &Validation, sources: &SourceMap, opts: &RenderOptions) -> String {
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    information_uri: INFORMATION_URI,
                    version: &opts.tool_version,
                    rules: codes::ALL.iter().map(|c| rule(c.info())).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: v.diagnostics.iter().map(|d| result(d, sources)).collect(),
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).expect("plain data always serializes");
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(i: &'static CodeInfo) -> Rule {
    let category = match i.code.as_bytes().get(3) {
        Some(b'0') => "document",
        Some(b'1') => "package",
        Some(b'2') => "channel",
        Some(b'3') => "bundle",
        Some(b'4') => "deprecation",
        _ => "mirror",
    };
    let mut tags = vec!["olm", "catalog", category];
    if i.opm {
        tags.push("opm");
    }
    let doc = i.doc.trim_end();
    Rule {
        id: i.code,
        name: i.name,
        short_description: Text {
            text: truncate(i.summary, DESCRIPTION_MAX),
        },
        full_description: Text {
            text: truncate(
                &first_paragraph(doc).unwrap_or_else(|| i.summary.into()),
                DESCRIPTION_MAX,
            ),
        },
        help_uri: format!("{INFORMATION_URI}/blob/main/docs/codes/{}.md", i.code),
        help: Help {
            text: doc.to_string(),
            markdown: doc.to_string(),
        },
        default_configuration: Configuration {
            level: level(i.severity),
        },
        properties: RuleProperties {
            tags,
            precision: "very-high",
            problem_severity: level(i.severity),
        },
    }
}

/// The first paragraph of prose of a code's markdown document (headings and
/// code blocks skipped), on one line.
fn first_paragraph(doc: &str) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    let mut fenced = false;
    for line in doc.lines().map(str::trim) {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && !line.is_empty() && !line.starts_with('#') {
            para.push(line);
            continue;
        }
        if !para.is_empty() {
            break;
        }
    }
    (!para.is_empty()).then(|| {
        para.join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// At most `max` characters, cut with `…`.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn result(d: &Diagnostic, sources: &SourceMap) -> SarifResult {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        let _ = write!(text, "\nhelp: {help}");
    }
    let mut related = Vec::new();
    for l in &d.labels {
        if let Some(physical) = physical(sources, l.span) {
            let id = related.len() + 1;
            let _ = write!(text, "\n[{}]({id})", escape_link_text(&l.message));
            related.push(SarifLocation {
                id: Some(id),
                physical_location: physical,
                message: Some(Text {
                    text: l.message.clone(),
                }),
            });
        }
    }
    let primary = d.span.and_then(|s| physical(sources, s));
    let locations = match primary {
        Some(p) => vec![SarifLocation {
            id: None,
            physical_location: p,
            message: None,
        }],
        None => whole_catalog(sources).into_iter().collect(),
    };
    SarifResult {
        rule_id: d.code.as_str(),
        rule_index: rule_index(d.code),
        level: level(d.severity),
        message: Text { text },
        locations,
        related_locations: related,
    }
}

fn rule_index(code: Code) -> usize {
    codes::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

fn physical(sources: &SourceMap, span: Span) -> Option<PhysicalLocation> {
    let r = resolve_for_annotation(sources, span)?;
    Some(PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_uri(&r.info.path),
        },
        region: Region {
            start_line: r.start.line,
            start_column: r.start.column,
            end_line: r.end.line,
            end_column: r.end.column,
        },
    })
}

/// The anchor of a finding without a span: line 1 of the first file.
fn whole_catalog(sources: &SourceMap) -> Option<SarifLocation> {
    let span = Span::new(FileId(0), 0, 0);
    let r = resolve(sources, span)?;
    Some(SarifLocation {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact_uri(&r.info.path),
            },
            region: Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
            },
        },
        message: Some(Text {
            text: "the catalog as a whole".into(),
        }),
    })
}

/// A link text of a plain-text SARIF message: `\`, `[` and `]` escaped.
fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A path as a URI reference: relative paths stay relative (GitHub resolves
/// them against the repository root), absolute ones become `file://` URIs;
/// anything outside RFC 3986's path characters is percent-encoded.
pub fn artifact_uri(path: &str) -> String {
    let p = portable_path(path);
    let b = p.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        return format!("file:///{}:{}", &p[..1], encode_path(&p[2..]));
    }
    if p.starts_with('/') {
        return format!("file://{}", encode_path(&p));
    }
    encode_path(&p)
}

fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        // unreserved / sub-delims / "@" / "/"; ":" is encoded so a relative
        // path's first segment never reads as a scheme.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{self, opts};
    use serde_json::Value;

    fn log(v: &Validation, sources: &SourceMap) -> Value {
        let out = render(v, sources, &opts());
        assert!(out.ends_with("}\n"));
        serde_json::from_str(&out).unwrap()
    }

    /// The whole log with sorted keys (whatever serde_json's features), the
    /// rules (one per code, documents written elsewhere) and rule indexes
    /// elided: `github_accepts` checks those.
    fn snapshot_form(mut log: Value) -> String {
        log["runs"][0]["tool"]["driver"]["rules"] =
            Value::String("<one per code of codes::ALL>".into());
        for r in log["runs"][0]["results"].as_array_mut().unwrap() {
            r["ruleIndex"] = Value::String("<index of ruleId>".into());
        }
        fn sorted(v: Value) -> Value {
            match v {
                Value::Object(m) => {
                    let mut entries: Vec<_> = m.into_iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
                }
                Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
                v => v,
            }
        }
        serde_json::to_string_pretty(&sorted(log)).unwrap()
    }

    /// What GitHub code scanning requires of an uploaded file.
    fn github_accepts(log: &Value) {
        assert_eq!(log["$schema"], SCHEMA_URI);
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "oc-catalog");
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), codes::ALL.len());
        for (rule, code) in rules.iter().zip(codes::ALL) {
            assert_eq!(rule["id"], code.as_str());
            assert!(rule["name"].as_str().unwrap().len() <= 255);
            for field in ["shortDescription", "fullDescription"] {
                let t = rule[field]["text"].as_str().unwrap();
                assert!(
                    !t.is_empty() && t.chars().count() <= 1024,
                    "{} {field}",
                    code.as_str()
                );
            }
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
            assert!(
                ["error", "warning", "note"]
                    .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap())
            );
        }
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
            let text = r["message"]["text"].as_str().unwrap();
            assert!(!text.is_empty());
            let locations = r["locations"].as_array().unwrap();
            assert_eq!(locations.len(), 1, "GitHub needs exactly one location: {r}");
            let related = r
                .get("relatedLocations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for l in locations.iter().chain(&related) {
                let p = &l["physicalLocation"];
                let uri = p["artifactLocation"]["uri"].as_str().unwrap();
                assert!(
                    !uri.is_empty() && !uri.contains(['\\', ' ']) && !uri.starts_with("./"),
                    "{uri}"
                );
                let g = |k: &str| p["region"][k].as_u64().unwrap();
                assert!(g("startLine") >= 1 && g("startColumn") >= 1 && g("endColumn") >= 1);
                assert!(
                    g("endLine") > g("startLine")
                        || (g("endLine") == g("startLine") && g("endColumn") >= g("startColumn"))
                );
            }
            for l in &related {
                assert!(
                    text.contains(&format!("]({})", l["id"])),
                    "related location {} not linked",
                    l["id"]
                );
            }
        }
    }

    #[test]
    fn sample() {
        let (v, sources) = testutil::sample();
        let log = log(&v, &sources);
        github_accepts(&log);
        let results = log["runs"][0]["results"].as_array().unwrap();
        // A span over several lines that ends after a line break ends on its last line.
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["endLine"],
            11
        );
        insta::assert_snapshot!("sarif_sample", snapshot_form(log));
    }

    #[test]
    fn no_findings() {
        let (v, sources) = testutil::clean();
        let log = log(&v, &sources);
        github_accepts(&log);
        assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
        insta::assert_snapshot!("sarif_clean", snapshot_form(log));
    }

    #[test]
    fn rules_come_from_the_code_catalogue() {
        let (v, sources) = testutil::clean();
        let log = log(&v, &sources);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let i = rule_index(Code::DuplicateChannelEntry);
        let info = Code::DuplicateChannelEntry.info();
        let rule = &rules[i];
        assert_eq!(rule["name"], info.name);
        assert_eq!(rule["shortDescription"]["text"], info.summary);
        assert_eq!(rule["help"]["markdown"], info.doc.trim_end());
        assert_eq!(
            rule["helpUri"],
            format!("{INFORMATION_URI}/blob/main/docs/codes/FBC204.md")
        );
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert_eq!(
            rule["properties"]["tags"],
            serde_json::json!(["olm", "catalog", "channel", "opm"])
        );
        let lint = &rules[rule_index(Code::ImageNotPinned)];
        assert_eq!(lint["defaultConfiguration"]["level"], "warning");
        assert_eq!(
            lint["properties"]["tags"],
            serde_json::json!(["olm", "catalog", "mirror"])
        );
    }

    #[test]
    fn descriptions() {
        let doc = "# FBC999 x\n\nFirst paragraph\nwrapped  here.\n\n## More\n\nSecond.";
        assert_eq!(
            first_paragraph(doc).as_deref(),
            Some("First paragraph wrapped here.")
        );
        let doc = "# FBC999 x\n\n## What it means\nIt means\nthis.\n## Why\nBecause.";
        assert_eq!(first_paragraph(doc).as_deref(), Some("It means this."));
        let doc = "# FBC999 x\n```yaml\nschema: x\n```\nAfter the example.\n";
        assert_eq!(first_paragraph(doc).as_deref(), Some("After the example."));
        assert_eq!(first_paragraph("# only a title"), None);
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn uris() {
        assert_eq!(
            artifact_uri("./catalog/café/index.json"),
            "catalog/caf%C3%A9/index.json"
        );
        assert_eq!(
            artifact_uri(r"catalog\foo\index.yaml"),
            "catalog/foo/index.yaml"
        );
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(artifact_uri("a:b/c #1?.json"), "a%3Ab/c%20%231%3F.json");
        assert_eq!(artifact_uri("/abs/a b.json"), "file:///abs/a%20b.json");
        assert_eq!(artifact_uri(r"C:\cat\x.json"), "file:///C:/cat/x.json");
        assert_eq!(escape_link_text(r"a [b] \c"), r"a \[b\] \\c");
    }

    #[test]
    fn spanless_finding_without_any_file() {
        let v = Validation {
            diagnostics: vec![Diagnostic::new(
                Code::PackageWithoutChannels,
                "package \"bar\" has no channels",
            )],
            ..Default::default()
        };
        let log = log(&v, &SourceMap::new());
        assert_eq!(
            log["runs"][0]["results"][0]["locations"],
            Value::Array(vec![])
        );
    }
}
