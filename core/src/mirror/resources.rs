//! Cluster resources for a mirrored image set: ImageDigestMirrorSet (digest
//! pulls), ImageTagMirrorSet (tag pulls), or the legacy
//! ImageContentSourcePolicy; a CatalogSource (OLM v0) and optionally a
//! ClusterCatalog (OLM v1) per rebuilt catalog.
//!
//! Mirror sets are minimal: one entry per source scope (registry, namespace
//! or repository — the broadest that maps every mirrored image of that scope
//! to one mirror location, never broader than asked), sorted by source.
//! Object and file names are deterministic and contain no timestamps.

use super::plan::{ImageCopy, ImageKind};
use crate::goyaml;
use crate::imageref;
use crate::k8sname;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A catalog image built from a filtered catalog and pushed to the mirror.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltCatalog {
    /// The catalog as written in the ImageSetConfiguration.
    pub source: String,
    /// `host/path@sha256:…` of the pushed catalog image.
    pub target_by_digest: String,
    /// The tag it was also pushed with (`host/path:tag`), if any.
    pub target_tag: Option<String>,
    pub display_name: Option<String>,
}

/// How broad a mirror-set entry may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub enum Scope {
    /// `source: registry.example.com`
    Registry,
    /// `source: registry.example.com/team` (the default)
    #[default]
    Namespace,
    /// `source: registry.example.com/team/image`
    Repository,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceOptions {
    /// Legacy `ImageContentSourcePolicy` instead of IDMS/ITMS (clusters < 4.13).
    pub icsp: bool,
    /// Also write an OLM v1 `ClusterCatalog` per catalog.
    pub cluster_catalog: bool,
    pub scope: Scope,
    /// CatalogSource `publisher`.
    pub publisher: String,
    /// Prefix of mirror-set object names.
    pub name_prefix: String,
}

impl Default for ResourceOptions {
    fn default() -> Self {
        ResourceOptions {
            icsp: false,
            cluster_catalog: false,
            scope: Scope::Namespace,
            publisher: "oc-catalog".into(),
            name_prefix: "oc-catalog".into(),
        }
    }
}

const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Split mirror-set objects above this many bytes of YAML (as
/// `oc adm catalog mirror --max-idms-size` does, default and max 250000).
const MAX_OBJECT_BYTES: usize = 250_000;

fn repo_of(target: &str) -> String {
    let no_digest = target.split('@').next().unwrap_or(target);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => no_digest[..i].to_string(),
        _ => no_digest.to_string(),
    }
}

/// The mirror-set entries (source → mirrors) for one group of images.
fn mirror_entries(images: &[&ImageCopy], scope: Scope) -> BTreeMap<String, BTreeSet<String>> {
    // (source repository, target repository, source path)
    let repos: BTreeSet<(String, String, String, String)> = images
        .iter()
        .filter_map(|i| {
            let r = imageref::parse_normalized(&i.source).ok()?;
            Some((
                r.name(),
                repo_of(&i.target),
                r.domain.clone(),
                r.path.clone(),
            ))
        })
        .collect();
    // Candidate (source key, mirror) per scope, for each repository.
    let candidate = |s: Scope,
                     (_, tgt, domain, path): &(String, String, String, String)|
     -> Option<(String, String)> {
        match s {
            Scope::Registry => tgt
                .strip_suffix(&format!("/{path}"))
                .map(|m| (domain.clone(), m.to_string())),
            Scope::Namespace => {
                let (ns, last) = path.rsplit_once('/')?;
                tgt.strip_suffix(&format!("/{last}"))
                    .map(|m| (format!("{domain}/{ns}"), m.to_string()))
            }
            Scope::Repository => None,
        }
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending: Vec<&(String, String, String, String)> = repos.iter().collect();
    for s in [Scope::Registry, Scope::Namespace] {
        if s < scope {
            continue;
        }
        // A source key is usable when all its repositories agree on one mirror.
        let mut by_key: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
        for r in &pending {
            let c = candidate(s, r);
            let key = c
                .as_ref()
                .map_or_else(|| format!("\0{}", r.0), |c| c.0.clone());
            by_key.entry(key).or_default().insert(c.map(|c| c.1));
        }
        pending.retain(|r| match candidate(s, r) {
            Some((key, mirror)) if by_key[&key].len() == 1 => {
                out.entry(key).or_default().insert(mirror);
                false
            }
            _ => true,
        });
    }
    for (src, tgt, _, _) in pending {
        out.entry(src.clone()).or_default().insert(tgt.clone());
    }
    out
}

fn labels() -> Value {
    json!({ MANAGED_BY: "oc-catalog" })
}

/// Mirror-set objects of one kind, split by size, named `<base>-<n>`.
fn mirror_set_docs(
    api_version: &str,
    kind: &str,
    list_field: &str,
    base: &str,
    entries: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Value> {
    let items: Vec<Value> = entries
        .iter()
        .map(|(src, mirrors)| json!({ "source": src, "mirrors": mirrors }))
        .collect();
    let mut chunks: Vec<Vec<Value>> = vec![Vec::new()];
    let mut size = 0;
    for it in items {
        let n = serde_json::to_string(&it).map(|s| s.len()).unwrap_or(0) + 16;
        if size + n > MAX_OBJECT_BYTES && !chunks.last().is_some_and(Vec::is_empty) {
            chunks.push(Vec::new());
            size = 0;
        }
        size += n;
        if let Some(c) = chunks.last_mut() {
            c.push(it);
        }
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, items)| {
            json!({
                "apiVersion": api_version,
                "kind": kind,
                "metadata": { "name": format!("{base}-{i}"), "labels": labels() },
                "spec": { list_field: items },
            })
        })
        .collect()
}

fn docs_yaml(docs: &[Value]) -> String {
    docs.iter()
        .map(|d| format!("---\n{}", goyaml::to_yaml(d)))
        .collect()
}

/// A DNS-1035 object name for a catalog: `<prefix>-<last path component>-<tag>`
/// of its mirror location (e.g. `cs-redhat-operator-index-v4-18`), at most
/// 63 characters, never containing `/` or `.`.
pub fn catalog_object_name(prefix: &str, cat: &BuiltCatalog) -> String {
    let loc = cat.target_tag.as_deref().unwrap_or(&cat.target_by_digest);
    let repo = repo_of(loc);
    let last = repo.rsplit('/').next().unwrap_or_default();
    let suffix = match (cat.target_tag.as_deref(), loc.split_once('@')) {
        (Some(t), _) => t
            .rsplit_once(':')
            .filter(|(_, x)| !x.contains('/'))
            .map(|x| x.1.to_string()),
        (None, Some((_, d))) => Some(
            d.split(':')
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take(12)
                .collect(),
        ),
        _ => None,
    };
    let raw = match suffix {
        Some(s) if !s.is_empty() => format!("{prefix}-{last}-{s}"),
        _ => format!("{prefix}-{last}"),
    };
    k8sname::to_dns1035_label(&raw)
}

fn unique_names(prefix: &str, catalogs: &[BuiltCatalog]) -> Vec<String> {
    let names: Vec<String> = catalogs
        .iter()
        .map(|c| catalog_object_name(prefix, c))
        .collect();
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if names.iter().filter(|m| *m == n).count() > 1 {
                // Same repository name and tag from two places: tell them
                // apart by the source (deterministic).
                k8sname::to_dns1035_label(&format!("{n}-{}", short_hash(&catalogs[i].source)))
            } else {
                n.clone()
            }
        })
        .collect()
}

fn short_hash(s: &str) -> String {
    let h = s.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("{h:08x}")
}

fn display_name(cat: &BuiltCatalog) -> String {
    if let Some(d) = &cat.display_name {
        return d.clone();
    }
    match imageref::parse_normalized(&cat.source) {
        Ok(r) => {
            let last = r.path.rsplit('/').next().unwrap_or_default().to_string();
            match r.tag {
                Some(t) => format!("{last} {t}"),
                None => last,
            }
        }
        Err(_) => cat.source.clone(),
    }
}

/// Every resource file: `(file name, YAML)`, sorted by file name.
pub fn generate(
    images: &[ImageCopy],
    catalogs: &[BuiltCatalog],
    opts: &ResourceOptions,
) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let category = |k: ImageKind| match k {
        ImageKind::Additional => "generic",
        _ => "operator",
    };
    let mut by_digest: BTreeMap<&str, Vec<&ImageCopy>> = BTreeMap::new();
    let mut by_tag: BTreeMap<&str, Vec<&ImageCopy>> = BTreeMap::new();
    for img in images {
        if img.kind == ImageKind::Catalog {
            continue;
        }
        let digest = imageref::parse_normalized(&img.source).is_ok_and(|r| r.digest.is_some());
        if digest {
            by_digest.entry(category(img.kind)).or_default().push(img);
        } else {
            by_tag.entry(category(img.kind)).or_default().push(img);
        }
    }
    let prefix = &opts.name_prefix;
    if opts.icsp {
        let mut docs = Vec::new();
        for (cat, imgs) in &by_digest {
            docs.extend(mirror_set_docs(
                "operator.openshift.io/v1alpha1",
                "ImageContentSourcePolicy",
                "repositoryDigestMirrors",
                &format!("{prefix}-{cat}"),
                &mirror_entries(imgs, opts.scope),
            ));
        }
        if !docs.is_empty() || !by_tag.is_empty() {
            let mut text = String::new();
            let tagged: BTreeSet<&str> = by_tag
                .values()
                .flatten()
                .map(|i| i.source.as_str())
                .collect();
            if !tagged.is_empty() {
                text.push_str("# ImageContentSourcePolicy mirrors digest pulls only; these images are\n# referenced by tag and are not covered (use ImageTagMirrorSet on OpenShift 4.13+):\n");
                for t in tagged {
                    text.push_str(&format!("#   {t}\n"));
                }
            }
            text.push_str(&docs_yaml(&docs));
            files.push(("icsp-oc-catalog.yaml".into(), text));
        }
    } else {
        let mut idms = Vec::new();
        for (cat, imgs) in &by_digest {
            idms.extend(mirror_set_docs(
                "config.openshift.io/v1",
                "ImageDigestMirrorSet",
                "imageDigestMirrors",
                &format!("{prefix}-{cat}"),
                &mirror_entries(imgs, opts.scope),
            ));
        }
        if !idms.is_empty() {
            files.push(("idms-oc-catalog.yaml".into(), docs_yaml(&idms)));
        }
        let mut itms = Vec::new();
        for (cat, imgs) in &by_tag {
            itms.extend(mirror_set_docs(
                "config.openshift.io/v1",
                "ImageTagMirrorSet",
                "imageTagMirrors",
                &format!("{prefix}-{cat}"),
                &mirror_entries(imgs, opts.scope),
            ));
        }
        if !itms.is_empty() {
            files.push(("itms-oc-catalog.yaml".into(), docs_yaml(&itms)));
        }
    }
    let cs_names = unique_names("cs", catalogs);
    let cc_names = unique_names("cc", catalogs);
    for (i, cat) in catalogs.iter().enumerate() {
        let cs = json!({
            "apiVersion": "operators.coreos.com/v1alpha1",
            "kind": "CatalogSource",
            "metadata": {
                "name": cs_names[i],
                "namespace": "openshift-marketplace",
                "labels": labels(),
                "annotations": { "oc-catalog/source-catalog": cat.source },
            },
            "spec": {
                "sourceType": "grpc",
                "image": cat.target_by_digest,
                "displayName": display_name(cat),
                "publisher": opts.publisher,
                "grpcPodConfig": { "securityContextConfig": "restricted" },
            },
        });
        files.push((format!("{}.yaml", cs_names[i]), docs_yaml(&[cs])));
        if opts.cluster_catalog {
            let cc = json!({
                "apiVersion": "olm.operatorframework.io/v1",
                "kind": "ClusterCatalog",
                "metadata": {
                    "name": cc_names[i],
                    "labels": labels(),
                    "annotations": { "oc-catalog/source-catalog": cat.source },
                },
                "spec": {
                    "source": { "type": "Image", "image": { "ref": cat.target_by_digest } },
                },
            });
            files.push((format!("{}.yaml", cc_names[i]), docs_yaml(&[cc])));
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn img(source: &str, target: &str, kind: ImageKind) -> ImageCopy {
        ImageCopy {
            source: source.into(),
            target: target.into(),
            kind,
            origins: vec![],
        }
    }

    #[test]
    fn scopes_merge_when_every_repository_agrees() {
        let a = img(
            &format!("registry.redhat.io/rhel8/a@{D}"),
            &format!("m.io/olm/rhel8/a@{D}"),
            ImageKind::Related,
        );
        let b = img(
            &format!("registry.redhat.io/rhel8/b@{D}"),
            &format!("m.io/olm/rhel8/b@{D}"),
            ImageKind::Related,
        );
        let c = img(
            &format!("quay.io/x/y/c@{D}"),
            &format!("m.io/olm/x-y-c@{D}"),
            ImageKind::Bundle,
        );
        let imgs = [&a, &b, &c];
        let ns = mirror_entries(&imgs, Scope::Namespace);
        assert_eq!(
            ns.iter()
                .map(|(k, v)| format!("{k} -> {v:?}"))
                .collect::<Vec<_>>(),
            vec![
                "quay.io/x/y/c -> {\"m.io/olm/x-y-c\"}".to_string(),
                "registry.redhat.io/rhel8 -> {\"m.io/olm/rhel8\"}".to_string(),
            ]
        );
        let reg = mirror_entries(&imgs, Scope::Registry);
        assert_eq!(
            reg.keys().collect::<Vec<_>>(),
            ["quay.io/x/y/c", "registry.redhat.io"]
        );
        let repo = mirror_entries(&imgs, Scope::Repository);
        assert_eq!(repo.len(), 3);
    }

    #[test]
    fn names_are_dns1035() {
        let c = BuiltCatalog {
            source: "registry.redhat.io/redhat/redhat-operator-index:v4.18".into(),
            target_by_digest: format!("m.io:5000/olm/redhat/redhat-operator-index@{D}"),
            target_tag: Some("m.io:5000/olm/redhat/redhat-operator-index:v4.18".into()),
            display_name: None,
        };
        assert_eq!(
            catalog_object_name("cs", &c),
            "cs-redhat-operator-index-v4-18"
        );
        let d = BuiltCatalog {
            target_tag: None,
            ..c.clone()
        };
        assert_eq!(
            catalog_object_name("cs", &d),
            "cs-redhat-operator-index-111111111111"
        );
        let long = BuiltCatalog {
            target_tag: Some(format!("m.io/{}:{}", "a".repeat(70), "v".repeat(40))),
            ..c.clone()
        };
        let n = catalog_object_name("cs", &long);
        assert!(
            n.len() <= 63 && k8sname::is_dns1035_label(&n).is_empty(),
            "{n}"
        );
        // two catalogs with the same repository name and tag get distinct names
        let other = BuiltCatalog {
            source: "quay.io/other/redhat-operator-index:v4.18".into(),
            ..c.clone()
        };
        let names = unique_names("cs", &[c.clone(), other]);
        assert_ne!(names[0], names[1]);
        assert!(
            names
                .iter()
                .all(|n| !n.contains(['/', '.']) && n.len() <= 63)
        );
        assert_eq!(display_name(&c), "redhat-operator-index v4.18");
    }
}
