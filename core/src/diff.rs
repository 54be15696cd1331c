//! What changed between two catalogs: packages, channels and bundles added,
//! removed or changed (default channel, entries and heads, images,
//! properties, related images).

use crate::fbc::{Bundle, Channel, ChannelEntry, Fbc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDiff {
    pub name: String,
    /// "added", "removed" or "changed".
    pub change: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries_added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries_removed: Vec<String>,
    /// Entries whose replaces, skips or skipRange changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries_changed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_head: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_head: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleDiff {
    pub name: String,
    pub change: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// For "changed": which of image, properties, relatedImages changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDiff {
    pub name: String,
    pub change: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_default_channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_default_channel: Option<String>,
    pub channels: Vec<ChannelDiff>,
    pub bundles: Vec<BundleDiff>,
}

fn head(entries: &[ChannelEntry]) -> Option<String> {
    let mut pointed: BTreeSet<&str> = BTreeSet::new();
    for e in entries {
        pointed.insert(&e.replaces);
        pointed.extend(e.skips.iter().map(String::as_str));
    }
    let heads: Vec<&ChannelEntry> = entries
        .iter()
        .filter(|e| !pointed.contains(e.name.as_str()))
        .collect();
    (heads.len() == 1).then(|| heads[0].name.clone())
}

fn packages(c: &Fbc) -> BTreeSet<&str> {
    c.packages
        .iter()
        .map(|p| p.name.as_str())
        .chain(c.channels.iter().map(|x| x.package.as_str()))
        .chain(c.bundles.iter().map(|x| x.package.as_str()))
        .filter(|n| !n.is_empty())
        .collect()
}

fn channel_diff(name: &str, old: Option<&Channel>, new: Option<&Channel>) -> Option<ChannelDiff> {
    let mut d = ChannelDiff {
        name: name.to_string(),
        ..ChannelDiff::default()
    };
    let empty = Vec::new();
    let oe: BTreeMap<&str, &ChannelEntry> = old
        .map(|c| &c.entries)
        .unwrap_or(&empty)
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let ne: BTreeMap<&str, &ChannelEntry> = new
        .map(|c| &c.entries)
        .unwrap_or(&empty)
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    d.entries_added = ne
        .keys()
        .filter(|k| !oe.contains_key(*k))
        .map(|k| k.to_string())
        .collect();
    d.entries_removed = oe
        .keys()
        .filter(|k| !ne.contains_key(*k))
        .map(|k| k.to_string())
        .collect();
    d.entries_changed = ne
        .iter()
        .filter(|(k, e)| oe.get(*k).is_some_and(|o| o != *e))
        .map(|(k, _)| k.to_string())
        .collect();
    let oh = old.and_then(|c| head(&c.entries));
    let nh = new.and_then(|c| head(&c.entries));
    d.change = match (old, new) {
        (None, Some(_)) => "added".into(),
        (Some(_), None) => "removed".into(),
        _ => "changed".into(),
    };
    if oh != nh {
        d.old_head = oh;
        d.new_head = nh;
    }
    let unchanged = d.change == "changed"
        && d.entries_added.is_empty()
        && d.entries_removed.is_empty()
        && d.entries_changed.is_empty()
        && d.old_head.is_none()
        && d.new_head.is_none();
    (!unchanged).then_some(d)
}

fn bundle_diff(name: &str, old: Option<&Bundle>, new: Option<&Bundle>) -> Option<BundleDiff> {
    let (change, fields) = match (old, new) {
        (None, Some(_)) => ("added", vec![]),
        (Some(_), None) => ("removed", vec![]),
        (Some(o), Some(n)) => {
            let mut f = Vec::new();
            if o.image != n.image {
                f.push("image".to_string());
            }
            // Compared as canonical JSON (sorted keys), ignoring order.
            let props = |b: &Bundle| -> BTreeSet<(String, String)> {
                b.properties
                    .iter()
                    .map(|p| (p.type_.clone(), p.json().to_string()))
                    .collect()
            };
            if props(o) != props(n) {
                f.push("properties".to_string());
            }
            let imgs = |b: &Bundle| -> BTreeSet<(String, String)> {
                b.related_images
                    .iter()
                    .map(|r| (r.name.clone(), r.image.clone()))
                    .collect()
            };
            if imgs(o) != imgs(n) {
                f.push("relatedImages".to_string());
            }
            if f.is_empty() {
                return None;
            }
            ("changed", f)
        }
        (None, None) => return None,
    };
    Some(BundleDiff {
        name: name.to_string(),
        change: change.to_string(),
        version: new.or(old).and_then(Bundle::version),
        fields,
    })
}

/// The differences, by package name; unchanged packages are left out.
pub fn diff(old: &Fbc, new: &Fbc) -> Vec<PackageDiff> {
    let mut names: BTreeSet<&str> = packages(old);
    names.extend(packages(new));
    let mut out = Vec::new();
    for pkg in names {
        let op = old.packages.iter().find(|p| p.name == pkg);
        let np = new.packages.iter().find(|p| p.name == pkg);
        let in_old = packages(old).contains(pkg);
        let in_new = packages(new).contains(pkg);
        let mut d = PackageDiff {
            name: pkg.to_string(),
            change: match (in_old, in_new) {
                (false, true) => "added",
                (true, false) => "removed",
                _ => "changed",
            }
            .into(),
            ..PackageDiff::default()
        };
        let od = op.map(|p| p.default_channel.clone());
        let nd = np.map(|p| p.default_channel.clone());
        if od != nd {
            d.old_default_channel = od;
            d.new_default_channel = nd;
        }
        let chans = |c: &'_ Fbc| -> BTreeMap<String, Channel> {
            c.channels
                .iter()
                .filter(|x| x.package == pkg)
                .map(|x| (x.name.clone(), x.clone()))
                .collect()
        };
        let (oc, nc) = (chans(old), chans(new));
        let cnames: BTreeSet<&String> = oc.keys().chain(nc.keys()).collect();
        for n in cnames {
            if let Some(cd) = channel_diff(n, oc.get(n), nc.get(n)) {
                d.channels.push(cd);
            }
        }
        let bundles = |c: &'_ Fbc| -> BTreeMap<String, Bundle> {
            c.bundles
                .iter()
                .filter(|x| x.package == pkg)
                .map(|x| (x.name.clone(), x.clone()))
                .collect()
        };
        let (ob, nb) = (bundles(old), bundles(new));
        let bnames: BTreeSet<&String> = ob.keys().chain(nb.keys()).collect();
        for n in bnames {
            if let Some(bd) = bundle_diff(n, ob.get(n), nb.get(n)) {
                d.bundles.push(bd);
            }
        }
        let unchanged = d.change == "changed"
            && d.old_default_channel.is_none()
            && d.new_default_channel.is_none()
            && d.channels.is_empty()
            && d.bundles.is_empty();
        if !unchanged {
            out.push(d);
        }
    }
    out
}

/// Human-readable text, one line per change.
pub fn to_text(d: &[PackageDiff]) -> String {
    let mut s = String::new();
    if d.is_empty() {
        s.push_str("no differences\n");
        return s;
    }
    for p in d {
        s.push_str(&format!("package {}: {}\n", p.name, p.change));
        if p.change == "changed"
            && (p.old_default_channel.is_some() || p.new_default_channel.is_some())
        {
            s.push_str(&format!(
                "  default channel: {} -> {}\n",
                p.old_default_channel.as_deref().unwrap_or("(none)"),
                p.new_default_channel.as_deref().unwrap_or("(none)")
            ));
        }
        for c in &p.channels {
            s.push_str(&format!("  channel {}: {}", c.name, c.change));
            if c.change == "changed" && (c.old_head.is_some() || c.new_head.is_some()) {
                s.push_str(&format!(
                    " (head {} -> {})",
                    c.old_head.as_deref().unwrap_or("none"),
                    c.new_head.as_deref().unwrap_or("none")
                ));
            }
            s.push('\n');
            if c.change == "changed" {
                for (what, list) in [
                    ("+", &c.entries_added),
                    ("-", &c.entries_removed),
                    ("~", &c.entries_changed),
                ] {
                    for e in list {
                        s.push_str(&format!("    {what} {e}\n"));
                    }
                }
            }
        }
        for b in &p.bundles {
            let sign = match b.change.as_str() {
                "added" => "+",
                "removed" => "-",
                _ => "~",
            };
            s.push_str(&format!("  {sign} bundle {}", b.name));
            if let Some(v) = &b.version {
                s.push_str(&format!(" ({v})"));
            }
            if !b.fields.is_empty() {
                s.push_str(&format!(": {} changed", b.fields.join(", ")));
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_changes() {
        let mut a = Fbc::default();
        a.load_file("a", "schema: olm.package\nname: p\ndefaultChannel: s\n---\nschema: olm.channel\nname: s\npackage: p\nentries:\n- name: p.v1\n---\nschema: olm.bundle\nname: p.v1\npackage: p\nimage: i:1\n---\nschema: olm.package\nname: gone\n").unwrap();
        let mut b = Fbc::default();
        b.load_file("b", "schema: olm.package\nname: p\ndefaultChannel: s\n---\nschema: olm.channel\nname: s\npackage: p\nentries:\n- name: p.v1\n- name: p.v2\n  replaces: p.v1\n---\nschema: olm.bundle\nname: p.v1\npackage: p\nimage: i:1b\n---\nschema: olm.bundle\nname: p.v2\npackage: p\nimage: i:2\nproperties:\n- type: olm.package\n  value: {packageName: p, version: 2.0.0}\n").unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            to_text(&d),
            "package gone: removed\npackage p: changed\n  channel s: changed (head p.v1 -> p.v2)\n    + p.v2\n  ~ bundle p.v1: image changed\n  + bundle p.v2 (2.0.0)\n"
        );
        assert_eq!(to_text(&diff(&a, &a)), "no differences\n");
    }
}
