//! Authoring a catalog offline: templates (with bundle directories as
//! images), add (placement, refusal, atomic write), list, graph, diff — each
//! output a user reads pinned.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[path = "common/mod.rs"]
mod common;
use common::*;

/// A minimal registry+v1 bundle directory of `pkg` at `version`.
fn make_bundle(root: &Path, pkg: &str, version: &str) -> PathBuf {
    let dir = root.join(format!("{pkg}-{version}"));
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::create_dir_all(dir.join("metadata")).unwrap();
    let digest = format!("{:0>64}", version.replace('.', ""));
    std::fs::write(
        dir.join("manifests/op.clusterserviceversion.yaml"),
        format!(
            "apiVersion: operators.coreos.com/v1alpha1\nkind: ClusterServiceVersion\nmetadata:\n  name: {pkg}.v{version}\nspec:\n  version: {version}\n  displayName: Op\n  description: Op {version}\n  icon:\n  - base64data: PHN2Zz48L3N2Zz4=\n    mediatype: image/svg+xml\n  relatedImages:\n  - name: op\n    image: quay.io/op/op@sha256:{digest}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("metadata/annotations.yaml"),
        format!("annotations:\n  operators.operatorframework.io.bundle.package.v1: {pkg}\n  operators.operatorframework.io.bundle.channels.v1: stable\n"),
    )
    .unwrap();
    dir
}

fn docs(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn semver_template_with_bundle_directories() {
    let d = tempfile::tempdir().unwrap();
    for v in ["1.0.0", "1.0.1", "1.1.0"] {
        make_bundle(d.path(), "op", v);
    }
    std::fs::write(
        d.path().join("semver.yaml"),
        "Schema: olm.semver\nGenerateMajorChannels: true\nGenerateMinorChannels: false\nCandidate:\n  Bundles:\n  - Image: op-1.0.0\n  - Image: op-1.0.1\n  - Image: op-1.1.0\nStable:\n  Bundles:\n  - Image: op-1.0.0\n",
    )
    .unwrap();
    // The paths are relative to the template file, not to the working directory.
    let (code, out, err) = run_in(
        Path::new("/"),
        &[
            "template",
            "semver",
            d.path().join("semver.yaml").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let docs = docs(&out);
    let non_bundles: Vec<&Value> = docs
        .iter()
        .filter(|d| d["schema"] != "olm.bundle")
        .collect();
    assert_eq!(
        non_bundles,
        vec![
            &json!({"schema": "olm.package", "name": "op", "defaultChannel": "stable-v1",
                "icon": {"base64data": "PHN2Zz48L3N2Zz4=", "mediatype": "image/svg+xml"},
                "description": "Op 1.0.0"}),
            &json!({"schema": "olm.channel", "name": "candidate-v1", "package": "op", "entries": [
                {"name": "op.v1.0.0"},
                {"name": "op.v1.0.1", "skips": ["op.v1.0.0"]},
                {"name": "op.v1.1.0", "replaces": "op.v1.0.1", "skips": ["op.v1.0.0"]}
            ]}),
            &json!({"schema": "olm.channel", "name": "stable-v1", "package": "op", "entries": [{"name": "op.v1.0.0"}]}),
        ]
    );
    assert_eq!(
        docs.iter().filter(|d| d["schema"] == "olm.bundle").count(),
        3
    );
    // The type may be left out: it is taken from the template's schema.
    let semver_file = d.path().join("semver.yaml");
    let (code, again, err) = run_in(Path::new("/"), &["template", semver_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, out);
    let (code, _, err) = run_in(d.path(), &["template", "nope", "semver.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown template type \"nope\""), "{err}");
    let cat = d.path().join("cat");
    std::fs::create_dir(&cat).unwrap();
    std::fs::write(cat.join("catalog.json"), &out).unwrap();
    let (code, out, _) = run_in(d.path(), &["validate", "cat"]);
    assert_eq!(code, 0, "{out}");

    std::fs::write(
        d.path().join("bad.yaml"),
        "schema: olm.semver\nGenerateMajorChannels: false\nDefaultChannelTypePreference: major\n",
    )
    .unwrap();
    let (code, _, err) = run_in(d.path(), &["template", "semver", "bad.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("schema attribute mismatch"), "{err}");
    std::fs::write(d.path().join("noschema.yaml"), "entries: []\n").unwrap();
    let (_, _, err) = run_in(d.path(), &["template", "basic", "noschema.yaml"]);
    assert!(
        err.contains("template input missing required 'schema' field"),
        "{err}"
    );
}

/// Run the binary in `dir` with `input` on standard input.
fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn template_help_says_what_it_accepts_and_stdin_works() {
    let (code, help, _) = run_in(&repo(), &["template", "--help"]);
    assert_eq!(code, 0);
    for line in [
        "Usage: oc catalog template [OPTIONS] [TYPE] [FILE]",
        "[TYPE]  Template type: `basic` (schema olm.template.basic) or `semver` (schema olm.semver).",
        "Optional: when left out, the template's `schema` decides",
        "[FILE]  Template file, YAML or JSON. `-` or no FILE reads the template from standard input",
        "oc catalog template semver catalog-template.yaml",
        "oc catalog template basic < catalog-template.yaml",
    ] {
        assert!(help.contains(line), "missing {line:?} in:\n{help}");
    }
    assert!(!help.contains("[FILE]..."), "{help}");

    // The same template from a file, on standard input (with and without the
    // type, with `-`), gives the same catalog.
    let d = tempfile::tempdir().unwrap();
    let text = "schema: olm.template.basic\nentries:\n- schema: olm.package\n  name: op\n  defaultChannel: stable\n- schema: olm.channel\n  package: op\n  name: stable\n  entries: []\n";
    std::fs::write(d.path().join("t.yaml"), text).unwrap();
    let (code, want, err) = run_in(d.path(), &["template", "basic", "t.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(want.contains("\"schema\": \"olm.package\""), "{want}");
    for args in [
        vec!["template", "basic"],
        vec!["template"],
        vec!["template", "basic", "-"],
        vec!["template", "-"],
    ] {
        let (code, got, err) = run_with_stdin(d.path(), &args, text);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(got, want, "{args:?}");
    }
    // A type that disagrees with the schema, on standard input.
    let (code, _, err) = run_with_stdin(d.path(), &["template", "semver"], text);
    assert_eq!(code, 2);
    assert!(err.contains("<stdin>") || err.contains("schema"), "{err}");
}

#[test]
fn basic_template_renders_bundle_entries_and_keeps_the_rest() {
    let d = tempfile::tempdir().unwrap();
    make_bundle(d.path(), "op", "1.0.0");
    make_bundle(d.path(), "op", "1.1.0");
    std::fs::write(
        d.path().join("basic.yaml"),
        "schema: olm.template.basic\nentries:\n- schema: olm.package\n  name: op\n  defaultChannel: stable\n- schema: olm.channel\n  package: op\n  name: stable\n  entries:\n  - name: op.v1.0.0\n  - name: op.v1.1.0\n    replaces: op.v1.0.0\n- schema: olm.bundle\n  image: op-1.0.0\n- schema: olm.bundle\n  image: op-1.1.0\n",
    )
    .unwrap();
    let (code, out, err) = run_in(d.path(), &["template", "basic", "basic.yaml", "-o", "yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("---\ndefaultChannel: stable\nname: op\nschema: olm.package\n---\nentries:\n  - name: op.v1.0.0\n  - name: op.v1.1.0\n    replaces: op.v1.0.0\nname: stable\npackage: op\nschema: olm.channel\n---\nimage: \"\"\nname: op.v1.0.0\npackage: op\nproperties:\n  - type: olm.package\n    value:\n      packageName: op\n      version: 1.0.0\n  - type: olm.bundle.object\n"), "{out}");
    std::fs::write(d.path().join("bad.yaml"), "schema: olm.template.basic\nentries:\n- schema: olm.bundle\n  image: op-1.0.0\n  package: op\n").unwrap();
    let (code, _, err) = run_in(d.path(), &["template", "basic", "bad.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unexpected fields present in basic template bundle"),
        "{err}"
    );
}

#[test]
fn corpus_templates_parse_when_shared_present() {
    // The corpus templates reference registry images, which need a registry;
    // here only the offline part is checked: each is recognised and fails on
    // its first image, not on its shape.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/fbc-templates");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/corpus/fbc-templates not present beside the checkout");
        return;
    }
    let semver = dir.join("community-operators-prod/clusterpulse/semver.yaml");
    let (code, _, err) = run_in(&dir, &["template", "semver", semver.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("render: quay.io/community-operator-pipeline-prod/clusterpulse:0.1.1")
            || err.contains("clusterpulse"),
        "{err}"
    );
}

fn catalog_with_op(d: &Path) -> PathBuf {
    let cat = d.join("catalog");
    std::fs::create_dir_all(cat.join("op")).unwrap();
    for v in ["1.0.0", "1.1.0", "1.2.0"] {
        make_bundle(d, "op", v);
    }
    let (code, _, err) = run_in(
        d,
        &[
            "add",
            "catalog",
            "op-1.0.0",
            "--channel",
            "stable",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("added op.v1.0.0 to channel stable of package op"),
        "{err}"
    );
    cat
}

#[test]
fn add_creates_the_package_then_extends_the_channel_from_its_head() {
    let d = tempfile::tempdir().unwrap();
    let cat = catalog_with_op(d.path());
    let file = cat.join("op/catalog.json");
    let (code, _, err) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.1.0",
            "--channel",
            "stable",
            "--skip-range",
            "<1.1.0",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let docs = docs(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(
        docs[0],
        json!({"schema": "olm.package", "name": "op", "defaultChannel": "stable"})
    );
    assert_eq!(
        docs[1]["entries"],
        json!([{"name": "op.v1.0.0"}, {"name": "op.v1.1.0", "replaces": "op.v1.0.0", "skipRange": "<1.1.0"}])
    );
    assert_eq!(docs[3]["image"], "quay.io/op/bundle:v1.1.0");
    // A new channel in the same package, in the same file.
    let (code, _, err) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.2.0",
            "--channel",
            "fast",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run_in(d.path(), &["validate", "catalog", "-q"]);
    assert_eq!(code, 0, "{out}");
    let (_, out, _) = run_in(
        d.path(),
        &["list", "--catalog", "catalog", "--package", "op"],
    );
    assert_eq!(
        out,
        "PACKAGE  CHANNEL           HEAD       VERSION  ENTRIES  DEPRECATED\nop       fast              op.v1.2.0  1.2.0    1\nop       stable (default)  op.v1.1.0  1.1.0    2\n"
    );
}

#[test]
fn add_refuses_what_would_break_the_catalog_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let cat = catalog_with_op(d.path());
    let file = cat.join("op/catalog.json");
    let (code, _, _) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.1.0",
            "--channel",
            "stable",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 0);
    let before = std::fs::read(&file).unwrap();
    // A second head: 1.2.0 replacing 1.0.0 while 1.1.0 already does.
    let (code, _, err) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.2.0",
            "--channel",
            "stable",
            "--replaces",
            "op.v1.0.0",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("would make the catalog invalid; nothing was written"),
        "{err}"
    );
    assert!(err.contains("FBC208"), "{err}");
    // An invalid skipRange.
    let (code, _, err) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.2.0",
            "--channel",
            "stable",
            "--skip-range",
            "not a range",
            "--image",
            "x:1",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("FBC212"), "{err}");
    // A replaces that names nothing in the channel, and a bundle already there.
    let (code, _, err) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.2.0",
            "--channel",
            "stable",
            "--replaces",
            "nope",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("has no such entry"), "{err}");
    let (code, _, err) = run_in(
        d.path(),
        &["add", "catalog", "op-1.1.0", "--channel", "stable"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("already in package"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the catalog changed");
    let leftovers: Vec<_> = std::fs::read_dir(cat.join("op"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn list_graph_and_diff_outputs() {
    let d = tempfile::tempdir().unwrap();
    catalog_with_op(d.path());
    std::process::Command::new("cp")
        .args(["-r", "catalog", "old"])
        .current_dir(d.path())
        .status()
        .unwrap();
    let (code, _, _) = run_in(
        d.path(),
        &[
            "add",
            "catalog",
            "op-1.1.0",
            "--channel",
            "stable",
            "--image",
            "quay.io/op/bundle:v{{.Version}}",
        ],
    );
    assert_eq!(code, 0);

    let (_, out, _) = run_in(d.path(), &["list", "--catalog", "catalog"]);
    assert_eq!(
        out,
        "NAME  DEFAULT CHANNEL  CHANNELS  BUNDLES\nop    stable           1         2\n"
    );
    let (_, out, _) = run_in(
        d.path(),
        &[
            "list",
            "--catalog",
            "catalog",
            "--package",
            "op",
            "--channel",
            "stable",
        ],
    );
    assert_eq!(
        out,
        "VERSION  BUNDLE     IMAGE                     DEPRECATED\n1.1.0    op.v1.1.0  quay.io/op/bundle:v1.1.0\n1.0.0    op.v1.0.0  quay.io/op/bundle:v1.0.0\n"
    );
    let (_, out, _) = run_in(d.path(), &["list", "--catalog", "catalog", "-o", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!([{"name": "op", "declared": true, "defaultChannel": "stable", "deprecated": false,
        "channels": [{"name": "stable", "head": "op.v1.1.0", "heads": ["op.v1.1.0"], "entries": 2, "deprecated": false}],
        "bundles": [
            {"name": "op.v1.1.0", "version": "1.1.0", "image": "quay.io/op/bundle:v1.1.0", "channels": ["stable"], "deprecated": false},
            {"name": "op.v1.0.0", "version": "1.0.0", "image": "quay.io/op/bundle:v1.0.0", "channels": ["stable"], "deprecated": false}
        ]}])
    );
    let (_, out, _) = run_in(
        d.path(),
        &["graph", "catalog", "--package", "op", "-o", "json"],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({"package": "op", "defaultChannel": "stable", "channels": [{
            "name": "stable", "heads": ["op.v1.1.0"], "deprecated": false,
            "nodes": [
                {"name": "op.v1.1.0", "version": "1.1.0", "head": true, "inChannel": true, "deprecated": false},
                {"name": "op.v1.0.0", "version": "1.0.0", "head": false, "inChannel": true, "deprecated": false}
            ],
            "edges": [{"from": "op.v1.1.0", "to": "op.v1.0.0", "kind": "replaces"}]
        }]})
    );
    let (code, _, err) = run_in(
        d.path(),
        &["list", "--catalog", "catalog", "--package", "nope"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("package \"nope\" not found"), "{err}");

    let (code, out, _) = run_in(d.path(), &["graph", "catalog", "--package", "op"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        r#"graph LR
  %% package "op"
  subgraph op["op"]
    %% channel "stable"
    subgraph op__stable["stable (default)"]
      op__stable__op_v1_1_0["op.v1.1.0<br/>1.1.0"]
      op__stable__op_v1_0_0["op.v1.0.0<br/>1.0.0"]
      op__stable__op_v1_1_0 -- replaces --> op__stable__op_v1_0_0
    end
  end
  classDef head stroke-width:3px
  classDef deprecated stroke-dasharray:5 5
  classDef outside fill:#eee,color:#777
  class op__stable__op_v1_1_0 head
"#
    );
    let (_, out, _) = run_in(
        d.path(),
        &["graph", "catalog", "--package", "op", "-o", "dot"],
    );
    assert!(
        out.starts_with("digraph \"op\" {\n  rankdir=LR;\n"),
        "{out}"
    );
    assert!(
        out.contains("\"stable/op.v1.1.0\" -> \"stable/op.v1.0.0\" [label=\"replaces\"];"),
        "{out}"
    );

    let (code, out, _) = run_in(d.path(), &["diff", "old", "catalog"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "package op: changed\n  channel stable: changed (head op.v1.0.0 -> op.v1.1.0)\n    + op.v1.1.0\n  + bundle op.v1.1.0 (1.1.0)\n"
    );
    let (code, out, _) = run_in(
        d.path(),
        &["diff", "old", "catalog", "-o", "json", "--exit-code"],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!([{"name": "op", "change": "changed",
            "channels": [{"name": "stable", "change": "changed", "entriesAdded": ["op.v1.1.0"], "oldHead": "op.v1.0.0", "newHead": "op.v1.1.0"}],
            "bundles": [{"name": "op.v1.1.0", "change": "added", "version": "1.1.0"}]}])
    );
    let (code, out, _) = run_in(d.path(), &["diff", "old", "old", "--exit-code"]);
    assert_eq!((code, out.as_str()), (0, "no differences\n"));
}
