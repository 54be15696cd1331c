//! The catalog as packages → channels → bundles: the upgrade graph of a
//! channel (replaces, skips and skipRange edges, the channel head, opm's
//! `validateReplacesChain`), a package's graphs as data for drawing
//! ([`package_graph`]), and a listing of a catalog's packages ([`overview`]).

use crate::declcfg::{
    ChannelEntry, DeclarativeConfig, SCHEMA_BUNDLE, SCHEMA_CHANNEL, SCHEMA_PACKAGE,
};
use crate::semver::{self, Version};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Why a channel's graph is invalid (opm reports at most one per channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// Every entry is replaced or skipped by another.
    NoHead,
    /// Entries nothing replaces or skips (sorted).
    MultipleHeads(Vec<String>),
    /// The replaces chain from the head loops: the names along the loop.
    Cycle(Vec<String>),
    /// Entries neither on the head's replaces chain nor skipped (sorted).
    Stranded(Vec<String>),
}

impl GraphError {
    /// opm's message.
    pub fn message(&self) -> String {
        match self {
            GraphError::NoHead => "no channel head found in graph".into(),
            GraphError::MultipleHeads(h) => {
                format!("multiple channel heads found in graph: {}", h.join(", "))
            }
            GraphError::Cycle(c) => format!(
                "detected cycle in replaces chain of upgrade graph: {}",
                c.join(" -> ")
            ),
            GraphError::Stranded(s) => format!(
                "channel contains one or more stranded bundles: {}",
                s.join(", ")
            ),
        }
    }
}

/// A channel's entries by name (a later duplicate replaces an earlier one,
/// as in opm's map).
pub struct ChannelGraph<'c> {
    pub entries: HashMap<&'c str, &'c ChannelEntry>,
    order: Vec<&'c str>,
}

impl<'c> ChannelGraph<'c> {
    pub fn new(entries: &'c [ChannelEntry]) -> Self {
        let mut map = HashMap::with_capacity(entries.len());
        let mut order = Vec::with_capacity(entries.len());
        for e in entries {
            if map.insert(e.name.as_str(), e).is_none() {
                order.push(e.name.as_str());
            }
        }
        ChannelGraph {
            entries: map,
            order,
        }
    }

    /// Entries no other entry replaces or skips, sorted.
    pub fn heads(&self) -> Vec<&'c str> {
        let mut incoming: HashSet<&str> = HashSet::new();
        for e in self.entries.values() {
            if !e.replaces.is_empty() {
                incoming.insert(e.replaces.as_str());
            }
            for s in &e.skips {
                incoming.insert(s.as_str());
            }
        }
        let mut heads: Vec<&str> = self
            .order
            .iter()
            .copied()
            .filter(|n| !incoming.contains(n))
            .collect();
        heads.sort_unstable();
        heads
    }

    /// The single head, or why there is none.
    pub fn head(&self) -> Result<&'c ChannelEntry, GraphError> {
        let heads = self.heads();
        match heads.as_slice() {
            [] => Err(GraphError::NoHead),
            [h] => Ok(self.entries[h]),
            _ => Err(GraphError::MultipleHeads(
                heads.iter().map(|s| s.to_string()).collect(),
            )),
        }
    }

    /// opm's `validateReplacesChain`: one head; walking `replaces` from it
    /// (stopping at an edge to a skipped bundle or at a name outside the
    /// channel) never loops; every entry is on that chain or skipped.
    pub fn validate(&self) -> Result<&'c ChannelEntry, GraphError> {
        let head = self.head()?;
        let skipped: HashSet<&str> = self
            .entries
            .values()
            .flat_map(|e| e.skips.iter().map(|s| s.as_str()))
            .collect();
        let mut chain: Vec<&str> = vec![head.name.as_str()];
        let mut on_chain: HashSet<&str> = HashSet::from([head.name.as_str()]);
        let mut cur = Some(head);
        while let Some(c) = cur {
            let next = c.replaces.as_str();
            if skipped.contains(next) {
                break;
            }
            if on_chain.contains(next) {
                let from = chain.iter().position(|n| *n == next).unwrap_or(0);
                let mut cycle: Vec<String> = chain[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(next.to_string());
                return Err(GraphError::Cycle(cycle));
            }
            on_chain.insert(next);
            chain.push(next);
            cur = self.entries.get(next).copied();
        }
        let stranded: BTreeSet<&str> = self
            .order
            .iter()
            .copied()
            .filter(|n| !on_chain.contains(n) && !skipped.contains(n))
            .collect();
        if !stranded.is_empty() {
            return Err(GraphError::Stranded(
                stranded.into_iter().map(String::from).collect(),
            ));
        }
        Ok(head)
    }
}

/// How an upgrade edge was declared. Edges point from the newer entry (the
/// one declaring it) to the older one it upgrades from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EdgeKind {
    /// `replaces: <to>`.
    Replaces,
    /// `<to>` is in `skips`.
    Skips,
    /// `<to>` is an entry of the same channel whose version is in `skipRange`.
    SkipRange,
}

/// One edge of a channel's upgrade graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UpgradeEdge {
    /// The entry declaring the edge (the newer bundle).
    pub from: String,
    /// The bundle it upgrades from.
    pub to: String,
    pub kind: EdgeKind,
}

/// One node of a channel's upgrade graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeNode {
    /// The bundle name.
    pub name: String,
    /// The version of the bundle of that name in the package (its
    /// `olm.package` property), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// No other entry replaces or skips it.
    pub head: bool,
    /// False for a name that `replaces` or `skips` mention but the channel
    /// does not list (a bundle upgraded from, outside the channel).
    pub in_channel: bool,
    /// An `olm.deprecations` entry deprecates this bundle.
    pub deprecated: bool,
}

/// The upgrade graph of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelUpgradeGraph {
    pub name: String,
    /// Entries nothing replaces or skips, sorted: exactly one in a valid
    /// channel (its head).
    pub heads: Vec<String>,
    pub deprecated: bool,
    /// Newest first: by version (descending), unversioned ones last, then by name.
    pub nodes: Vec<UpgradeNode>,
    /// Sorted by from, to, kind; no duplicates.
    pub edges: Vec<UpgradeEdge>,
}

/// The upgrade graphs of one package, one per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageGraph {
    pub package: String,
    /// Empty when the package has no `olm.package` document or no default.
    pub default_channel: String,
    /// In load order.
    pub channels: Vec<ChannelUpgradeGraph>,
}

/// What `olm.deprecations` documents deprecate, by package.
#[derive(Default)]
struct Deprecated<'c> {
    package: HashSet<&'c str>,
    channels: HashSet<(&'c str, &'c str)>,
    bundles: HashSet<(&'c str, &'c str)>,
}

impl<'c> Deprecated<'c> {
    fn of(cfg: &'c DeclarativeConfig) -> Self {
        let mut d = Deprecated::default();
        for dep in &cfg.deprecations {
            let p = dep.package.as_str();
            for e in &dep.entries {
                let name = e.reference.name.as_str();
                match e.reference.schema.as_str() {
                    SCHEMA_PACKAGE => {
                        d.package.insert(p);
                    }
                    SCHEMA_CHANNEL => {
                        d.channels.insert((p, name));
                    }
                    SCHEMA_BUNDLE => {
                        d.bundles.insert((p, name));
                    }
                    _ => {}
                }
            }
        }
        d
    }
}

/// The `olm.package` version of each bundle of `package` (the first bundle of
/// a name wins, as opm reports the others as duplicates).
fn bundle_versions<'c>(cfg: &'c DeclarativeConfig, package: &str) -> HashMap<&'c str, &'c str> {
    let mut out = HashMap::new();
    for b in cfg.bundles.iter().filter(|b| b.package.as_str() == package) {
        if let Some((_, pp)) = b.package_properties().next() {
            out.entry(b.name.as_str()).or_insert(pp.version.as_str());
        }
    }
    out
}

/// Newest first; unparseable or missing versions last; then by name.
fn newest_first(a: (&str, Option<&str>), b: (&str, Option<&str>)) -> std::cmp::Ordering {
    let va = a.1.and_then(|v| semver::parse_version(v).ok());
    let vb = b.1.and_then(|v| semver::parse_version(v).ok());
    match (va, vb) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
    .then_with(|| a.0.cmp(b.0))
}

/// The upgrade graphs of `package`'s channels, or `None` when the catalog
/// has no package, channel or bundle of that name. Works on invalid catalogs
/// too (several heads, cycles, dangling names): it draws what is written.
pub fn package_graph(cfg: &DeclarativeConfig, package: &str) -> Option<PackageGraph> {
    let declared = cfg.packages.iter().find(|p| p.name.as_str() == package);
    let channels: Vec<_> = cfg
        .channels
        .iter()
        .filter(|c| c.package.as_str() == package)
        .collect();
    if declared.is_none()
        && channels.is_empty()
        && !cfg.bundles.iter().any(|b| b.package.as_str() == package)
    {
        return None;
    }
    let versions = bundle_versions(cfg, package);
    let deprecated = Deprecated::of(cfg);
    let mut out = PackageGraph {
        package: package.to_string(),
        default_channel: declared
            .map(|p| p.default_channel.value.clone())
            .unwrap_or_default(),
        channels: Vec::with_capacity(channels.len()),
    };
    for ch in channels {
        let g = ChannelGraph::new(&ch.entries);
        let heads: Vec<String> = g.heads().into_iter().map(String::from).collect();
        let node = |name: &str, in_channel: bool| UpgradeNode {
            name: name.to_string(),
            version: versions.get(name).map(|v| v.to_string()),
            head: in_channel && heads.iter().any(|h| h == name),
            in_channel,
            deprecated: deprecated.bundles.contains(&(package, name)),
        };
        let mut nodes: Vec<UpgradeNode> = g.order.iter().map(|n| node(n, true)).collect();
        let mut edges: BTreeSet<UpgradeEdge> = BTreeSet::new();
        let parsed: Vec<(&str, Version)> = g
            .order
            .iter()
            .filter_map(|n| {
                let v = semver::parse_version(versions.get(n)?).ok()?;
                Some((*n, v))
            })
            .collect();
        for name in &g.order {
            let e = g.entries[name];
            let mut edge = |to: &str, kind| {
                if !to.is_empty() {
                    edges.insert(UpgradeEdge {
                        from: name.to_string(),
                        to: to.to_string(),
                        kind,
                    });
                }
            };
            edge(e.replaces.as_str(), EdgeKind::Replaces);
            for s in &e.skips {
                edge(s.as_str(), EdgeKind::Skips);
            }
            if !e.skip_range.is_empty()
                && let Ok(range) = semver::parse_range(e.skip_range.as_str())
            {
                for (other, v) in &parsed {
                    if other != name && range.contains(v) {
                        edge(other, EdgeKind::SkipRange);
                    }
                }
            }
        }
        let mut outside: BTreeSet<&str> = BTreeSet::new();
        for e in &edges {
            if !g.entries.contains_key(e.to.as_str()) {
                outside.insert(e.to.as_str());
            }
        }
        nodes.extend(outside.into_iter().map(|n| node(n, false)));
        nodes.sort_by(|a, b| {
            newest_first(
                (&a.name, a.version.as_deref()),
                (&b.name, b.version.as_deref()),
            )
        });
        out.channels.push(ChannelUpgradeGraph {
            name: ch.name.value.clone(),
            heads,
            deprecated: deprecated.channels.contains(&(package, ch.name.as_str())),
            nodes,
            edges: edges.into_iter().collect(),
        });
    }
    Some(out)
}

/// One channel in a catalog listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSummary {
    pub name: String,
    /// The single head, when the channel has exactly one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// Every entry nothing replaces or skips, sorted.
    pub heads: Vec<String>,
    pub entries: usize,
    pub deprecated: bool,
}

/// One bundle in a catalog listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The bundle image (empty for bundles made of `olm.bundle.object`s).
    pub image: String,
    /// The channels listing it, in load order.
    pub channels: Vec<String>,
    pub deprecated: bool,
}

/// One package in a catalog listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSummary {
    pub name: String,
    /// False when channels or bundles name a package that has no
    /// `olm.package` document.
    pub declared: bool,
    pub default_channel: String,
    pub deprecated: bool,
    /// In load order.
    pub channels: Vec<ChannelSummary>,
    /// Newest first (as [`ChannelUpgradeGraph::nodes`]).
    pub bundles: Vec<BundleSummary>,
}

/// The packages of a catalog, by name, with their channels (default channel,
/// heads) and bundles (versions): what `list` prints and the browser shows.
pub fn overview(cfg: &DeclarativeConfig) -> Vec<PackageSummary> {
    let deprecated = Deprecated::of(cfg);
    let mut pkgs: BTreeMap<&str, PackageSummary> = BTreeMap::new();
    let new_package = |name: &str| -> PackageSummary {
        PackageSummary {
            name: name.to_string(),
            declared: false,
            default_channel: String::new(),
            deprecated: deprecated.package.contains(name),
            channels: Vec::new(),
            bundles: Vec::new(),
        }
    };
    for p in &cfg.packages {
        let e = pkgs
            .entry(p.name.as_str())
            .or_insert_with(|| new_package(p.name.as_str()));
        if !e.declared {
            e.declared = true;
            e.default_channel = p.default_channel.value.clone();
        }
    }
    let mut in_channels: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    for c in &cfg.channels {
        let pkg = c.package.as_str();
        let g = ChannelGraph::new(&c.entries);
        let heads: Vec<String> = g.heads().into_iter().map(String::from).collect();
        for n in &g.order {
            in_channels
                .entry((pkg, n))
                .or_default()
                .push(c.name.value.clone());
        }
        pkgs.entry(pkg)
            .or_insert_with(|| new_package(pkg))
            .channels
            .push(ChannelSummary {
                name: c.name.value.clone(),
                head: (heads.len() == 1).then(|| heads[0].clone()),
                heads,
                entries: g.order.len(),
                deprecated: deprecated.channels.contains(&(pkg, c.name.as_str())),
            });
    }
    for b in &cfg.bundles {
        let pkg = b.package.as_str();
        let version = b
            .package_properties()
            .next()
            .map(|(_, pp)| pp.version.value.clone());
        pkgs.entry(pkg)
            .or_insert_with(|| new_package(pkg))
            .bundles
            .push(BundleSummary {
                name: b.name.value.clone(),
                version,
                image: b.image.value.clone(),
                channels: in_channels
                    .get(&(pkg, b.name.as_str()))
                    .cloned()
                    .unwrap_or_default(),
                deprecated: deprecated.bundles.contains(&(pkg, b.name.as_str())),
            });
    }
    let mut out: Vec<PackageSummary> = pkgs.into_values().collect();
    for p in &mut out {
        p.bundles.sort_by(|a, b| {
            newest_first(
                (&a.name, a.version.as_deref()),
                (&b.name, b.version.as_deref()),
            )
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declcfg::Str;

    fn e(name: &str, replaces: &str, skips: &[&str]) -> ChannelEntry {
        let s = |v: &str| Str {
            value: v.into(),
            span: None,
        };
        ChannelEntry {
            name: s(name),
            replaces: s(replaces),
            skips: skips.iter().map(|x| s(x)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn opm_graph_rules() {
        let ok = [e("a", "", &[]), e("b", "a", &[]), e("c", "b", &["x"])];
        assert_eq!(ChannelGraph::new(&ok).validate().unwrap().name.value, "c");
        let two = [e("a", "", &[]), e("b", "", &[])];
        assert_eq!(
            ChannelGraph::new(&two).validate().unwrap_err().message(),
            "multiple channel heads found in graph: a, b"
        );
        let selfrep = [e("a", "a", &[])];
        assert_eq!(
            ChannelGraph::new(&selfrep)
                .validate()
                .unwrap_err()
                .message(),
            "no channel head found in graph"
        );
        let cyc = [e("h", "a", &[]), e("a", "b", &[]), e("b", "a", &[])];
        assert_eq!(
            ChannelGraph::new(&cyc).validate().unwrap_err().message(),
            "detected cycle in replaces chain of upgrade graph: a -> b -> a"
        );
        let stranded = [e("h", "", &["y"]), e("y", "s", &[]), e("s", "", &[])];
        assert_eq!(
            ChannelGraph::new(&stranded).validate().unwrap_err(),
            GraphError::Stranded(vec!["s".into()])
        );
        // The tail may replace a bundle that is not in the channel.
        let tail = [e("a", "gone", &[]), e("b", "a", &[])];
        assert!(ChannelGraph::new(&tail).validate().is_ok());
        // A replaces edge to a skipped bundle ends the walk (v1.58+).
        let skipped = [e("a", "", &[]), e("b", "a", &[]), e("c", "b", &["a", "b"])];
        assert!(ChannelGraph::new(&skipped).validate().is_ok());
    }

    const CATALOG: &str = r#"schema: olm.package
name: foo
defaultChannel: stable
---
schema: olm.channel
package: foo
name: stable
entries:
- name: foo.v0.1.0
- name: foo.v0.2.0
  replaces: foo.v0.1.0
- name: foo.v0.3.0
  replaces: foo.v0.2.0
  skips: [foo.v0.0.9]
  skipRange: '>=0.1.0 <0.3.0'
---
schema: olm.channel
package: foo
name: fast
entries:
- name: foo.v0.3.0
- name: foo.v0.2.0
---
schema: olm.deprecations
package: foo
entries:
- reference: {schema: olm.bundle, name: foo.v0.1.0}
  message: old
- reference: {schema: olm.channel, name: fast}
  message: gone
"#;

    fn bundles(pkg: &str, versions: &[&str]) -> String {
        versions
            .iter()
            .map(|v| {
                format!(
                    "---\nschema: olm.bundle\npackage: {pkg}\nname: {pkg}.v{v}\nimage: quay.io/x/{pkg}:v{v}\nproperties:\n- type: olm.package\n  value: {{packageName: {pkg}, version: {v}}}\n"
                )
            })
            .collect()
    }

    fn catalog() -> DeclarativeConfig {
        let text = format!(
            "{CATALOG}{}---\nschema: olm.bundle\npackage: bar\nname: bar.v1\n",
            bundles("foo", &["0.1.0", "0.2.0", "0.3.0"])
        );
        let l = crate::load::load_file(crate::source::FileId(0), &text);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        l.config
    }

    #[test]
    fn package_graph_edges_and_heads() {
        let cfg = catalog();
        assert!(package_graph(&cfg, "nope").is_none());
        let g = package_graph(&cfg, "foo").unwrap();
        assert_eq!(g.default_channel, "stable");
        let stable = &g.channels[0];
        assert_eq!(stable.name, "stable");
        assert_eq!(stable.heads, ["foo.v0.3.0"]);
        assert!(!stable.deprecated && g.channels[1].deprecated);
        let names: Vec<(&str, bool, bool)> = stable
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.head, n.in_channel))
            .collect();
        // newest first; the skipped bundle outside the channel has no version: last
        assert_eq!(
            names,
            [
                ("foo.v0.3.0", true, true),
                ("foo.v0.2.0", false, true),
                ("foo.v0.1.0", false, true),
                ("foo.v0.0.9", false, false),
            ]
        );
        assert_eq!(stable.nodes[0].version.as_deref(), Some("0.3.0"));
        assert!(stable.nodes[2].deprecated);
        let edges: Vec<(&str, &str, EdgeKind)> = stable
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.kind))
            .collect();
        use EdgeKind::*;
        assert_eq!(
            edges,
            [
                ("foo.v0.2.0", "foo.v0.1.0", Replaces),
                ("foo.v0.3.0", "foo.v0.0.9", Skips),
                ("foo.v0.3.0", "foo.v0.1.0", SkipRange),
                ("foo.v0.3.0", "foo.v0.2.0", Replaces),
                ("foo.v0.3.0", "foo.v0.2.0", SkipRange),
            ]
        );
        // an invalid channel is drawn as written: two heads
        assert_eq!(g.channels[1].heads, ["foo.v0.2.0", "foo.v0.3.0"]);
        assert!(g.channels[1].edges.is_empty());
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["channels"][0]["edges"][2]["kind"], "skipRange");
        assert_eq!(json["channels"][0]["nodes"][3]["inChannel"], false);
    }

    #[test]
    fn overview_lists_packages_channels_bundles() {
        let o = overview(&catalog());
        let names: Vec<&str> = o.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bar", "foo"]);
        assert!(!o[0].declared && o[0].channels.is_empty());
        let foo = &o[1];
        assert!(foo.declared && !foo.deprecated);
        assert_eq!(foo.default_channel, "stable");
        assert_eq!(foo.channels[0].head.as_deref(), Some("foo.v0.3.0"));
        assert_eq!(foo.channels[0].entries, 3);
        assert_eq!(foo.channels[1].head, None);
        let b: Vec<(&str, Option<&str>, Vec<&str>)> = foo
            .bundles
            .iter()
            .map(|b| {
                (
                    b.name.as_str(),
                    b.version.as_deref(),
                    b.channels.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            b,
            [
                ("foo.v0.3.0", Some("0.3.0"), vec!["stable", "fast"]),
                ("foo.v0.2.0", Some("0.2.0"), vec!["stable", "fast"]),
                ("foo.v0.1.0", Some("0.1.0"), vec!["stable"]),
            ]
        );
        assert!(foo.bundles[2].deprecated);
        assert_eq!(foo.bundles[0].image, "quay.io/x/foo:v0.3.0");
    }
}
