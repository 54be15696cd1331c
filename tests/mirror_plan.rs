//! Mirror planning (`fbc_core::mirror`) on real inputs:
//!
//! * every real ImageSetConfiguration in `tests/fixtures/imageset/` parses (or fails) as
//!   expected, and `schemas/imageset-config.schema.json` agrees with the parser on them and on
//!   hand-written broken ones;
//! * oc-mirror's own selections of its test catalog give the bundles oc-mirror's tests expect,
//!   and every filtered catalog passes the core validator; so do heads / full / ranges / with
//!   dependencies on the small real catalogs in `tests/fixtures/` and (when `../shared` is
//!   beside the checkout) on every corpus catalog;
//! * the generated cluster resources are valid against the real CRD schemas in
//!   `tests/fixtures/crds/` (unknown fields refused) and stable (insta snapshots).

#[path = "common/crds.rs"]
mod crds;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fbc_core::fbc::{self, Fbc};
use fbc_core::mirror::isc::{self, ImageSetConfig};
use fbc_core::mirror::plan::{self, Destination};
use fbc_core::mirror::resources::{self, BuiltCatalog, ResourceOptions, Scope};
use fbc_core::mirror::select::{self, SelectOptions};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("plugin/ has a parent")
        .to_path_buf()
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// `shared/` beside the checkout, if present.
fn shared_dir() -> Option<PathBuf> {
    // OC_CATALOG_SHARED_DIR: for checkouts that are not beside shared/ (worktrees).
    let dir = std::env::var_os("OC_CATALOG_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"));
    dir.is_dir().then_some(dir)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every regular file below `dir`, in lexical order (as opm walks).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn load_catalog(dir: &Path) -> Fbc {
    let mut cfg = Fbc::default();
    for f in files(dir) {
        if f.file_name().is_some_and(|n| n == ".indexignore") {
            continue;
        }
        cfg.load_file(&f.display().to_string(), &read(&f))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    cfg
}

/// The errors the core validator finds in a catalog (written and re-read,
/// as the executor writes it before building the image).
fn validation_errors(cfg: &Fbc) -> Vec<String> {
    let text = fbc::write(cfg, fbc::Format::Json);
    let loaded = fbc_core::load::load_file(fbc_core::FileId(0), &text);
    let v = fbc_core::validate(vec![loaded], &fbc_core::Options::default());
    v.diagnostics
        .iter()
        .filter(|d| d.severity == fbc_core::Severity::Error)
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect()
}

fn entries(cfg: &Fbc, pkg: &str, channel: &str) -> Vec<String> {
    cfg.channels
        .iter()
        .find(|c| c.package == pkg && c.name == channel)
        .map(|c| c.entries.iter().map(|e| e.name.clone()).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// ImageSetConfiguration: parser and schema

/// Files upstream made invalid on purpose, with what we say about them.
const INVALID_ISC: &[(&str, &str)] = &[
    (
        "oc-mirror-7.yaml",
        "oc-mirror-7.yaml:13:23: mirror.operators[0].packages[0].channels[0]: minVersion 0.3.1 is greater than maxVersion 0.2.0",
    ),
    (
        "oc-mirror-11.yaml",
        "oc-mirror-11.yaml:6:19: mirror.additionalImages[0].targetRepo \"invalid:@tag\": must be a repository path without a tag or digest (set the tag separately)",
    ),
];

fn isc_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = files(&fixtures().join("imageset"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 15,
        "the ImageSetConfiguration fixtures are missing"
    );
    v
}

#[test]
fn real_imageset_configurations_parse_as_expected() {
    for path in isc_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = isc::parse_all(&name, &read(&path));
        match INVALID_ISC.iter().find(|(n, _)| *n == name) {
            Some((_, msg)) => assert_eq!(result.unwrap_err().to_string(), *msg),
            None => {
                let docs = result.unwrap_or_else(|e| panic!("{e}"));
                assert!(!docs.is_empty(), "{name}");
            }
        }
    }
    // What the mirror command gets from the two catalog examples.
    let one = |n: &str| isc::parse(n, &read(&fixtures().join("imageset").join(n))).unwrap();
    let c = one("oc-mirror-3.yaml");
    assert_eq!(c.api_version, isc::V1ALPHA2);
    assert_eq!(
        c.operators[0].target_catalog.as_deref(),
        Some("vendors/redhat-operator-index")
    );
    assert_eq!(c.operators[0].target_tag.as_deref(), Some("v4.13.0"));
    let c = one("oc-mirror-1.yaml");
    assert_eq!(c.operators[0].packages.len(), 3);
    assert_eq!(c.additional_images.len(), 2);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with("oc-mirror-1.yaml:4:3: mirror.platform")),
        "{:?}",
        c.warnings
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("mirror.helm is not supported")),
        "{:?}",
        c.warnings
    );
    let c = one("oc-mirror-9.yaml");
    assert_eq!(c.platforms, ["linux/amd64", "linux/arm64"]);
    // oc-mirror-2.yaml holds six configurations: parse() wants one.
    let e = isc::parse(
        "oc-mirror-2.yaml",
        &read(&fixtures().join("imageset/oc-mirror-2.yaml")),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("oc-mirror-2.yaml:19:1: the file holds 6 ImageSetConfiguration documents"),
        "{e}"
    );
}

fn isc_schema() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&read(&repo().join("schemas/imageset-config.schema.json"))).unwrap();
    jsonschema::options()
        .offline()
        .build(&schema)
        .unwrap_or_else(|e| panic!("compile imageset-config.schema.json: {e}"))
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}

#[test]
fn imageset_schema_agrees_with_the_parser() {
    let schema_doc: Value =
        serde_json::from_str(&read(&repo().join("schemas/imageset-config.schema.json"))).unwrap();
    let meta = jsonschema::meta::validate(&schema_doc);
    assert!(meta.is_ok(), "not a valid draft 2020-12 schema: {meta:?}");
    let v = isc_schema();
    let mut dirs = vec![fixtures().join("imageset")];
    match shared_dir() {
        Some(s) => dirs.push(s.join("corpus/imageset")),
        None => {
            eprintln!("skipping ../shared/corpus/imageset: ../shared is not beside the checkout")
        }
    }
    let mut checked = 0;
    for dir in dirs {
        for path in files(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = read(&path);
            let docs = fbc_core::parse::documents_to_json(&text).unwrap();
            let parser_ok = isc::parse_all(&name, &text).is_ok();
            let schema_ok = docs
                .iter()
                .filter(|d| !d.is_null())
                .all(|d| schema_errors(&v, d).is_empty());
            // The schema cannot compare versions (oc-mirror-7: min > max).
            let expected_schema = parser_ok || name == "oc-mirror-7.yaml";
            assert_eq!(
                schema_ok,
                expected_schema,
                "{}: parser ok = {parser_ok}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 15);
    // Hand-written broken documents: both reject them.
    let head = "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n";
    for (bad, why) in [
        (
            format!(
                "{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    targetcatalog: x\n"
            ),
            "unknown field",
        ),
        (
            format!("{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    full: 'yes'\n"),
            "wrong type",
        ),
        (
            format!(
                "{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    full: true\n    packages:\n    - name: a\n      minVersion: 1.0.0\n"
            ),
            "full + range",
        ),
        (
            format!(
                "{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n      minVersion: 1.0.0\n      channels:\n      - name: s\n        maxVersion: 2.0.0\n"
            ),
            "package + channel ranges",
        ),
        (
            format!(
                "{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    targetCatalog: reg.example.com/ns/x\n"
            ),
            "targetCatalog with a host",
        ),
        (
            format!(
                "{head}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n      minVersion: 4.18\n"
            ),
            "unquoted version",
        ),
        (
            "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\ndelete: {}\n"
                .to_string(),
            "wrong section",
        ),
        (
            "apiVersion: v1\nkind: ImageSetConfiguration\nmirror: {}\n".to_string(),
            "apiVersion",
        ),
    ] {
        assert!(
            isc::parse("bad.yaml", &bad).is_err(),
            "parser accepts {why}"
        );
        let doc = &fbc_core::parse::documents_to_json(&bad).unwrap()[0];
        assert!(!schema_errors(&v, doc).is_empty(), "schema accepts {why}");
    }
}

// ---------------------------------------------------------------------------
// select::filter

fn isc_fixture(name: &str) -> ImageSetConfig {
    isc::parse(name, &read(&fixtures().join("imageset").join(name))).unwrap()
}

#[test]
fn oc_mirror_selections_of_its_test_catalog() {
    let cat = load_catalog(&fixtures().join("mirror/oc-mirror-synthetic-test-catalog-latest"));
    assert!(validation_errors(&cat).is_empty());
    let opts = SelectOptions::default();
    // oc-mirror-6: foo, channel beta, 0.2.0 to 0.3.1, defaultChannel beta
    let c = isc_fixture("oc-mirror-6.yaml");
    let s = select::filter(&cat, &c.operators[0], &opts).unwrap();
    assert_eq!(
        entries(&s.config, "foo", "beta"),
        ["foo.v0.2.0", "foo.v0.3.0", "foo.v0.3.1"]
    );
    assert_eq!(s.config.packages.len(), 1);
    assert_eq!(s.config.bundles.len(), 3);
    let tail = &s.config.channels[0].entries[0];
    assert!(
        tail.replaces.is_empty(),
        "the tail's replaces of a bundle not kept is dropped"
    );
    assert_eq!(validation_errors(&s.config), Vec::<String>::new());
    // oc-mirror-8: 0.3.1 only
    let c = isc_fixture("oc-mirror-8.yaml");
    let s = select::filter(&cat, &c.operators[0], &opts).unwrap();
    assert_eq!(entries(&s.config, "foo", "beta"), ["foo.v0.3.1"]);
    assert_eq!(validation_errors(&s.config), Vec::<String>::new());
    // the whole catalog, heads only: one bundle per channel head
    let spec = isc::parse("h.yaml", "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/oc-mirror/oc-mirror-dev:test-catalog-latest\n").unwrap();
    let s = select::filter(&cat, &spec.operators[0], &opts).unwrap();
    for ch in &s.config.channels {
        assert_eq!(ch.entries.len(), 1, "{}/{}", ch.package, ch.name);
    }
    assert_eq!(s.config.packages.len(), cat.packages.len());
    assert_eq!(validation_errors(&s.config), Vec::<String>::new());
    // plan: images of the selection, with the catalog by digest (oc-mirror-8)
    let c = isc_fixture("oc-mirror-8.yaml");
    let s = select::filter(&cat, &c.operators[0], &opts).unwrap();
    let dest = Destination::parse("docker://mirror.example:5000/ocp", Some(2)).unwrap();
    let p = plan::collect(&[(&c.operators[0], &s.config)], &c, &dest).unwrap();
    insta::assert_snapshot!("oc-mirror-8-mapping", plan::mapping_txt(&p.images));
    assert_eq!(
        p.catalogs[0].target,
        "mirror.example:5000/ocp/oc-mirror-oc-mirror-dev:0f6efa098de0"
    );
}

#[test]
fn small_real_catalogs_filter_to_valid_catalogs() {
    let opts = SelectOptions::default();
    for name in [
        "operator-registry-synthetic-latest",
        "kueue-fbc-v4.19",
        "lvm-operator-dev",
        "trusted-profile-analyzer-operator-fbc-v4.18",
    ] {
        let cat = load_catalog(&fixtures().join("fbc").join(name));
        check_catalog(name, &cat, &opts);
    }
    // opm's test catalog declares dependencies: etcd requires a package and a GVK of others.
    let cat = load_catalog(&fixtures().join("fbc/operator-registry-synthetic-latest"));
    let mut deps = vec![];
    for b in &cat.bundles {
        for p in &b.properties {
            if p.type_.ends_with(".required") {
                deps.push(format!("{} {} {}", b.name, p.type_, p.value));
            }
        }
    }
    assert!(!deps.is_empty());
    let with = SelectOptions {
        with_dependencies: true,
        ..Default::default()
    };
    for pkg in &cat.packages {
        let spec = isc::parse("d.yaml", &format!("apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/x/y:v1\n    full: true\n    packages:\n    - name: {}\n", pkg.name)).unwrap();
        let s = select::filter(&cat, &spec.operators[0], &with).unwrap();
        assert_eq!(
            validation_errors(&s.config),
            Vec::<String>::new(),
            "{} with dependencies",
            pkg.name
        );
        // Whatever a kept bundle requires is now in the selection or reported.
        for b in &s.config.bundles {
            for p in b
                .properties
                .iter()
                .filter(|p| p.type_ == "olm.package.required")
            {
                let need = p.json()["packageName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(
                    s.config.packages.iter().any(|k| k.name == need)
                        || s.notes.iter().any(|n| n.contains(&need)),
                    "{}: {need} neither added nor reported: {:?}",
                    b.name,
                    s.notes
                );
            }
        }
        if pkg.name == "etcd" {
            assert!(
                !s.added.is_empty(),
                "etcd's dependencies: {:?} {:?}",
                s.added,
                s.notes
            );
        }
    }
}

/// Heads, full, and a range over each package's default channel: all valid.
fn check_catalog(name: &str, cat: &Fbc, opts: &SelectOptions) {
    let before = validation_errors(cat);
    if !before.is_empty() {
        eprintln!(
            "{name}: not valid before filtering, skipped ({} errors)",
            before.len()
        );
        return;
    }
    let spec = |body: &str| {
        isc::parse("t.yaml", &format!("apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/x/index:v1\n{body}"))
            .unwrap()
            .operators
            .remove(0)
    };
    for body in ["", "    full: true\n"] {
        let s = select::filter(cat, &spec(body), opts)
            .unwrap_or_else(|e| panic!("{name} {body:?}: {e}"));
        assert_eq!(
            validation_errors(&s.config),
            Vec::<String>::new(),
            "{name} {body:?}"
        );
        if body.is_empty() {
            assert!(
                s.config.channels.iter().all(|c| c.entries.len() == 1),
                "{name}: heads only"
            );
        } else {
            assert_eq!(
                s.config.bundles.len(),
                cat.bundles.len(),
                "{name}: full keeps every bundle"
            );
        }
    }
    let versions: BTreeMap<(&str, &str), String> = cat
        .bundles
        .iter()
        .filter_map(|b| Some(((b.package.as_str(), b.name.as_str()), b.version()?)))
        .collect();
    for pkg in &cat.packages {
        let Some(ch) = cat
            .channels
            .iter()
            .find(|c| c.package == pkg.name && c.name == pkg.default_channel)
        else {
            continue;
        };
        let mut vs: Vec<fbc_core::semver::Version> = ch
            .entries
            .iter()
            .filter_map(|e| versions.get(&(pkg.name.as_str(), e.name.as_str())))
            .filter_map(|v| fbc_core::semver::parse_version(v).ok())
            .collect();
        vs.sort();
        vs.dedup();
        if vs.len() < 3 {
            continue;
        }
        let (min, max) = (&vs[1], &vs[vs.len() - 2]);
        let body = format!(
            "    packages:\n    - name: {}\n      channels:\n      - name: '{}'\n        minVersion: '{min}'\n        maxVersion: '{max}'\n",
            pkg.name, ch.name
        );
        let s = select::filter(cat, &spec(&body), opts)
            .unwrap_or_else(|e| panic!("{name} {}: {e}", pkg.name));
        assert_eq!(
            validation_errors(&s.config),
            Vec::<String>::new(),
            "{name} {} {min}..{max}",
            pkg.name
        );
        let kept = entries(&s.config, &pkg.name, &ch.name);
        // Every kept bundle within the channel; the in-range ones all kept unless a note says why.
        let in_range: Vec<&str> = ch
            .entries
            .iter()
            .filter(|e| {
                versions
                    .get(&(pkg.name.as_str(), e.name.as_str()))
                    .and_then(|v| fbc_core::semver::parse_version(v).ok())
                    .is_some_and(|v| &v >= min && &v <= max)
            })
            .map(|e| e.name.as_str())
            .collect();
        for e in in_range {
            assert!(
                kept.iter().any(|k| k == e) || s.notes.iter().any(|n| n.contains(e)),
                "{name} {}: {e} in {min}..{max} lost silently; kept {kept:?}",
                pkg.name
            );
        }
    }
}

#[test]
fn every_corpus_catalog_filters_to_a_valid_catalog() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipping: ../shared is not beside the checkout");
        return;
    };
    let opts = SelectOptions::default();
    let mut n = 0;
    for entry in files(&shared.join("corpus/fbc"))
        .iter()
        .filter_map(|f| {
            f.strip_prefix(shared.join("corpus/fbc"))
                .ok()?
                .components()
                .next()
        })
        .map(|c| c.as_os_str().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let dir = shared.join("corpus/fbc").join(&entry);
        let cat = load_catalog(&dir);
        check_catalog(&entry.to_string_lossy(), &cat, &opts);
        n += 1;
    }
    assert!(n >= 30, "{n} corpus catalogs");
}

// ---------------------------------------------------------------------------
// Cluster resources against the CRDs

fn sample_plan() -> (Vec<plan::ImageCopy>, Vec<BuiltCatalog>) {
    let cat = load_catalog(&fixtures().join("mirror/oc-mirror-synthetic-test-catalog-latest"));
    let c = isc::parse(
        "isc.yaml",
        "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/oc-mirror/oc-mirror-dev:test-catalog-latest\n    full: true\n  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.18\n  additionalImages:\n  - name: registry.redhat.io/ubi9/ubi:latest\n  - name: registry.redhat.io/ubi9/ubi-minimal@sha256:2222222222222222222222222222222222222222222222222222222222222222\n",
    )
    .unwrap();
    let s = select::filter(&cat, &c.operators[0], &SelectOptions::default()).unwrap();
    let empty = Fbc::default();
    let dest = Destination::parse("docker://mirror.example:5000/olm", None).unwrap();
    let p = plan::collect(
        &[(&c.operators[0], &s.config), (&c.operators[1], &empty)],
        &c,
        &dest,
    )
    .unwrap();
    let digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    let built = p
        .catalogs
        .iter()
        .map(|t| {
            let repo = t.target.rsplit_once(':').unwrap().0;
            BuiltCatalog {
                source: t.source.clone(),
                target_by_digest: format!("{repo}@{digest}"),
                target_tag: Some(t.target.clone()),
                display_name: None,
            }
        })
        .collect();
    (p.images, built)
}

#[test]
fn cluster_resources_are_valid_and_stable() {
    let crds = crds::validators();
    let (images, catalogs) = sample_plan();
    for (label, opts) in [
        (
            "default",
            ResourceOptions {
                cluster_catalog: true,
                ..Default::default()
            },
        ),
        (
            "icsp",
            ResourceOptions {
                icsp: true,
                ..Default::default()
            },
        ),
        (
            "registry-scope",
            ResourceOptions {
                scope: Scope::Registry,
                ..Default::default()
            },
        ),
        (
            "repository-scope",
            ResourceOptions {
                scope: Scope::Repository,
                ..Default::default()
            },
        ),
    ] {
        let files = resources::generate(&images, &catalogs, &opts);
        assert!(!files.is_empty());
        let mut all = String::new();
        for (name, yaml) in &files {
            all.push_str(&format!("=== {name}\n{yaml}"));
            let docs =
                fbc_core::parse::documents_to_json(yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
            for doc in docs.iter().filter(|d| !d.is_null()) {
                let kind = doc["kind"].as_str().unwrap();
                let (api, v, namespaced) = crds
                    .get(kind)
                    .unwrap_or_else(|| panic!("{name}: no CRD for {kind}"));
                assert_eq!(doc["apiVersion"], api.as_str(), "{name}");
                let errs = schema_errors(v, doc);
                assert!(errs.is_empty(), "{name} ({label}): {errs:#?}\n{yaml}");
                let meta_name = doc["metadata"]["name"].as_str().unwrap();
                assert!(
                    fbc_core::k8sname::is_dns1123_subdomain(meta_name).is_empty(),
                    "{meta_name}"
                );
                assert_eq!(
                    doc["metadata"].get("namespace").is_some(),
                    *namespaced,
                    "{name}"
                );
                if kind == "CatalogSource" {
                    assert!(
                        fbc_core::k8sname::is_dns1035_label(meta_name).is_empty(),
                        "{meta_name}"
                    );
                    assert!(doc["spec"]["image"].as_str().unwrap().contains("@sha256:"));
                }
            }
            // Stable: the same input gives the same bytes.
            assert_eq!(resources::generate(&images, &catalogs, &opts), files);
        }
        insta::assert_snapshot!(format!("resources-{label}"), all);
    }
}
