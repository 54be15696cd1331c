//! Filter one catalog to an `OperatorSpec`, keeping it valid.
//!
//! Semantics (oc-mirror v2, with the choices documented in
//! docs/mirror-planning.md):
//! - no `packages`: every package; else only those listed (an unknown one is
//!   an error naming the nearest existing package);
//! - per package, the listed `channels` (an unknown one is an error listing
//!   the package's channels), else every channel;
//! - per channel: `full: true` keeps every entry; a `minVersion`/`maxVersion`
//!   range (the channel's, else the package's) keeps the entries in range,
//!   bridged so the channel keeps exactly one head and nothing stranded; no
//!   range keeps only the channel head. Without `channels`, this is the head
//!   of **every** channel of the package (what oc-mirror's own tests expect,
//!   and what users who list a package without channels ask for);
//! - upgrade edges (`replaces`, `skips`) to entries that were filtered out
//!   are removed (unless [`SelectOptions::keep_upgrade_edges`]);
//! - the default channel must survive, or `defaultChannel` must name a kept
//!   channel; deprecations are pruned to what is kept;
//! - optionally ([`SelectOptions::with_dependencies`]) packages and bundles
//!   that `olm.package.required` / `olm.gvk.required` need are added from the
//!   same catalog, and reported.

use super::isc::{self, OperatorSpec, PackageSpec};
use crate::declcfg::{self, PROP_GVK, PROP_GVK_REQUIRED, PROP_PACKAGE_REQUIRED, Str};
use crate::fbc::{Bundle, Channel, ChannelEntry, Deprecation, Fbc};
use crate::model::{ChannelGraph, GraphError};
use crate::semver::{self, Version};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectOptions {
    /// `--with-dependencies`: add what `olm.package.required` and
    /// `olm.gvk.required` of kept bundles need, from the same catalog.
    pub with_dependencies: bool,
    /// Keep `replaces`/`skips` naming bundles that were filtered out (so a
    /// cluster running such a bundle can still upgrade). Off by default: the
    /// filtered catalog then references only what it contains.
    pub keep_upgrade_edges: bool,
}

/// The filtered catalog and what the filter had to decide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selected {
    pub config: Fbc,
    /// Human-readable notes: dropped channels, bundles outside the kept
    /// graph, unresolved dependencies.
    pub notes: Vec<String>,
    /// What `with_dependencies` added: `package/bundle (needed by …)`.
    pub added: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectError(pub String);

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectError {}

fn err<T>(m: String) -> Result<T, SelectError> {
    Err(SelectError(m))
}

/// Version of a bundle: `olm.package` version, strict semver, else lenient.
fn bundle_version(b: &Bundle) -> Option<Version> {
    let v = b.version()?;
    semver::parse_version(&v)
        .ok()
        .or_else(|| isc::parse_version_lenient(&v).ok())
}

#[derive(Debug, Clone)]
enum Mode {
    Heads,
    Full,
    Range(Option<Version>, Option<Version>),
}

impl Mode {
    fn describe(&self) -> String {
        match self {
            Mode::Heads => "channel head".into(),
            Mode::Full => "all".into(),
            Mode::Range(min, max) => {
                let mut parts = Vec::new();
                if let Some(m) = min {
                    parts.push(format!(">={m}"));
                }
                if let Some(m) = max {
                    parts.push(format!("<={m}"));
                }
                parts.join(" ")
            }
        }
    }
}

struct Index<'c> {
    cfg: &'c Fbc,
    /// package → channels, in catalog order
    channels: HashMap<&'c str, Vec<&'c Channel>>,
    /// package → bundle name → (bundle, version)
    bundles: HashMap<&'c str, HashMap<&'c str, (&'c Bundle, Option<Version>)>>,
}

impl<'c> Index<'c> {
    fn new(cfg: &'c Fbc) -> Self {
        let mut channels: HashMap<&str, Vec<&Channel>> = HashMap::new();
        for c in &cfg.channels {
            channels.entry(c.package.as_str()).or_default().push(c);
        }
        let mut bundles: HashMap<&str, HashMap<&str, (&Bundle, Option<Version>)>> = HashMap::new();
        for b in &cfg.bundles {
            bundles
                .entry(b.package.as_str())
                .or_default()
                .insert(b.name.as_str(), (b, bundle_version(b)));
        }
        Index {
            cfg,
            channels,
            bundles,
        }
    }

    fn version(&self, pkg: &str, bundle: &str) -> Option<&Version> {
        self.bundles.get(pkg)?.get(bundle)?.1.as_ref()
    }

    fn bundle(&self, pkg: &str, bundle: &str) -> Option<&'c Bundle> {
        self.bundles.get(pkg)?.get(bundle).map(|x| x.0)
    }

    fn package(&self, name: &str) -> Option<&'c crate::fbc::Package> {
        self.cfg.packages.iter().find(|p| p.name == name)
    }
}

/// The filtered channels of one package and its default channel.
#[derive(Debug, Clone)]
struct PkgSel {
    channels: Vec<Channel>,
    default_channel: String,
}

fn to_decl(entries: &[ChannelEntry]) -> Vec<declcfg::ChannelEntry> {
    let s = |v: &str| Str {
        value: v.to_string(),
        span: None,
    };
    entries
        .iter()
        .map(|e| declcfg::ChannelEntry {
            name: s(&e.name),
            replaces: s(&e.replaces),
            skips: e.skips.iter().map(|x| s(x)).collect(),
            skip_range: s(&e.skip_range),
            span: None,
        })
        .collect()
}

/// Filter one channel. `Ok(None)` when nothing is in range.
fn filter_channel(
    idx: &Index<'_>,
    ch: &Channel,
    mode: &Mode,
    opts: &SelectOptions,
    notes: &mut Vec<String>,
) -> Result<Option<Channel>, SelectError> {
    let pkg = ch.package.as_str();
    let where_ = format!("channel {:?} of package {pkg:?}", ch.name);
    if let Mode::Full = mode {
        return Ok(Some(ch.clone()));
    }
    let decl = to_decl(&ch.entries);
    let graph = ChannelGraph::new(&decl);
    let by_name: HashMap<&str, usize> = ch
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    // Upgrade edges inside the channel: newer → older.
    let edges = |i: usize| -> Vec<usize> {
        let e = &ch.entries[i];
        std::iter::once(e.replaces.as_str())
            .chain(e.skips.iter().map(String::as_str))
            .filter_map(|n| by_name.get(n).copied())
            .collect()
    };
    let reach = |from: usize| -> HashMap<usize, usize> {
        // node → parent on a shortest path from `from`
        let mut parent = HashMap::from([(from, from)]);
        let mut q = VecDeque::from([from]);
        while let Some(n) = q.pop_front() {
            for m in edges(n) {
                if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(m) {
                    v.insert(n);
                    q.push_back(m);
                }
            }
        }
        parent
    };
    let (head, in_range): (usize, BTreeSet<usize>) = match mode {
        Mode::Full => unreachable!(),
        Mode::Heads => {
            let h = graph.head().map_err(|e| {
                SelectError(format!("{where_}: cannot find its head: {}", e.message()))
            })?;
            let i = by_name[h.name.as_str()];
            (i, BTreeSet::from([i]))
        }
        Mode::Range(min, max) => {
            let r: BTreeSet<usize> = ch
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    idx.version(pkg, &e.name).is_some_and(|v| {
                        min.as_ref().is_none_or(|m| v >= m) && max.as_ref().is_none_or(|m| v <= m)
                    })
                })
                .map(|(i, _)| i)
                .collect();
            if r.is_empty() {
                return Ok(None);
            }
            // The new head: the in-range entry from which most in-range
            // entries can be reached by upgrades; then the highest version.
            let best = r
                .iter()
                .map(|&c| {
                    let cover = reach(c).keys().filter(|k| r.contains(k)).count();
                    (
                        cover,
                        idx.version(pkg, &ch.entries[c].name).cloned(),
                        std::cmp::Reverse(c),
                        c,
                    )
                })
                .max()
                .map(|t| t.3)
                .unwrap_or_default();
            (best, r)
        }
    };
    let parents = reach(head);
    let mut kept: BTreeSet<usize> = BTreeSet::from([head]);
    // Bridge along the replaces chain first (keeps the kept set on opm's
    // replaces chain), down to the lowest in-range entry on it.
    let mut chain = vec![head];
    let mut seen = HashSet::from([head]);
    while let Some(&n) = by_name.get(ch.entries[*chain.last().unwrap_or(&head)].replaces.as_str()) {
        if !seen.insert(n) {
            break;
        }
        chain.push(n);
    }
    if let Some(last) = chain.iter().rposition(|n| in_range.contains(n)) {
        kept.extend(&chain[..=last]);
    }
    // Then shortest upgrade paths to the other reachable in-range entries.
    for &r in &in_range {
        if kept.contains(&r) || !parents.contains_key(&r) {
            continue;
        }
        let mut n = r;
        while !kept.contains(&n) {
            kept.insert(n);
            n = parents[&n];
        }
    }
    // Repair until opm's replaces-chain rules hold: drop extra heads and
    // stranded entries (never the head).
    let build = |kept: &BTreeSet<usize>| -> Vec<ChannelEntry> {
        let names: HashSet<&str> = kept.iter().map(|&i| ch.entries[i].name.as_str()).collect();
        kept.iter()
            .map(|&i| {
                let mut e = ch.entries[i].clone();
                if !opts.keep_upgrade_edges {
                    if !names.contains(e.replaces.as_str()) {
                        e.replaces.clear();
                    }
                    e.skips.retain(|s| names.contains(s.as_str()));
                }
                e
            })
            .collect()
    };
    let entries = loop {
        let entries = build(&kept);
        let decl = to_decl(&entries);
        let drop: Vec<String> = match ChannelGraph::new(&decl).validate() {
            Ok(_) => break entries,
            Err(GraphError::MultipleHeads(h)) => h,
            Err(GraphError::Stranded(s)) => s,
            Err(e) => return err(format!("{where_}: {}", e.message())),
        };
        let before = kept.len();
        kept.retain(|&i| i == head || !drop.contains(&ch.entries[i].name));
        if kept.len() == before {
            return err(format!(
                "{where_}: cannot keep a valid upgrade graph for the selected versions"
            ));
        }
    };
    let lost: Vec<&str> = in_range
        .iter()
        .filter(|i| !kept.contains(i))
        .map(|&i| ch.entries[i].name.as_str())
        .collect();
    if !lost.is_empty() {
        notes.push(format!(
            "{where_}: {} not kept: not reachable by upgrades from the new head {}",
            lost.join(", "),
            ch.entries[head].name
        ));
    }
    // Keep the catalog's entry order.
    Ok(Some(Channel {
        entries,
        ..ch.clone()
    }))
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

fn select_package(
    idx: &Index<'_>,
    name: &str,
    pspec: Option<&PackageSpec>,
    full: bool,
    opts: &SelectOptions,
    notes: &mut Vec<String>,
) -> Result<PkgSel, SelectError> {
    let at = pspec.map(|p| format!("{}: ", p.at)).unwrap_or_default();
    let Some(pkg) = idx.package(name) else {
        return err(format!("{at}package {name:?} is not in the catalog"));
    };
    let all: &[&Channel] = idx.channels.get(name).map(Vec::as_slice).unwrap_or(&[]);
    let available: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    let range = |min: &Option<String>, max: &Option<String>| -> Option<Mode> {
        if min.is_none() && max.is_none() {
            return None;
        }
        let p = |s: &Option<String>| {
            s.as_deref()
                .and_then(|v| isc::parse_version_lenient(v).ok())
        };
        Some(Mode::Range(p(min), p(max)))
    };
    let pkg_mode = pspec
        .and_then(|p| range(&p.min_version, &p.max_version))
        .unwrap_or(if full { Mode::Full } else { Mode::Heads });
    let mut kept: Vec<Channel> = Vec::new();
    match pspec.filter(|p| !p.channels.is_empty()) {
        Some(p) => {
            for cs in &p.channels {
                let Some(ch) = all.iter().find(|c| c.name == cs.name) else {
                    return err(format!(
                        "{}: package {name:?} has no channel {:?}; its channels: {}",
                        cs.at,
                        cs.name,
                        list(&available)
                    ));
                };
                let mode =
                    range(&cs.min_version, &cs.max_version).unwrap_or_else(|| pkg_mode.clone());
                match filter_channel(idx, ch, &mode, opts, notes)? {
                    Some(c) => kept.push(c),
                    None => {
                        let mut vs: Vec<String> = ch
                            .entries
                            .iter()
                            .filter_map(|e| idx.version(name, &e.name).map(|v| v.to_string()))
                            .collect();
                        vs.sort();
                        return err(format!(
                            "{}: channel {:?} of package {name:?} has no bundle in the range {}; its versions: {}",
                            cs.at,
                            cs.name,
                            mode.describe(),
                            vs.join(", ")
                        ));
                    }
                }
            }
            // Keep the catalog's channel order.
            kept.sort_by_key(|c| available.iter().position(|n| *n == c.name));
        }
        None => {
            for ch in all {
                match filter_channel(idx, ch, &pkg_mode, opts, notes)? {
                    Some(c) => kept.push(c),
                    None => notes.push(format!(
                        "package {name:?}: channel {:?} has no bundle in the range {}; dropped",
                        ch.name,
                        pkg_mode.describe()
                    )),
                }
            }
            if kept.is_empty() {
                return err(format!(
                    "{at}package {name:?}: no channel has a bundle in the range {}",
                    pkg_mode.describe()
                ));
            }
        }
    }
    let kept_names: Vec<&str> = kept.iter().map(|c| c.name.as_str()).collect();
    let default_channel = match pspec.and_then(|p| p.default_channel.as_deref()) {
        Some(d) if kept_names.contains(&d) => d.to_string(),
        Some(d) => {
            return err(format!(
                "{at}package {name:?}: defaultChannel {d:?} is not among the selected channels ({})",
                list(&kept_names)
            ));
        }
        None if kept_names.contains(&pkg.default_channel.as_str()) => pkg.default_channel.clone(),
        None => {
            return err(format!(
                "{at}package {name:?}: the default channel {:?} was filtered out, a new default channel must be configured for this package: set defaultChannel to one of: {}",
                pkg.default_channel,
                list(&kept_names)
            ));
        }
    };
    Ok(PkgSel {
        channels: kept,
        default_channel,
    })
}

/// Filter `cfg` to `spec` (see the module docs).
pub fn filter(
    cfg: &Fbc,
    spec: &OperatorSpec,
    opts: &SelectOptions,
) -> Result<Selected, SelectError> {
    let idx = Index::new(cfg);
    let mut notes = Vec::new();
    let mut sel: BTreeMap<String, PkgSel> = BTreeMap::new();
    if spec.packages.is_empty() {
        for p in &cfg.packages {
            let s = select_package(&idx, &p.name, None, spec.full, opts, &mut notes)?;
            sel.insert(p.name.clone(), s);
        }
    } else {
        let names: Vec<&str> = cfg.packages.iter().map(|p| p.name.as_str()).collect();
        for ps in &spec.packages {
            if idx.package(&ps.name).is_none() {
                let hint = super::nearest(&ps.name, &names)
                    .map(|n| format!("; did you mean {n:?}?"))
                    .unwrap_or_default();
                return err(format!(
                    "{}: package {:?} is not in catalog {}{hint}",
                    ps.at, ps.name, spec.catalog
                ));
            }
            let s = select_package(&idx, &ps.name, Some(ps), spec.full, opts, &mut notes)?;
            sel.insert(ps.name.clone(), s);
        }
    }
    let mut added = Vec::new();
    if opts.with_dependencies {
        resolve_dependencies(&idx, &mut sel, opts, &mut notes, &mut added);
    }
    Ok(Selected {
        config: assemble(cfg, &sel),
        notes,
        added,
    })
}

/// The kept catalog, in the source catalog's document order.
fn assemble(cfg: &Fbc, sel: &BTreeMap<String, PkgSel>) -> Fbc {
    let mut out = Fbc::default();
    for p in &cfg.packages {
        if let Some(s) = sel.get(&p.name) {
            let mut p = p.clone();
            p.default_channel = s.default_channel.clone();
            out.packages.push(p);
        }
    }
    let mut kept_bundles: HashSet<(&str, &str)> = HashSet::new();
    let mut kept_channels: HashSet<(&str, &str)> = HashSet::new();
    for c in &cfg.channels {
        if let Some(s) = sel.get(&c.package)
            && let Some(k) = s.channels.iter().find(|k| k.name == c.name)
        {
            out.channels.push(k.clone());
            kept_channels.insert((c.package.as_str(), c.name.as_str()));
            for e in &k.entries {
                if let Some(b) = cfg
                    .bundles
                    .iter()
                    .find(|b| b.package == c.package && b.name == e.name)
                {
                    kept_bundles.insert((b.package.as_str(), b.name.as_str()));
                }
            }
        }
    }
    out.bundles = cfg
        .bundles
        .iter()
        .filter(|b| kept_bundles.contains(&(b.package.as_str(), b.name.as_str())))
        .cloned()
        .collect();
    for d in &cfg.deprecations {
        if !sel.contains_key(&d.package) {
            continue;
        }
        let entries: Vec<_> = d
            .entries
            .iter()
            .filter(|e| match e.schema.as_str() {
                "olm.package" => true,
                "olm.channel" => kept_channels.contains(&(d.package.as_str(), e.name.as_str())),
                "olm.bundle" => kept_bundles.contains(&(d.package.as_str(), e.name.as_str())),
                _ => false,
            })
            .cloned()
            .collect();
        if !entries.is_empty() {
            out.deprecations.push(Deprecation {
                package: d.package.clone(),
                entries,
            });
        }
    }
    out.others = cfg
        .others
        .iter()
        .filter(|o| o.package.is_empty() || sel.contains_key(&o.package))
        .cloned()
        .collect();
    out
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Requirement {
    Package {
        name: String,
        range: String,
    },
    Gvk {
        group: String,
        version: String,
        kind: String,
    },
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Package { name, range } => {
                write!(f, "olm.package.required {name} {range}")
            }
            Requirement::Gvk {
                group,
                version,
                kind,
            } => {
                write!(f, "olm.gvk.required {group}/{version} {kind}")
            }
        }
    }
}

fn gvk_of(v: &serde_json::Value) -> Option<(String, String, String)> {
    let s = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let g = (s("group"), s("version"), s("kind"));
    (!g.2.is_empty()).then_some(g)
}

fn provides(b: &Bundle, gvk: &(String, String, String)) -> bool {
    b.properties
        .iter()
        .any(|p| p.type_ == PROP_GVK && gvk_of(&p.json()).as_ref() == Some(gvk))
}

fn requirements(b: &Bundle) -> Vec<Requirement> {
    let mut out = Vec::new();
    for p in &b.properties {
        let v = p.json();
        if p.type_ == PROP_PACKAGE_REQUIRED {
            let name = v
                .get("packageName")
                .and_then(|x| x.as_str())
                .unwrap_or_default();
            if !name.is_empty() {
                out.push(Requirement::Package {
                    name: name.to_string(),
                    range: v
                        .get("versionRange")
                        .and_then(|x| x.as_str())
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        } else if p.type_ == PROP_GVK_REQUIRED
            && let Some((group, version, kind)) = gvk_of(&v)
        {
            out.push(Requirement::Gvk {
                group,
                version,
                kind,
            });
        }
    }
    out
}

/// Add what kept bundles require, to a fixpoint. A package that is added
/// gets one channel (its default channel when it has a suitable bundle)
/// holding the newest bundle that satisfies the requirement.
fn resolve_dependencies(
    idx: &Index<'_>,
    sel: &mut BTreeMap<String, PkgSel>,
    opts: &SelectOptions,
    notes: &mut Vec<String>,
    added: &mut Vec<String>,
) {
    let mut reported: BTreeSet<(Requirement, String)> = BTreeSet::new();
    loop {
        let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
        for (p, s) in sel.iter() {
            for c in &s.channels {
                for e in &c.entries {
                    keys.insert((p.clone(), e.name.clone()));
                }
            }
        }
        let kept: Vec<&Bundle> = keys.iter().filter_map(|(p, n)| idx.bundle(p, n)).collect();
        let mut needs: BTreeMap<Requirement, String> = BTreeMap::new();
        for b in &kept {
            for r in requirements(b) {
                needs
                    .entry(r)
                    .or_insert_with(|| format!("{}/{}", b.package, b.name));
            }
        }
        let mut progress = false;
        for (req, by) in needs {
            // candidate bundles in the catalog satisfying it
            let sat = |b: &Bundle| -> bool {
                match &req {
                    Requirement::Package { name, range } => {
                        b.package == *name
                            && (range.is_empty()
                                || semver::parse_range(range).is_ok_and(|r| {
                                    idx.version(&b.package, &b.name)
                                        .is_some_and(|v| r.contains(v))
                                }))
                    }
                    Requirement::Gvk {
                        group,
                        version,
                        kind,
                    } => provides(b, &(group.clone(), version.clone(), kind.clone())),
                }
            };
            if kept.iter().any(|b| sat(b)) {
                continue;
            }
            let candidates: Vec<&Bundle> = idx
                .cfg
                .bundles
                .iter()
                .filter(|b| sat(b) && !sel.contains_key(&b.package))
                .collect();
            let pick = candidates.iter().max_by(|a, b| {
                let da = idx.package(&a.package).is_some_and(|p| {
                    idx.channels.get(a.package.as_str()).is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c.name == p.default_channel
                                && c.entries.iter().any(|e| e.name == a.name)
                        })
                    })
                });
                let db = idx.package(&b.package).is_some_and(|p| {
                    idx.channels.get(b.package.as_str()).is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c.name == p.default_channel
                                && c.entries.iter().any(|e| e.name == b.name)
                        })
                    })
                });
                (
                    da,
                    idx.version(&a.package, &a.name),
                    std::cmp::Reverse(&a.package),
                )
                    .cmp(&(
                        db,
                        idx.version(&b.package, &b.name),
                        std::cmp::Reverse(&b.package),
                    ))
            });
            let Some(b) = pick else {
                if reported.insert((req.clone(), by.clone())) {
                    notes.push(format!(
                        "unresolved dependency of {by}: {req}: no bundle of another package in this catalog provides it, and the selection does not; add it to the ImageSetConfiguration"
                    ));
                }
                continue;
            };
            let pkg = idx.package(&b.package);
            let chans = idx
                .channels
                .get(b.package.as_str())
                .cloned()
                .unwrap_or_default();
            let chan = chans
                .iter()
                .filter(|c| c.entries.iter().any(|e| e.name == b.name))
                .max_by_key(|c| pkg.is_some_and(|p| p.default_channel == c.name));
            let Some(chan) = chan else {
                notes.push(format!(
                    "unresolved dependency of {by}: {req}: bundle {} is in no channel",
                    b.name
                ));
                continue;
            };
            let entry = chan
                .entries
                .iter()
                .find(|e| e.name == b.name)
                .cloned()
                .unwrap_or_default();
            let entry = if opts.keep_upgrade_edges {
                entry
            } else {
                ChannelEntry {
                    replaces: String::new(),
                    skips: Vec::new(),
                    ..entry
                }
            };
            sel.insert(
                b.package.clone(),
                PkgSel {
                    channels: vec![Channel {
                        entries: vec![entry],
                        ..(*chan).clone()
                    }],
                    default_channel: chan.name.clone(),
                },
            );
            added.push(format!(
                "{}/{} (channel {}; {req}, needed by {by})",
                b.package, b.name, chan.name
            ));
            progress = true;
            break;
        }
        if !progress {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fbc::{Package, Property, RelatedImage};
    use serde_json::json;

    fn entry(name: &str, replaces: &str, skips: &[&str]) -> ChannelEntry {
        ChannelEntry {
            name: name.into(),
            replaces: replaces.into(),
            skips: skips.iter().map(|s| s.to_string()).collect(),
            skip_range: String::new(),
        }
    }

    fn bundle(pkg: &str, version: &str, extra: Vec<Property>) -> Bundle {
        let mut properties = vec![Property::new(
            "olm.package",
            &json!({"packageName": pkg, "version": version}),
        )];
        properties.extend(extra);
        Bundle {
            name: format!("{pkg}.v{version}"),
            package: pkg.into(),
            image: format!("quay.io/test/{pkg}-bundle:v{version}"),
            properties,
            related_images: vec![RelatedImage {
                name: "op".into(),
                image: format!("quay.io/test/{pkg}:v{version}"),
            }],
        }
    }

    /// foo: stable 0.1.0 ← 0.2.0 ← 0.3.0 ← 0.3.1 (skips 0.3.0); beta 0.3.1 only... default stable
    fn catalog() -> Fbc {
        let mut cfg = Fbc::default();
        cfg.packages.push(Package {
            name: "foo".into(),
            default_channel: "stable".into(),
            ..Package::default()
        });
        cfg.channels.push(Channel {
            name: "stable".into(),
            package: "foo".into(),
            entries: vec![
                entry("foo.v0.1.0", "", &[]),
                entry("foo.v0.2.0", "foo.v0.1.0", &[]),
                entry("foo.v0.3.0", "foo.v0.2.0", &[]),
                entry("foo.v0.3.1", "foo.v0.2.0", &["foo.v0.3.0"]),
            ],
            properties: vec![],
        });
        cfg.channels.push(Channel {
            name: "beta".into(),
            package: "foo".into(),
            entries: vec![
                entry("foo.v0.2.0", "", &[]),
                entry("foo.v0.3.1", "foo.v0.2.0", &[]),
            ],
            properties: vec![],
        });
        for v in ["0.1.0", "0.2.0", "0.3.0"] {
            cfg.bundles.push(bundle("foo", v, vec![]));
        }
        cfg.bundles.push(bundle(
            "foo",
            "0.3.1",
            vec![
                Property::new(
                    "olm.package.required",
                    &json!({"packageName": "bar", "versionRange": ">=1.0.0 <2.0.0"}),
                ),
                Property::new(
                    "olm.gvk.required",
                    &json!({"group": "b.io", "kind": "B", "version": "v1"}),
                ),
            ],
        ));
        cfg.packages.push(Package {
            name: "bar".into(),
            default_channel: "stable".into(),
            ..Package::default()
        });
        cfg.channels.push(Channel {
            name: "stable".into(),
            package: "bar".into(),
            entries: vec![
                entry("bar.v1.0.0", "", &[]),
                entry("bar.v1.1.0", "bar.v1.0.0", &[]),
                entry("bar.v2.0.0", "bar.v1.1.0", &[]),
            ],
            properties: vec![],
        });
        for v in ["1.0.0", "1.1.0", "2.0.0"] {
            cfg.bundles.push(bundle("bar", v, vec![]));
        }
        cfg.packages.push(Package {
            name: "baz".into(),
            default_channel: "alpha".into(),
            ..Package::default()
        });
        cfg.channels.push(Channel {
            name: "alpha".into(),
            package: "baz".into(),
            entries: vec![entry("baz.v0.0.1", "", &[])],
            properties: vec![],
        });
        cfg.bundles.push(bundle(
            "baz",
            "0.0.1",
            vec![Property::new(
                "olm.gvk",
                &json!({"group": "b.io", "kind": "B", "version": "v1"}),
            )],
        ));
        cfg.deprecations.push(Deprecation {
            package: "foo".into(),
            entries: vec![
                crate::fbc::DeprecationEntry {
                    schema: "olm.bundle".into(),
                    name: "foo.v0.1.0".into(),
                    message: "old".into(),
                },
                crate::fbc::DeprecationEntry {
                    schema: "olm.channel".into(),
                    name: "beta".into(),
                    message: "beta is gone".into(),
                },
            ],
        });
        cfg
    }

    fn spec(yaml_ops: &str) -> OperatorSpec {
        let text = format!(
            "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/test/index:v1\n{yaml_ops}"
        );
        isc::parse("isc.yaml", &text).unwrap().operators.remove(0)
    }

    fn names(s: &Selected, pkg: &str, ch: &str) -> Vec<String> {
        s.config
            .channels
            .iter()
            .find(|c| c.package == pkg && c.name == ch)
            .map(|c| c.entries.iter().map(|e| e.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The filtered catalog passes the core validator.
    fn assert_valid(cfg: &Fbc) {
        let text = crate::fbc::write(cfg, crate::fbc::Format::Yaml);
        let loaded = crate::load::load_file(crate::FileId(0), &text);
        let v = crate::validate(vec![loaded], &crate::Options::default());
        let errs: Vec<String> = v
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        assert!(errs.is_empty(), "{errs:#?}\n{text}");
    }

    #[test]
    fn heads_of_every_channel() {
        let s = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n"),
            &SelectOptions::default(),
        )
        .unwrap();
        assert_eq!(names(&s, "foo", "stable"), ["foo.v0.3.1"]);
        assert_eq!(names(&s, "foo", "beta"), ["foo.v0.3.1"]);
        let e = &s.config.channels[0].entries[0];
        assert!(e.replaces.is_empty() && e.skips.is_empty(), "{e:?}");
        assert_eq!(s.config.bundles.len(), 1);
        // the beta channel deprecation stays, the bundle one goes
        assert_eq!(s.config.deprecations[0].entries.len(), 1);
        assert_valid(&s.config);
        let kept = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n"),
            &SelectOptions {
                keep_upgrade_edges: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(kept.config.channels[0].entries[0].replaces, "foo.v0.2.0");
        assert_valid(&kept.config);
        // no packages: every package, heads
        let s = filter(&catalog(), &spec(""), &SelectOptions::default()).unwrap();
        assert_eq!(s.config.packages.len(), 3);
        assert_eq!(names(&s, "bar", "stable"), ["bar.v2.0.0"]);
        assert_valid(&s.config);
    }

    #[test]
    fn full_keeps_everything_selected() {
        let s = filter(&catalog(), &spec("    full: true\n    packages:\n    - name: foo\n      channels:\n      - name: stable\n"), &SelectOptions::default()).unwrap();
        assert_eq!(names(&s, "foo", "stable").len(), 4);
        assert!(s.config.channels.iter().all(|c| c.name == "stable"));
        assert_eq!(s.config.bundles.len(), 4);
        assert_valid(&s.config);
    }

    #[test]
    fn ranges_are_bridged() {
        // 0.2.0..0.3.0: 0.3.0 is the new head (0.3.1 is out of range)
        let s = filter(&catalog(), &spec("    packages:\n    - name: foo\n      channels:\n      - name: stable\n        minVersion: 0.2.0\n        maxVersion: 0.3.0\n"), &SelectOptions::default()).unwrap();
        assert_eq!(names(&s, "foo", "stable"), ["foo.v0.2.0", "foo.v0.3.0"]);
        assert_valid(&s.config);
        // min only: head 0.3.1, chain 0.3.1 → 0.2.0, 0.3.0 kept through skips
        let s = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      minVersion: 0.2.0\n"),
            &SelectOptions::default(),
        )
        .unwrap();
        assert_eq!(
            names(&s, "foo", "stable"),
            ["foo.v0.2.0", "foo.v0.3.0", "foo.v0.3.1"]
        );
        assert_eq!(names(&s, "foo", "beta"), ["foo.v0.2.0", "foo.v0.3.1"]);
        assert_valid(&s.config);
        // package-level range leaving a channel empty drops it, with a note
        let s = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      maxVersion: 0.1.5\n"),
            &SelectOptions::default(),
        )
        .unwrap();
        assert_eq!(names(&s, "foo", "stable"), ["foo.v0.1.0"]);
        assert!(names(&s, "foo", "beta").is_empty());
        assert_eq!(
            s.notes,
            ["package \"foo\": channel \"beta\" has no bundle in the range <=0.1.5; dropped"]
        );
        assert_valid(&s.config);
        // ... and the default channel too: error naming what is left
        let e = filter(
            &catalog(),
            &spec(
                "    packages:\n    - name: foo\n      minVersion: 0.3.1\n      maxVersion: 0.3.1\n",
            ),
            &SelectOptions::default(),
        );
        assert!(e.is_ok(), "0.3.1 is in both channels");
    }

    #[test]
    fn default_channel_rules() {
        let e = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      channels:\n      - name: beta\n"),
            &SelectOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "isc.yaml:7:7: package \"foo\": the default channel \"stable\" was filtered out, a new default channel must be configured for this package: set defaultChannel to one of: beta"
        );
        let s = filter(&catalog(), &spec("    packages:\n    - name: foo\n      defaultChannel: beta\n      channels:\n      - name: beta\n"), &SelectOptions::default()).unwrap();
        assert_eq!(s.config.packages[0].default_channel, "beta");
        assert_valid(&s.config);
        let e = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      defaultChannel: nope\n"),
            &SelectOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("defaultChannel \"nope\" is not among the selected channels (stable, beta)"),
            "{e}"
        );
    }

    #[test]
    fn unknown_names() {
        let e = filter(
            &catalog(),
            &spec("    packages:\n    - name: fooo\n"),
            &SelectOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "isc.yaml:7:7: package \"fooo\" is not in catalog quay.io/test/index:v1; did you mean \"foo\"?"
        );
        let e = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      channels:\n      - name: fast\n"),
            &SelectOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "isc.yaml:9:9: package \"foo\" has no channel \"fast\"; its channels: stable, beta"
        );
        let e = filter(&catalog(), &spec("    packages:\n    - name: foo\n      channels:\n      - name: stable\n        minVersion: 9.0.0\n"), &SelectOptions::default()).unwrap_err().to_string();
        assert!(e.contains("channel \"stable\" of package \"foo\" has no bundle in the range >=9.0.0; its versions: 0.1.0, 0.2.0, 0.3.0, 0.3.1"), "{e}");
    }

    #[test]
    fn dependencies() {
        let opts = SelectOptions {
            with_dependencies: true,
            ..Default::default()
        };
        let s = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      channels:\n      - name: stable\n"),
            &opts,
        )
        .unwrap();
        assert_eq!(
            s.added,
            vec![
                "bar/bar.v1.1.0 (channel stable; olm.package.required bar >=1.0.0 <2.0.0, needed by foo/foo.v0.3.1)",
                "baz/baz.v0.0.1 (channel alpha; olm.gvk.required b.io/v1 B, needed by foo/foo.v0.3.1)",
            ]
        );
        assert_eq!(names(&s, "bar", "stable"), ["bar.v1.1.0"]);
        assert_valid(&s.config);
        // without the option nothing is added
        let s = filter(
            &catalog(),
            &spec("    packages:\n    - name: foo\n      channels:\n      - name: stable\n"),
            &SelectOptions::default(),
        )
        .unwrap();
        assert!(s.added.is_empty());
        assert_eq!(s.config.packages.len(), 1);
    }
}
