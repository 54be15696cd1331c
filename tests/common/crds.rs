//! The CRDs of tests/fixtures/crds as strict JSON Schemas (unknown fields
//! refused, as the API server's strict field validation does), shared by the
//! planning tests (tests/mirror_plan.rs) and the end-to-end mirror tests
//! (tests/mirror.rs). Include with `#[path = "common/crds.rs"] mod crds;`.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// kind → (apiVersion, validator, namespaced)
pub type Validators = BTreeMap<String, (String, jsonschema::Validator, bool)>;

/// tests/fixtures/crds of this checkout.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("plugin/ has a parent")
        .join("tests/fixtures/crds")
}

/// A CRD version's openAPIV3Schema as a JSON Schema refusing unknown fields.
pub fn strict(schema: &Value) -> Value {
    match schema {
        Value::Object(m) => {
            let mut out: serde_json::Map<String, Value> = m
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if k == "properties" {
                            Value::Object(
                                v.as_object()
                                    .unwrap()
                                    .iter()
                                    .map(|(k, v)| (k.clone(), strict(v)))
                                    .collect(),
                            )
                        } else {
                            strict(v)
                        },
                    )
                })
                .collect();
            if out.contains_key("properties")
                && !out.contains_key("additionalProperties")
                && !out.contains_key("x-kubernetes-preserve-unknown-fields")
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(strict).collect()),
        v => v.clone(),
    }
}

/// One validator per kind of the CRDs in tests/fixtures/crds (storage version).
pub fn validators() -> Validators {
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap_or_else(|e| panic!("read {}: {e}", dir().display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let text =
            std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let crd = &fbc_core::parse::documents_to_json(&text).unwrap()[0];
        let spec = &crd["spec"];
        let kind = spec["names"]["kind"].as_str().unwrap().to_string();
        let group = spec["group"].as_str().unwrap();
        let namespaced = spec["scope"] == "Namespaced";
        let ver = spec["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .unwrap();
        let schema = strict(&ver["schema"]["openAPIV3Schema"]);
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .offline()
            .build(&schema)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.insert(
            kind,
            (
                format!("{group}/{}", ver["name"].as_str().unwrap()),
                v,
                namespaced,
            ),
        );
    }
    out
}

/// Every problem of the YAML file `name` against the CRDs: a kind with no CRD,
/// another apiVersion, schema errors, namespace presence not matching the scope.
pub fn problems(crds: &Validators, name: &str, yaml: &str) -> Vec<String> {
    let docs = match fbc_core::parse::documents_to_json(yaml) {
        Ok(d) => d,
        Err(e) => return vec![format!("{name}: {e}")],
    };
    let mut out = Vec::new();
    for doc in docs.iter().filter(|d| !d.is_null()) {
        let kind = doc["kind"].as_str().unwrap_or("");
        let Some((api, v, namespaced)) = crds.get(kind) else {
            out.push(format!("{name}: no CRD for kind {kind:?}"));
            continue;
        };
        if doc["apiVersion"] != api.as_str() {
            out.push(format!(
                "{name}: apiVersion {} (CRD: {api})",
                doc["apiVersion"]
            ));
        }
        out.extend(
            v.iter_errors(doc)
                .map(|e| format!("{name}: {}: {e}", e.instance_path())),
        );
        if doc["metadata"].get("namespace").is_some() != *namespaced {
            out.push(format!("{name}: namespace does not fit the {kind} scope"));
        }
    }
    out
}
