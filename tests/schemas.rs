//! The JSON Schemas in `schemas/` are kept honest here:
//!
//! * every schema compiles (alone and through `fbc.schema.json`), matches the
//!   draft 2020-12 metaschema and uses only keywords that draft knows;
//! * every document of the real catalogs in `tests/fixtures/fbc/` passes;
//! * when `shared/` sits beside the checkout (CI has it at `../shared`), every
//!   document of the conformance cases that opm accepts and of every corpus
//!   catalog passes too, and the conformance cases that opm rejects for a
//!   reason visible in one document are rejected;
//! * hand-written invalid documents are rejected at the expected place.
//!
//! Catalog directories are walked like `opm validate` walks them: every
//! regular file whatever its name, hidden files included, `.indexignore`
//! patterns honoured.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jsonschema::{Registry, Validator};
use rayon::prelude::*;
use serde_json::{Value, json};

/// Where the schemas are registered for the test; they carry no `$id`, so
/// editors resolve their relative `$ref`s against wherever they were loaded
/// from, and so do we.
const BASE: &str = "file:///oc-catalog/schemas/";

const SCHEMA_FILES: &[&str] = &[
    "fbc.schema.json",
    "olm.package.schema.json",
    "olm.channel.schema.json",
    "olm.bundle.schema.json",
    "olm.deprecations.schema.json",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("plugin/ has a parent")
        .to_path_buf()
}

fn schemas_dir() -> PathBuf {
    repo_root().join("schemas")
}

/// `shared/` beside the checkout, if present.
fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    dir.is_dir().then_some(dir)
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn schema_docs() -> &'static Vec<(String, Value)> {
    static DOCS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        SCHEMA_FILES
            .iter()
            .map(|name| (name.to_string(), read_json(&schemas_dir().join(name))))
            .collect()
    })
}

fn registry() -> &'static Registry<'static> {
    static REGISTRY: OnceLock<Registry<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::new()
            .extend(
                schema_docs()
                    .iter()
                    .map(|(name, doc)| (format!("{BASE}{name}"), doc)),
            )
            .expect("register schemas")
            .prepare()
            .expect("prepare schema registry")
    })
}

fn compile(name: &str) -> Validator {
    let (_, doc) = schema_docs()
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("unknown schema {name}"));
    jsonschema::options()
        .with_registry(registry())
        .with_base_uri(format!("{BASE}{name}"))
        .offline()
        .build(doc)
        .unwrap_or_else(|e| panic!("compile {name}: {e}"))
}

fn fbc() -> &'static Validator {
    static FBC: OnceLock<Validator> = OnceLock::new();
    FBC.get_or_init(|| compile("fbc.schema.json"))
}

/// The schema's complaints about one document, as `path: message` lines,
/// with instance values masked (bundle objects are megabytes long).
fn errors(validator: &Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {}", e.instance_path(), e.masked()))
        .collect()
}

// ---------------------------------------------------------------------------
// (a) the schemas themselves

#[test]
fn every_schema_file_is_listed_and_documented() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(schemas_dir())
        .expect("read schemas/")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    let listed: BTreeSet<String> = SCHEMA_FILES.iter().map(|s| s.to_string()).collect();
    // Other schemas (report output, ImageSetConfiguration, ...) may live in
    // schemas/ too; the FBC ones must all be here.
    for name in &listed {
        assert!(on_disk.contains(name), "schemas/{name} is missing");
    }
    let readme =
        std::fs::read_to_string(schemas_dir().join("README.md")).expect("schemas/README.md");
    for name in SCHEMA_FILES {
        assert!(
            readme.contains(name),
            "schemas/README.md does not mention {name}"
        );
    }
}

#[test]
fn schemas_match_the_metaschema_and_compile() {
    for (name, doc) in schema_docs() {
        assert_eq!(
            doc["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name} must declare draft 2020-12"
        );
        if let Err(e) = jsonschema::meta::validate(doc) {
            panic!(
                "{name} does not match the 2020-12 metaschema at {}: {e}",
                e.instance_path()
            );
        }
        // Each schema compiles on its own (editors may point at any of them).
        compile(name);
        let mut unknown = Vec::new();
        check_keywords(doc, "#", &mut unknown);
        assert!(
            unknown.is_empty(),
            "{name} uses keywords draft 2020-12 does not know (typos are silently ignored by validators): {unknown:?}"
        );
        assert!(
            doc.get("description").and_then(Value::as_str).is_some(),
            "{name} has no description"
        );
        let mut undocumented = Vec::new();
        check_descriptions(doc, doc, "#", &mut undocumented);
        assert!(
            undocumented.is_empty(),
            "{name}: fields without a description (editors show it on hover): {undocumented:?}"
        );
    }
}

/// Every field declared under `properties` (of the root, of `$defs`, of
/// array items and map values, recursively) has a `description`, directly or
/// on the `$defs` entry it refers to. Subschemas of `if`/`then`/`contains`/...
/// only refine fields declared elsewhere and are not visited.
fn check_descriptions(schema: &Value, root: &Value, at: &str, missing: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Object(props)) = map.get("properties") {
        for (field, sub) in props {
            let here = format!("{at}/properties/{field}");
            let mut target = sub;
            while target.get("description").is_none() {
                let Some(next) = target
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#"))
                    .and_then(|pointer| root.pointer(pointer))
                else {
                    break;
                };
                target = next;
            }
            if target.get("description").and_then(Value::as_str).is_none() {
                missing.push(here.clone());
            }
            check_descriptions(sub, root, &here, missing);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = map.get(key) {
            check_descriptions(sub, root, &format!("{at}/{key}"), missing);
        }
    }
    if let Some(Value::Object(defs)) = map.get("$defs") {
        for (def, sub) in defs {
            check_descriptions(sub, root, &format!("{at}/$defs/{def}"), missing);
        }
    }
}

/// Draft 2020-12 keywords (core, applicator, unevaluated, validation,
/// meta-data, format, content) plus `$comment`, and the two extensions that
/// VS Code's JSON service and yaml-language-server show instead of a generic
/// message (`patternErrorMessage`, `deprecationMessage`).
const KEYWORDS: &str = "
    $schema $id $ref $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $defs
    allOf anyOf oneOf not if then else dependentSchemas prefixItems items contains properties
    patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties
    type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength
    minLength pattern maxItems minItems uniqueItems maxContains minContains maxProperties
    minProperties required dependentRequired
    title description default deprecated readOnly writeOnly examples
    format contentEncoding contentMediaType contentSchema
    patternErrorMessage deprecationMessage";

fn check_keywords(schema: &Value, at: &str, unknown: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    for (key, value) in map {
        let here = format!("{at}/{key}");
        match key.as_str() {
            // Maps of name -> subschema.
            "$defs" | "properties" | "patternProperties" | "dependentSchemas" => {
                if let Value::Object(subs) = value {
                    for (sub, s) in subs {
                        check_keywords(s, &format!("{here}/{sub}"), unknown);
                    }
                }
            }
            // Arrays of subschemas.
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(subs) = value {
                    for (i, s) in subs.iter().enumerate() {
                        check_keywords(s, &format!("{here}/{i}"), unknown);
                    }
                }
            }
            // One subschema.
            "not"
            | "if"
            | "then"
            | "else"
            | "items"
            | "contains"
            | "additionalProperties"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => check_keywords(value, &here, unknown),
            k if KEYWORDS.split_whitespace().any(|known| known == k) => {}
            _ => unknown.push(here),
        }
    }
}

// ---------------------------------------------------------------------------
// Walking catalogs like opm

/// Every file of a catalog root that `opm validate` would read, in walk order.
fn catalog_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .add_custom_ignore_filename(".indexignore")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
    {
        let entry = entry.unwrap_or_else(|e| panic!("walk {}: {e}", root.display()));
        if entry.file_type().is_some_and(|t| t.is_file()) && entry.file_name() != ".indexignore" {
            files.push(entry.into_path());
        }
    }
    files
}

/// Every document of one catalog file, parsed as opm reads it (YAML 1.1 or a
/// JSON stream).
fn file_documents(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text =
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()));
    fbc_core::parse::documents_to_json(&text)
        .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn describe(doc: &Value) -> String {
    let field = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or("-")
            .to_string()
    };
    format!("{} {}/{}", field("schema"), field("package"), field("name"))
}

/// Validates every document of the given files against `fbc.schema.json`,
/// files in parallel (parsing the 18 MB catalogs dominates in debug builds);
/// returns the number of documents and the failures, in file order.
fn check_files(files: &[PathBuf]) -> (usize, Vec<String>) {
    let per_file: Vec<(usize, Vec<String>)> = files
        .par_iter()
        .map(|path| {
            let docs = file_documents(path);
            let failures = docs
                .iter()
                .filter_map(|doc| {
                    let errs = errors(fbc(), doc);
                    (!errs.is_empty()).then(|| {
                        format!(
                            "{} ({}):\n    {}",
                            path.display(),
                            describe(doc),
                            errs.join("\n    ")
                        )
                    })
                })
                .collect();
            (docs.len(), failures)
        })
        .collect();
    let total = per_file.iter().map(|(n, _)| n).sum();
    (total, per_file.into_iter().flat_map(|(_, f)| f).collect())
}

fn check_catalog(root: &Path) -> (usize, Vec<String>) {
    check_files(&catalog_files(root))
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn assert_catalogs_pass(roots: &[PathBuf], what: &str) {
    let files: Vec<PathBuf> = roots.iter().flat_map(|r| catalog_files(r)).collect();
    let (total, failures) = check_files(&files);
    println!(
        "{what}: {} catalogs, {total} documents checked",
        roots.len()
    );
    assert!(
        failures.is_empty(),
        "{} documents of {what} that opm accepts fail the schema:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// (b) real catalogs copied into the repository, and the conformance cases

#[test]
fn fixture_catalogs_pass() {
    let dir = repo_root().join("tests/fixtures/fbc");
    let roots = subdirectories(&dir);
    assert!(
        roots.len() >= 3,
        "expected at least 3 fixture catalogs in {}",
        dir.display()
    );
    let sources =
        std::fs::read_to_string(dir.join("SOURCES.md")).expect("tests/fixtures/fbc/SOURCES.md");
    for root in &roots {
        let slug = root.file_name().unwrap().to_string_lossy();
        assert!(
            sources.contains(&*slug),
            "SOURCES.md does not name fixture {slug}"
        );
        assert!(check_catalog(root).0 > 0, "fixture {slug} has no documents");
    }
    assert_catalogs_pass(&roots, "tests/fixtures/fbc");
}

/// Case name -> exit code of current opm (`opm_head_logic`).
fn conformance_expectations(shared: &Path) -> Vec<(String, i64)> {
    let expected = read_json(&shared.join("conformance/expected.json"));
    let mut cases: Vec<(String, i64)> = expected
        .as_object()
        .expect("expected.json is an object")
        .iter()
        .map(|(name, v)| {
            let exit = v["opm_head_logic"]["exit"]
                .as_i64()
                .unwrap_or_else(|| panic!("no opm_head_logic.exit for {name}"));
            (name.clone(), exit)
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn conformance_cases_opm_accepts_pass() {
    let Some(shared) = shared_dir() else {
        println!("SKIPPED: no shared/ beside the checkout; conformance cases not checked");
        return;
    };
    let cases_dir = shared.join("conformance/cases");
    let roots: Vec<PathBuf> = conformance_expectations(&shared)
        .into_iter()
        .filter(|(_, exit)| *exit == 0)
        .map(|(name, _)| cases_dir.join(name))
        // An empty directory is a valid catalog; git cannot keep one.
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        roots.len() >= 20,
        "too few valid conformance cases found: {}",
        roots.len()
    );
    assert_catalogs_pass(&roots, "conformance cases opm accepts");
}

/// Conformance cases opm rejects because of something inside one document:
/// the schema must reject at least one of their documents.
const REJECTED_CASES: &[&str] = &[
    "02-default-channel-missing",
    "12-missing-schema",
    "17-no-olm-package-prop",
    "18-two-olm-package-props",
    "19-bad-bundle-version",
    "23-empty-image-no-objects",
    "24-malformed-gvk",
    "25-gvk-value-string",
    "26-package-name-empty",
    "30-bundle-name-empty",
    "36-channel-no-entries",
    "43-bundle-object-bad-b64",
    "47-bundle-package-empty",
    "48-channel-name-empty",
    "49-version-with-v-prefix",
    "50-bad-image-ref",
    "56-two-olm-package-props-differ",
    "63-package-name-not-dns1123",
    "66-release-invalid",
    "69-deprecations-entry-no-schema",
    "70-deprecations-package-with-name",
    "72-deprecations-unknown-ref-schema",
    "73-deprecations-empty-message",
    "75-deprecations-no-package",
    "76-bad-related-image",
    "82-schema-not-string",
    "84-empty-skip",
    "88-icon-bad-base64",
    "89-default-channel-number",
    "90-entries-not-array",
    "91-properties-not-array",
    "93-property-missing-value",
    "94-csv-metadata-bad",
];

#[test]
fn conformance_cases_with_a_bad_document_are_rejected() {
    let Some(shared) = shared_dir() else {
        println!("SKIPPED: no shared/ beside the checkout; conformance cases not checked");
        return;
    };
    let expectations = conformance_expectations(&shared);
    let mut missed = Vec::new();
    for case in REJECTED_CASES {
        let exit = expectations
            .iter()
            .find(|(name, _)| name == case)
            .unwrap_or_else(|| panic!("conformance case {case} not in expected.json"))
            .1;
        assert_ne!(
            exit, 0,
            "opm accepts {case}; it does not belong in REJECTED_CASES"
        );
        let (_, failures) = check_catalog(&shared.join("conformance/cases").join(case));
        if failures.is_empty() {
            missed.push(*case);
        }
    }
    assert!(
        missed.is_empty(),
        "the schema accepts every document of {missed:?}, which opm rejects"
    );
}

// ---------------------------------------------------------------------------
// (c) the whole corpus, when shared/ is present

#[test]
fn corpus_catalogs_pass() {
    let Some(shared) = shared_dir() else {
        println!("SKIPPED: no shared/ beside the checkout; corpus catalogs not checked");
        return;
    };
    let roots = subdirectories(&shared.join("corpus/fbc"));
    assert!(!roots.is_empty(), "no catalogs under shared/corpus/fbc");
    assert_catalogs_pass(&roots, "shared/corpus/fbc");
}

// ---------------------------------------------------------------------------
// (d) hand-written documents

fn bundle(properties: Value) -> Value {
    json!({
        "schema": "olm.bundle",
        "package": "foo",
        "name": "foo.v0.1.0",
        "image": "quay.io/example/foo-bundle@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "properties": properties,
    })
}

fn pkg_prop(version: Value) -> Value {
    json!({"type": "olm.package", "value": {"packageName": "foo", "version": version}})
}

/// Asserts the document is rejected, with an error at `path` (a JSON pointer
/// into the document), both through `fbc.schema.json` and through the
/// document's own schema when it has one.
#[track_caller]
fn assert_rejected(doc: &Value, path: &str) {
    let mut validators = vec![("fbc.schema.json", fbc())];
    let own;
    if let Some(kind) = doc.get("schema").and_then(Value::as_str)
        && SCHEMA_FILES.contains(&format!("{kind}.schema.json").as_str())
    {
        own = compile(&format!("{kind}.schema.json"));
        validators.push((kind, &own));
    }
    for (name, validator) in validators {
        let errs = errors(validator, doc);
        assert!(
            errs.iter().any(|e| e.starts_with(&format!("{path}: "))),
            "{name}: expected an error at {path:?} for {doc}, got {errs:?}"
        );
    }
}

#[track_caller]
fn assert_accepted(doc: &Value) {
    let errs = errors(fbc(), doc);
    assert!(errs.is_empty(), "expected {doc} to pass, got {errs:?}");
}

#[test]
fn hand_written_invalid_documents_are_rejected() {
    // Bundle without package.
    let mut doc = bundle(json!([pkg_prop(json!("0.1.0"))]));
    doc.as_object_mut().unwrap().remove("package");
    assert_rejected(&doc, "");

    // Channel entries not an array.
    assert_rejected(
        &json!({"schema": "olm.channel", "package": "foo", "name": "stable", "entries": "foo.v0.1.0"}),
        "/entries",
    );

    // olm.package property whose version is a number (`version: 1.0` in YAML).
    assert_rejected(
        &bundle(json!([pkg_prop(json!(1.0))])),
        "/properties/0/value/version",
    );

    // Version with a v prefix, and with leading zeros.
    assert_rejected(
        &bundle(json!([pkg_prop(json!("v0.1.0"))])),
        "/properties/0/value/version",
    );
    assert_rejected(
        &bundle(json!([pkg_prop(json!("0.01.0"))])),
        "/properties/0/value/version",
    );

    // Release with build metadata in the version, and a bad release.
    let release = |version: &str, release: &str| {
        let mut doc = bundle(json!([
            {"type": "olm.package", "value": {"packageName": "foo", "version": version, "release": release}}
        ]));
        doc["name"] = json!(format!("foo-v{version}-{release}"));
        doc
    };
    assert_rejected(&release("0.1.0+build", "1"), "/properties/0/value/version");
    assert_rejected(&release("0.1.0", "01..x"), "/properties/0/value/release");
    assert_accepted(&release("0.1.0", "1.alpha-2"));

    // No olm.package property; two of them.
    assert_rejected(&bundle(json!([])), "/properties");
    assert_rejected(
        &bundle(json!([pkg_prop(json!("0.1.0")), pkg_prop(json!("0.1.0"))])),
        "/properties",
    );

    // Property without value; gvk kind a number; bundle object not base64.
    assert_rejected(
        &bundle(json!([pkg_prop(json!("0.1.0")), {"type": "olm.gvk"}])),
        "/properties/1",
    );
    assert_rejected(
        &bundle(
            json!([pkg_prop(json!("0.1.0")), {"type": "olm.gvk", "value": {"group": "x", "kind": 5, "version": "v1"}}]),
        ),
        "/properties/1/value/kind",
    );
    assert_rejected(
        &bundle(
            json!([pkg_prop(json!("0.1.0")), {"type": "olm.bundle.object", "value": {"data": "not base64!"}}]),
        ),
        "/properties/1/value/data",
    );
    // Unpadded base64 is rejected by Go's decoder too.
    assert_rejected(
        &bundle(
            json!([pkg_prop(json!("0.1.0")), {"type": "olm.bundle.object", "value": {"data": "YWJj ZA"}}]),
        ),
        "/properties/1/value/data",
    );

    // CSV metadata with a non-string display name and a non-string annotation.
    assert_rejected(
        &bundle(
            json!([pkg_prop(json!("0.1.0")), {"type": "olm.csv.metadata", "value": {"displayName": 5}}]),
        ),
        "/properties/1/value/displayName",
    );
    assert_rejected(
        &bundle(
            json!([pkg_prop(json!("0.1.0")), {"type": "olm.csv.metadata", "value": {"annotations": {"a": true}}}]),
        ),
        "/properties/1/value/annotations/a",
    );

    // Constraint with two alternatives, and with none.
    let constraint = |value: Value| {
        bundle(json!([pkg_prop(json!("0.1.0")), {"type": "olm.constraint", "value": value}]))
    };
    assert_rejected(
        &constraint(
            json!({"failureMessage": "x", "gvk": {"group": "a", "kind": "B", "version": "v1"}, "cel": {"rule": "true"}}),
        ),
        "/properties/1/value",
    );
    assert_rejected(
        &constraint(json!({"failureMessage": "x"})),
        "/properties/1/value",
    );

    // Empty image without olm.bundle.object; an uppercase repository.
    let mut doc = bundle(json!([pkg_prop(json!("0.1.0"))]));
    doc["image"] = json!("");
    assert_rejected(&doc, "");
    doc["image"] = json!("quay.io/Example/foo:v1");
    assert_rejected(&doc, "/image");

    // Package: name not an RFC 1123 label, no default channel, bad icon.
    assert_rejected(
        &json!({"schema": "olm.package", "name": "Foo_Bad", "defaultChannel": "stable"}),
        "/name",
    );
    assert_rejected(&json!({"schema": "olm.package", "name": "foo"}), "");
    assert_rejected(
        &json!({"schema": "olm.package", "name": "foo", "defaultChannel": 7}),
        "/defaultChannel",
    );
    assert_rejected(
        &json!({"schema": "olm.package", "name": "foo", "defaultChannel": "stable", "icon": {"base64data": "not base64 !!"}}),
        "/icon/base64data",
    );

    // Channel: no entries, an empty skip.
    assert_rejected(
        &json!({"schema": "olm.channel", "package": "foo", "name": "stable", "entries": []}),
        "/entries",
    );
    assert_rejected(
        &json!({"schema": "olm.channel", "package": "foo", "name": "stable", "entries": [{"name": "a", "skips": [""]}]}),
        "/entries/0/skips/0",
    );

    // Deprecations: a package reference with a name, an empty message, an unknown kind.
    let deprecation =
        |entry: Value| json!({"schema": "olm.deprecations", "package": "foo", "entries": [entry]});
    assert_rejected(
        &deprecation(
            json!({"reference": {"schema": "olm.package", "name": "foo"}, "message": "x"}),
        ),
        "/entries/0/reference/name",
    );
    assert_rejected(
        &deprecation(
            json!({"reference": {"schema": "olm.bundle", "name": "foo.v0.1.0"}, "message": ""}),
        ),
        "/entries/0/message",
    );
    assert_rejected(
        &deprecation(json!({"reference": {"schema": "olm.foo", "name": "x"}, "message": "x"})),
        "/entries/0/reference/schema",
    );

    // Envelope: no schema at all, an empty one, a non-string one, a non-string name.
    assert_rejected(&json!({"name": "noschema", "foo": 1}), "");
    assert_rejected(&json!({"schema": "", "name": "x"}), "/schema");
    assert_rejected(&json!({"schema": 5, "name": "x"}), "/schema");
    assert_rejected(&json!({"schema": "custom.kind", "name": 5}), "/name");
    assert_rejected(
        &json!({"Schema": "custom.kind", "Package": null}),
        "/Package",
    );
    // A document is an object.
    assert_rejected(&json!([{"schema": "olm.package"}]), "");
    assert_rejected(&Value::Null, "");
}

/// The documented limit: typed schemas know only the canonical lowercase
/// field names, so a document that spells `schema` otherwise is not checked
/// (opm would reject this bundle: no name, no olm.package property).
#[test]
fn case_variant_keys_are_not_modelled() {
    assert_accepted(&json!({"Schema": "olm.bundle", "Package": "foo"}));
}

#[test]
fn hand_written_documents_opm_accepts_pass() {
    // Custom schemas are free-form.
    assert_accepted(
        &json!({"schema": "olm.template.basic", "entries": 5, "anything": {"goes": [1, 2]}}),
    );
    assert_accepted(
        &json!({"schema": "example.com/kind", "package": "foo", "name": "x", "payload": null}),
    );
    // opm reads `schema` case-insensitively; such documents are not checked further.
    assert_accepted(&json!({"Schema": "olm.package", "Name": "foo", "DefaultChannel": "stable"}));
    assert_accepted(&json!({"SCHEMA": "example.kind", "Package": "foo"}));
    // Unknown fields are ignored by opm.
    assert_accepted(
        &json!({"schema": "olm.package", "name": "foo", "defaultChannel": "stable", "x-note": 1}),
    );
    // Nulls mean "absent" for optional fields.
    assert_accepted(&json!({
        "schema": "olm.package", "name": "foo", "defaultChannel": "stable",
        "icon": {"base64data": null, "mediatype": null}, "description": null, "properties": null
    }));
    assert_accepted(&json!({
        "schema": "olm.channel", "package": "foo", "name": "stable",
        "entries": [{"name": "foo.v0.2.0", "replaces": null, "skips": null, "skipRange": null}]
    }));
    // Bundle: image may be empty with olm.bundle.object; base64 with line breaks;
    // a property without type; unknown property types take any value; constraints.
    let mut doc = bundle(json!([
        pkg_prop(json!("1.2.3-rc.1+build.5")),
        // `kind: ConfigMap ...` in base64, wrapped: Go's decoder skips CR and LF.
        {"type": "olm.bundle.object", "value": {"data": "a2luZDogQ29uZmlnTWFwCmFwaVZlcnNpb246IHYx\nCm1ldGFkYXRhOgogIG5hbWU6IGZvbwo=\r\n"}},
        {"value": {"a": 1}},
        {"type": "olm.maxOpenShiftVersion", "value": "4.16"},
        {"type": "custom.anything", "value": null},
        {"type": "olm.package.required", "value": {"packageName": "bar", "versionRange": "!!garbage"}},
        {"type": "olm.gvk", "value": {"group": "", "kind": "", "version": ""}},
        {"type": "olm.csv.metadata", "value": {
            "displayName": "Foo", "annotations": {"createdAt": "2024-01-01T00:00:00Z"},
            "installModes": [{"type": "AllNamespaces", "supported": true}],
            "crdDescriptions": {"owned": [{"name": "foos.example.com", "kind": "Foo", "version": "v1"}]},
            "provider": {"name": "Example"}
        }},
        {"type": "olm.constraint", "value": {"failureMessage": "needs bar", "all": {"constraints": [
            {"package": {"packageName": "bar", "versionRange": ">=1.0.0"}},
            {"not": {"constraints": [{"gvk": {"group": "a", "kind": "B", "version": "v1"}}]}},
            {"cel": {"rule": "properties.exists(p, p.type == 'x')"}}
        ]}}}
    ]));
    doc["image"] = json!("");
    doc["relatedImages"] = json!([
        {"name": "", "image": ""},
        {"name": "operator", "image": "registry.example.com:5000/ns/op:v1.2.3"},
        {"name": "local", "image": "localhost/op@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        {"image": "busybox"}
    ]);
    assert_accepted(&doc);
    // A deprecation of the package (no name), a channel and a bundle.
    assert_accepted(
        &json!({"schema": "olm.deprecations", "package": "foo", "entries": [
            {"reference": {"schema": "olm.package"}, "message": "use bar"},
            {"reference": {"schema": "olm.channel", "name": "alpha"}, "message": "use stable"},
            {"reference": {"schema": "olm.bundle", "name": "foo.v0.1.0"}, "message": "CVE-2024-0001"}
        ]}),
    );
}
