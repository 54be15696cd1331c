//! The oc-catalog binary as users run it: names, inputs, formats, exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

#[path = "common/mod.rs"]
mod common;
use common::*;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn usage_names_the_command_the_user_typed() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: oc catalog"), "{out}");
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("kubectl-catalog");
    std::fs::copy(bin(), &k).unwrap();
    let out = Command::new(&k).arg("--help").output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("Usage: kubectl catalog"), "{out}");
}

#[test]
fn valid_example_passes_and_broken_example_reports_everything() {
    let (code, out, _) = run(&["validate", "examples/catalog"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problems"), "{out}");
    let (code, out, _) = run(&["validate", "examples/broken-catalog"]);
    assert_eq!(code, 1);
    for c in [
        "FBC105", "FBC206", "FBC208", "FBC212", "FBC307", "FBC501", "FBC502",
    ] {
        assert!(out.contains(&format!("[{c}]")), "{c} missing from:\n{out}");
    }
    assert!(
        out.contains("examples/broken-catalog/etcd-example/channels.yaml:11:16"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour when not on a terminal");
}

#[test]
fn tool_failures_exit_2_and_name_the_path() {
    let (code, out, err) = run(&["validate", "does/not/exist"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("does/not/exist"), "{err}");
    let (code, _, err) = run(&["validate", "--ignore", "FBC999", "examples/catalog"]);
    assert_eq!(code, 2);
    assert!(err.contains("FBC999"));
}

#[test]
fn stdin_is_one_file() {
    let mut child = Command::new(bin())
        .args(["validate", "-o", "github", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"schema: olm.package\nname: foo\ndefaultChannel: 5\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("::error file=<stdin>,line=3,col=17"),
        "{text}"
    );
}

#[test]
fn formats_and_filters() {
    let (code, out, _) = run(&["validate", "-o", "sarif", "examples/broken-catalog"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    // Lints can be silenced; errors still fail.
    let (code, out, _) = run(&[
        "validate",
        "-o",
        "json",
        "--ignore",
        "FBC501,image-not-pinned",
        "examples/broken-catalog",
    ]);
    assert_eq!(code, 1);
    assert!(!out.contains("FBC501"));
    // --strict turns warnings into errors.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("c.yaml"),
        "schema: olm.package\nname: foo\ndefaultChannel: stable\n---\nschema: olm.channel\npackage: foo\nname: stable\nentries:\n- name: foo.v1.0.0\n---\nschema: olm.bundle\nname: foo.v1.0.0\npackage: foo\nimage: quay.io/x/foo:v1\nproperties:\n- type: olm.package\n  value: {packageName: foo, version: 1.0.0}\n",
    )
    .unwrap();
    let p = d.path().to_str().unwrap();
    assert_eq!(run(&["validate", p]).0, 0);
    assert_eq!(run(&["validate", "--strict", p]).0, 1);
    // .indexignore is honoured.
    std::fs::write(d.path().join("notes.txt"), "{{{ not json").unwrap();
    assert_eq!(run(&["validate", p]).0, 1);
    std::fs::write(d.path().join(".indexignore"), "*.txt\n").unwrap();
    assert_eq!(run(&["validate", p]).0, 0);
}

/// `validate --changed` (the pre-commit hooks' mode): changed files map to
/// their catalog roots, each root is validated whole, findings name
/// `file:line:column`.
#[test]
fn changed_files_validate_their_catalog_roots() {
    let d = tempfile::tempdir().unwrap();
    let repo_dir = d.path();
    let copy = |from: &str, to: &str| {
        let to = repo_dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), to).unwrap();
    };
    copy(
        "examples/catalog/kueue-operator/catalog.json",
        "catalogs/good/kueue-operator/catalog.json",
    );
    for f in ["package.yaml", "channels.yaml", "bundles.json"] {
        copy(
            &format!("examples/broken-catalog/etcd-example/{f}"),
            &format!("catalogs/bad/etcd-example/{f}"),
        );
    }
    let run_in = |args: &[&str]| {
        let out = Command::new(bin())
            .current_dir(repo_dir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // A changed file of the good catalog: its root alone, which passes.
    let (code, out) = run_in(&[
        "validate",
        "--changed",
        "catalogs/good/kueue-operator/catalog.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "validated 1 file: no problems (1 package, 7 channels, 11 bundles)\n"
    );
    // One changed file of the broken catalog: the whole catalog is read (a
    // finding in another file of it is reported too), once.
    let (code, out) = run_in(&[
        "validate",
        "--changed",
        "catalogs/bad/etcd-example/package.yaml",
        "catalogs/bad/etcd-example/channels.yaml",
        "catalogs/deleted.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(" --> catalogs/bad/etcd-example/package.yaml:4:17\n"),
        "{out}"
    );
    assert!(
        out.contains(" --> catalogs/bad/etcd-example/bundles.json:22:35\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "validated 3 files: 5 errors, 3 warnings (1 package, 1 channel, 3 bundles)\n"
        ),
        "{out}"
    );
    // Configured roots: files outside them are not validated.
    let (code, out) = run_in(&[
        "validate",
        "--changed",
        "--root",
        "catalogs/good",
        "catalogs/bad/etcd-example/package.yaml",
        "catalogs/good/kueue-operator/catalog.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("validated 1 file: no problems"), "{out}");
    // No files (pass_filenames: false): every configured root.
    let (code, out) = run_in(&[
        "validate",
        "--changed",
        "--root",
        "catalogs/good",
        "--root",
        "catalogs/bad",
        "-q",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "validated 4 files: 5 errors, 3 warnings (2 packages, 8 channels, 14 bundles)\n"
    );
}
