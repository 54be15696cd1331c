//! A registry+v1 bundle (`manifests/` + `metadata/`) → an `olm.bundle`, as
//! `opm render` builds it (`bundleToDeclcfg`, `ObjectsAndPropertiesFromBundle`
//! and the post-processing of `Render.Run`). Files come in as
//! `(path relative to the bundle root, bytes)` pairs: the core reads nothing.

use crate::fbc::{Bundle, Property, RelatedImage};
use crate::gojson;
use crate::parse;
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

pub const ANNOTATION_PACKAGE: &str = "operators.operatorframework.io.bundle.package.v1";
pub const ANNOTATION_CHANNELS: &str = "operators.operatorframework.io.bundle.channels.v1";
pub const ANNOTATION_DEFAULT_CHANNEL: &str =
    "operators.operatorframework.io.bundle.channel.default.v1";

/// How to post-process rendered bundles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MigrateLevel {
    #[default]
    None,
    /// Replace `olm.bundle.object` properties by one `olm.csv.metadata`.
    BundleObjectToCsvMetadata,
}

impl MigrateLevel {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "" | "none" => Ok(MigrateLevel::None),
            "bundle-object-to-csv-metadata" => Ok(MigrateLevel::BundleObjectToCsvMetadata),
            _ => Err(format!(
                "unknown migration level {s:?} (known: none, bundle-object-to-csv-metadata)"
            )),
        }
    }
}

/// What a bundle's files hold once decoded.
#[derive(Debug, Clone, Default)]
pub struct BundleContent {
    pub package: String,
    pub annotations: Map<String, Value>,
    /// Manifests in file-name order, as JSON objects.
    pub objects: Vec<Value>,
    pub dependencies: Vec<Value>,
    pub properties: Vec<Value>,
}

impl BundleContent {
    pub fn csv(&self) -> Option<&Value> {
        self.objects
            .iter()
            .find(|o| o.get("kind").and_then(Value::as_str) == Some("ClusterServiceVersion"))
    }

    /// Channels listed in the annotations (used by sqlite loading only).
    pub fn channels(&self) -> Vec<String> {
        self.annotations
            .get(ANNOTATION_CHANNELS)
            .and_then(Value::as_str)
            .map(|s| {
                s.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn default_channel(&self) -> String {
        self.annotations
            .get(ANNOTATION_DEFAULT_CHANNEL)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// The first document of a YAML or JSON file as JSON (ints stay ints).
pub fn decode_first(path: &str, bytes: &[u8]) -> Result<Option<Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
    let parsed = parse::parse_stream(text);
    if let Some(d) = parsed.docs.iter().find(|d| !d.is_null()) {
        return Ok(Some(d.to_json()));
    }
    if let Some(e) = parsed.errors.first() {
        return Err(format!("{path}: {}", e.message));
    }
    Ok(None)
}

/// Decode the files of a bundle directory (paths relative to its root).
pub fn read_bundle(files: &[(String, Vec<u8>)]) -> Result<BundleContent, String> {
    let mut files: Vec<&(String, Vec<u8>)> = files.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut c = BundleContent::default();
    let mut have_annotations = false;
    for (path, bytes) in &files {
        let path = path.trim_start_matches("./");
        let Some((dir, name)) = path.split_once('/') else {
            continue;
        };
        if name.contains('/') || name.starts_with('.') {
            continue;
        }
        match dir {
            "manifests" => {
                if let Some(v) = decode_first(path, bytes)?
                    && v.as_object().is_some_and(|m| !m.is_empty())
                {
                    c.objects.push(v);
                }
            }
            "metadata" => {
                let Ok(Some(v)) = decode_first(path, bytes) else {
                    continue;
                };
                if !have_annotations
                    && let Some(a) = v.get("annotations").and_then(Value::as_object)
                    && !a.is_empty()
                {
                    c.annotations = a.clone();
                    have_annotations = true;
                }
                if c.dependencies.is_empty()
                    && let Some(d) = v.get("dependencies").and_then(Value::as_array)
                {
                    c.dependencies = d.clone();
                }
                if c.properties.is_empty()
                    && let Some(p) = v.get("properties").and_then(Value::as_array)
                {
                    c.properties = p.clone();
                }
            }
            _ => {}
        }
    }
    if !have_annotations {
        return Err("Could not find annotations file".into());
    }
    c.package = c
        .annotations
        .get(ANNOTATION_PACKAGE)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if c.csv().is_none() {
        return Err("no csv in bundle".into());
    }
    Ok(c)
}

fn s<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    let mut cur = v;
    for k in path {
        match cur.get(*k) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

fn arr<'v>(v: &'v Value, path: &[&str]) -> &'v [Value] {
    let mut cur = v;
    for k in path {
        match cur.get(*k) {
            Some(x) => cur = x,
            None => return &[],
        }
    }
    cur.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Go field lookup (case-insensitive) on a JSON object.
fn gofield<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let m = v.as_object()?;
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, x)| x)
    })
}

fn gvk_json(group: &str, version: &str, kind: &str) -> String {
    gojson::ObjWriter::new()
        .str("group", group, true)
        .str("kind", kind, true)
        .str("version", version, true)
        .finish()
}

fn prop(type_: &str, raw: String) -> Property {
    Property {
        type_: type_.into(),
        value: raw,
    }
}

/// The CSV's version as a string (numbers as written).
fn csv_version(csv: &Value) -> String {
    csv_field(csv, "version")
}

/// A string (or number, as written) field of the CSV's spec.
fn csv_field(csv: &Value, field: &str) -> String {
    match csv.get("spec").and_then(|s| s.get(field)) {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Render a bundle. `image` is the bundle image reference (may be empty).
pub fn render_bundle(
    files: &[(String, Vec<u8>)],
    image: &str,
    level: MigrateLevel,
) -> Result<Bundle, String> {
    let c = read_bundle(files)?;
    render_content(&c, image, level)
}

pub fn render_content(
    c: &BundleContent,
    image: &str,
    level: MigrateLevel,
) -> Result<Bundle, String> {
    let csv = c.csv().ok_or("no csv in bundle")?;
    let name = s(csv, &["metadata", "name"]).to_string();

    // Properties of the bundle: properties.yaml, then the CSV's
    // olm.properties annotation, without duplicates.
    let mut declared: Vec<Property> = Vec::new();
    let push_unique = |p: Property, v: &mut Vec<Property>| {
        if !v.iter().any(|x| x.type_ == p.type_ && x.value == p.value) {
            v.push(p);
        }
    };
    for p in &c.properties {
        let t = s(p, &["type"]);
        let val = p.get("value").cloned().unwrap_or(Value::Null);
        push_unique(prop(t, gojson::marshal(&val, true, false)), &mut declared);
    }
    if let Some(ann) = csv
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get("olm.properties"))
        .and_then(Value::as_str)
    {
        // Go keeps each value as the raw JSON written in the annotation.
        let mut parser = parse::json::JsonParser::new(ann, 0);
        let list = parser
            .next_value()
            .map_err(|e| format!("parse olm.properties annotation of {name}: {}", e.message))?;
        for p in list.as_array().unwrap_or(&[]) {
            let t = p
                .field("type")
                .and_then(|e| e.value.as_str())
                .unwrap_or("")
                .to_string();
            let raw = p
                .field("value")
                .map(|e| gojson::compact(&ann[e.value.start as usize..e.value.end as usize]))
                .unwrap_or_else(|| "null".into());
            push_unique(prop(&t, raw), &mut declared);
        }
    }

    let mut package_prop: Option<Property> = None;
    let mut provided: BTreeSet<String> = BTreeSet::new();
    let mut required: BTreeSet<String> = BTreeSet::new();
    let mut required_pkgs: BTreeSet<String> = BTreeSet::new();
    let mut others: Vec<Property> = Vec::new();
    let mut objects_props: Vec<Property> = Vec::new();
    for p in declared {
        match p.type_.as_str() {
            "olm.gvk" => {
                provided.insert(p.value);
            }
            "olm.package" => package_prop = Some(p),
            "olm.package.required" => {
                required_pkgs.insert(p.value);
            }
            "olm.gvk.required" => {
                required.insert(p.value);
            }
            "olm.bundle.object" | "olm.csv.metadata" => objects_props.push(p),
            _ => others.push(p),
        }
    }
    for d in &c.dependencies {
        let t = s(d, &["type"]);
        let v = d.get("value").cloned().unwrap_or(Value::Null);
        match t {
            "olm.gvk" => {
                required.insert(gvk_json(
                    s(&v, &["group"]),
                    s(&v, &["version"]),
                    s(&v, &["kind"]),
                ));
            }
            "olm.package" => {
                required_pkgs.insert(
                    gojson::ObjWriter::new()
                        .str("packageName", s(&v, &["packageName"]), false)
                        .str("versionRange", s(&v, &["version"]), false)
                        .finish(),
                );
            }
            _ => others.push(prop(t, gojson::marshal(&v, true, false))),
        }
    }

    // Provided APIs: every version of every CRD, and owned API services
    // (also as opm's APIKey {group, version, kind, plural}, for the check below).
    let mut crd_names: BTreeSet<String> = BTreeSet::new();
    let mut api_keys: BTreeSet<ApiKey> = BTreeSet::new();
    for o in &c.objects {
        if s(o, &["kind"]) != "CustomResourceDefinition" {
            continue;
        }
        crd_names.insert(s(o, &["metadata", "name"]).to_string());
        let group = s(o, &["spec", "group"]);
        let kind = s(o, &["spec", "names", "kind"]);
        let plural = s(o, &["spec", "names", "plural"]);
        let mut versions: Vec<&str> = arr(o, &["spec", "versions"])
            .iter()
            .map(|v| s(v, &["name"]))
            .collect();
        if s(o, &["apiVersion"]).ends_with("/v1beta1") {
            let v = s(o, &["spec", "version"]);
            if !v.is_empty() {
                versions.push(v);
            }
        }
        for v in versions {
            provided.insert(gvk_json(group, v, kind));
            api_keys.insert(ApiKey::new(group, v, kind, plural));
        }
    }
    let spec = csv.get("spec").cloned().unwrap_or(Value::Null);
    for a in arr(&spec, &["apiservicedefinitions", "owned"]) {
        let (group, version, kind) = (s(a, &["group"]), s(a, &["version"]), s(a, &["kind"]));
        provided.insert(gvk_json(group, version, kind));
        api_keys.insert(ApiKey::new(group, version, kind, s(a, &["name"])));
    }
    all_owned_crds_in_bundle(&name, &spec, &api_keys)?;
    for r in arr(&spec, &["customresourcedefinitions", "required"]) {
        let n = s(r, &["name"]);
        let group = n.split_once('.').map(|(_, g)| g).unwrap_or("");
        required.insert(gvk_json(group, s(r, &["version"]), s(r, &["kind"])));
    }
    for a in arr(&spec, &["apiservicedefinitions", "required"]) {
        required.insert(gvk_json(
            s(a, &["group"]),
            s(a, &["version"]),
            s(a, &["kind"]),
        ));
    }

    let mut props: Vec<Property> = Vec::new();
    if level == MigrateLevel::None {
        for o in &c.objects {
            let data = gojson::marshal(o, true, false);
            let b64 = base64::engine::general_purpose::STANDARD.encode(data.as_bytes());
            props.push(prop(
                "olm.bundle.object",
                gojson::ObjWriter::new().str("data", &b64, true).finish(),
            ));
        }
    }
    props.extend(
        objects_props
            .into_iter()
            .filter(|p| level == MigrateLevel::None || p.type_ != "olm.bundle.object"),
    );
    props.push(package_prop.unwrap_or_else(|| {
        prop(
            "olm.package",
            gojson::ObjWriter::new()
                .str("packageName", &c.package, true)
                .str("version", &csv_version(csv), true)
                // Current opm: the CSV's spec.release, when set.
                .str_opt("release", &csv_field(csv, "release"), true)
                .finish(),
        )
    }));
    props.extend(provided.into_iter().map(|v| prop("olm.gvk", v)));
    props.extend(required.into_iter().map(|v| prop("olm.gvk.required", v)));
    props.extend(
        required_pkgs
            .into_iter()
            .map(|v| prop("olm.package.required", v)),
    );
    props.extend(others);
    if level == MigrateLevel::BundleObjectToCsvMetadata
        && !image.is_empty()
        && !props.iter().any(|p| p.type_ == "olm.csv.metadata")
    {
        props.push(prop("olm.csv.metadata", csv_metadata(csv)));
    }
    sort_properties(&mut props);

    let related_images = related_images(csv, image);
    Ok(Bundle {
        name,
        package: c.package.clone(),
        image: image.to_string(),
        properties: props,
        related_images,
    })
}

/// opm's `APIKey`: group, version, kind, plural (compared in that order, as
/// Go's fmt sorts the keys of a map it prints).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ApiKey(String, String, String, String);

impl ApiKey {
    fn new(group: &str, version: &str, kind: &str, plural: &str) -> Self {
        ApiKey(group.into(), version.into(), kind.into(), plural.into())
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{} ({})", self.0, self.1, self.2, self.3)
    }
}

/// opm's `AllProvidedAPIsInBundle`: every CRD the CSV owns
/// (`spec.customresourcedefinitions.owned`, named `plural.group`) must be
/// provided by a CRD of the bundle. Of several missing, opm names one at
/// random (map order); this names the first in key order.
fn all_owned_crds_in_bundle(
    name: &str,
    spec: &Value,
    provided: &BTreeSet<ApiKey>,
) -> Result<(), String> {
    let fail = |msg: String| format!("error checking provided apis in bundle {name}: {msg}");
    let mut should: BTreeSet<ApiKey> = BTreeSet::new();
    for o in arr(spec, &["customresourcedefinitions", "owned"]) {
        let n = s(o, &["name"]);
        let Some((plural, group)) = n.split_once('.') else {
            return Err(fail(format!(
                "couldn't parse plural.group from crd name: {n}"
            )));
        };
        should.insert(ApiKey::new(
            group,
            s(o, &["version"]),
            s(o, &["kind"]),
            plural,
        ));
    }
    if let Some(missing) = should.iter().find(|k| !provided.contains(k)) {
        let found: Vec<String> = provided.iter().map(|k| format!("{k}:{{}}")).collect();
        return Err(fail(format!(
            "couldn't find {missing} in bundle. found: map[{}]",
            found.join(" ")
        )));
    }
    Ok(())
}

/// Sort by type then raw value, except bundle objects and CSV metadata,
/// which go to the end in their original order (manifest file order).
pub fn sort_properties(props: &mut [Property]) {
    props.sort_by(|a, b| {
        let (ao, bo) = (is_object(a), is_object(b));
        ao.cmp(&bo).then_with(|| {
            if ao {
                std::cmp::Ordering::Equal
            } else {
                a.type_
                    .cmp(&b.type_)
                    .then_with(|| a.value.as_bytes().cmp(b.value.as_bytes()))
            }
        })
    });
}

fn is_object(p: &Property) -> bool {
    matches!(p.type_.as_str(), "olm.bundle.object" | "olm.csv.metadata")
}

/// Move bundle objects and CSV metadata to the end, keeping every other
/// order (opm's post-processing of every rendered input).
pub fn move_objects_last(props: &mut [Property]) {
    props.sort_by_key(is_object);
}

/// `relatedImages` as opm derives them: the CSV's list, the bundle image
/// (no name), every deployment container image (no name); sorted by image.
pub fn related_images(csv: &Value, image: &str) -> Vec<RelatedImage> {
    let spec = csv.get("spec").cloned().unwrap_or(Value::Null);
    let empty = Value::Array(Vec::new());
    let list = gofield(&spec, "relatedImages").unwrap_or(&empty);
    let mut out: Vec<RelatedImage> = list
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|r| RelatedImage {
            name: gofield(r, "name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            image: gofield(r, "image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
        .collect();
    let mut seen: BTreeSet<String> = out.iter().map(|r| r.image.clone()).collect();
    if !image.is_empty() && !seen.contains(image) {
        out.push(RelatedImage {
            name: String::new(),
            image: image.to_string(),
        });
    }
    for img in operator_images(csv) {
        if seen.insert(img.clone()) {
            out.push(RelatedImage {
                name: String::new(),
                image: img,
            });
        }
    }
    out.sort_by(|a, b| a.image.cmp(&b.image));
    out
}

/// Container and init-container images of the CSV's deployments (when the
/// install strategy is `deployment`), sorted and unique.
pub fn operator_images(csv: &Value) -> BTreeSet<String> {
    let mut images = BTreeSet::new();
    let Some(install) = csv.get("spec").and_then(|s| gofield(s, "install")) else {
        return images;
    };
    if gofield(install, "strategy").and_then(Value::as_str) != Some("deployment") {
        return images;
    }
    let deployments = gofield(install, "spec")
        .and_then(|s| gofield(s, "deployments"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for d in &deployments {
        let pod = gofield(d, "spec")
            .and_then(|s| gofield(s, "template"))
            .and_then(|t| gofield(t, "spec"));
        let Some(pod) = pod else { continue };
        for key in ["containers", "initContainers"] {
            for c in gofield(pod, key)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                images.insert(
                    gofield(c, "image")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                );
            }
        }
    }
    images
}

/// The Go type of a field of opm's `CSVMetadata` or of the
/// operator-framework API types it holds: how Go decodes the CSV's JSON into
/// it and encodes it again (struct fields in declaration order, unknown keys
/// dropped, `omitempty` honoured, maps with sorted keys).
#[derive(Clone, Copy)]
enum GoType {
    Str,
    Bool,
    Int,
    Strs,
    /// `json.RawMessage`: the JSON as it is (keys sorted, as the CSV was decoded).
    Raw,
    StrMap,
    Struct(&'static [GoField]),
    List(&'static [GoField]),
}

/// `json:"name[,omitempty]"` and the field's type.
struct GoField(&'static str, GoType, bool);

use GoType as T;

const APP_LINK: &[GoField] = &[GoField("name", T::Str, true), GoField("url", T::Str, true)];
const MAINTAINER: &[GoField] = &[
    GoField("name", T::Str, true),
    GoField("email", T::Str, true),
];
const INSTALL_MODE: &[GoField] = &[
    GoField("type", T::Str, false),
    GoField("supported", T::Bool, false),
];
const GVK: &[GoField] = &[
    GoField("group", T::Str, false),
    GoField("version", T::Str, false),
    GoField("kind", T::Str, false),
];
const RESOURCE_REF: &[GoField] = &[
    GoField("name", T::Str, false),
    GoField("kind", T::Str, false),
    GoField("version", T::Str, false),
];
/// `SpecDescriptor`, `StatusDescriptor` and `ActionDescriptor` share their fields.
const DESCRIPTOR: &[GoField] = &[
    GoField("path", T::Str, false),
    GoField("displayName", T::Str, true),
    GoField("description", T::Str, true),
    GoField("x-descriptors", T::Strs, true),
    GoField("value", T::Raw, true),
];
const CRD_DESCRIPTION: &[GoField] = &[
    GoField("name", T::Str, false),
    GoField("version", T::Str, false),
    GoField("kind", T::Str, false),
    GoField("displayName", T::Str, true),
    GoField("description", T::Str, true),
    GoField("resources", T::List(RESOURCE_REF), true),
    GoField("statusDescriptors", T::List(DESCRIPTOR), true),
    GoField("specDescriptors", T::List(DESCRIPTOR), true),
    GoField("actionDescriptors", T::List(DESCRIPTOR), true),
];
const API_SERVICE_DESCRIPTION: &[GoField] = &[
    GoField("name", T::Str, false),
    GoField("group", T::Str, false),
    GoField("version", T::Str, false),
    GoField("kind", T::Str, false),
    GoField("deploymentName", T::Str, true),
    GoField("containerPort", T::Int, true),
    GoField("displayName", T::Str, true),
    GoField("description", T::Str, true),
    GoField("resources", T::List(RESOURCE_REF), true),
    GoField("statusDescriptors", T::List(DESCRIPTOR), true),
    GoField("specDescriptors", T::List(DESCRIPTOR), true),
    GoField("actionDescriptors", T::List(DESCRIPTOR), true),
];
const CRD_DEFINITIONS: &[GoField] = &[
    GoField("owned", T::List(CRD_DESCRIPTION), true),
    GoField("required", T::List(CRD_DESCRIPTION), true),
];
const API_SERVICE_DEFINITIONS: &[GoField] = &[
    GoField("owned", T::List(API_SERVICE_DESCRIPTION), true),
    GoField("required", T::List(API_SERVICE_DESCRIPTION), true),
];

/// Go's `omitempty`: "", false, 0, an empty or null slice or map (never a struct).
fn go_empty(v: Option<&Value>, t: GoType) -> bool {
    match (v, t) {
        (_, T::Struct(_)) => false,
        (None | Some(Value::Null), _) => true,
        (Some(Value::String(s)), _) => s.is_empty(),
        (Some(Value::Bool(b)), _) => !b,
        (Some(Value::Number(n)), _) => n.as_f64() == Some(0.0),
        (Some(Value::Array(a)), _) => a.is_empty(),
        (Some(Value::Object(o)), _) => o.is_empty(),
    }
}

/// Encode `v` as Go encodes the value of type `t` it decodes from `v`.
fn go_encode(out: &mut String, v: Option<&Value>, t: GoType) {
    let v = v.filter(|v| !v.is_null());
    match t {
        T::Str => gojson::write_str(out, v.and_then(Value::as_str).unwrap_or(""), true),
        T::Bool => out.push_str(if v.and_then(Value::as_bool).unwrap_or(false) {
            "true"
        } else {
            "false"
        }),
        T::Int => match v {
            Some(Value::Number(n)) => out.push_str(&gojson::format_number(n, false)),
            _ => out.push('0'),
        },
        T::Raw | T::StrMap | T::Strs => match v {
            Some(v) => gojson::write_value(out, v, true, false),
            None => out.push_str("null"),
        },
        T::Struct(fields) => {
            out.push('{');
            let mut first = true;
            for GoField(name, ft, omitempty) in fields {
                let fv = v.and_then(|v| gofield(v, name));
                if *omitempty && go_empty(fv, *ft) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                gojson::write_str(out, name, false);
                out.push(':');
                go_encode(out, fv, *ft);
            }
            out.push('}');
        }
        T::List(fields) => match v.and_then(Value::as_array) {
            Some(items) => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    go_encode(out, Some(x), T::Struct(fields));
                }
                out.push(']');
            }
            None => out.push_str("null"),
        },
    }
}

/// The `olm.csv.metadata` value of a CSV: opm's `CSVMetadata` as Go's
/// encoding/json writes it (struct field order at every level, fields the
/// types do not have dropped, `omitempty`; `apiServiceDefinitions`,
/// `crdDescriptions` and `provider` are structs, so always written).
pub fn csv_metadata(csv: &Value) -> String {
    let null = Value::Null;
    let spec = csv.get("spec").unwrap_or(&null);
    let meta = csv.get("metadata").unwrap_or(&null);
    let fields: [(&str, Option<&Value>, GoType); 14] = [
        ("annotations", gofield(meta, "annotations"), T::StrMap),
        (
            "apiServiceDefinitions",
            gofield(spec, "apiservicedefinitions"),
            T::Struct(API_SERVICE_DEFINITIONS),
        ),
        (
            "crdDescriptions",
            gofield(spec, "customresourcedefinitions"),
            T::Struct(CRD_DEFINITIONS),
        ),
        ("description", gofield(spec, "description"), T::Str),
        ("displayName", gofield(spec, "displayName"), T::Str),
        (
            "installModes",
            gofield(spec, "installModes"),
            T::List(INSTALL_MODE),
        ),
        ("keywords", gofield(spec, "keywords"), T::Strs),
        ("labels", gofield(meta, "labels"), T::StrMap),
        ("links", gofield(spec, "links"), T::List(APP_LINK)),
        (
            "maintainers",
            gofield(spec, "maintainers"),
            T::List(MAINTAINER),
        ),
        ("maturity", gofield(spec, "maturity"), T::Str),
        ("minKubeVersion", gofield(spec, "minKubeVersion"), T::Str),
        ("nativeAPIs", gofield(spec, "nativeAPIs"), T::List(GVK)),
        ("provider", gofield(spec, "provider"), T::Struct(APP_LINK)),
    ];
    let mut out = String::from("{");
    let mut first = true;
    for (name, v, t) in fields {
        if go_empty(v, t) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        gojson::write_str(&mut out, name, false);
        out.push(':');
        go_encode(&mut out, v, t);
    }
    out.push('}');
    out
}

/// Apply a migration level to an already rendered bundle (FBC inputs):
/// bundle objects become one `olm.csv.metadata` built from the CSV object.
pub fn migrate_bundle(b: &mut Bundle, level: MigrateLevel) {
    if level != MigrateLevel::BundleObjectToCsvMetadata
        || b.image.is_empty()
        || b.properties.iter().any(|p| p.type_ == "olm.csv.metadata")
    {
        return;
    }
    let csv = b
        .properties
        .iter()
        .filter(|p| p.type_ == "olm.bundle.object")
        .filter_map(|p| {
            let data = p.json().get("data")?.as_str()?.to_string();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .ok()?;
            decode_first("object", &bytes).ok().flatten()
        })
        .find(|o| o.get("kind").and_then(Value::as_str) == Some("ClusterServiceVersion"));
    let Some(csv) = csv else { return };
    b.properties.retain(|p| p.type_ != "olm.bundle.object");
    b.properties
        .push(prop("olm.csv.metadata", csv_metadata(&csv)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        let csv = r#"apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata:
  name: foo.v0.2.0
  annotations:
    olm.properties: '[{"type":"olm.maxOpenShiftVersion","value":"4.9"}, {"type": "olm.label", "value": {"z": 1, "a": "<x>"}}]'
spec:
  version: 0.2.0
  displayName: Foo <Operator>
  customresourcedefinitions:
    owned:
    - name: foos.test.foo
      version: v1
      kind: Foo
    required:
    - name: bars.test.bar
      version: v1alpha1
      kind: Bar
  relatedImages:
  - name: operator
    image: quay.io/foo/operator@sha256:1
  - name: other
    image: quay.io/foo/other:v1
  install:
    strategy: deployment
    spec:
      deployments:
      - name: foo
        spec:
          template:
            spec:
              containers:
              - image: quay.io/foo/operator@sha256:1
              - image: quay.io/foo/foo-2:v1
              initContainers:
              - image: quay.io/foo/foo-init:v1
"#;
        let crd = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: foos.test.foo
spec:
  group: test.foo
  names: {kind: Foo, plural: foos}
  versions:
  - name: v1
"#;
        vec![
            ("manifests/foo.csv.yaml".into(), csv.as_bytes().to_vec()),
            ("manifests/foos.crd.yaml".into(), crd.as_bytes().to_vec()),
            ("manifests/.hidden".into(), b"x: [".to_vec()),
            (
                "metadata/annotations.yaml".into(),
                b"annotations:\n  operators.operatorframework.io.bundle.package.v1: foo\n".to_vec(),
            ),
            (
                "metadata/dependencies.yaml".into(),
                b"dependencies:\n- type: olm.package\n  value: {packageName: bar, version: <0.1.0}\n".to_vec(),
            ),
        ]
    }

    #[test]
    fn renders_like_opm() {
        let b = render_bundle(&files(), "quay.io/foo/bundle:v0.2.0", MigrateLevel::None).unwrap();
        assert_eq!(b.name, "foo.v0.2.0");
        assert_eq!(b.package, "foo");
        let types: Vec<(&str, &str)> = b
            .properties
            .iter()
            .map(|p| (p.type_.as_str(), p.value.as_str()))
            .filter(|p| p.0 != "olm.bundle.object")
            .collect();
        assert_eq!(
            types,
            vec![
                (
                    "olm.gvk",
                    r#"{"group":"test.foo","kind":"Foo","version":"v1"}"#
                ),
                (
                    "olm.gvk.required",
                    r#"{"group":"test.bar","kind":"Bar","version":"v1alpha1"}"#
                ),
                ("olm.label", r#"{"z":1,"a":"<x>"}"#),
                ("olm.maxOpenShiftVersion", r#""4.9""#),
                ("olm.package", r#"{"packageName":"foo","version":"0.2.0"}"#),
                (
                    "olm.package.required",
                    r#"{"packageName":"bar","versionRange":"<0.1.0"}"#
                ),
            ]
        );
        assert_eq!(
            b.properties
                .iter()
                .filter(|p| p.type_ == "olm.bundle.object")
                .count(),
            2
        );
        let imgs: Vec<(&str, &str)> = b
            .related_images
            .iter()
            .map(|r| (r.name.as_str(), r.image.as_str()))
            .collect();
        assert_eq!(
            imgs,
            vec![
                ("", "quay.io/foo/bundle:v0.2.0"),
                ("", "quay.io/foo/foo-2:v1"),
                ("", "quay.io/foo/foo-init:v1"),
                ("operator", "quay.io/foo/operator@sha256:1"),
                ("other", "quay.io/foo/other:v1"),
            ]
        );
    }

    #[test]
    fn release_from_the_csv() {
        let mut f = files();
        let csv = String::from_utf8(f[0].1.clone())
            .unwrap()
            .replace("  version: 0.2.0\n", "  version: 0.2.0\n  release: \"2\"\n");
        f[0].1 = csv.into_bytes();
        let b = render_bundle(&f, "img", MigrateLevel::None).unwrap();
        let p = b
            .properties
            .iter()
            .find(|p| p.type_ == "olm.package")
            .unwrap();
        assert_eq!(
            p.value,
            r#"{"packageName":"foo","version":"0.2.0","release":"2"}"#
        );
    }

    #[test]
    fn csv_metadata_migration() {
        let b = render_bundle(&files(), "img", MigrateLevel::BundleObjectToCsvMetadata).unwrap();
        assert!(!b.properties.iter().any(|p| p.type_ == "olm.bundle.object"));
        let last = b.properties.last().unwrap();
        assert_eq!(last.type_, "olm.csv.metadata");
        assert!(
            last.value
                .contains(r#""displayName":"Foo \u003cOperator\u003e""#),
            "{}",
            last.value
        );
    }

    #[test]
    fn errors() {
        let mut f = files();
        f.retain(|(p, _)| !p.starts_with("metadata/annotations"));
        assert_eq!(
            render_bundle(&f, "", MigrateLevel::None).unwrap_err(),
            "Could not find annotations file"
        );
        let mut f = files();
        f.retain(|(p, _)| !p.contains("csv"));
        assert_eq!(
            render_bundle(&f, "", MigrateLevel::None).unwrap_err(),
            "no csv in bundle"
        );
    }

    fn replace_in(f: &mut [(String, Vec<u8>)], file: &str, from: &str, to: &str) {
        let e = f.iter_mut().find(|(p, _)| p.ends_with(file)).unwrap();
        let text = String::from_utf8(e.1.clone()).unwrap();
        assert!(text.contains(from), "{text}");
        e.1 = text.replace(from, to).into_bytes();
    }

    #[test]
    fn owned_crds_must_be_in_the_bundle() {
        // The CRD file is missing: opm's message, with what the bundle does provide.
        let mut f = files();
        f.retain(|(p, _)| !p.contains("crd"));
        assert_eq!(
            render_bundle(&f, "", MigrateLevel::None).unwrap_err(),
            "error checking provided apis in bundle foo.v0.2.0: couldn't find test.foo/v1/Foo (foos) in bundle. found: map[]"
        );
        // The CRD serves another version; an owned API service is provided too.
        let mut f = files();
        replace_in(&mut f, "foos.crd.yaml", "- name: v1\n", "- name: v2\n");
        replace_in(
            &mut f,
            "foo.csv.yaml",
            "  relatedImages:",
            "  apiservicedefinitions:\n    owned:\n    - {name: things, group: api.foo, version: v1, kind: Thing}\n  relatedImages:",
        );
        assert_eq!(
            render_bundle(&f, "", MigrateLevel::None).unwrap_err(),
            "error checking provided apis in bundle foo.v0.2.0: couldn't find test.foo/v1/Foo (foos) in bundle. found: map[api.foo/v1/Thing (things):{} test.foo/v2/Foo (foos):{}]"
        );
        // A plural that differs from the CRD's is not the same API either.
        let mut f = files();
        replace_in(&mut f, "foos.crd.yaml", "plural: foos", "plural: foo");
        assert!(
            render_bundle(&f, "", MigrateLevel::None)
                .unwrap_err()
                .contains("couldn't find test.foo/v1/Foo (foos) in bundle. found: map[test.foo/v1/Foo (foo):{}]")
        );
        // An owned CRD name that is not plural.group.
        let mut f = files();
        replace_in(
            &mut f,
            "foo.csv.yaml",
            "- name: foos.test.foo",
            "- name: foos",
        );
        assert_eq!(
            render_bundle(&f, "", MigrateLevel::None).unwrap_err(),
            "error checking provided apis in bundle foo.v0.2.0: couldn't parse plural.group from crd name: foos"
        );
    }
}
