//! Conformance with opm: for each of the rule-by-rule cases (copied from the
//! project's shared conformance set into tests/fixtures/conformance), our
//! valid/invalid verdict equals the reference opm's (`expected.json`,
//! `opm_head_logic`), and every invalid case reports the code that
//! corresponds to opm's error. The full findings of each case are
//! snapshotted (tests/snapshots) so every change of output is reviewed.
//!
//! With `../shared` beside the checkout, the real catalogs of
//! `shared/corpus/fbc` are checked against opm's verdicts too.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[path = "common/mod.rs"]
mod common;
use common::*;

/// Run `validate -o json` on a directory from `cwd` (so paths in the output are short).
fn validate_json(cwd: &Path, dir: &str) -> (i32, Value) {
    let out = Command::new(bin())
        .current_dir(cwd)
        .args(["validate", "-o", "json", dir])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{dir}: bad JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

/// The codes that may stand for one opm error message (a leaf of opm's
/// error tree, or a flat conversion error).
fn codes_for(msg: &str) -> &'static [&'static str] {
    let table: &[(&str, &[&str])] = &[
        ("read bundle objects", &["FBC312"]),
        ("parse properties for bundle", &["FBC311"]),
        ("release version", &["FBC308"]),
        (
            "channel must contain at least one bundle",
            &["FBC205", "FBC105", "FBC106"],
        ),
        ("default channel must be set", &["FBC104"]),
        ("package must contain at least one channel", &["FBC106"]),
        ("multiple channel heads found", &["FBC208"]),
        ("no channel head found", &["FBC207"]),
        ("detected cycle in replaces chain", &["FBC209"]),
        ("stranded bundles", &["FBC210"]),
        ("bundle image must be set", &["FBC313", "FBC206"]),
        (
            "must be exactly one property with type",
            &["FBC206", "FBC305"],
        ),
        ("] is empty", &["FBC211"]),
        ("invalid skipRange", &["FBC212"]),
        ("duplicate versions found", &["FBC108"]),
        ("does not match normalized name", &["FBC309"]),
        ("cannot use build metadata", &["FBC310"]),
        ("invalid deprecation: message must be set", &["FBC410"]),
        ("config contains package with no name", &["FBC101"]),
        ("duplicate package", &["FBC102"]),
        ("invalid package name", &["FBC103"]),
        ("contains channel with no name", &["FBC202"]),
        ("has duplicate channel", &["FBC203"]),
        ("duplicate entry", &["FBC204"]),
        ("for channel", &["FBC201"]),
        ("package name must be set for deprecation", &["FBC401"]),
        ("package name must be set for bundle", &["FBC301"]),
        ("for bundle", &["FBC302"]),
        ("has duplicate bundle", &["FBC303"]),
        ("not found in any channel entries", &["FBC304"]),
        ("property, found", &["FBC305"]),
        ("does not match \"olm.package\" property", &["FBC306"]),
        ("invalid image pull spec", &["FBC314"]),
        ("error parsing bundle", &["FBC307"]),
        ("no olm.bundle blobs found", &["FBC206"]),
        (
            "cannot apply deprecations to an unknown package",
            &["FBC402"],
        ),
        ("maximum of one deprecation per package", &["FBC403"]),
        ("schema must be set for deprecation entry", &["FBC404"]),
        ("duplicate deprecation entry", &["FBC405"]),
        ("cannot deprecate bundle", &["FBC406"]),
        ("cannot deprecate channel", &["FBC407"]),
        (
            "package name must be empty for deprecated package",
            &["FBC408"],
        ),
        ("object schema unknown", &["FBC409"]),
        ("base64data", &["FBC107"]),
        ("parse package:", &["FBC007"]),
        ("parse channel:", &["FBC007"]),
        ("parse bundle:", &["FBC007"]),
        ("parse deprecation:", &["FBC007"]),
        ("duplicate keys for key", &["FBC005"]),
        ("expected value for key", &["FBC006"]),
        ("is missing root schema field", &["FBC004"]),
        (
            "cannot unmarshal array into Go value of type map",
            &["FBC003"],
        ),
        (
            "cannot unmarshal string into Go value of type map",
            &["FBC003"],
        ),
        ("json: offset", &["FBC001"]),
        ("unexpected EOF", &["FBC001"]),
        ("error converting YAML to JSON", &["FBC002"]),
        ("invalid Yaml document separator", &["FBC002"]),
    ];
    // The first matching key wins: specific messages come first.
    table
        .iter()
        .find(|(k, _)| msg.contains(k))
        .map(|(_, v)| *v)
        .unwrap_or(&[])
}

/// The leaves of opm's error tree, or the flat message itself.
fn opm_errors(msg: &str) -> Vec<String> {
    if !msg.starts_with("invalid index:") {
        return vec![msg.to_string()];
    }
    msg.lines()
        .filter_map(|l| l.split_once("── ").map(|(_, rest)| rest.to_string()))
        .filter(|l| !l.ends_with(':'))
        .collect()
}

fn codes_of(v: &Value, severity: &str) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == severity)
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// One line per finding, for snapshots.
fn summary(v: &Value) -> String {
    let mut s = String::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let loc = match d.get("location") {
            Some(l) => format!(
                "{}:{}:{}",
                l["path"].as_str().unwrap(),
                l["start"]["line"],
                l["start"]["column"]
            ),
            None => "-".to_string(),
        };
        s.push_str(&format!(
            "{} {} {} {}\n",
            d["severity"].as_str().unwrap(),
            d["code"].as_str().unwrap(),
            loc,
            d["message"].as_str().unwrap()
        ));
    }
    s
}

#[test]
fn conformance_cases_match_opm() {
    let root = repo().join("tests/fixtures/conformance");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let cases = root.join("cases");
    // Git cannot hold an empty directory: make case 29 here.
    let empty = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut n = 0;
    for (name, exp) in expected.as_object().unwrap() {
        let head = &exp["opm_head_logic"];
        let opm_valid = head["exit"] == 0;
        let dir = cases.join(name);
        let (code, v) = if dir.is_dir() {
            validate_json(&cases, name)
        } else {
            assert_eq!(
                name, "29-empty-dir",
                "case {name} is missing from the fixtures"
            );
            validate_json(empty.path(), ".")
        };
        n += 1;
        let ours_valid = v["passed"] == true;
        assert_eq!(code, if ours_valid { 0 } else { 1 }, "{name}: exit code");
        if ours_valid != opm_valid {
            failures.push(format!(
                "{name}: opm says {}, we say {}:\n  opm: {}\n  ours: {}",
                if opm_valid { "valid" } else { "invalid" },
                if ours_valid { "valid" } else { "invalid" },
                head["message"],
                summary(&v).replace('\n', "\n        ")
            ));
            continue;
        }
        if !opm_valid {
            let ours = codes_of(&v, "error");
            for leaf in opm_errors(head["message"].as_str().unwrap()) {
                let want = codes_for(&leaf);
                assert!(
                    !want.is_empty(),
                    "{name}: no code mapped for opm message {leaf:?}"
                );
                if !want.iter().any(|w| ours.iter().any(|o| o == w)) {
                    failures.push(format!(
                        "{name}: opm says {leaf:?} ({want:?}), we report {ours:?}"
                    ));
                }
            }
        }
        if dir.is_dir() {
            insta::assert_snapshot!(format!("case-{name}"), summary(&v));
        }
    }
    assert_eq!(n, 101, "all 101 conformance cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from opm:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn real_catalogs_match_opm_when_shared_corpus_present() {
    let shared = repo().join("../shared/corpus");
    if !shared.join("fbc").is_dir() {
        println!(
            "skipped: ../shared/corpus not present beside the checkout (CI has it; a fresh clone does not)"
        );
        return;
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(shared.join("expected-fbc.json")).unwrap())
            .unwrap();
    let mut failures = Vec::new();
    for (name, exp) in expected.as_object().unwrap() {
        let opm_valid = exp["opm_head_logic"]["exit"] == 0;
        let (_, v) = validate_json(&shared.join("fbc"), name);
        let ours_valid = v["passed"] == true;
        if ours_valid != opm_valid {
            failures.push(format!(
                "{name}: opm {}, ours {}: {}",
                opm_valid,
                ours_valid,
                summary(&v)
                    .lines()
                    .filter(|l| l.starts_with("error"))
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        } else if !opm_valid {
            let ours = codes_of(&v, "error");
            for leaf in opm_errors(exp["opm_head_logic"]["message"].as_str().unwrap()) {
                let want = codes_for(&leaf);
                if !want.iter().any(|w| ours.iter().any(|o| o == w)) {
                    failures.push(format!("{name}: opm says {leaf:?}, we report {ours:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} catalogs differ from opm:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
