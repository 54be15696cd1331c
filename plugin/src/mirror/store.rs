//! Where images are read from and written to: a registry (through
//! [`http::Registry`]) or an OCI image layout directory. In a layout every
//! top-level image is an `index.json` entry whose
//! `org.opencontainers.image.ref.name` is `REPO:TAG` or `REPO@sha256:…`
//! (its path at the destination without the registry), so `skopeo inspect
//! oci:DIR:REPO:TAG` reads it and a later disk-to-mirror run knows where each
//! image goes. Blobs written to a layout are hashed on the way and only
//! renamed into place once their digest is verified.

use super::http::{self, ByteStream, Category, Error, Result};
use crate::registry::Sha256Writer;
use crate::registry::layout::write_atomic;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A registry or a layout.
#[derive(Clone, Debug)]
pub enum Store {
    Registry(Arc<http::Registry>),
    Layout(Arc<LayoutStore>),
}

/// An OCI layout directory being read or written.
#[derive(Debug)]
pub struct LayoutStore {
    pub dir: PathBuf,
    /// index.json, read once, written after each image.
    index: Mutex<Value>,
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(Category::Other, format!("{}: {e}", path.display()))
}

/// A temporary name beside `dest`, unique in this process and among processes.
fn unique_tmp(dest: &Path) -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.partial-{}-{n}", std::process::id()))
}

/// Write through a unique temporary file and rename (several tasks may write the same blob).
fn write_unique(dest: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = unique_tmp(dest);
    let res = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(data));
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp, e));
    }
    std::fs::rename(&tmp, dest).map_err(|e| io(dest, e))
}

/// `REPO:TAG` or `REPO@sha256:…`.
pub fn ref_name(repo: &str, reference: &str) -> String {
    if reference.starts_with("sha256:") {
        format!("{repo}@{reference}")
    } else {
        format!("{repo}:{reference}")
    }
}

/// The repository and tag-or-digest of a ref name (`None` when it has neither).
pub fn split_ref_name(name: &str) -> Option<(String, String)> {
    if let Some((repo, d)) = name.split_once('@') {
        return Some((repo.to_string(), d.to_string()));
    }
    let (repo, tag) = name.rsplit_once(':')?;
    if tag.contains('/') || repo.is_empty() {
        return None;
    }
    Some((repo.to_string(), tag.to_string()))
}

impl LayoutStore {
    /// Open `dir`, creating an empty layout when `create`.
    pub fn open(dir: &Path, create: bool) -> std::result::Result<Self, String> {
        if create {
            crate::registry::layout::Layout::create(dir)?;
        } else {
            crate::registry::layout::Layout::open(dir)?;
        }
        let p = dir.join("index.json");
        let text = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let index: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        if !index.get("manifests").is_some_and(Value::is_array) {
            return Err(format!("{}: no manifests list", p.display()));
        }
        Ok(LayoutStore {
            dir: dir.to_path_buf(),
            index: Mutex::new(index),
        })
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.dir.join("blobs/sha256").join(hex)
    }

    /// Every (ref name, digest, media type) of index.json.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let idx = self.index.lock().unwrap();
        idx["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| {
                Some((
                    m.pointer("/annotations/org.opencontainers.image.ref.name")?
                        .as_str()?
                        .to_string(),
                    m.get("digest")?.as_str()?.to_string(),
                    m.get("mediaType")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ))
            })
            .collect()
    }

    fn lookup(&self, name: &str) -> Option<(String, String)> {
        let idx = self.index.lock().unwrap();
        idx["manifests"].as_array()?.iter().find_map(|m| {
            (m.pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str)
                == Some(name))
            .then(|| {
                (
                    m.get("digest")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    m.get("mediaType")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            })
        })
    }

    fn set_ref(&self, name: &str, digest: &str, media_type: &str, size: u64) -> Result<()> {
        // The lock is held through the write, so the file on disk is never
        // older than an image already reported.
        let mut idx = self.index.lock().unwrap();
        let list = idx["manifests"].as_array_mut().expect("checked at open");
        list.retain(|m| {
            m.pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str)
                != Some(name)
        });
        list.push(json!({
            "mediaType": media_type, "digest": digest, "size": size,
            "annotations": { REF_NAME: name }
        }));
        let bytes =
            serde_json::to_vec(&*idx).map_err(|e| Error::new(Category::Other, e.to_string()))?;
        write_atomic(&self.dir.join("index.json"), &bytes)
            .map_err(|e| Error::new(Category::Other, e))
    }
}

impl Store {
    pub fn shown(&self, repo: &str, reference: &str) -> String {
        match self {
            Store::Registry(r) => format!("{}/{}", r.host, ref_name(repo, reference)),
            Store::Layout(l) => format!("oci:{}:{}", l.dir.display(), ref_name(repo, reference)),
        }
    }

    /// The registry host, when a registry.
    pub fn host(&self) -> Option<&str> {
        match self {
            Store::Registry(r) => Some(&r.host),
            Store::Layout(_) => None,
        }
    }

    /// Manifest bytes and media type (tag or digest).
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<(Bytes, String)> {
        match self {
            Store::Registry(r) => r.get_manifest(repo, reference).await,
            Store::Layout(l) => {
                let (digest, mt) = if reference.starts_with("sha256:") {
                    (reference.to_string(), String::new())
                } else {
                    l.lookup(&ref_name(repo, reference)).ok_or_else(|| {
                        Error::new(
                            Category::NotFound,
                            format!(
                                "{}: no image {} in the layout",
                                l.dir.display(),
                                ref_name(repo, reference)
                            ),
                        )
                    })?
                };
                let p = l.blob_path(&digest);
                let data = match tokio::fs::read(&p).await {
                    Ok(d) => d,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(Error::new(
                            Category::NotFound,
                            format!("{}: manifest {digest} missing", l.dir.display()),
                        ));
                    }
                    Err(e) => return Err(io(&p, e)),
                };
                Ok((Bytes::from(data), mt))
            }
        }
    }

    /// The digest of the manifest at `reference`, when present.
    pub async fn head_manifest(&self, repo: &str, reference: &str) -> Result<Option<String>> {
        match self {
            Store::Registry(r) => r.head_manifest(repo, reference).await,
            // A top-level image of a layout is there when index.json names it.
            Store::Layout(l) => Ok(l.lookup(&ref_name(repo, reference)).map(|(d, _)| d)),
        }
    }

    /// Whether a child manifest of an index (by digest) is there.
    pub async fn has_child(&self, repo: &str, digest: &str) -> Result<bool> {
        match self {
            Store::Registry(r) => Ok(r.head_manifest(repo, digest).await?.is_some()),
            Store::Layout(l) => Ok(l.blob_path(digest).is_file()),
        }
    }

    /// Write a manifest; in a layout, a tag (or a top-level digest) becomes an index.json entry.
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        bytes: Bytes,
        media_type: &str,
        digest: &str,
        top: bool,
    ) -> Result<()> {
        match self {
            Store::Registry(r) => r.put_manifest(repo, reference, bytes, media_type).await,
            Store::Layout(l) => {
                let p = l.blob_path(digest);
                if !p.is_file() {
                    write_unique(&p, &bytes)?;
                }
                if top {
                    l.set_ref(
                        &ref_name(repo, reference),
                        digest,
                        media_type,
                        bytes.len() as u64,
                    )?;
                }
                Ok(())
            }
        }
    }

    pub async fn has_blob(&self, repo: &str, digest: &str) -> Result<bool> {
        match self {
            Store::Registry(r) => r.has_blob(repo, digest).await,
            Store::Layout(l) => Ok(l.blob_path(digest).is_file()),
        }
    }

    /// A blob as a stream, and its length when known.
    pub async fn get_blob(&self, repo: &str, digest: &str) -> Result<(ByteStream, Option<u64>)> {
        match self {
            Store::Registry(r) => r.get_blob(repo, digest).await,
            Store::Layout(l) => {
                let p = l.blob_path(digest);
                let f = tokio::fs::File::open(&p).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Error::new(
                            Category::NotFound,
                            format!("{}: blob {digest} missing", l.dir.display()),
                        )
                    } else {
                        io(&p, e)
                    }
                })?;
                let len = f.metadata().await.ok().map(|m| m.len());
                let s = tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024);
                Ok((Box::pin(s), len))
            }
        }
    }

    /// Store a blob from a stream (in a layout: hashed, verified, then renamed into place).
    /// `mount_from`: a repository of the same registry that has it.
    pub async fn put_blob(
        &self,
        repo: &str,
        digest: &str,
        size: u64,
        mount_from: Option<&str>,
        body: impl FnOnce() -> futures_util::future::BoxFuture<'static, Result<ByteStream>>,
    ) -> Result<BlobPut> {
        match self {
            Store::Registry(r) => {
                let url = match r.mount_or_start(repo, digest, mount_from).await? {
                    None => return Ok(BlobPut::Mounted),
                    Some(u) => u,
                };
                let stream = body().await?;
                r.put_blob(repo, &url, digest, size, stream).await?;
                Ok(BlobPut::Uploaded)
            }
            Store::Layout(l) => {
                let dest = l.blob_path(digest);
                if dest.is_file() {
                    return Ok(BlobPut::Mounted);
                }
                let mut stream = body().await?;
                let tmp = unique_tmp(&dest);
                let mut file = tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| io(&tmp, e))?;
                let mut hash = Sha256Writer::default();
                let res: Result<()> = async {
                    while let Some(chunk) = stream.next().await {
                        let chunk = chunk.map_err(|e| {
                            Error::new(
                                Category::Transient,
                                format!("reading blob {digest}: {e}"),
                            )
                        })?;
                        hash.update(&chunk);
                        file.write_all(&chunk).await.map_err(|e| io(&tmp, e))?;
                    }
                    file.flush().await.map_err(|e| io(&tmp, e))?;
                    let actual = hash.digest();
                    if actual != digest || hash.len != size {
                        return Err(Error::new(
                            Category::Corrupt,
                            format!(
                                "blob {digest}: corrupted content: got {actual} ({} bytes, expected {size})",
                                hash.len
                            ),
                        ));
                    }
                    Ok(())
                }
                .await;
                drop(file);
                if let Err(e) = res {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
                std::fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))?;
                Ok(BlobPut::Uploaded)
            }
        }
    }
}

/// How a blob got to the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobPut {
    Uploaded,
    Mounted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_round_trip() {
        assert_eq!(ref_name("ns/app", "v1"), "ns/app:v1");
        assert_eq!(
            split_ref_name("ns/app:v1"),
            Some(("ns/app".into(), "v1".into()))
        );
        let d = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        assert_eq!(
            split_ref_name(&ref_name("a/b", d)),
            Some(("a/b".into(), d.into()))
        );
        assert_eq!(split_ref_name("latest"), None);
    }
}
