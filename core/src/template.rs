//! Catalog templates, as `opm alpha render-template`: `olm.template.basic`
//! (an FBC whose bundles are given by image only) and `olm.semver` (channels
//! generated from bundle versions). Rendering a bundle reference is the
//! caller's job (a closure), so the core stays pure.

use crate::fbc::{Bundle, Channel, ChannelEntry, Fbc, Icon, Package};
use crate::semver::{self, Version};
use crate::value::fold_eq;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Renders one bundle reference (an image, or a bundle directory).
pub type RenderFn<'a> = dyn FnMut(&str) -> Result<Vec<Bundle>, String> + 'a;

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

/// The `schema` of a template document.
pub fn schema_of(v: &Value) -> Option<String> {
    field(v, "schema")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Expand a basic template (`{schema: olm.template.basic, entries: [...]}`).
pub fn basic(doc: &Value, render: &mut RenderFn<'_>) -> Result<Fbc, String> {
    let schema = schema_of(doc).unwrap_or_default();
    if schema != "olm.template.basic" {
        return Err(format!(
            "template has unknown schema ({schema:?}), should be \"olm.template.basic\""
        ));
    }
    let entries = field(doc, "entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Fbc::default();
    for e in &entries {
        if schema_of(e).as_deref() == Some("olm.bundle") {
            let obj = e.as_object().map(|m| m.len()).unwrap_or(0);
            let image = field(e, "image").and_then(Value::as_str).unwrap_or("");
            if obj != 2 || image.is_empty() {
                return Err("unexpected fields present in basic template bundle".into());
            }
            out.bundles.extend(render(image)?);
        } else {
            out.add_document(e)?;
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Arch {
    Candidate,
    Fast,
    Stable,
}

impl Arch {
    fn name(self) -> &'static str {
        match self {
            Arch::Candidate => "candidate",
            Arch::Fast => "fast",
            Arch::Stable => "stable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Minor,
    Major,
}

fn bool_field(doc: &Value, name: &str) -> Result<Option<bool>, String> {
    match field(doc, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{name} must be a boolean")),
    }
}

#[derive(Clone)]
struct Tuple {
    arch: Arch,
    kind: Kind,
    channel: String,
    name: String,
    version: Version,
    index: usize,
}

/// The CSV of a rendered bundle (from its `olm.bundle.object`s).
fn csv_of(b: &Bundle) -> Option<Value> {
    use base64::Engine;
    b.properties
        .iter()
        .filter(|p| p.type_ == "olm.bundle.object")
        .filter_map(|p| {
            let data = p.json().get("data")?.as_str()?.to_string();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .ok()?;
            crate::render::decode_first("object", &bytes).ok().flatten()
        })
        .find(|o| o.get("kind").and_then(Value::as_str) == Some("ClusterServiceVersion"))
}

/// Expand a semver template (`schema: olm.semver`).
pub fn semver(doc: &Value, render: &mut RenderFn<'_>) -> Result<Fbc, String> {
    let schema = schema_of(doc).unwrap_or_default();
    if schema != "olm.semver" {
        return Err(format!(
            "template has unknown schema ({schema:?}), should be \"olm.semver\""
        ));
    }
    let major = bool_field(doc, "GenerateMajorChannels")?.unwrap_or(false);
    let mut minor = bool_field(doc, "GenerateMinorChannels")?.unwrap_or(false);
    if !major && !minor {
        minor = true;
    }
    let pref = match field(doc, "DefaultChannelTypePreference").and_then(Value::as_str) {
        None | Some("") => {
            if major && !minor {
                Kind::Major
            } else {
                Kind::Minor
            }
        }
        Some("minor") => {
            if !minor {
                return Err("schema attribute mismatch: DefaultChannelTypePreference set to 'minor' doesn't make sense if not generating minor-version channels".into());
            }
            Kind::Minor
        }
        Some("major") => {
            if !major {
                return Err("schema attribute mismatch: DefaultChannelTypePreference set to 'major' doesn't make sense if not generating major-version channels".into());
            }
            Kind::Major
        }
        Some(x) => {
            return Err(format!(
                "unknown DefaultChannelTypePreference {x:?} (minor or major)"
            ));
        }
    };

    // Render every bundle once.
    let mut by_arch: BTreeMap<Arch, BTreeMap<String, Version>> = BTreeMap::new();
    let mut bundles: Vec<Bundle> = Vec::new();
    let mut rendered: BTreeMap<String, String> = BTreeMap::new();
    let mut package: Option<String> = None;
    for arch in [Arch::Candidate, Arch::Fast, Arch::Stable] {
        let Some(section) = field(doc, arch.name()) else {
            continue;
        };
        let list = field(section, "Bundles")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for item in list {
            let image = field(&item, "Image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if image.is_empty() {
                return Err(format!("{} bundle without an image", arch.name()));
            }
            let name = match rendered.get(&image) {
                Some(n) => n.clone(),
                None => {
                    let mut got = render(&image)?;
                    if got.len() != 1 {
                        return Err(format!(
                            "bundle reference {image:?} resulted in {} bundles, expected 1",
                            got.len()
                        ));
                    }
                    let b = got.remove(0);
                    let pkgs: Vec<_> = b
                        .properties
                        .iter()
                        .filter(|p| p.type_ == "olm.package")
                        .collect();
                    if pkgs.len() != 1 {
                        return Err(format!(
                            "bundle {:?} must have exactly 1 \"olm.package\" property, found {}",
                            b.name,
                            pkgs.len()
                        ));
                    }
                    match &package {
                        None => package = Some(b.package.clone()),
                        Some(p) if *p != b.package => {
                            return Err(format!(
                                "bundle {:?} does not belong to this package: {:?}",
                                b.name, p
                            ));
                        }
                        _ => {}
                    }
                    if bundles.iter().any(|x| x.name == b.name) {
                        return Err(format!("duplicate bundle name {:?}", b.name));
                    }
                    rendered.insert(image.clone(), b.name.clone());
                    let n = b.name.clone();
                    bundles.push(b);
                    n
                }
            };
            let b = bundles.iter().find(|b| b.name == name).expect("rendered");
            let v = b.version().unwrap_or_default();
            let version = semver::parse_version(&v)
                .map_err(|e| format!("bundle {:?} has invalid version {v:?}: {e}", b.name))?;
            by_arch.entry(arch).or_default().insert(name, version);
        }
    }
    let Some(package) = package else {
        return Err("render: no bundles specified or no bundles could be rendered".into());
    };

    // Channels, in archetype order, each bundle by ascending version.
    let mut channels: BTreeMap<String, Channel> = BTreeMap::new();
    let mut tuples: Vec<Tuple> = Vec::new();
    // High-water mark for the default channel.
    let mut hw: (Arch, Option<Kind>, Version, String) =
        (Arch::Candidate, None, Version::new(0, 0, 0), String::new());
    for (arch, set) in &by_arch {
        let mut names: Vec<(&String, &Version)> = set.iter().collect();
        names.sort_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0)));
        for (name, v) in names {
            let mut keys = Vec::new();
            if major {
                keys.push((Kind::Major, format!("{}-v{}", arch.name(), v.major)));
            }
            if minor {
                keys.push((
                    Kind::Minor,
                    format!("{}-v{}.{}", arch.name(), v.major, v.minor),
                ));
            }
            for (kind, cname) in keys {
                let ch = channels.entry(cname.clone()).or_insert_with(|| {
                    let gt = *arch > hw.0 || *v > hw.2 || (*v == hw.2 && kind == pref);
                    if gt {
                        hw = (*arch, Some(kind), v.clone(), cname.clone());
                    }
                    Channel {
                        name: cname.clone(),
                        package: package.clone(),
                        ..Channel::default()
                    }
                });
                ch.entries.push(ChannelEntry {
                    name: name.clone(),
                    ..ChannelEntry::default()
                });
                tuples.push(Tuple {
                    arch: *arch,
                    kind,
                    channel: cname,
                    name: name.clone(),
                    version: v.clone(),
                    index: ch.entries.len() - 1,
                });
            }
        }
    }

    // Link: the highest Z of each Y-stream replaces the previous one's and
    // skips everything before it since the last archetype/kind/major change.
    tuples.sort_by(|a, b| {
        a.arch
            .cmp(&b.arch)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.version.cmp(&b.version))
    });
    let mut prev_zmax = String::new();
    let mut skips: BTreeSet<String> = BTreeSet::new();
    for i in 0..tuples.len() {
        let cur = &tuples[i];
        if i == 0 || {
            let p = &tuples[i - 1];
            p.arch != cur.arch || p.kind != cur.kind || p.version.major != cur.version.major
        } {
            prev_zmax.clear();
            skips.clear();
        }
        let next_same_y = tuples.get(i + 1).is_some_and(|n| {
            n.arch == cur.arch
                && n.kind == cur.kind
                && n.version.major == cur.version.major
                && n.version.minor == cur.version.minor
        });
        if !next_same_y {
            let ch = channels.get_mut(&cur.channel).expect("channel");
            let e = &mut ch.entries[cur.index];
            let mut s: Vec<String> = skips.iter().filter(|x| **x != prev_zmax).cloned().collect();
            s.sort();
            e.skips = s;
            if !prev_zmax.is_empty() {
                e.replaces = prev_zmax.clone();
            }
            prev_zmax = cur.name.clone();
        }
        skips.insert(cur.name.clone());
    }

    // Current opm copies the description and icon of the default channel
    // head's CSV into the package.
    let mut pkg = Package {
        name: package,
        default_channel: hw.3.clone(),
        ..Package::default()
    };
    let head = channels.get(&hw.3).and_then(|c| {
        let pointed: BTreeSet<&str> = c
            .entries
            .iter()
            .flat_map(|e| {
                std::iter::once(e.replaces.as_str()).chain(e.skips.iter().map(String::as_str))
            })
            .collect();
        c.entries
            .iter()
            .rev()
            .find(|e| !pointed.contains(e.name.as_str()))
            .map(|e| e.name.clone())
    });
    if let Some(csv) = head
        .and_then(|h| bundles.iter().find(|b| b.name == h))
        .and_then(csv_of)
    {
        let spec = csv.get("spec").cloned().unwrap_or(Value::Null);
        pkg.description = spec
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(i) = spec
            .get("icon")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            let data = i.get("base64data").and_then(Value::as_str).unwrap_or("");
            let media = i.get("mediatype").and_then(Value::as_str).unwrap_or("");
            if !data.is_empty() {
                pkg.icon = Some(Icon {
                    base64data: data.to_string(),
                    mediatype: media.to_string(),
                });
            }
        }
    }

    Ok(Fbc {
        packages: vec![pkg],
        channels: channels.into_values().collect(),
        bundles,
        ..Fbc::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fbc::Property;
    use serde_json::json;

    fn bundle(v: &str) -> Bundle {
        Bundle {
            name: format!("op.v{v}"),
            package: "op".into(),
            image: format!("img:{v}"),
            properties: vec![Property::new(
                "olm.package",
                &json!({"packageName": "op", "version": v}),
            )],
            related_images: vec![],
        }
    }

    fn render(r: &str) -> Result<Vec<Bundle>, String> {
        Ok(vec![bundle(r.trim_start_matches("img:"))])
    }

    #[test]
    fn semver_minor_and_major_channels() {
        let doc = json!({"Schema": "olm.semver", "GenerateMajorChannels": true, "GenerateMinorChannels": true,
            "Candidate": {"Bundles": [{"Image": "img:1.0.0"}, {"Image": "img:1.0.1"}, {"Image": "img:1.1.0"}]},
            "Stable": {"Bundles": [{"Image": "img:1.0.0"}]}});
        let out = semver(&doc, &mut render).unwrap();
        let ch: BTreeMap<&str, &Channel> =
            out.channels.iter().map(|c| (c.name.as_str(), c)).collect();
        assert_eq!(
            ch.keys().copied().collect::<Vec<_>>(),
            vec![
                "candidate-v1",
                "candidate-v1.0",
                "candidate-v1.1",
                "stable-v1",
                "stable-v1.0"
            ]
        );
        let e = &ch["candidate-v1"].entries;
        assert_eq!(e[0].name, "op.v1.0.0");
        assert_eq!(e[1].skips, vec!["op.v1.0.0"]);
        assert_eq!(e[1].replaces, "");
        assert_eq!(e[2].replaces, "op.v1.0.1");
        assert_eq!(e[2].skips, vec!["op.v1.0.0"]);
        let e = &ch["candidate-v1.1"].entries;
        // Minor channels hold one Y-stream; edges still link Y-streams (as opm).
        assert_eq!(e[0].replaces, "op.v1.0.1");
        assert_eq!(e[0].skips, vec!["op.v1.0.0"]);
        assert_eq!(out.packages[0].default_channel, "stable-v1.0");
        assert_eq!(out.bundles.len(), 3);
    }

    #[test]
    fn semver_errors() {
        let doc = json!({"schema": "olm.semver", "GenerateMinorChannels": false, "DefaultChannelTypePreference": "minor", "GenerateMajorChannels": true});
        assert!(
            semver(&doc, &mut render)
                .unwrap_err()
                .contains("schema attribute mismatch")
        );
        let doc = json!({"schema": "olm.semver"});
        assert_eq!(
            semver(&doc, &mut render).unwrap_err(),
            "render: no bundles specified or no bundles could be rendered"
        );
    }

    #[test]
    fn basic_replaces_bundle_entries() {
        let doc = json!({"schema": "olm.template.basic", "entries": [
            {"schema": "olm.package", "name": "op", "defaultChannel": "stable"},
            {"schema": "olm.channel", "name": "stable", "package": "op", "entries": [{"name": "op.v1.0.0"}]},
            {"schema": "olm.bundle", "image": "img:1.0.0"}]});
        let out = basic(&doc, &mut render).unwrap();
        assert_eq!(out.bundles[0].name, "op.v1.0.0");
        let bad = json!({"schema": "olm.template.basic", "entries": [{"schema": "olm.bundle", "image": "x", "package": "p"}]});
        assert_eq!(
            basic(&bad, &mut render).unwrap_err(),
            "unexpected fields present in basic template bundle"
        );
        let wrong = json!({"schema": "x"});
        assert!(
            basic(&wrong, &mut render)
                .unwrap_err()
                .contains("unknown schema")
        );
    }
}
