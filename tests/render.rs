//! The authoring commands that work offline, as users run them: render
//! (bundle dirs, FBC dirs, sqlite), init, generate dockerfile, migrate — each
//! output pinned, and byte-for-byte against opm where the project holds
//! opm's output.

use std::path::{Path, PathBuf};

#[path = "common/mod.rs"]
mod common;
use common::*;
#[path = "common/index_db.rs"]
mod index_db;
use index_db::make_db;

fn run(args: &[&str]) -> (i32, String, String) {
    run_in(&repo(), args)
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/render")
}

#[test]
fn bundle_directories_render_byte_for_byte_as_opm() {
    for (op, version) in [
        ("cert-utils-operator", "1.3.12"),
        ("node-maintenance-operator", "0.21.0"),
    ] {
        let dir = fixtures().join("bundles").join(op).join(version);
        let (code, out, err) = run(&[
            "render",
            dir.to_str().unwrap(),
            "--alpha-image-ref-template",
            "BUNDLE_IMAGE",
        ]);
        assert_eq!(code, 0, "{err}");
        let want = std::fs::read_to_string(fixtures().join("expected").join(format!("{op}.json")))
            .unwrap();
        assert_eq!(out, want, "{op}");
    }
}

#[test]
fn corpus_bundles_render_as_opm_when_shared_present() {
    let shared = repo().join("../shared");
    let expected = shared.join("conformance/render");
    if !expected.is_dir() {
        eprintln!(
            "skipped: ../shared/conformance/render not present beside the checkout (CI has it; a fresh clone does not)"
        );
        return;
    }
    let mut same = 0;
    let mut total = 0;
    for group in std::fs::read_dir(shared.join("corpus/bundles")).unwrap() {
        for op in std::fs::read_dir(group.unwrap().path()).unwrap() {
            let op = op.unwrap().path();
            let name = op.file_name().unwrap().to_string_lossy().into_owned();
            let want = expected.join(format!("{name}.json"));
            if !want.is_file() {
                continue;
            }
            for v in std::fs::read_dir(&op).unwrap() {
                total += 1;
                let v = v.unwrap().path();
                let (code, out, err) = run(&[
                    "render",
                    v.to_str().unwrap(),
                    "--alpha-image-ref-template",
                    "BUNDLE_IMAGE",
                ]);
                assert_eq!(code, 0, "{name}: {err}");
                let want = std::fs::read_to_string(&want).unwrap();
                let a: serde_json::Value = serde_json::from_str(&out).unwrap();
                let b: serde_json::Value = serde_json::from_str(&want).unwrap();
                assert_eq!(a, b, "{name}: not the same JSON as opm's render");
                assert_eq!(out, want, "{name}: same JSON, different bytes");
                same += 1;
            }
        }
    }
    assert!(total >= 10, "only {total} corpus bundles found");
    eprintln!("{same}/{total} corpus bundles render byte-for-byte as opm");
}

#[test]
fn bundle_directory_without_template_has_no_image_and_yaml_is_sorted() {
    let dir = fixtures().join("bundles/node-maintenance-operator/0.21.0");
    let (code, out, _) = run(&["render", dir.to_str().unwrap(), "-o", "yaml"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("---\nimage: \"\"\nname: node-maintenance-operator.v0.21.0\npackage: node-maintenance-operator\nproperties:\n  - type: olm.gvk\n    value:\n      group: nodemaintenance.medik8s.io\n      kind: NodeMaintenance\n      version: v1beta1\n  - type: olm.package\n"), "{}", &out[..400]);
    assert!(out.contains("relatedImages:\n  - image: quay.io/medik8s/node-maintenance-operator:v0.21.0\n    name: \"\"\nschema: olm.bundle\n"), "{out}");
}

#[test]
fn migrate_level_replaces_bundle_objects_by_csv_metadata() {
    let dir = fixtures().join("bundles/cert-utils-operator/1.3.12");
    let (code, out, err) = run(&[
        "render",
        dir.to_str().unwrap(),
        "--alpha-image-ref-template",
        "quay.io/x/{{.Package}}:v{{.Version}}",
        "--migrate-level",
        "bundle-object-to-csv-metadata",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["image"], "quay.io/x/cert-utils-operator:v1.3.12");
    let types: Vec<&str> = v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["olm.package", "olm.csv.metadata"]);
    let meta = &v["properties"][1]["value"];
    assert_eq!(meta["displayName"], "Cert Utils Operator");
    assert!(meta["provider"].is_object());
    let (code, _, err) = run(&["render", dir.to_str().unwrap(), "--migrate-level", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown migration level"), "{err}");
}

/// opm writes `olm.csv.metadata` from Go structs: fields in declaration
/// order at every level (`name, version, kind` of a CRD description;
/// `name, email` of a maintainer; `type, supported` of an install mode), not
/// sorted, and fields the types lack dropped. Expected: opm's own text of the
/// property for kueue-operator.v1.4.1 (tests/fixtures/render/csv-metadata/make.py).
#[test]
fn csv_metadata_is_written_in_go_struct_order() {
    let fx = fixtures().join("csv-metadata");
    let (code, out, err) = run(&[
        "render",
        fx.join("kueue-operator.v1.4.1").to_str().unwrap(),
        "--alpha-image-ref-template",
        "registry.redhat.io/kueue/kueue-operator-bundle:v1.4.1",
        "--migrate-level",
        "bundle-object-to-csv-metadata",
    ]);
    assert_eq!(code, 0, "{err}");
    let want = std::fs::read_to_string(fx.join("expected-property.json")).unwrap();
    assert!(out.contains(want.trim_end()), "want:\n{want}\ngot:\n{out}");
    assert!(!out.contains("notAFieldOfCRDDescription"), "{out}");
}

#[test]
fn fbc_directory_renders_in_opm_order_without_validation() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("b.yaml"),
        "schema: olm.bundle\nname: foo.v2\npackage: foo\nimage: img:2\nproperties:\n- type: olm.package\n  value: {packageName: foo, version: 2.0.0}\n---\nschema: olm.bundle\nname: foo.v1\npackage: foo\nimage: img:1\n---\nschema: my.custom\nname: x\nvalue: <&>\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("a.json"),
        r#"{"schema":"olm.channel","name":"stable","package":"foo","entries":[{"name":"foo.v2","replaces":"foo.v1"},{"name":"foo.v1"}],"unknown":1}
{"schema":"olm.package","name":"foo","defaultChannel":"stable"}
{"schema":"olm.channel","name":"alpha","package":"foo","entries":[{"name":"foo.v2"}]}
"#,
    )
    .unwrap();
    let (code, out, err) = run(&["render", d.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let want = r#"{
    "schema": "olm.package",
    "name": "foo",
    "defaultChannel": "stable"
}
{
    "schema": "olm.channel",
    "name": "alpha",
    "package": "foo",
    "entries": [
        {
            "name": "foo.v2"
        }
    ]
}
{
    "schema": "olm.channel",
    "name": "stable",
    "package": "foo",
    "entries": [
        {
            "name": "foo.v2",
            "replaces": "foo.v1"
        },
        {
            "name": "foo.v1"
        }
    ]
}
{
    "schema": "olm.bundle",
    "name": "foo.v1",
    "package": "foo",
    "image": "img:1"
}
{
    "schema": "olm.bundle",
    "name": "foo.v2",
    "package": "foo",
    "image": "img:2",
    "properties": [
        {
            "type": "olm.package",
            "value": {
                "packageName": "foo",
                "version": "2.0.0"
            }
        }
    ]
}
{
    "name": "x",
    "schema": "my.custom",
    "value": "<&>"
}
"#;
    assert_eq!(out, want);
}

#[test]
fn image_references_go_through_the_registry_layer() {
    // Nothing listens on loopback port 1: a clear error naming the image.
    let (code, out, err) = run(&["render", "localhost:1/none/bundle:v1"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("error: render: "), "{err}");
    assert!(err.contains("localhost:1"), "{err}");
    // A path that does not exist is not taken for an image.
    let (code, _, err) = run(&["render", "./no-such-dir"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("render: ./no-such-dir: No such file or directory"),
        "{err}"
    );
}

/// opm refuses a bundle whose CSV owns a CRD the bundle lacks; so do we,
/// naming the directory, the bundle and the API, and printing nothing.
#[test]
fn bundle_missing_an_owned_crd_is_refused() {
    let src = fixtures().join("bundles/node-maintenance-operator/0.21.0");
    let d = tempfile::tempdir().unwrap();
    for sub in ["manifests", "metadata"] {
        std::fs::create_dir_all(d.path().join(sub)).unwrap();
        for f in std::fs::read_dir(src.join(sub)).unwrap() {
            let f = f.unwrap();
            let name = f.file_name().to_string_lossy().into_owned();
            if !name.starts_with("nodemaintenance.medik8s.io_") {
                std::fs::copy(f.path(), d.path().join(sub).join(name)).unwrap();
            }
        }
    }
    let dir = d.path().to_str().unwrap();
    let (code, out, err) = run(&["render", dir]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!(
            "{dir}: error checking provided apis in bundle node-maintenance-operator.v0.21.0: couldn't find nodemaintenance.medik8s.io/v1beta1/NodeMaintenance (nodemaintenances) in bundle. found: map[]"
        )),
        "{err}"
    );
}

#[test]
fn init_prints_a_package_with_sniffed_icon() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("icon.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg"></svg>"#,
    )
    .unwrap();
    std::fs::write(d.path().join("README.md"), "hello\n").unwrap();
    let (code, out, _) = run_in(
        d.path(),
        &[
            "init",
            "foo",
            "--default-channel",
            "stable",
            "--icon",
            "icon.svg",
            "--description",
            "README.md",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        r#"{
    "schema": "olm.package",
    "name": "foo",
    "defaultChannel": "stable",
    "icon": {
        "base64data": "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjwvc3ZnPg==",
        "mediatype": "image/svg+xml"
    },
    "description": "hello\n"
}
"#
    );
    let (code, out, _) = run(&["init", "foo", "-c", "stable", "-o", "yaml"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "---\ndefaultChannel: stable\nname: foo\nschema: olm.package\n"
    );
    std::fs::write(d.path().join("i.png"), b"\x89PNG\r\n\x1a\n0000").unwrap();
    let (_, out, _) = run_in(d.path(), &["init", "p", "-c", "s", "-i", "i.png"]);
    assert!(out.contains("\"mediatype\": \"image/png\""), "{out}");
}

const DOCKERFILE: &str = r#"# The builder image is expected to contain
# /bin/opm (with serve subcommand)
FROM quay.io/operator-framework/opm:latest as builder

# Copy FBC root into image at /configs and pre-populate serve cache
ADD catalog /configs
RUN ["/bin/opm", "serve", "/configs", "--cache-dir=/tmp/cache", "--cache-only"]

FROM quay.io/operator-framework/opm:latest
# The base image is expected to contain
# /bin/opm (with serve subcommand) and /bin/grpc_health_probe

# Configure the entrypoint and command
ENTRYPOINT ["/bin/opm"]
CMD ["serve", "/configs", "--cache-dir=/tmp/cache"]

COPY --from=builder /configs /configs
COPY --from=builder /tmp/cache /tmp/cache

# Set FBC-specific label for the location of the FBC root directory
# in the image
LABEL operators.operatorframework.io.index.configs.v1=/configs
"#;

#[test]
fn generate_dockerfile_as_opm_and_never_overwrites() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("catalog")).unwrap();
    let (code, _, err) = run_in(d.path(), &["generate", "dockerfile", "catalog"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(d.path().join("catalog.Dockerfile")).unwrap();
    assert_eq!(text, DOCKERFILE);
    let (code, _, err) = run_in(d.path(), &["generate", "dockerfile", "catalog"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("path \"catalog.Dockerfile\": file already exists"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("catalog.Dockerfile")).unwrap(),
        DOCKERFILE
    );

    std::fs::remove_file(d.path().join("catalog.Dockerfile")).unwrap();
    let (code, _, _) = run_in(
        d.path(),
        &[
            "generate",
            "dockerfile",
            "catalog",
            "-i",
            "scratch",
            "-l",
            "b=2",
            "-l",
            "a=1",
            "-l",
            "a=3",
        ],
    );
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(d.path().join("catalog.Dockerfile")).unwrap();
    assert!(text.contains("FROM scratch\n# OLMv0 CatalogSources that use binary-less images must set:\n# spec:\n#   grpcPodConfig:\n#     extractContent:\n#       catalogDir: /configs\n#       cacheDir: /tmp/cache\n\nCOPY --from=builder"), "{text}");
    assert!(!text.contains("ENTRYPOINT"));
    assert!(text.ends_with("LABEL operators.operatorframework.io.index.configs.v1=/configs\n\n# Set other custom labels\nLABEL \"a\"=\"3\"\nLABEL \"b\"=\"2\"\n"), "{text}");
    let (code, _, err) = run_in(
        d.path(),
        &["generate", "dockerfile", "catalog", "-l", "nolabel"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("invalid label \"nolabel\""), "{err}");
    let (code, _, _) = run_in(
        d.path(),
        &["generate", "dockerfile", "catalog", "-b", "scratch"],
    );
    assert_eq!(code, 2);
}

// ------------------------------------------------------------ sqlite

#[test]
fn migrate_generated_indexes_of_both_shapes_to_valid_catalogs() {
    for modern in [true, false] {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("index.db");
        make_db(&db, modern);
        let out_dir = d.path().join("out");
        let (code, _, err) = run(&["migrate", db.to_str().unwrap(), out_dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let mut pkgs: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        pkgs.sort();
        assert_eq!(pkgs, vec!["etcd", "other"]);
        let text = std::fs::read_to_string(out_dir.join("etcd/catalog.json")).unwrap();
        let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let schemas: Vec<&str> = docs.iter().map(|d| d["schema"].as_str().unwrap()).collect();
        assert_eq!(
            schemas,
            vec![
                "olm.package",
                "olm.channel",
                "olm.channel",
                "olm.bundle",
                "olm.bundle",
                "olm.bundle"
            ]
        );
        assert_eq!(docs[0]["defaultChannel"], "alpha");
        assert_eq!(docs[0]["icon"]["mediatype"], "image/svg+xml");
        assert_eq!(
            docs[1]["entries"],
            serde_json::json!([
                {"name": "etcd.v0.9.0"},
                {"name": "etcd.v0.9.2", "replaces": "etcd.v0.9.0", "skips": ["etcd.v0.9.1"]},
                {"name": "etcd.v0.9.4", "replaces": "etcd.v0.9.2", "skipRange": ">=0.9.0 <0.9.4"}
            ])
        );
        assert_eq!(docs[2]["name"], "stable");
        let b4 = &docs[5];
        assert_eq!(b4["image"], "quay.io/coreos/etcd-bundle:v0.9.4");
        let props: Vec<String> = b4["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["type"].as_str().unwrap(), p["value"]))
            .collect();
        assert!(props.contains(&r#"olm.gvk {"group":"etcd.database.coreos.com","kind":"EtcdCluster","version":"v1beta2"}"#.to_string()), "{props:?}");
        assert!(
            props.contains(&r#"olm.package {"packageName":"etcd","version":"0.9.4"}"#.to_string()),
            "{props:?}"
        );
        assert_eq!(
            props
                .iter()
                .filter(|p| p.starts_with("olm.bundle.object"))
                .count(),
            2
        );
        if modern {
            assert!(
                props.contains(
                    &r#"olm.package.required {"packageName":"other","versionRange":">=1.0.0"}"#
                        .to_string()
                ),
                "{props:?}"
            );
            assert!(
                props.contains(
                    &r#"olm.gvk.required {"group":"other.io","kind":"Thing","version":"v1"}"#
                        .to_string()
                ),
                "{props:?}"
            );
            assert!(text.contains("\"type\": \"olm.deprecated\""));
        }
        assert_eq!(
            b4["relatedImages"],
            serde_json::json!([
                {"name": "", "image": "quay.io/coreos/etcd-bundle:v0.9.4"},
                {"name": "", "image": "quay.io/coreos/etcd-operator:v0.9.4"},
                {"name": "etcd", "image": format!("quay.io/coreos/etcd@sha256:{:0>64}", "094")}
            ])
        );
        let (code, out, _) = run(&["validate", out_dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        // The output directory must be empty.
        let (code, _, err) = run(&["migrate", db.to_str().unwrap(), out_dir.to_str().unwrap()]);
        assert_eq!(code, 2);
        assert!(err.contains("must be empty"), "{err}");
        // YAML layout.
        let y = d.path().join("y");
        let (code, _, _) = run(&[
            "migrate",
            db.to_str().unwrap(),
            y.to_str().unwrap(),
            "-o",
            "yaml",
        ]);
        assert_eq!(code, 0);
        assert!(
            std::fs::read_to_string(y.join("other/catalog.yaml"))
                .unwrap()
                .starts_with("---\ndefaultChannel: beta\nname: other\nschema: olm.package\n---\n")
        );
    }
}

#[test]
fn opm_migrate_and_render_of_index_db_match_when_shared_present() {
    let dir = repo().join("../shared/conformance/migrate");
    if !dir.join("index.db").is_file() {
        eprintln!(
            "skipped: ../shared/conformance/migrate not present beside the checkout (CI has it; a fresh clone does not)"
        );
        return;
    }
    let (code, out, err) = run(&["render", dir.join("index.db").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("deprecated"), "{err}");
    assert_eq!(
        out,
        std::fs::read_to_string(dir.join("render-index-db.json")).unwrap()
    );
    let d = tempfile::tempdir().unwrap();
    let out_dir = d.path().join("migrated");
    let (code, _, err) = run(&[
        "migrate",
        dir.join("index.db").to_str().unwrap(),
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut n = 0;
    for e in std::fs::read_dir(dir.join("migrated")).unwrap() {
        let pkg = e.unwrap().file_name();
        let want =
            std::fs::read_to_string(dir.join("migrated").join(&pkg).join("catalog.json")).unwrap();
        let got = std::fs::read_to_string(out_dir.join(&pkg).join("catalog.json")).unwrap();
        assert_eq!(got, want, "{pkg:?}");
        n += 1;
    }
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), n);
    let (code, out, _) = run(&["validate", out_dir.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn opm_written_corpus_catalogs_round_trip_when_shared_present() {
    let fbc = repo().join("../shared/corpus/fbc");
    if !fbc.is_dir() {
        eprintln!(
            "skipped: ../shared/corpus/fbc not present beside the checkout (CI has it; a fresh clone does not)"
        );
        return;
    }
    // Single-file JSON catalogs written by opm: rendering them gives the same bytes.
    for name in [
        "instaslice-fbc-v4.16",
        "trustee-fbc-v4.16",
        "mtv-fbc-v4.14",
        "oc-mirror-testdata-node-observability-v4.14",
    ] {
        let dir = fbc.join(name);
        let file = walk(&dir).pop().unwrap();
        let (code, out, err) = run(&["render", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(out, std::fs::read_to_string(&file).unwrap(), "{name}");
    }
    // YAML catalogs written by current opm (go-yaml v3 style): the same lines
    // (their relatedImages are not in the order render sorts them into).
    for name in [
        "compliance-operator-fbc-v4.16",
        "compliance-operator-fbc-v4.17",
    ] {
        let dir = fbc.join(name);
        let file = walk(&dir).pop().unwrap();
        let (code, out, err) = run(&["render", dir.to_str().unwrap(), "-o", "yaml"]);
        assert_eq!(code, 0, "{name}: {err}");
        let want = std::fs::read_to_string(&file).unwrap();
        let mut a: Vec<&str> = out.lines().collect();
        let mut b: Vec<&str> = want.lines().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert!(a == b, "{name}: lines differ");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn migrate_level_applies_to_fbc_inputs_and_the_result_validates() {
    let (code, out, err) = run(&[
        "render",
        "tests/fixtures/fbc/operator-registry-synthetic-latest",
        "--migrate-level",
        "bundle-object-to-csv-metadata",
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("olm.bundle.object"));
    assert_eq!(out.matches("- type: olm.csv.metadata").count(), 10, "{out}");
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("catalog.yaml"), &out).unwrap();
    let (code, out, _) = run(&["validate", d.path().to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{out}");
}
