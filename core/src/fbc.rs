//! An owned file-based catalog for producing output (render, migrate,
//! templates, add), and opm's writer (`WriteJSON`/`WriteYAML` of
//! `alpha/declcfg/write.go`): the same grouping and order of documents, the
//! same field order, 4-space JSON without HTML escaping, YAML with sorted
//! keys and `---` before every document.
//!
//! Property values are kept as compact JSON text (Go's `json.RawMessage`),
//! so their key order is whatever produced them, as in opm.

use crate::gojson::{self, ObjWriter};
use crate::parse;
use crate::value::fold_eq;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Icon {
    /// Standard base64 of the image bytes.
    pub base64data: String,
    pub mediatype: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Property {
    pub type_: String,
    /// Compact JSON text.
    pub value: String,
}

impl Property {
    pub fn new(type_: &str, value: &Value) -> Self {
        Property {
            type_: type_.to_string(),
            value: gojson::marshal(value, true, false),
        }
    }

    /// The value parsed (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.value).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Package {
    pub name: String,
    pub default_channel: String,
    pub icon: Option<Icon>,
    pub description: String,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelEntry {
    pub name: String,
    pub replaces: String,
    pub skips: Vec<String>,
    pub skip_range: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    pub name: String,
    pub package: String,
    pub entries: Vec<ChannelEntry>,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelatedImage {
    pub name: String,
    pub image: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    pub name: String,
    pub package: String,
    pub image: String,
    pub properties: Vec<Property>,
    pub related_images: Vec<RelatedImage>,
}

impl Bundle {
    /// The `olm.package` property's version, if any.
    pub fn version(&self) -> Option<String> {
        self.properties
            .iter()
            .find(|p| p.type_ == crate::declcfg::PROP_PACKAGE)
            .and_then(|p| {
                p.json().get("version").map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
            })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeprecationEntry {
    pub schema: String,
    pub name: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deprecation {
    pub package: String,
    pub entries: Vec<DeprecationEntry>,
}

/// A document of a schema opm does not interpret: kept as its JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Other {
    pub schema: String,
    pub package: String,
    pub name: String,
    /// Compact JSON text of the whole document (keys sorted).
    pub blob: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fbc {
    pub packages: Vec<Package>,
    pub channels: Vec<Channel>,
    pub bundles: Vec<Bundle>,
    pub deprecations: Vec<Deprecation>,
    pub others: Vec<Other>,
}

impl Fbc {
    pub fn extend(&mut self, o: Fbc) {
        self.packages.extend(o.packages);
        self.channels.extend(o.channels);
        self.bundles.extend(o.bundles);
        self.deprecations.extend(o.deprecations);
        self.others.extend(o.others);
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.channels.is_empty()
            && self.bundles.is_empty()
            && self.deprecations.is_empty()
            && self.others.is_empty()
    }

    /// Read one catalog file as opm's `LoadFS` does (no model validation):
    /// `name` is used in error messages.
    pub fn load_file(&mut self, name: &str, text: &str) -> Result<(), String> {
        let parsed = parse::parse_stream(text);
        if let Some(e) = parsed.errors.first() {
            return Err(format!("{name}: {}", e.message));
        }
        for doc in &parsed.docs {
            let v = doc.to_json();
            self.add_document(&v).map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }

    /// Add one decoded document (a JSON object) by its schema.
    pub fn add_document(&mut self, v: &Value) -> Result<(), String> {
        let v = floatify(v);
        let Value::Object(_) = &v else {
            return Err("document is not an object".into());
        };
        let schema = get_str(&v, "schema")?;
        match schema.as_str() {
            "olm.package" => self.packages.push(decode_package(&v)?),
            "olm.channel" => self.channels.push(decode_channel(&v)?),
            "olm.bundle" => self.bundles.push(decode_bundle(&v)?),
            "olm.deprecations" => self.deprecations.push(decode_deprecation(&v)?),
            "" => {
                return Err(format!(
                    "object '{}' is missing root schema field",
                    gojson::marshal(&v, false, true)
                ));
            }
            _ => self.others.push(Other {
                schema,
                package: get_str(&v, "package")?,
                name: get_str(&v, "name")?,
                blob: gojson::marshal(&v, false, true),
            }),
        }
        Ok(())
    }
}

/// Numbers as Go holds them after decoding into `interface{}`: float64.
fn floatify(v: &Value) -> Value {
    match v {
        Value::Number(n) if !n.is_f64() => {
            let f = n.as_f64().unwrap_or(0.0);
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
        Value::Array(a) => Value::Array(a.iter().map(floatify).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), floatify(x))).collect())
        }
        _ => v.clone(),
    }
}

/// Go struct field lookup: case-insensitive, the last matching key in sorted
/// order wins; `null` counts as absent.
fn field<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let m = v.as_object()?;
    let mut best = None;
    for (k, x) in m {
        if fold_eq(k, name) {
            best = Some(x);
        }
    }
    best.filter(|x| !x.is_null())
}

fn type_word(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn get_str(v: &Value, name: &str) -> Result<String, String> {
    match field(v, name) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(x) => Err(format!(
            "json: cannot unmarshal {} into field {name} of type string",
            type_word(x)
        )),
    }
}

fn get_array<'v>(v: &'v Value, name: &str) -> Result<&'v [Value], String> {
    match field(v, name) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(x) => Err(format!(
            "json: cannot unmarshal {} into field {name} of type array",
            type_word(x)
        )),
    }
}

fn decode_properties(v: &Value) -> Result<Vec<Property>, String> {
    get_array(v, "properties")?
        .iter()
        .map(|p| {
            Ok(Property {
                type_: get_str(p, "type")?,
                value: field(p, "value")
                    .map(|x| gojson::marshal(x, false, true))
                    .unwrap_or_else(|| "null".into()),
            })
        })
        .collect()
}

fn decode_package(v: &Value) -> Result<Package, String> {
    let icon = match field(v, "icon") {
        None => None,
        Some(i) => {
            let data = get_str(i, "base64data")?;
            let bytes = crate::load::go_base64(&data).map_err(|e| format!("parse package: {e}"))?;
            use base64::Engine;
            Some(Icon {
                base64data: base64::engine::general_purpose::STANDARD.encode(bytes),
                mediatype: get_str(i, "mediatype")?,
            })
        }
    };
    Ok(Package {
        name: get_str(v, "name")?,
        default_channel: get_str(v, "defaultChannel")?,
        icon,
        description: get_str(v, "description")?,
        properties: decode_properties(v)?,
    })
}

fn decode_channel(v: &Value) -> Result<Channel, String> {
    let entries = get_array(v, "entries")?
        .iter()
        .map(|e| {
            Ok(ChannelEntry {
                name: get_str(e, "name")?,
                replaces: get_str(e, "replaces")?,
                skips: get_array(e, "skips")?
                    .iter()
                    .map(|s| {
                        s.as_str()
                            .map(str::to_string)
                            .ok_or("skips must be strings".to_string())
                    })
                    .collect::<Result<_, _>>()?,
                skip_range: get_str(e, "skipRange")?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Channel {
        name: get_str(v, "name")?,
        package: get_str(v, "package")?,
        entries,
        properties: decode_properties(v)?,
    })
}

fn decode_bundle(v: &Value) -> Result<Bundle, String> {
    Ok(Bundle {
        name: get_str(v, "name")?,
        package: get_str(v, "package")?,
        image: get_str(v, "image")?,
        properties: decode_properties(v)?,
        related_images: get_array(v, "relatedImages")?
            .iter()
            .map(|r| {
                Ok(RelatedImage {
                    name: get_str(r, "name")?,
                    image: get_str(r, "image")?,
                })
            })
            .collect::<Result<_, String>>()?,
    })
}

fn decode_deprecation(v: &Value) -> Result<Deprecation, String> {
    Ok(Deprecation {
        package: get_str(v, "package")?,
        entries: get_array(v, "entries")?
            .iter()
            .map(|e| {
                let r = field(e, "reference").cloned().unwrap_or(Value::Null);
                Ok(DeprecationEntry {
                    schema: get_str(&r, "schema")?,
                    name: get_str(&r, "name")?,
                    message: get_str(e, "message")?,
                })
            })
            .collect::<Result<_, String>>()?,
    })
}

// ---------------------------------------------------------------- writing

fn properties_json(props: &[Property]) -> String {
    gojson::array(props.iter().map(|p| {
        ObjWriter::new()
            .str("type", &p.type_, false)
            .raw("value", &gojson::compact(&p.value))
            .finish()
    }))
}

/// Compact JSON of a package, in Go struct order.
pub fn package_json(p: &Package) -> String {
    let mut w = ObjWriter::new();
    w.str("schema", "olm.package", false)
        .str("name", &p.name, false)
        .str("defaultChannel", &p.default_channel, false);
    if let Some(i) = &p.icon {
        let icon = ObjWriter::new()
            .str("base64data", &i.base64data, false)
            .str("mediatype", &i.mediatype, false)
            .finish();
        w.raw("icon", &icon);
    }
    w.str_opt("description", &p.description, false);
    if !p.properties.is_empty() {
        w.raw("properties", &properties_json(&p.properties));
    }
    w.finish()
}

pub fn channel_json(c: &Channel) -> String {
    let entries = gojson::array(c.entries.iter().map(|e| {
        let mut w = ObjWriter::new();
        w.str("name", &e.name, false)
            .str_opt("replaces", &e.replaces, false);
        if !e.skips.is_empty() {
            w.raw(
                "skips",
                &gojson::array(e.skips.iter().map(|s| gojson::quote(s, false))),
            );
        }
        w.str_opt("skipRange", &e.skip_range, false);
        w.finish()
    }));
    let mut w = ObjWriter::new();
    w.str("schema", "olm.channel", false)
        .str("name", &c.name, false)
        .str("package", &c.package, false)
        .raw("entries", &entries);
    if !c.properties.is_empty() {
        w.raw("properties", &properties_json(&c.properties));
    }
    w.finish()
}

pub fn bundle_json(b: &Bundle) -> String {
    let mut w = ObjWriter::new();
    w.str("schema", "olm.bundle", false)
        .str("name", &b.name, false)
        .str("package", &b.package, false)
        .str("image", &b.image, false);
    if !b.properties.is_empty() {
        w.raw("properties", &properties_json(&b.properties));
    }
    if !b.related_images.is_empty() {
        w.raw(
            "relatedImages",
            &gojson::array(b.related_images.iter().map(|r| {
                ObjWriter::new()
                    .str("name", &r.name, false)
                    .str("image", &r.image, false)
                    .finish()
            })),
        );
    }
    w.finish()
}

pub fn deprecation_json(d: &Deprecation) -> String {
    let entries = gojson::array(d.entries.iter().map(|e| {
        let mut r = ObjWriter::new();
        r.str("schema", &e.schema, false)
            .str_opt("name", &e.name, false);
        ObjWriter::new()
            .raw("reference", &r.finish())
            .str("message", &e.message, false)
            .finish()
    }));
    ObjWriter::new()
        .str("schema", "olm.deprecations", false)
        .str("package", &d.package, false)
        .raw("entries", &entries)
        .finish()
}

/// The documents of a catalog in opm's output order, as compact JSON, each
/// with the package it was grouped under.
pub fn ordered_blobs(cfg: &Fbc) -> Vec<(String, String)> {
    let mut names: Vec<&str> = cfg
        .packages
        .iter()
        .map(|p| p.name.as_str())
        .chain(cfg.channels.iter().map(|c| c.package.as_str()))
        .chain(cfg.bundles.iter().map(|b| b.package.as_str()))
        .chain(cfg.others.iter().map(|o| o.package.as_str()))
        .chain(cfg.deprecations.iter().map(|d| d.package.as_str()))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = Vec::new();
    for pkg in names {
        let mut push = |s: String| out.push((pkg.to_string(), s));
        for p in cfg.packages.iter().filter(|p| p.name == pkg) {
            push(package_json(p));
        }
        let mut chans: Vec<&Channel> = cfg.channels.iter().filter(|c| c.package == pkg).collect();
        chans.sort_by(|a, b| a.name.cmp(&b.name));
        for c in chans {
            push(channel_json(c));
        }
        let mut bundles: Vec<&Bundle> = cfg.bundles.iter().filter(|b| b.package == pkg).collect();
        bundles.sort_by(|a, b| a.name.cmp(&b.name));
        for b in bundles {
            push(bundle_json(b));
        }
        let mut others: Vec<&Other> = cfg.others.iter().filter(|o| o.package == pkg).collect();
        others.sort_by(|a, b| a.schema.cmp(&b.schema));
        for o in others {
            push(o.blob.clone());
        }
        for d in cfg.deprecations.iter().filter(|d| d.package == pkg) {
            push(deprecation_json(d));
        }
    }
    for o in cfg.others.iter().filter(|o| o.package.is_empty()) {
        out.push((String::new(), o.blob.clone()));
    }
    out
}

/// Output format of the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// One document as opm writes it.
pub fn write_blob(compact: &str, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = gojson::indent(compact, "    ");
            s.push('\n');
            s
        }
        Format::Yaml => {
            let v: Value = serde_json::from_str(compact).unwrap_or(Value::Null);
            format!("---\n{}", crate::goyaml::to_yaml(&v))
        }
    }
}

/// The whole catalog as opm's `WriteJSON` / `WriteYAML`.
pub fn write(cfg: &Fbc, format: Format) -> String {
    let mut out = String::new();
    for (_, blob) in ordered_blobs(cfg) {
        out.push_str(&write_blob(&blob, format));
    }
    out
}

/// The catalog split by package (opm's `WriteFS` / migrate layout): package
/// name → file text. Documents without a package are not included.
pub fn write_by_package(cfg: &Fbc, format: Format) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (pkg, blob) in ordered_blobs(cfg) {
        if pkg.is_empty() {
            continue;
        }
        let text = write_blob(&blob, format);
        match out.last_mut() {
            Some((p, t)) if *p == pkg => t.push_str(&text),
            _ => out.push((pkg, text)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_and_write_json() {
        let mut f = Fbc::default();
        f.load_file(
            "x.yaml",
            "schema: olm.bundle\nname: b.v1\npackage: b\nimage: img\nproperties:\n- type: olm.package\n  value: {version: 1.0.0, packageName: b}\n---\nschema: olm.channel\nname: s\npackage: b\nentries:\n- name: b.v1\n  skipRange: <1.0.0\n---\nschema: olm.package\nname: b\ndefaultChannel: s\n---\nschema: custom\nz: 1\na: <&>\n",
        )
        .unwrap();
        let out = write(&f, Format::Json);
        assert_eq!(
            out,
            r#"{
    "schema": "olm.package",
    "name": "b",
    "defaultChannel": "s"
}
{
    "schema": "olm.channel",
    "name": "s",
    "package": "b",
    "entries": [
        {
            "name": "b.v1",
            "skipRange": "<1.0.0"
        }
    ]
}
{
    "schema": "olm.bundle",
    "name": "b.v1",
    "package": "b",
    "image": "img",
    "properties": [
        {
            "type": "olm.package",
            "value": {
                "packageName": "b",
                "version": "1.0.0"
            }
        }
    ]
}
{
    "a": "<&>",
    "schema": "custom",
    "z": 1
}
"#
        );
        let y = write(&f, Format::Yaml);
        assert!(y.starts_with("---\ndefaultChannel: s\nname: b\nschema: olm.package\n---\nentries:\n  - name: b.v1\n    skipRange: <1.0.0\n"), "{y}");
    }
}
