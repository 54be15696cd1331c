//! Every finding code has a document (docs/codes/FBCnnn.md, printed by
//! `explain`) and a fixture catalog (tests/fixtures/codes/FBCnnn/) that
//! triggers it; `explain` works for each.

use fbc_core::codes::ALL;
use std::path::Path;
use std::process::Command;

#[path = "common/mod.rs"]
mod common;
use common::*;

#[test]
fn every_code_has_a_doc_and_a_fixture_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/codes");
    let mut missing = Vec::new();
    for code in ALL {
        let id = code.as_str();
        let dir = root.join(id);
        if !dir.is_dir() {
            missing.push(format!("{id}: no fixture directory"));
            continue;
        }
        let out = Command::new(bin())
            .args(["validate", "-o", "json"])
            .arg(&dir)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        if !codes.contains(&id) {
            missing.push(format!("{id}: fixture reports {codes:?}"));
        }
        let severity_error = code.info().severity == fbc_core::Severity::Error;
        let expected_exit = if severity_error {
            1
        } else {
            out.status.code().unwrap()
        };
        assert_eq!(
            out.status.code(),
            Some(expected_exit),
            "{id}: an error finding exits 1"
        );

        let ex = Command::new(bin()).args(["explain", id]).output().unwrap();
        assert!(ex.status.success(), "{id}: explain failed");
        let text = String::from_utf8(ex.stdout).unwrap();
        assert!(
            text.contains(code.info().name),
            "{id}: explain names the code"
        );
    }
    assert!(
        missing.is_empty(),
        "codes without a triggering fixture:\n{}",
        missing.join("\n")
    );
}

#[test]
fn readme_code_table_lists_every_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    for code in ALL {
        let id = code.as_str();
        let row = format!("| [{id}](docs/codes/{id}.md) | `{}` |", code.info().name);
        assert!(
            readme.contains(&row),
            "README.md has no row for {id}: {row}"
        );
    }
}

#[test]
fn explain_rejects_unknown_codes_and_lists_all() {
    let out = Command::new(bin())
        .args(["explain", "FBC999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown code"));
    let out = Command::new(bin())
        .args(["explain", "--list"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        ALL.len()
    );
}
