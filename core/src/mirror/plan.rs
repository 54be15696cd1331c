//! What to copy and where: the images a set of filtered catalogs needs,
//! their names at the destination, and `mapping.txt`.
//!
//! Target naming (documented in docs/mirror-planning.md):
//! - the source registry host is dropped; the source repository path is put
//!   below the destination `REGISTRY[/NAMESPACE]`
//!   (`registry.redhat.io/rhel8/redis-6` → `REG/NS/rhel8/redis-6`);
//! - `--max-components N` (N ≥ 2; 0 or unset = no limit) counts the path
//!   components below the registry, namespace included; when there are more
//!   than N, the first N−1 are kept and the rest are joined with `-` into the
//!   last one (`REG/olm` + `rh-sso-7/sso75-openshift-rhel8`, N = 2 →
//!   `REG/olm/rh-sso-7-sso75-openshift-rhel8`), as `oc adm catalog mirror`
//!   does. Two sources that would land on the same repository are an error;
//! - the tag and digest are kept as written: a digest-only source gets a
//!   tag-less digest target (`REG/NS/path@sha256:…`), so nothing pushed by tag
//!   can shadow it; a `tag@digest` source keeps both (push by digest, then tag).

use super::isc::{self, ImageSetConfig, OperatorSpec};
use crate::fbc::Fbc;
use crate::imageref::{self, ImageRef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The registry name of [`Destination::disk`] (`.invalid` never resolves).
pub const DISK_REGISTRY: &str = "oc-catalog.invalid";

/// Where images go: `REGISTRY[/NAMESPACE]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// `host[:port]`.
    pub registry: String,
    /// Path below the registry, e.g. `olm` or `mirror/ocp`.
    pub namespace: Option<String>,
    /// `--max-components`: `None` or `Some(0)` = no limit; else ≥ 2.
    pub max_components: Option<usize>,
}

impl Destination {
    /// Read `[docker://]host[:port][/namespace…]`.
    pub fn parse(s: &str, max_components: Option<usize>) -> Result<Destination, String> {
        let rest = s
            .strip_prefix("docker://")
            .unwrap_or(s)
            .trim_end_matches('/');
        let (registry, namespace) = match rest.split_once('/') {
            Some((r, ns)) => (r, Some(ns)),
            None => (rest, None),
        };
        if registry.is_empty()
            || !registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        {
            return Err(format!(
                "destination {s:?}: {registry:?} is not a registry host[:port]"
            ));
        }
        if let Some(ns) = namespace {
            isc::check_repo_path(ns)
                .map_err(|e| format!("destination {s:?}: namespace {ns:?}: {e}"))?;
        }
        if max_components == Some(1) {
            return Err("--max-components must be 0 (no limit) or at least 2".into());
        }
        Ok(Destination {
            registry: registry.to_string(),
            namespace: namespace.map(str::to_string),
            max_components,
        })
    }

    /// The registry a mirror-to-disk plan is made for. The real registry is
    /// known only when the archive is pushed; [`target_for`] of a target
    /// planned for `disk()` then gives the target planned for the real one
    /// (namespace and `--max-components` included).
    pub fn disk() -> Destination {
        Destination {
            registry: DISK_REGISTRY.to_string(),
            namespace: None,
            max_components: None,
        }
    }

    /// The repository for a source path (or an explicit target path).
    pub fn repository(&self, path: &str) -> String {
        let mut comps: Vec<&str> = Vec::new();
        if let Some(ns) = &self.namespace {
            comps.extend(ns.split('/'));
        }
        comps.extend(path.split('/'));
        let joined = match self.max_components {
            Some(n) if n >= 2 && comps.len() > n => {
                let mut v: Vec<String> = comps[..n - 1].iter().map(|s| s.to_string()).collect();
                v.push(comps[n - 1..].join("-"));
                v.join("/")
            }
            _ => comps.join("/"),
        };
        format!("{}/{joined}", self.registry)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ImageKind {
    Catalog,
    Bundle,
    Related,
    Additional,
}

/// One image to copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCopy {
    /// The reference as written in the catalog or configuration.
    pub source: String,
    /// `host[:port]/path` plus `:tag`, `@digest` or `:tag@digest` (push by
    /// digest, then tag), mirroring what the source names.
    pub target: String,
    pub kind: ImageKind,
    /// Who needs it: `package/bundle`, `additionalImages`, or the catalog.
    pub origins: Vec<String>,
}

/// A catalog to rebuild from its filtered content and push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogTarget {
    pub source: String,
    /// `repository:tag` of the rebuilt catalog.
    pub target: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Sorted by kind, then target; one entry per distinct source.
    pub images: Vec<ImageCopy>,
    pub catalogs: Vec<CatalogTarget>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

fn with_ref(repo: String, tag: Option<&str>, digest: Option<&str>) -> String {
    let mut s = repo;
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest {
        s.push('@');
        s.push_str(d);
    }
    s
}

/// The destination of one source image (see the module docs).
pub fn target_for(source: &str, dest: &Destination) -> Result<String, String> {
    let r = imageref::parse_normalized(source).map_err(|e| format!("{source:?}: {e}"))?;
    Ok(target_of(&r, dest, None, None))
}

fn target_of(r: &ImageRef, dest: &Destination, path: Option<&str>, tag: Option<&str>) -> String {
    let repo = dest.repository(path.unwrap_or(&r.path));
    let tag = tag.or(r.tag.as_deref());
    // A bare name means `latest`, as every client reads it.
    let tag = if tag.is_none() && r.digest.is_none() {
        Some("latest")
    } else {
        tag
    };
    with_ref(repo, tag, r.digest.as_deref())
}

/// Where the rebuilt catalog of `spec` goes: `targetCatalog` (or the source
/// path) below the destination, tagged `targetTag`, else the source tag,
/// else the first 12 hex digits of the source digest.
pub fn catalog_target(spec: &OperatorSpec, dest: &Destination) -> Result<String, String> {
    let (path, tag, digest) = match spec.image() {
        Some(r) => (r.path.clone(), r.tag.clone(), r.digest.clone()),
        None => {
            // oci:// layout: name it after the directory.
            let dir = spec.oci_layout().unwrap_or_default().trim_end_matches('/');
            let base = dir
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let base: String = base
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .trim_matches('-')
                .to_string();
            if spec.target_catalog.is_none() && base.is_empty() {
                return Err(format!(
                    "{}: catalog {:?}: set targetCatalog (no name can be derived from the directory)",
                    spec.at, spec.catalog
                ));
            }
            (base, None, None)
        }
    };
    let path = spec.target_catalog.clone().unwrap_or(path);
    let tag = spec
        .target_tag
        .clone()
        .or(tag)
        .or_else(|| {
            digest.map(|d| {
                d.split(':')
                    .nth(1)
                    .unwrap_or_default()
                    .chars()
                    .take(12)
                    .collect()
            })
        })
        .unwrap_or_else(|| "latest".to_string());
    Ok(format!("{}:{tag}", dest.repository(&path)))
}

struct Collector<'a> {
    dest: &'a Destination,
    blocked: Vec<(regex_lite::Regex, String)>,
    /// canonical source → index in images
    by_source: BTreeMap<String, usize>,
    images: Vec<ImageCopy>,
    warnings: Vec<String>,
    blocked_hits: BTreeMap<String, BTreeSet<String>>,
}

impl Collector<'_> {
    fn add(&mut self, source: &str, r: &ImageRef, target: String, kind: ImageKind, origin: &str) {
        let canonical = r.to_string();
        if let Some((_, re)) = self
            .blocked
            .iter()
            .find(|(re, _)| re.is_match(source) || re.is_match(&canonical))
        {
            self.blocked_hits
                .entry(re.clone())
                .or_default()
                .insert(source.to_string());
            return;
        }
        match self.by_source.get(&canonical) {
            Some(&i) => {
                let img = &mut self.images[i];
                img.kind = img.kind.min(kind);
                if !img.origins.iter().any(|o| o == origin) {
                    img.origins.push(origin.to_string());
                }
            }
            None => {
                self.by_source.insert(canonical, self.images.len());
                self.images.push(ImageCopy {
                    source: source.to_string(),
                    target,
                    kind,
                    origins: vec![origin.to_string()],
                });
            }
        }
    }

    /// A catalog image reference: parse it, or say why it is skipped.
    fn catalog_image(&mut self, image: &str, kind: ImageKind, origin: &str, what: &str) {
        if image.is_empty() {
            if kind == ImageKind::Related {
                self.warnings.push(format!(
                    "bundle {origin}: {what} has an empty image reference; skipped"
                ));
            }
            return;
        }
        if image.starts_with("oci://") {
            self.warnings.push(format!(
                "bundle {origin}: {what} {image:?}: 'oci' is not supported in operator catalogs; skipped"
            ));
            return;
        }
        match imageref::parse_normalized(image) {
            Ok(r) => {
                let t = target_of(&r, self.dest, None, None);
                self.add(image, &r, t, kind, origin);
            }
            Err(e) => self.warnings.push(format!(
                "bundle {origin}: {what} {image:?} is not a valid image reference ({e}); skipped"
            )),
        }
    }
}

/// Every image the filtered catalogs and the configuration's
/// `additionalImages` need, deduplicated, minus `blockedImages`, with their
/// targets; and the target of each rebuilt catalog.
pub fn collect(
    selected: &[(&OperatorSpec, &Fbc)],
    isc: &ImageSetConfig,
    dest: &Destination,
) -> Result<Plan, PlanError> {
    let blocked = isc
        .blocked_images
        .iter()
        .map(|s| {
            regex_lite::Regex::new(s)
                .map(|re| (re, s.clone()))
                .map_err(|e| PlanError(format!("blockedImages {s:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut c = Collector {
        dest,
        blocked,
        by_source: BTreeMap::new(),
        images: Vec::new(),
        warnings: Vec::new(),
        blocked_hits: BTreeMap::new(),
    };
    let mut catalogs = Vec::new();
    for (spec, cfg) in selected {
        let target = catalog_target(spec, dest).map_err(PlanError)?;
        if let Some(prev) = catalogs
            .iter()
            .find(|t: &&CatalogTarget| t.target == target)
        {
            return Err(PlanError(format!(
                "{}: catalogs {:?} and {:?} would both be pushed to {target}; set targetCatalog or targetTag on one of them",
                spec.at, prev.source, spec.catalog
            )));
        }
        catalogs.push(CatalogTarget {
            source: spec.catalog.clone(),
            target,
        });
        for b in &cfg.bundles {
            let origin = format!("{}/{}", b.package, b.name);
            c.catalog_image(&b.image, ImageKind::Bundle, &origin, "image");
            for (i, ri) in b.related_images.iter().enumerate() {
                let what = if ri.name.is_empty() {
                    format!("relatedImages[{i}]")
                } else {
                    format!("related image {:?}", ri.name)
                };
                c.catalog_image(&ri.image, ImageKind::Related, &origin, &what);
            }
        }
    }
    for ai in &isc.additional_images {
        let r = imageref::parse_normalized(&ai.name)
            .map_err(|e| PlanError(format!("{}: additional image {:?}: {e}", ai.at, ai.name)))?;
        let t = target_of(
            &r,
            dest,
            ai.target_repo.as_deref(),
            ai.target_tag.as_deref(),
        );
        c.add(&ai.name, &r, t, ImageKind::Additional, "additionalImages");
    }
    for (re, sources) in &c.blocked_hits {
        let list: Vec<&str> = sources.iter().map(String::as_str).collect();
        c.warnings.push(format!(
            "blockedImages {re:?} excluded {} image(s): {}",
            list.len(),
            list.join(", ")
        ));
    }
    let mut images = c.images;
    for img in &mut images {
        img.origins.sort();
    }
    images.sort_by(|a, b| (a.kind, &a.target, &a.source).cmp(&(b.kind, &b.target, &b.source)));
    // Two different sources must not share a repository+reference, nor
    // (after flattening) two different source repositories one target repository.
    let mut repos: BTreeMap<String, String> = BTreeMap::new();
    for (img, src_repo) in images.iter().map(|i| (i, source_repo(&i.source))) {
        let trepo = target_repo(&img.target);
        if let Some(prev) = repos.get(trepo)
            && *prev != src_repo
        {
            return Err(PlanError(format!(
                "{prev} and {src_repo} would both be mirrored to {trepo}; raise --max-components or set targetRepo"
            )));
        }
        repos.insert(trepo.to_string(), src_repo);
    }
    // A rebuilt catalog may share a repository with other images, not a tag.
    for cat in &catalogs {
        if let Some(img) = images
            .iter()
            .find(|i| i.target.split('@').next() == Some(cat.target.as_str()))
        {
            return Err(PlanError(format!(
                "catalog {:?} would be pushed to {}, which also receives {}; set targetCatalog or targetTag",
                cat.source, cat.target, img.source
            )));
        }
    }
    Ok(Plan {
        images,
        catalogs,
        warnings: c.warnings,
    })
}

fn source_repo(source: &str) -> String {
    imageref::parse_normalized(source).map_or_else(|_| source.to_string(), |r| r.name())
}

/// The repository part of a target (`host/path`).
fn target_repo(target: &str) -> &str {
    let no_digest = target.split('@').next().unwrap_or(target);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    }
}

/// `mapping.txt` as `oc image mirror -f` reads it: `SRC=DST` per line. A
/// digest source is written by digest only (`repo@sha256:…`); a digest-only
/// target is written without tag (oc pushes it by digest).
pub fn mapping_txt(images: &[ImageCopy]) -> String {
    let mut out = String::new();
    for img in images {
        let src = match imageref::parse_normalized(&img.source) {
            Ok(r) if r.digest.is_some() && r.tag.is_some() => {
                let shown = img.source.split('@').next().unwrap_or_default();
                let repo = shown
                    .rsplit_once(':')
                    .filter(|(_, t)| !t.contains('/'))
                    .map_or(shown, |x| x.0);
                format!("{repo}@{}", r.digest.as_deref().unwrap_or_default())
            }
            _ => img.source.clone(),
        };
        let dst = img.target.split('@').next().unwrap_or_default();
        out.push_str(&src);
        out.push('=');
        out.push_str(dst);
        out.push('\n');
    }
    out
}

/// One line of a mapping file: its number, its source and, when written, its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingLine {
    pub line: usize,
    pub source: String,
    pub target: Option<String>,
}

/// Read a mapping file as `oc image mirror -f` writes it: `SOURCE=TARGET`,
/// `SOURCE TARGET`, or `SOURCE` alone (when the command names a destination)
/// per line; `#` starts a comment; blank lines are skipped. `check` says
/// whether one side is a reference the caller can use (its error is shown
/// after `source ` or `target `); every error names file and line.
pub fn parse_mapping(
    file: &str,
    text: &str,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<Vec<MappingLine>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let l = raw.split_once('#').map_or(raw, |(a, _)| a).trim();
        if l.is_empty() {
            continue;
        }
        let parts: Vec<&str> = if l.contains('=') {
            l.splitn(2, '=').map(str::trim).collect()
        } else {
            l.split_whitespace().collect()
        };
        if parts.len() > 2 || parts.iter().any(|p| p.is_empty()) {
            return Err(format!(
                "{file}:{n}: expected SOURCE=TARGET (or SOURCE TARGET), got {raw:?}"
            ));
        }
        let source = parts[0].to_string();
        check(&source).map_err(|e| format!("{file}:{n}: source {e}"))?;
        let target = parts.get(1).map(|t| t.to_string());
        if let Some(t) = &target {
            check(t).map_err(|e| format!("{file}:{n}: target {e}"))?;
        }
        out.push(MappingLine {
            line: n,
            source,
            target,
        });
    }
    Ok(out)
}

/// A registry image reference, `[docker://]host/path[:tag][@digest]` (the
/// `check` for mapping files that name registry images only).
pub fn check_image_ref(s: &str) -> Result<(), String> {
    let s = s.strip_prefix("docker://").unwrap_or(s);
    imageref::parse_normalized(s)
        .map(drop)
        .map_err(|e| format!("{s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fbc::{Bundle, RelatedImage};

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn dest(ns: Option<&str>, max: Option<usize>) -> Destination {
        Destination::parse(
            &format!(
                "docker://mirror.example:5000{}",
                ns.map(|n| format!("/{n}")).unwrap_or_default()
            ),
            max,
        )
        .unwrap()
    }

    #[test]
    fn naming() {
        let d = dest(Some("olm"), None);
        assert_eq!(
            target_for("registry.redhat.io/rhel8/redis-6", &d).unwrap(),
            "mirror.example:5000/olm/rhel8/redis-6:latest"
        );
        assert_eq!(
            target_for(&format!("registry.redhat.io/rhel8/redis-6@{D1}"), &d).unwrap(),
            format!("mirror.example:5000/olm/rhel8/redis-6@{D1}")
        );
        assert_eq!(
            target_for(&format!("quay.io/a/b:v1@{D1}"), &d).unwrap(),
            format!("mirror.example:5000/olm/a/b:v1@{D1}")
        );
        assert_eq!(
            target_for("busybox:1", &d).unwrap(),
            "mirror.example:5000/olm/library/busybox:1"
        );
        let flat = dest(Some("olm"), Some(2));
        assert_eq!(
            target_for("registry.redhat.io/rh-sso-7/sso75-openshift-rhel8:7", &flat).unwrap(),
            "mirror.example:5000/olm/rh-sso-7-sso75-openshift-rhel8:7"
        );
        let three = dest(None, Some(3));
        assert_eq!(
            target_for("quay.io/a/b/c/d:1", &three).unwrap(),
            "mirror.example:5000/a/b/c-d:1"
        );
        assert_eq!(
            target_for("quay.io/a/b:1", &three).unwrap(),
            "mirror.example:5000/a/b:1"
        );
        assert!(Destination::parse("reg.example", Some(1)).is_err());
        assert!(Destination::parse("reg.example/Bad", None).is_err());
        assert!(Destination::parse("docker://", None).is_err());
        assert_eq!(
            Destination::parse("docker://r.io/a/b/", None)
                .unwrap()
                .namespace
                .as_deref(),
            Some("a/b")
        );
    }

    fn bundle(pkg: &str, name: &str, image: &str, related: &[&str]) -> Bundle {
        Bundle {
            name: name.into(),
            package: pkg.into(),
            image: image.into(),
            related_images: related
                .iter()
                .map(|i| RelatedImage {
                    name: String::new(),
                    image: i.to_string(),
                })
                .collect(),
            ..Bundle::default()
        }
    }

    fn isc(extra: &str) -> ImageSetConfig {
        isc::parse(
            "isc.yaml",
            &format!("apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  operators:\n  - catalog: quay.io/cat/index:v1\n  - catalog: quay.io/cat/other@{D2}\n    targetCatalog: mine/other\n{extra}"),
        )
        .unwrap()
    }

    #[test]
    fn disk_plan_retargets_to_any_destination() {
        // A plan made for an archive, retargeted when the archive is pushed,
        // names the same targets as a plan made for that registry directly.
        let cfg = isc(
            "  additionalImages:\n  - name: registry.example/tools/ubi:9\n    targetRepo: base/ubi\n",
        );
        let b1 = format!("quay.io/op/deep/er/bundle@{D1}");
        let a = Fbc {
            bundles: vec![bundle("p", "p.v1", &b1, &[&b1, "busybox:1"])],
            ..Fbc::default()
        };
        let b = Fbc::default();
        let sel = [(&cfg.operators[0], &a), (&cfg.operators[1], &b)];
        let on_disk = collect(&sel, &cfg, &Destination::disk()).unwrap();
        for d in [
            dest(None, None),
            dest(Some("olm/x"), None),
            dest(Some("olm"), Some(2)),
            dest(None, Some(3)),
        ] {
            let direct = collect(&sel, &cfg, &d).unwrap();
            let mut re: Vec<(String, String)> = on_disk
                .images
                .iter()
                .map(|i| (i.source.clone(), target_for(&i.target, &d).unwrap()))
                .collect();
            let mut want: Vec<(String, String)> = direct
                .images
                .iter()
                .map(|i| (i.source.clone(), i.target.clone()))
                .collect();
            re.sort();
            want.sort();
            assert_eq!(re, want, "{d:?}");
            for (c, w) in on_disk.catalogs.iter().zip(&direct.catalogs) {
                assert_eq!(target_for(&c.target, &d).unwrap(), w.target, "{d:?}");
            }
        }
    }

    #[test]
    fn collect_dedups_blocks_and_warns() {
        let cfg = isc(
            "  additionalImages:\n  - name: registry.example/tools/ubi:9\n    targetRepo: base/ubi\n  blockedImages:\n  - name: 'quay\\.io/blocked/.*'\n  - name: '(?i)/OLD-\\d+:'\n",
        );
        let b1 = format!("quay.io/op/bundle@{D1}");
        let rel = format!("quay.io/op/operand@{D2}");
        let a = Fbc {
            bundles: vec![bundle(
                "p",
                "p.v1",
                &b1,
                &[
                    &b1,
                    &rel,
                    "oci:///x",
                    "Not A Ref",
                    "",
                    "quay.io/blocked/x:1",
                    "quay.io/op/old-7:1",
                ],
            )],
            ..Fbc::default()
        };
        let b = Fbc {
            bundles: vec![bundle(
                "q",
                "q.v1",
                &format!("quay.io/op/bundle2@{D1}"),
                &[&rel],
            )],
            ..Fbc::default()
        };
        let d = dest(Some("m"), None);
        let plan = collect(
            &[(&cfg.operators[0], &a), (&cfg.operators[1], &b)],
            &cfg,
            &d,
        )
        .unwrap();
        let lines: Vec<String> = plan
            .images
            .iter()
            .map(|i| format!("{:?} {} -> {} {:?}", i.kind, i.source, i.target, i.origins))
            .collect();
        assert_eq!(
            lines,
            vec![
                // sorted by kind, then target
                format!("Bundle quay.io/op/bundle2@{D1} -> mirror.example:5000/m/op/bundle2@{D1} [\"q/q.v1\"]"),
                format!("Bundle {b1} -> mirror.example:5000/m/op/bundle@{D1} [\"p/p.v1\"]"),
                format!("Related {rel} -> mirror.example:5000/m/op/operand@{D2} [\"p/p.v1\", \"q/q.v1\"]"),
                "Additional registry.example/tools/ubi:9 -> mirror.example:5000/m/base/ubi:9 [\"additionalImages\"]".to_string(),
            ]
        );
        assert_eq!(
            plan.catalogs[0].target,
            "mirror.example:5000/m/cat/index:v1"
        );
        assert_eq!(
            plan.catalogs[1].target,
            "mirror.example:5000/m/mine/other:222222222222"
        );
        let w = plan.warnings.join("\n");
        assert!(
            w.contains("bundle p/p.v1: relatedImages[2] \"oci:///x\": 'oci' is not supported"),
            "{w}"
        );
        assert!(
            w.contains(
                "bundle p/p.v1: relatedImages[3] \"Not A Ref\" is not a valid image reference"
            ),
            "{w}"
        );
        assert!(
            w.contains("bundle p/p.v1: relatedImages[4] has an empty image reference"),
            "{w}"
        );
        assert!(
            w.contains("excluded 1 image(s): quay.io/blocked/x:1"),
            "{w}"
        );
        // RE2 syntax (regex-lite): classes and flags work as in Go's regexp.
        assert!(
            w.contains("\"(?i)/OLD-\\\\d+:\" excluded 1 image(s): quay.io/op/old-7:1"),
            "{w}"
        );
        let m = mapping_txt(&plan.images);
        assert!(
            m.contains(&format!("\n{b1}=mirror.example:5000/m/op/bundle\n")),
            "{m}"
        );
        assert!(
            m.ends_with("registry.example/tools/ubi:9=mirror.example:5000/m/base/ubi:9\n"),
            "{m}"
        );
        assert_eq!(
            parse_mapping("mapping.txt", &m, check_image_ref)
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn flattening_collisions_are_errors() {
        let cfg = isc("");
        let a = Fbc {
            bundles: vec![bundle(
                "p",
                "p.v1",
                &format!("quay.io/a/b-c@{D1}"),
                &[&format!("quay.io/a-b/c@{D2}")],
            )],
            ..Fbc::default()
        };
        let d = dest(Some("m"), Some(2));
        let e = collect(&[(&cfg.operators[0], &a)], &cfg, &d)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("would both be mirrored to mirror.example:5000/m/a-b-c"),
            "{e}"
        );
    }

    #[test]
    fn mapping_files() {
        let text = format!(
            "# header\n\nquay.io/a/b:1=reg.local:5000/x/b:1\n docker://quay.io/a/c@{D1}  reg.local:5000/x/c # tail\nquay.io/a/d\n"
        );
        let lines = parse_mapping("m.txt", &text, check_image_ref).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].line, 4);
        assert_eq!(lines[1].source, format!("docker://quay.io/a/c@{D1}"));
        assert_eq!(lines[1].target.as_deref(), Some("reg.local:5000/x/c"));
        assert_eq!(lines[2].target, None);
        let e = parse_mapping("m.txt", "a b c\n", check_image_ref).unwrap_err();
        assert!(e.starts_with("m.txt:1: expected SOURCE=TARGET"), "{e}");
        let e = parse_mapping("m.txt", "quay.io/a/b:1=\n", check_image_ref).unwrap_err();
        assert_eq!(
            e,
            "m.txt:1: expected SOURCE=TARGET (or SOURCE TARGET), got \"quay.io/a/b:1=\""
        );
        let e = parse_mapping("m.txt", "\nquay.io/A/b=x.io/c\n", check_image_ref).unwrap_err();
        assert!(e.starts_with("m.txt:2: source quay.io/A/b:"), "{e}");
        let e = parse_mapping("m.txt", "\n\nquay.io/a/b:1=r.io/X\n", check_image_ref).unwrap_err();
        assert!(e.starts_with("m.txt:3: target r.io/X:"), "{e}");
        // the caller decides what a side may be
        let only_oci = |s: &str| {
            s.starts_with("oci:")
                .then_some(())
                .ok_or_else(|| format!("{s}: not oci"))
        };
        assert!(parse_mapping("m.txt", "oci:/d:a/b:1=oci:/e:a/b:1\n", only_oci).is_ok());
        let e = parse_mapping("m.txt", "oci:/d:a/b:1=r.io/x\n", only_oci).unwrap_err();
        assert_eq!(e, "m.txt:1: target r.io/x: not oci");
    }
}
