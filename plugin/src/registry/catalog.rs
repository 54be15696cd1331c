//! Reading images: a registry reference or `oci:DIR[:TAG]`, its config and
//! labels, and the catalog (FBC) or bundle content of its layers, extracted
//! into a directory. Layers are downloaded to temporary files (streamed and
//! verified), then read as tar (gzip or plain).

use super::Options;
use super::client::{RawManifest, Remote};
use super::layout::{self, Layout};
use super::manifest::{self, Descriptor, ImageManifest};
use oci_client::RegistryOperation;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Component, Path};

/// The label that names the catalog directory of a catalog image.
pub const CONFIGS_LABEL: &str = "operators.operatorframework.io.index.configs.v1";
/// The label of sqlite-based (pre-FBC) index images.
pub const DATABASE_LABEL: &str = "operators.operatorframework.io.index.database.v1";
/// Bundle image labels.
pub const BUNDLE_MANIFESTS_LABEL: &str = "operators.operatorframework.io.bundle.manifests.v1";
pub const BUNDLE_METADATA_LABEL: &str = "operators.operatorframework.io.bundle.metadata.v1";

/// Where an image is read from.
#[derive(Debug, Clone)]
pub enum Source {
    Registry(Box<Remote>),
    Layout(Layout, Option<String>),
}

/// An image's manifest, parsed manifest and config.
#[derive(Debug, Clone)]
pub struct Image {
    pub manifest: RawManifest,
    pub parsed: ImageManifest,
    pub config: Value,
}

impl Image {
    /// The image's labels (`config.Labels`).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.config
            .pointer("/config/Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Source {
    /// `oci:DIR[:TAG]`, or a registry reference (optionally `docker://`).
    pub async fn open(s: &str, opts: &Options) -> Result<Self, String> {
        if let Some((dir, tag)) = layout::parse_oci(s) {
            return Ok(Source::Layout(Layout::open(&dir)?, tag));
        }
        Ok(Source::Registry(Box::new(
            Remote::connect(s, opts, RegistryOperation::Pull).await?,
        )))
    }

    pub fn shown(&self) -> String {
        match self {
            Source::Registry(r) => r.shown.clone(),
            Source::Layout(l, t) => match t {
                Some(t) => format!("oci:{}:{t}", l.dir.display()),
                None => format!("oci:{}", l.dir.display()),
            },
        }
    }

    async fn raw(&self, digest: Option<&str>) -> Result<RawManifest, String> {
        match self {
            Source::Registry(r) => r.manifest(digest).await,
            Source::Layout(l, tag) => {
                let d = match digest {
                    Some(d) => d.to_string(),
                    None => l.resolve(tag.as_deref())?.digest,
                };
                let bytes = l.read_blob(&d)?;
                let kind = manifest::sniff(&bytes).map_err(|e| format!("{}: {e}", self.shown()))?;
                Ok(RawManifest {
                    bytes: bytes.into(),
                    kind,
                    digest: d,
                })
            }
        }
    }

    /// The manifest the reference names (an image or an index).
    pub async fn top(&self) -> Result<RawManifest, String> {
        self.raw(None).await
    }

    /// The image for `platform`, with its config.
    pub async fn image(&self, platform: &str) -> Result<Image, String> {
        let top = self.raw(None).await?;
        let m = if top.kind.is_index() {
            let d = manifest::select_platform(&top.bytes, platform)
                .map_err(|e| format!("{}: {e}", self.shown()))?;
            self.raw(Some(&d)).await?
        } else {
            top
        };
        self.load(m).await
    }

    /// The image of an index entry, by digest, with its config.
    pub async fn image_at(&self, digest: &str) -> Result<Image, String> {
        let m = self.raw(Some(digest)).await?;
        self.load(m).await
    }

    async fn load(&self, m: RawManifest) -> Result<Image, String> {
        if m.kind.is_index() {
            return Err(format!("{}: nested image index", self.shown()));
        }
        let parsed =
            manifest::parse_image(&m.bytes).map_err(|e| format!("{}: {e}", self.shown()))?;
        let config_bytes = match self {
            Source::Registry(r) => r.blob_bytes(&parsed.config.digest, 16 << 20).await?,
            Source::Layout(l, _) => l.read_blob(&parsed.config.digest)?,
        };
        let config: Value = serde_json::from_slice(&config_bytes)
            .map_err(|e| format!("{}: image config is not JSON: {e}", self.shown()))?;
        Ok(Image {
            manifest: m,
            parsed,
            config,
        })
    }

    /// A blob into a file (verified).
    pub async fn blob_to_file(&self, digest: &str, dest: &Path) -> Result<(), String> {
        match self {
            Source::Registry(r) => r.blob_to_file(digest, dest).await.map(|_| ()),
            Source::Layout(l, _) => {
                let p = l.blob_path(digest);
                let mut f = std::fs::File::open(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                let mut h = super::Sha256Writer::default();
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = f
                        .read(&mut buf)
                        .map_err(|e| format!("{}: {e}", p.display()))?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                if h.digest() != digest {
                    return Err(format!(
                        "{}: corrupted blob {digest}: digest is {}",
                        self.shown(),
                        h.digest()
                    ));
                }
                std::fs::copy(&p, dest).map_err(|e| format!("{}: {e}", dest.display()))?;
                Ok(())
            }
        }
    }
}

/// Extract the catalog (FBC) of a catalog image (already resolved) into `dest`.
///
/// The catalog directory comes from the `operators.operatorframework.io.index.configs.v1`
/// label. Only the topmost layer with content under it is read: `opm`/`podman
/// build` (`COPY catalog /configs`) and oc-mirror's rebuilt catalogs put the
/// whole catalog in one layer, and a base image's layers (opm itself) are
/// never downloaded.
pub async fn fetch_catalog_of(src: &Source, image: &Image, dest: &Path) -> Result<(), String> {
    let labels = image.labels();
    let Some(configs) = labels.get(CONFIGS_LABEL).cloned() else {
        if labels.contains_key(DATABASE_LABEL) {
            return Err(format!(
                "{}: a sqlite-based index image (label {DATABASE_LABEL}); file-based catalogs only (opm migrate converts it)",
                src.shown()
            ));
        }
        return Err(format!(
            "{}: not a catalog image (no label {CONFIGS_LABEL})",
            src.shown()
        ));
    };
    let prefix = norm_dir(&configs);
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let tmpdir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    for layer in image.parsed.layers.iter().rev() {
        let file = tmpdir.path().join(layer.digest.replace(':', "-"));
        src.blob_to_file(&layer.digest, &file).await?;
        let (f2, d2, p2, shown) = (
            file.clone(),
            dest.to_path_buf(),
            prefix.clone(),
            src.shown(),
        );
        let found = tokio::task::spawn_blocking(move || {
            extract_layer(&f2, &[p2.as_str()], &d2, &mut HashSet::new(), &shown)
        })
        .await
        .map_err(|e| e.to_string())??;
        let _ = std::fs::remove_file(&file);
        if found {
            return Ok(());
        }
    }
    Err(format!(
        "{}: no layer has content under {configs} (label {CONFIGS_LABEL})",
        src.shown()
    ))
}

/// Extract `manifests/` and `metadata/` of a bundle image (already resolved) into `dest`
/// (every layer, bottom up; bundle images are small).
pub async fn fetch_bundle_of(src: &Source, image: &Image, dest: &Path) -> Result<(), String> {
    let labels = image.labels();
    if labels.contains_key(CONFIGS_LABEL) || labels.contains_key(DATABASE_LABEL) {
        return Err(format!(
            "{}: a catalog image, not a bundle image",
            src.shown()
        ));
    }
    let manifests = norm_dir(
        labels
            .get(BUNDLE_MANIFESTS_LABEL)
            .map(String::as_str)
            .unwrap_or("manifests/"),
    );
    let metadata = norm_dir(
        labels
            .get(BUNDLE_METADATA_LABEL)
            .map(String::as_str)
            .unwrap_or("metadata/"),
    );
    let tmpdir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    // Topmost first, so upper layers win; whiteouts hide lower files.
    let mut seen = (HashSet::new(), HashSet::new());
    for layer in image.parsed.layers.iter().rev() {
        let file = tmpdir.path().join(layer.digest.replace(':', "-"));
        src.blob_to_file(&layer.digest, &file).await?;
        let (f2, shown) = (file.clone(), src.shown());
        let (man_dest, meta_dest) = (dest.join("manifests"), dest.join("metadata"));
        let (pm, pd) = (manifests.clone(), metadata.clone());
        seen = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let (mut a, mut b) = seen;
            extract_layer(&f2, &[pm.as_str()], &man_dest, &mut a, &shown)?;
            extract_layer(&f2, &[pd.as_str()], &meta_dest, &mut b, &shown)?;
            Ok((a, b))
        })
        .await
        .map_err(|e| e.to_string())??;
    }
    if !dest.join("manifests").is_dir() {
        return Err(format!(
            "{}: not a bundle image (no {manifests}/ in its layers)",
            src.shown()
        ));
    }
    Ok(())
}

/// `/configs/`, `./configs`, `configs` → `configs`.
fn norm_dir(s: &str) -> String {
    s.trim_start_matches("./").trim_matches('/').to_string()
}

/// Extract the entries of one layer (gzip or plain tar) that lie under one of
/// `prefixes` into `dest`, paths relative to the prefix. `seen` holds paths
/// already taken from upper layers (and whiteouts), which win. Returns whether
/// the layer had any entry under a prefix.
pub fn extract_layer(
    file: &Path,
    prefixes: &[&str],
    dest: &Path,
    seen: &mut HashSet<String>,
    shown: &str,
) -> Result<bool, String> {
    let mut f = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(|e| e.to_string())?;
    drop(f);
    let f = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let reader: Box<dyn Read> = if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
            f,
        )))
    } else if n >= 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
        return Err(format!("{shown}: zstd-compressed layers are not supported"));
    } else {
        Box::new(std::io::BufReader::new(f))
    };
    let mut ar = tar::Archive::new(reader);
    let mut found = false;
    let mut opaque_here = Vec::new();
    let mut whiteouts_here = Vec::new();
    let entries = ar
        .entries()
        .map_err(|e| format!("{shown}: reading layer: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{shown}: reading layer: {e}"))?;
        let raw = entry
            .path()
            .map_err(|e| format!("{shown}: {e}"))?
            .to_string_lossy()
            .into_owned();
        let path = raw
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string();
        let Some(rel) = prefixes.iter().find_map(|p| {
            if path == *p {
                Some(String::new())
            } else {
                path.strip_prefix(&format!("{p}/")).map(str::to_string)
            }
        }) else {
            continue;
        };
        found = true;
        let rel_path = Path::new(&rel);
        if rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!("{shown}: unsafe path in layer: {raw}"));
        }
        let name = rel_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = rel_path
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == ".wh..wh..opq" {
            opaque_here.push(parent);
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            whiteouts_here.push(if parent.is_empty() {
                hidden.to_string()
            } else {
                format!("{parent}/{hidden}")
            });
            continue;
        }
        if rel.is_empty() || seen.contains(&rel) || hidden_by(seen, &rel) {
            continue;
        }
        let out = dest.join(rel_path);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        } else if kind.is_file() {
            if let Some(p) = out.parent() {
                std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
            }
            let mut w =
                std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            std::io::copy(&mut entry, &mut w).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        // Links and devices are not catalog content: skipped.
        seen.insert(rel);
    }
    for w in whiteouts_here {
        seen.insert(format!("\0wh:{w}"));
    }
    for o in opaque_here {
        seen.insert(format!("\0opq:{o}"));
    }
    Ok(found)
}

/// Whether `rel` (or a parent) was whited out, or a parent made opaque, by an upper layer.
fn hidden_by(seen: &HashSet<String>, rel: &str) -> bool {
    let mut p = rel;
    loop {
        if seen.contains(&format!("\0wh:{p}")) {
            return true;
        }
        match p.rsplit_once('/') {
            Some((parent, _)) => {
                if seen.contains(&format!("\0opq:{parent}")) {
                    return true;
                }
                p = parent;
            }
            None => return seen.contains("\0opq:"),
        }
    }
}

/// Descriptor of a blob held in a file.
pub fn file_descriptor(media_type: &str, path: &Path) -> Result<Descriptor, String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut h = super::Sha256Writer::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Descriptor {
        media_type: media_type.to_string(),
        digest: h.digest(),
        size: h.len,
    })
}
