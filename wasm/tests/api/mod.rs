//! The JS API of fbc-wasm, as JavaScript callers use it. Compiled into both
//! test binaries: `node.rs` (Node) and `browser.rs` (headless Chromium).

use fbc_wasm::{Catalog, catalog_root, codes, explain, plan_mirror, validate, version};
use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use serde_json::{Value, json};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const BROKEN: [(&str, &str); 3] = [
    (
        "broken-catalog/etcd-example/bundles.json",
        include_str!("../../../examples/broken-catalog/etcd-example/bundles.json"),
    ),
    (
        "broken-catalog/etcd-example/channels.yaml",
        include_str!("../../../examples/broken-catalog/etcd-example/channels.yaml"),
    ),
    (
        "broken-catalog/etcd-example/package.yaml",
        include_str!("../../../examples/broken-catalog/etcd-example/package.yaml"),
    ),
];

const VALID: (&str, &str) = (
    "catalog/kueue-operator/catalog.json",
    include_str!("../../../examples/catalog/kueue-operator/catalog.json"),
);

/// A JS value as JSON data, to assert on.
fn data(v: &JsValue) -> Value {
    serde_json::from_str(&String::from(JSON::stringify(v).unwrap())).unwrap()
}

/// `[{path, text}]` as a JS array.
fn files(list: &[(&str, &str)]) -> JsValue {
    let arr = Array::new();
    for (path, text) in list {
        let o = Object::new();
        Reflect::set(&o, &"path".into(), &(*path).into()).unwrap();
        Reflect::set(&o, &"text".into(), &(*text).into()).unwrap();
        arr.push(&o);
    }
    arr.into()
}

fn opts(strict: bool) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &"strict".into(), &strict.into()).unwrap();
    o.into()
}

#[wasm_bindgen_test]
fn a_valid_catalog_passes() {
    let r = data(&validate(files(&[VALID]), JsValue::UNDEFINED).unwrap());
    assert_eq!(r["passed"], true);
    assert_eq!(r["diagnostics"], json!([]));
    assert_eq!(r["summary"]["errors"], 0);
    assert_eq!(r["summary"]["packages"], 1);
    assert_eq!(r["files"], json!(["catalog/kueue-operator/catalog.json"]));
    assert_eq!(r["tool"]["version"], version());
}

#[wasm_bindgen_test]
fn findings_are_data_with_spans() {
    // Given in another order: read as opm walks (by path).
    let mut list = BROKEN.to_vec();
    list.reverse();
    let r = data(&validate(files(&list), JsValue::UNDEFINED).unwrap());
    assert_eq!(r["passed"], false);
    assert_eq!(
        r["files"],
        json!(BROKEN.iter().map(|f| f.0).collect::<Vec<_>>())
    );
    assert_eq!(r["summary"]["errors"], 5);
    assert_eq!(r["summary"]["warnings"], 3);
    let codes: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "FBC501", "FBC502", "FBC501", "FBC307", "FBC208", "FBC212", "FBC206", "FBC105"
        ]
    );
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FBC105")
        .unwrap();
    assert_eq!(d["name"], "default-channel-not-found");
    assert_eq!(d["severity"], "error");
    assert!(d["message"].as_str().unwrap().contains("\"stabel\""));
    assert_eq!(d["help"], "set defaultChannel to one of: stable");
    let loc = &d["location"];
    assert_eq!(loc["path"], "broken-catalog/etcd-example/package.yaml");
    assert_eq!(loc["start"]["line"], 4);
    assert_eq!(loc["start"]["column"], 17);
    assert_eq!(loc["end"]["column"], 23);
    let text = BROKEN[2].1;
    let (s, e) = (
        loc["start"]["offset"].as_u64().unwrap() as usize,
        loc["end"]["offset"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "stabel");
    // --strict makes the lints errors.
    let r = data(&validate(files(&BROKEN), opts(true)).unwrap());
    assert_eq!(r["summary"]["errors"], 8);
    // --only / --ignore, by code or name; the verdict follows.
    let o = opts(false);
    let list = |v: &[&str]| -> JsValue {
        v.iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into()
    };
    Reflect::set(
        &o,
        &"ignore".into(),
        &list(&[
            "FBC105",
            "multiple-channel-heads",
            "206",
            "FBC212",
            "FBC307",
        ]),
    )
    .unwrap();
    let r = data(&validate(files(&BROKEN), o.clone()).unwrap());
    assert_eq!(r["passed"], true);
    assert_eq!(r["summary"]["warnings"], 3);
    Reflect::set(&o, &"only".into(), &list(&["FBC502"])).unwrap();
    let r = data(&validate(files(&BROKEN), o.clone()).unwrap());
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 1);
    Reflect::set(&o, &"only".into(), &list(&["FBC999"])).unwrap();
    assert!(validate(files(&BROKEN), o).is_err());
}

#[wasm_bindgen_test]
fn columns_in_utf16_for_editors() {
    let pkg = "{\"schema\":\"olm.package\",\"description\":\"\u{1F600}\u{e9}\",\"name\":\"foo\",\"defaultChannel\":\"stabel\"}\n";
    let ch = "{\"schema\":\"olm.channel\",\"package\":\"foo\",\"name\":\"stable\",\"entries\":[{\"name\":\"foo.v1.0.0\"}]}\n";
    let r = data(
        &validate(
            files(&[("c/a.json", pkg), ("c/b.json", ch)]),
            JsValue::UNDEFINED,
        )
        .unwrap(),
    );
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FBC105")
        .unwrap();
    let start = &d["location"]["start"];
    let byte = pkg.find("\"stabel\"").unwrap();
    let utf16 = pkg[..byte].encode_utf16().count();
    let chars = pkg[..byte].chars().count();
    assert_eq!(start["offset"], byte);
    assert_eq!(start["column"], chars + 1);
    assert_eq!(start["columnUtf16"], utf16 + 1);
    assert_eq!(utf16, chars + 1, "the emoji is two UTF-16 units");
}

#[wasm_bindgen_test]
fn indexignore_in_the_set_is_honoured() {
    let bad = ("cat/notes/README.md", "# not a catalog file\n- a list\n");
    let ignore = ("cat/.indexignore", "notes/\n");
    let r = data(&validate(files(&[VALID, bad]), JsValue::UNDEFINED).unwrap());
    assert_eq!(r["passed"], false, "README.md is read without .indexignore");
    let mut c = Catalog::new();
    for (p, t) in [bad, ignore, ("cat/kueue/catalog.json", VALID.1)] {
        c.add_file(p.into(), t.into());
    }
    let r = data(&c.validate(JsValue::UNDEFINED).unwrap());
    assert_eq!(r["passed"], true);
    assert_eq!(r["files"], json!(["cat/kueue/catalog.json"]));
}

#[wasm_bindgen_test]
fn bytes_and_rendering_like_the_cli() {
    let mut c = Catalog::new();
    for (p, t) in BROKEN {
        c.add_bytes(p.into(), t.as_bytes().to_vec());
    }
    assert_eq!(c.file_count(), 3);
    let o = Object::new();
    Reflect::set(&o, &"command".into(), &"oc-catalog-node".into()).unwrap();
    let text = c.render("text", o.into()).unwrap();
    assert!(
        text.contains(
            "error[FBC105]: invalid package \"etcd-example\": default channel \"stabel\" not found"
        ),
        "{text}"
    );
    assert!(
        text.contains("--> broken-catalog/etcd-example/package.yaml:4:17"),
        "{text}"
    );
    assert!(
        text.contains("run `oc-catalog-node explain FBC501`"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "validated 3 files: 5 errors, 3 warnings (1 package, 1 channel, 3 bundles)\n"
        ),
        "{text}"
    );
    let gh = c.render("github", JsValue::UNDEFINED).unwrap();
    assert!(
        gh.contains("::error file=broken-catalog/etcd-example/package.yaml,line=4,"),
        "{gh}"
    );
    assert!(c.render("xml", JsValue::UNDEFINED).is_err());
}

#[wasm_bindgen_test]
fn packages_and_graph() {
    let mut c = Catalog::new();
    for (p, t) in BROKEN {
        c.add_file(p.into(), t.into());
    }
    let p = data(&c.packages().unwrap());
    assert_eq!(p[0]["name"], "etcd-example");
    assert_eq!(p[0]["defaultChannel"], "stabel");
    assert_eq!(p[0]["channels"][0]["name"], "stable");
    assert_eq!(
        p[0]["channels"][0]["heads"],
        json!(["etcd-example.v0.9.3", "etcd-example.v0.9.4"])
    );
    assert_eq!(p[0]["bundles"].as_array().unwrap().len(), 3);
    let g = data(&c.graph("etcd-example").unwrap());
    let ch = &g["channels"][0];
    // newest first; "v0.9.4" is not semver and etcd-example.v0.9.3 has no bundle: last
    let names: Vec<&str> = ch["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "etcd-example.v0.9.2",
            "etcd-example.v0.9.0",
            "etcd-example.v0.9.3",
            "etcd-example.v0.9.4"
        ]
    );
    assert!(ch["edges"].as_array().unwrap().contains(&json!({
        "from": "etcd-example.v0.9.2", "to": "etcd-example.v0.9.0", "kind": "replaces"
    })));
    assert!(c.graph("nope").unwrap().is_null());

    let mut v = Catalog::new();
    v.add_file(VALID.0.into(), VALID.1.into());
    let g = data(&v.graph("kueue-operator").unwrap());
    assert_eq!(g["defaultChannel"], "stable-v1.4");
    let ch = g["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "stable-v0.2")
        .unwrap();
    assert_eq!(ch["heads"], json!(["kueue-operator.v0.2.1"]));
    assert_eq!(
        ch["edges"],
        json!([{"from": "kueue-operator.v0.2.1", "to": "kueue-operator.v0.2.0", "kind": "skips"}])
    );
}

#[wasm_bindgen_test]
fn explain_codes_version() {
    let e = explain("fbc204").unwrap();
    assert!(e.starts_with("FBC204 (duplicate-channel-entry) — default severity: error"));
    assert_eq!(explain("duplicate-channel-entry").unwrap(), e);
    assert!(explain("FBC999").is_none());
    let all = data(&codes().unwrap());
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), fbc_core::codes::ALL.len());
    assert_eq!(all[0]["code"], "FBC001");
    assert_eq!(all[0]["name"], "invalid-json");
    assert!(!version().is_empty());
}

#[wasm_bindgen_test]
fn roots_of_changed_files() {
    let text = "schema: olm.package\nname: foo\n";
    let root = |p: &str, roots: &[&str]| {
        catalog_root(
            p,
            text.into(),
            roots.iter().map(|s| s.to_string()).collect(),
        )
        .unwrap()
    };
    assert_eq!(
        root("repo/catalog/foo/index.yaml", &[]).as_deref(),
        Some("repo/catalog")
    );
    assert_eq!(root("catalog/index.yaml", &[]).as_deref(), Some("catalog"));
    assert_eq!(root("catalog/foo/index.yaml", &["other"]), None);
    let bytes: JsValue = Uint8Array::from(text.as_bytes()).into();
    assert_eq!(
        catalog_root("c/foo/x.yaml", bytes, vec![])
            .unwrap()
            .as_deref(),
        Some("c")
    );
}

#[wasm_bindgen_test]
fn bad_input_is_an_exception_not_a_finding() {
    assert!(validate(JsValue::from_str("nope"), JsValue::UNDEFINED).is_err());
    let arr = Array::new();
    arr.push(&Object::new());
    assert!(validate(arr.into(), JsValue::UNDEFINED).is_err());
}

const MIRROR_CATALOG: [(&str, &str); 9] = [
    (
        "oc-mirror-synthetic-test-catalog-latest/bar/bundles.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/bar/bundles.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/bar/channels.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/bar/channels.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/bar/operator.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/bar/operator.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/baz/bundles.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/baz/bundles.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/baz/channels.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/baz/channels.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/baz/operator.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/baz/operator.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/foo/bundles.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/foo/bundles.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/foo/channels.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/foo/channels.yaml"
        ),
    ),
    (
        "oc-mirror-synthetic-test-catalog-latest/foo/operator.yaml",
        include_str!(
            "../../../tests/fixtures/mirror/oc-mirror-synthetic-test-catalog-latest/foo/operator.yaml"
        ),
    ),
];

#[wasm_bindgen_test]
fn plan_mirror_filters_and_names_targets() {
    let isc = include_str!("../../../tests/fixtures/imageset/oc-mirror-6.yaml");
    let cat = Object::new();
    Reflect::set(
        &cat,
        &"catalog".into(),
        &"quay.io/oc-mirror/oc-mirror-dev:test-catalog-latest".into(),
    )
    .unwrap();
    Reflect::set(&cat, &"files".into(), &files(&MIRROR_CATALOG)).unwrap();
    let cats = Array::new();
    cats.push(&cat);
    let o = Object::new();
    Reflect::set(&o, &"maxComponents".into(), &2.into()).unwrap();
    let r = data(
        &plan_mirror(
            isc,
            cats.clone().into(),
            "docker://mirror.example:5000/ocp",
            o.into(),
        )
        .unwrap(),
    );
    assert_eq!(r["selections"][0]["packages"], json!(["foo"]));
    assert_eq!(r["selections"][0]["bundles"], 3);
    assert_eq!(
        r["catalogs"][0]["target"],
        "mirror.example:5000/ocp/oc-mirror-oc-mirror-dev:test-catalog-latest"
    );
    let mapping = r["mapping"].as_str().unwrap();
    assert!(
        mapping.contains("quay.io/oc-mirror/oc-mirror-dev:foo-bundle-v0.3.1=mirror.example:5000/ocp/oc-mirror-oc-mirror-dev:foo-bundle-v0.3.1\n"),
        "{mapping}"
    );
    assert_eq!(
        r["images"].as_array().unwrap().len(),
        mapping.lines().count()
    );
    // Configuration errors carry file:line:col.
    let bad = "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/x/y:v1\n    ful: true\n";
    let e = plan_mirror(bad, cats.into(), "mirror.example", JsValue::UNDEFINED).unwrap_err();
    let msg = String::from(js_sys::Error::from(JsValue::from(e)).message());
    assert!(
        msg.starts_with("isc.yaml:6:5: unknown field \"ful\""),
        "{msg}"
    );
}
