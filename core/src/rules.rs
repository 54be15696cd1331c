//! Validation: every check `opm validate` makes, plus oc-catalog's lints.
//!
//! opm loads, converts to its model (stopping at the first problem), then
//! validates the model (collecting everything). Here each of opm's checks
//! runs on everything it applies to, so one run reports all problems; the
//! verdict (valid or not) is opm's. Checks are listed in opm's order.

use crate::codes::Code;
use crate::declcfg::*;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::imageref;
use crate::k8sname;
use crate::load::LoadedFile;
use crate::model::{ChannelGraph, GraphError};
use crate::semver::{self, VersionRelease};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How to validate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Report mirror-readiness lints (FBC5xx) and other warnings as errors.
    pub strict: bool,
}

/// The result of validating one catalog.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    /// Sorted by file, position, code.
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    pub packages: usize,
    pub channels: usize,
    pub bundles: usize,
}

impl Validation {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// True when nothing of error severity was found.
    pub fn passed(&self) -> bool {
        self.errors() == 0
    }

    /// Keep only the findings whose code is in `only` (unless it is empty)
    /// and not in `ignore`: `validate --only/--ignore`. The verdict follows.
    pub fn retain_codes(&mut self, only: &[Code], ignore: &[Code]) {
        self.diagnostics
            .retain(|d| (only.is_empty() || only.contains(&d.code)) && !ignore.contains(&d.code));
    }
}

/// Validate the files of one catalog, given in walk order.
pub fn validate(files: Vec<LoadedFile>, opts: &Options) -> Validation {
    validate_catalog(files, opts).0
}

/// Like [`validate`], also returning the merged catalog (for callers that go
/// on to list its packages or draw its upgrade graphs, see [`crate::model`]).
pub fn validate_catalog(files: Vec<LoadedFile>, opts: &Options) -> (Validation, DeclarativeConfig) {
    let mut v = Validation {
        files: files.len(),
        ..Default::default()
    };
    let mut cfg = DeclarativeConfig::default();
    for f in files {
        v.diagnostics.extend(f.diagnostics);
        cfg.extend(f.config);
    }
    v.packages = cfg.packages.len();
    v.channels = cfg.channels.len();
    v.bundles = cfg.bundles.len();
    check(&cfg, &mut v.diagnostics);
    if opts.strict {
        for d in &mut v.diagnostics {
            d.severity = Severity::Error;
        }
    }
    diagnostic::sort(&mut v.diagnostics);
    (v, cfg)
}

fn q(s: &str) -> String {
    semver::go_quote(s)
}

/// Per-package state built during conversion.
#[derive(Default)]
struct Pkg<'c> {
    decl: Option<&'c Package>,
    channels: Vec<&'c Channel>,
    bundles: Vec<&'c Bundle>,
    /// Bundles whose conversion succeeded, with their parsed version.
    versions: Vec<(&'c Bundle, VersionRelease)>,
    deprecation: Option<&'c Deprecation>,
}

/// Run every check on a loaded catalog.
pub fn check(cfg: &DeclarativeConfig, out: &mut Vec<Diagnostic>) {
    let mut pkgs: BTreeMap<&str, Pkg<'_>> = BTreeMap::new();

    // -- packages
    for p in &cfg.packages {
        if p.name.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::PackageNameEmpty,
                    "config contains package with no name",
                )
                .at_opt(p.name.span.or(p.span))
                .with_help("set 'name' to the operator's package name"),
            );
            continue;
        }
        let entry = pkgs.entry(p.name.as_str()).or_default();
        if let Some(first) = entry.decl {
            let mut d = Diagnostic::new(
                Code::DuplicatePackage,
                format!("duplicate package {}", q(p.name.as_str())),
            )
            .at_opt(p.name.span.or(p.span))
            .with_help("keep one olm.package document per package; merge their fields");
            if let Some(s) = first.name.span.or(first.span) {
                d = d.with_label(s, "first defined here");
            }
            out.push(d);
            continue;
        }
        entry.decl = Some(p);
        let errs = k8sname::is_dns1123_label(p.name.as_str());
        if !errs.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::PackageNameInvalid,
                    format!("invalid package name {}: [{}]", q(p.name.as_str()), errs.join(", ")),
                )
                .at_opt(p.name.span)
                .with_help("package names must be lowercase letters, digits and '-', at most 63 characters"),
            );
        }
    }

    // -- channels
    for c in &cfg.channels {
        let Some(pkg) = pkgs
            .get_mut(c.package.as_str())
            .filter(|p| p.decl.is_some())
        else {
            out.push(
                Diagnostic::new(
                    Code::ChannelUnknownPackage,
                    format!(
                        "unknown package {} for channel {}",
                        q(c.package.as_str()),
                        q(c.name.as_str())
                    ),
                )
                .at_opt(c.package.span.or(c.span))
                .with_help(
                    "add an olm.package document for this package, or fix the channel's 'package'",
                ),
            );
            continue;
        };
        if c.name.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::ChannelNameEmpty,
                    format!(
                        "package {} contains channel with no name",
                        q(c.package.as_str())
                    ),
                )
                .at_opt(c.name.span.or(c.span))
                .with_help("give the channel a name, e.g. 'stable'"),
            );
            continue;
        }
        if let Some(first) = pkg.channels.iter().find(|o| o.name.value == c.name.value) {
            let mut d = Diagnostic::new(
                Code::DuplicateChannel,
                format!(
                    "package {} has duplicate channel {}",
                    q(c.package.as_str()),
                    q(c.name.as_str())
                ),
            )
            .at_opt(c.name.span.or(c.span))
            .with_help("merge the entries into one olm.channel document");
            if let Some(s) = first.name.span.or(first.span) {
                d = d.with_label(s, "first defined here");
            }
            out.push(d);
            continue;
        }
        let mut seen: HashMap<&str, &ChannelEntry> = HashMap::new();
        for e in &c.entries {
            if let Some(first) = seen.insert(e.name.as_str(), e) {
                let mut d = Diagnostic::new(
                    Code::DuplicateChannelEntry,
                    format!(
                        "invalid package {}, channel {}: duplicate entry {}",
                        q(c.package.as_str()),
                        q(c.name.as_str()),
                        q(e.name.as_str())
                    ),
                )
                .at_opt(e.name.span.or(e.span))
                .with_help(
                    "list each bundle once per channel; merge the replaces/skips of both entries",
                );
                if let Some(s) = first.name.span.or(first.span) {
                    d = d.with_label(s, "first listed here");
                }
                out.push(d);
            }
        }
        pkg.channels.push(c);
    }

    // -- bundles
    for b in &cfg.bundles {
        if b.package.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::BundlePackageEmpty,
                    format!("package name must be set for bundle {}", q(b.name.as_str())),
                )
                .at_opt(b.package.span.or(b.name.span).or(b.span))
                .with_help("set the bundle's 'package' to its package name"),
            );
            continue;
        }
        let Some(pkg) = pkgs
            .get_mut(b.package.as_str())
            .filter(|p| p.decl.is_some())
        else {
            out.push(
                Diagnostic::new(
                    Code::BundleUnknownPackage,
                    format!(
                        "unknown package {} for bundle {}",
                        q(b.package.as_str()),
                        q(b.name.as_str())
                    ),
                )
                .at_opt(b.package.span.or(b.span))
                .with_help(
                    "add an olm.package document for this package, or fix the bundle's 'package'",
                ),
            );
            continue;
        };
        if let Some(first) = pkg.bundles.iter().find(|o| o.name.value == b.name.value) {
            let mut d = Diagnostic::new(
                Code::DuplicateBundle,
                format!(
                    "package {} has duplicate bundle {}",
                    q(b.package.as_str()),
                    q(b.name.as_str())
                ),
            )
            .at_opt(b.name.span.or(b.span))
            .with_help("remove one of the two olm.bundle documents");
            if let Some(s) = first.name.span.or(first.span) {
                d = d.with_label(s, "first defined here");
            }
            out.push(d);
            continue;
        }
        pkg.bundles.push(b);
        if b.properties_invalid {
            // opm stops converting this bundle at the property parse error
            // (already reported while loading).
            continue;
        }
        let props: Vec<_> = b.package_properties().collect();
        if props.len() != 1 {
            out.push(
                Diagnostic::new(
                    Code::PackagePropertyCount,
                    format!(
                        "package {} bundle {} must have exactly 1 \"olm.package\" property, found {}",
                        q(b.package.as_str()),
                        q(b.name.as_str()),
                        props.len()
                    ),
                )
                .at_opt(props.get(1).and_then(|p| p.0.span).or(b.name.span).or(b.span))
                .with_help("a bundle has one property {type: olm.package, value: {packageName, version}}"),
            );
            continue;
        }
        let (prop, pp) = props[0];
        if pp.package_name.value != b.package.value {
            out.push(
                Diagnostic::new(
                    Code::PackagePropertyMismatch,
                    format!(
                        "package {} does not match \"olm.package\" property {}",
                        q(b.package.as_str()),
                        q(pp.package_name.as_str())
                    ),
                )
                .at_opt(pp.package_name.span.or(prop.span))
                .with_help(
                    "the olm.package property's packageName must equal the bundle's 'package'",
                ),
            );
        }
        let mut ok = true;
        if !b.image.is_empty()
            && let Err(e) = imageref::validate_pull_spec(b.image.as_str())
        {
            ok = false;
            out.push(
                Diagnostic::new(
                    Code::InvalidImageReference,
                    format!(
                        "package {} bundle {} image: {e}",
                        q(b.package.as_str()),
                        q(b.name.as_str())
                    ),
                )
                .at_opt(b.image.span)
                .with_help("use a full image reference such as quay.io/org/bundle@sha256:<digest>"),
            );
        }
        for (i, ri) in b.related_images.iter().enumerate() {
            if ri.image.is_empty() {
                continue;
            }
            if let Err(e) = imageref::validate_pull_spec(ri.image.as_str()) {
                ok = false;
                out.push(
                    Diagnostic::new(
                        Code::InvalidImageReference,
                        format!(
                            "package {} bundle {} relatedImages[{i}].image: {e}",
                            q(b.package.as_str()),
                            q(b.name.as_str())
                        ),
                    )
                    .at_opt(ri.image.span.or(ri.span))
                    .with_help("use a full image reference such as registry.example.com/org/image@sha256:<digest>"),
                );
            }
        }
        let version = match semver::parse_version(pp.version.as_str()) {
            Ok(v) => v,
            Err(e) => {
                out.push(
                    Diagnostic::new(
                        Code::InvalidVersion,
                        format!("error parsing bundle {} version {}: {e}", q(b.name.as_str()), q(pp.version.as_str())),
                    )
                    .at_opt(pp.version.span.or(prop.span))
                    .with_help("versions are strict semver MAJOR.MINOR.PATCH[-prerelease][+build], without a 'v'"),
                );
                continue;
            }
        };
        let release = match semver::parse_release(pp.release.as_str()) {
            Ok(r) => r,
            Err(e) => {
                out.push(
                    Diagnostic::new(
                        Code::InvalidRelease,
                        format!("error parsing bundle {} release version {}: {e}", q(b.name.as_str()), q(pp.release.as_str())),
                    )
                    .at_opt(pp.release.span.or(prop.span))
                    .with_help("a release is dot-separated alphanumeric segments without leading zeros, at most 20 characters"),
                );
                continue;
            }
        };
        if ok {
            pkg.versions.push((b, VersionRelease { version, release }));
        }
    }

    // Bundles in no channel entry of their package.
    let mut entry_names: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (name, pkg) in &pkgs {
        let set = entry_names.entry(name).or_default();
        for c in &pkg.channels {
            set.extend(c.entries.iter().map(|e| e.name.as_str()));
        }
    }
    for (name, pkg) in &pkgs {
        for b in &pkg.bundles {
            if !entry_names[name].contains(b.name.as_str()) {
                out.push(
                    Diagnostic::new(
                        Code::BundleNotInChannel,
                        format!("package {}, bundle {} not found in any channel entries", q(name), q(b.name.as_str())),
                    )
                    .at_opt(b.name.span.or(b.span))
                    .with_help("add an entry for this bundle to a channel (with replaces/skips), or delete the bundle"),
                );
            }
        }
    }

    // Channel entries without a bundle.
    for (name, pkg) in &pkgs {
        let bundles: HashSet<&str> = pkg.bundles.iter().map(|b| b.name.as_str()).collect();
        for c in &pkg.channels {
            for e in &c.entries {
                if !bundles.contains(e.name.as_str()) {
                    out.push(
                        Diagnostic::new(
                            Code::EntryWithoutBundle,
                            format!("no olm.bundle blobs found in package {} for olm.channel entries [{}]", q(name), e.name.as_str()),
                        )
                        .at_opt(e.name.span.or(e.span))
                        .with_help(format!(
                            "channel {} lists a bundle that has no olm.bundle document: add the bundle (`oc catalog render` it) or remove the entry",
                            q(c.name.as_str())
                        )),
                    );
                }
            }
        }
    }

    // -- deprecations
    let mut seen_dep: HashSet<&str> = HashSet::new();
    for (i, d) in cfg.deprecations.iter().enumerate() {
        if d.package.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::DeprecationPackageEmpty,
                    format!("package name must be set for deprecation item {i}"),
                )
                .at_opt(d.package.span.or(d.span))
                .with_help("set 'package' to the package these deprecations apply to"),
            );
            continue;
        }
        let Some(pkg) = pkgs
            .get_mut(d.package.as_str())
            .filter(|p| p.decl.is_some())
        else {
            out.push(
                Diagnostic::new(
                    Code::DeprecationUnknownPackage,
                    format!(
                        "cannot apply deprecations to an unknown package {}",
                        q(d.package.as_str())
                    ),
                )
                .at_opt(d.package.span.or(d.span))
                .with_help("fix 'package', or add the package to the catalog"),
            );
            continue;
        };
        if !seen_dep.insert(d.package.as_str()) {
            out.push(
                Diagnostic::new(
                    Code::DuplicateDeprecations,
                    format!(
                        "expected a maximum of one deprecation per package: {}",
                        q(d.package.as_str())
                    ),
                )
                .at_opt(d.package.span.or(d.span))
                .with_help("merge the entries into one olm.deprecations document"),
            );
            continue;
        }
        pkg.deprecation = Some(d);
        let mut refs: HashSet<(&str, &str)> = HashSet::new();
        for (j, e) in d.entries.iter().enumerate() {
            let (schema, name) = (e.reference.schema.as_str(), e.reference.name.as_str());
            let at = e.reference.schema.span.or(e.span);
            let gref = format!(
                "declcfg.PackageScopedReference{{Schema:{}, Name:{}}}",
                q(schema),
                q(name)
            );
            if schema.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::DeprecationEntrySchemaEmpty,
                        format!(
                            "schema must be set for deprecation entry [{j}] for package {}",
                            q(d.package.as_str())
                        ),
                    )
                    .at_opt(at)
                    .with_help("reference.schema is olm.package, olm.channel or olm.bundle"),
                );
                continue;
            }
            if !refs.insert((schema, name)) {
                out.push(
                    Diagnostic::new(
                        Code::DuplicateDeprecationEntry,
                        format!(
                            "duplicate deprecation entry {gref} for package {}",
                            q(d.package.as_str())
                        ),
                    )
                    .at_opt(at)
                    .with_help("deprecate each object once"),
                );
                continue;
            }
            match schema {
                SCHEMA_BUNDLE => {
                    if !pkg.bundles.iter().any(|b| b.name.value == name) {
                        out.push(
                            Diagnostic::new(
                                Code::DeprecatedBundleNotFound,
                                format!(
                                    "cannot deprecate bundle {} for package {}: bundle not found",
                                    q(name),
                                    q(d.package.as_str())
                                ),
                            )
                            .at_opt(e.reference.name.span.or(at))
                            .with_help("name a bundle of this package, or remove the entry"),
                        );
                    }
                }
                SCHEMA_CHANNEL => {
                    if !pkg.channels.iter().any(|c| c.name.value == name) {
                        out.push(
                            Diagnostic::new(
                                Code::DeprecatedChannelNotFound,
                                format!(
                                    "cannot deprecate channel {} for package {}: channel not found",
                                    q(name),
                                    q(d.package.as_str())
                                ),
                            )
                            .at_opt(e.reference.name.span.or(at))
                            .with_help("name a channel of this package, or remove the entry"),
                        );
                    }
                }
                SCHEMA_PACKAGE => {
                    if !name.is_empty() {
                        out.push(
                            Diagnostic::new(
                                Code::DeprecatedPackageWithName,
                                format!(
                                    "package name must be empty for deprecated package {} (specified {})",
                                    q(d.package.as_str()),
                                    q(name)
                                ),
                            )
                            .at_opt(e.reference.name.span.or(at))
                            .with_help("an olm.package reference has no name: it means the deprecations' own package"),
                        );
                    }
                }
                _ => {
                    out.push(
                        Diagnostic::new(
                            Code::DeprecationUnknownSchema,
                            format!(
                                "cannot deprecate object {gref} referenced by entry {j} for package {}: object schema unknown",
                                q(d.package.as_str())
                            ),
                        )
                        .at_opt(at)
                        .with_help("reference.schema is olm.package, olm.channel or olm.bundle"),
                    );
                    continue;
                }
            }
            if e.message.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::DeprecationMessageEmpty,
                        "invalid deprecation: message must be set",
                    )
                    .at_opt(e.message.span.or(e.span))
                    .with_help("say why it is deprecated and what to use instead"),
                );
            }
        }
    }

    // -- model validation
    for (name, pkg) in &pkgs {
        let Some(decl) = pkg.decl else { continue };
        let at = decl.name.span.or(decl.span);
        if decl.default_channel.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::DefaultChannelMissing,
                    format!("invalid package {}: default channel must be set", q(name)),
                )
                .at_opt(at)
                .with_help(match pkg.channels.first() {
                    Some(c) => format!(
                        "add 'defaultChannel: {}' (the channel clusters subscribe to by default)",
                        c.name.as_str()
                    ),
                    None => "add 'defaultChannel' naming one of the package's channels".to_string(),
                }),
            );
            if pkg.channels.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::PackageWithoutChannels,
                        format!(
                            "invalid package {}: package must contain at least one channel",
                            q(name)
                        ),
                    )
                    .at_opt(at)
                    .with_help("add an olm.channel document for this package"),
                );
            }
        } else if !pkg
            .channels
            .iter()
            .any(|c| c.name.value == decl.default_channel.value)
        {
            let known: Vec<&str> = pkg.channels.iter().map(|c| c.name.as_str()).collect();
            out.push(
                Diagnostic::new(
                    Code::DefaultChannelNotFound,
                    format!(
                        "invalid package {}: default channel {} not found in channels list (opm: invalid channel {}: channel must contain at least one bundle)",
                        q(name),
                        q(decl.default_channel.as_str()),
                        q(decl.default_channel.as_str())
                    ),
                )
                .at_opt(decl.default_channel.span.or(at))
                .with_help(if known.is_empty() {
                    "the package has no channels: add an olm.channel document".to_string()
                } else {
                    format!("set defaultChannel to one of: {}", known.join(", "))
                }),
            );
        }
        // Distinct versions (version + release) across the package.
        let mut by_version: BTreeMap<String, Vec<&Bundle>> = BTreeMap::new();
        for (b, vr) in &pkg.versions {
            by_version.entry(vr.version_string()).or_default().push(b);
        }
        for (v, bs) in &by_version {
            if bs.len() > 1 {
                let names: Vec<&str> = bs.iter().map(|b| b.name.as_str()).collect();
                let mut d = Diagnostic::new(
                    Code::DuplicateVersions,
                    format!(
                        "invalid package {}: duplicate versions found in bundles: [{{{v}: [{}]}}]",
                        q(name),
                        names.join(", ")
                    ),
                )
                .at_opt(bs[1].name.span.or(bs[1].span))
                .with_help(
                    "each bundle of a package needs its own version (or a distinct release)",
                );
                if let Some(s) = bs[0].name.span.or(bs[0].span) {
                    d = d.with_label(s, "same version here");
                }
                out.push(d);
            }
        }
        for c in &pkg.channels {
            let cat = c.name.span.or(c.span);
            let prefix = format!(
                "invalid package {}, channel {}: ",
                q(name),
                q(c.name.as_str())
            );
            if c.entries.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::ChannelEmpty,
                        format!("{prefix}channel must contain at least one bundle"),
                    )
                    .at_opt(c.entries_span.or(cat))
                    .with_help("add entries (bundle names) to the channel, or delete it"),
                );
            } else if let Err(e) = ChannelGraph::new(&c.entries).validate() {
                let (code, help, span) = match &e {
                    GraphError::NoHead => (
                        Code::NoChannelHead,
                        "some entry must be replaced or skipped by nobody: break the loop of replaces/skips",
                        cat,
                    ),
                    GraphError::MultipleHeads(h) => (
                        Code::MultipleChannelHeads,
                        "exactly one entry may be the newest: make the others replaced or skipped by it",
                        entry_span(c, h.get(1).map(String::as_str)).or(cat),
                    ),
                    GraphError::Cycle(cy) => (
                        Code::ReplacesCycle,
                        "the replaces chain must end: remove the replaces edge that points back",
                        entry_span(c, cy.first().map(String::as_str)).or(cat),
                    ),
                    GraphError::Stranded(s) => (
                        Code::StrandedBundles,
                        "no upgrade path reaches these entries: make the chain from the head replace them, skip them, or remove them",
                        entry_span(c, s.first().map(String::as_str)).or(cat),
                    ),
                };
                out.push(
                    Diagnostic::new(code, format!("{prefix}{}", e.message()))
                        .at_opt(span)
                        .with_help(help),
                );
            }
            // Per-entry bundle checks that depend on the channel entry.
            for e in &c.entries {
                let bprefix = format!("{prefix}invalid bundle {}: ", q(e.name.as_str()));
                for (i, s) in e.skips.iter().enumerate() {
                    if s.is_empty() {
                        out.push(
                            Diagnostic::new(
                                Code::EmptySkip,
                                format!("{bprefix}skip[{i}] is empty"),
                            )
                            .at_opt(s.span.or(e.span))
                            .with_help("remove the empty string from 'skips'"),
                        );
                    }
                }
                if !e.skip_range.is_empty()
                    && let Err(err) = semver::parse_range(e.skip_range.as_str())
                {
                    out.push(
                            Diagnostic::new(
                                Code::InvalidSkipRange,
                                format!("{bprefix}invalid skipRange {}: {err}", q(e.skip_range.as_str())),
                            )
                            .at_opt(e.skip_range.span.or(e.span))
                            .with_help("use comparators with full versions, e.g. '>=1.0.0 <1.2.0' (no ~, ^ or 'v' prefixes)"),
                        );
                }
            }
        }
        // Per-bundle model checks.
        for (b, vr) in &pkg.versions {
            let bprefix = format!(
                "invalid package {}, bundle {}: ",
                q(name),
                q(b.name.as_str())
            );
            if vr.release.is_some() {
                let normalized = semver::normalized_bundle_name(b.name.as_str(), name, vr);
                if normalized != b.name.value {
                    out.push(
                        Diagnostic::new(
                            Code::NameNotNormalized,
                            format!(
                                "{bprefix}name {} does not match normalized name {}",
                                q(b.name.as_str()),
                                q(&normalized)
                            ),
                        )
                        .at_opt(b.name.span.or(b.span))
                        .with_help(format!(
                            "rename the bundle (and its channel entries) to {normalized}"
                        )),
                    );
                }
                if !vr.version.build.is_empty() {
                    out.push(
                        Diagnostic::new(Code::BuildMetadataWithRelease, format!("{bprefix}cannot use build metadata in version with a release version"))
                            .at_opt(b.span)
                            .with_help("drop the +build part of the version, or the release"),
                    );
                }
            }
        }
        for b in &pkg.bundles {
            if b.name.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::BundleNameEmpty,
                        format!("invalid package {}, bundle \"\": name must be set", q(name)),
                    )
                    .at_opt(b.name.span.or(b.span))
                    .with_help("name the bundle after its CSV, e.g. <package>.v<version>, and use that name in the channel entries"),
                );
            }
            if b.image.is_empty() && !b.has_bundle_objects() && !b.properties_invalid {
                out.push(
                    Diagnostic::new(
                        Code::BundleImageMissing,
                        format!("invalid package {}, bundle {}: bundle image must be set", q(name), q(b.name.as_str())),
                    )
                    .at_opt(b.image.span.or(b.name.span).or(b.span))
                    .with_help("set 'image' to the bundle image reference (or render the bundle so it carries olm.bundle.object properties)"),
                );
            }
        }
    }

    lints(cfg, out);
}

fn entry_span(c: &Channel, name: Option<&str>) -> Option<Span> {
    let name = name?;
    c.entries
        .iter()
        .find(|e| e.name.value == name)
        .and_then(|e| e.name.span.or(e.span))
}

/// Mirror-readiness lints (FBC5xx): what breaks mirroring and installing
/// in disconnected clusters although opm accepts it.
fn lints(cfg: &DeclarativeConfig, out: &mut Vec<Diagnostic>) {
    for b in &cfg.bundles {
        let who = format!("bundle {}", q(b.name.as_str()));
        if !b.image.is_empty()
            && let Ok(Some(r)) = imageref::validate_pull_spec(b.image.as_str())
            && !r.is_digest_pinned()
        {
            out.push(
                        Diagnostic::new(Code::ImageNotPinned, format!("{who} image {} is referenced by tag, not by digest", q(b.image.as_str())))
                            .at_opt(b.image.span)
                            .with_help("pin it: image@sha256:<digest> (`skopeo inspect --format '{{.Digest}}' docker://IMAGE`); ImageDigestMirrorSets only redirect pulls by digest"),
                    );
        }
        let mut by_image: HashMap<&str, &RelatedImage> = HashMap::new();
        let mut by_name: HashMap<&str, &RelatedImage> = HashMap::new();
        for ri in &b.related_images {
            let at = ri.image.span.or(ri.span);
            if ri.image.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::RelatedImageEmpty,
                        format!("{who} related image {} has an empty image reference", q(ri.name.as_str())),
                    )
                    .at_opt(at)
                    .with_help("set the image (pinned by digest) or remove the entry; mirroring tools fail on it with 'invalid reference format'"),
                );
                continue;
            }
            if let Some(first) = by_image.insert(ri.image.as_str(), ri) {
                let mut d = Diagnostic::new(
                    Code::DuplicateRelatedImage,
                    format!("{who} lists related image {} twice", q(ri.image.as_str())),
                )
                .at_opt(at)
                .with_help("list each related image once");
                if let Some(s) = first.image.span.or(first.span) {
                    d = d.with_label(s, "first listed here");
                }
                out.push(d);
            } else if !ri.name.is_empty()
                && let Some(first) = by_name.insert(ri.name.as_str(), ri)
                && first.image.value != ri.image.value
            {
                let mut d = Diagnostic::new(
                    Code::DuplicateRelatedImage,
                    format!(
                        "{who} uses related image name {} for two images",
                        q(ri.name.as_str())
                    ),
                )
                .at_opt(at)
                .with_help("give each related image its own name");
                if let Some(s) = first.name.span.or(first.span) {
                    d = d.with_label(s, "first used here");
                }
                out.push(d);
            }
            if let Ok(Some(r)) = imageref::validate_pull_spec(ri.image.as_str())
                && !r.is_digest_pinned()
            {
                out.push(
                        Diagnostic::new(
                            Code::ImageNotPinned,
                            format!("{who} related image {} is referenced by tag, not by digest", q(ri.image.as_str())),
                        )
                        .at_opt(at)
                        .with_help("pin it: image@sha256:<digest>; a disconnected cluster's mirror set only serves pulls by digest"),
                    );
            }
        }
    }
    for c in &cfg.channels {
        if c.name.is_empty() {
            continue;
        }
        let errs = k8sname::is_dns1123_subdomain(c.name.as_str());
        if !errs.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::ChannelNameNotK8sName,
                    format!("channel name {} cannot be part of a Kubernetes object name: {}", q(c.name.as_str()), errs.join("; ")),
                )
                .at_opt(c.name.span.or(c.span))
                .with_help("OLM v1 ClusterExtensions and generated resources use channel names in object names: use lowercase letters, digits, '-' and '.'"),
            );
        }
    }
}
