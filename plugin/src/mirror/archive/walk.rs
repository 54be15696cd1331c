//! The blobs an OCI layout's index.json needs: every manifest it names (and,
//! through image indexes, their children), each manifest's config and layers.
//! Manifests are small and read whole (and checked against their digest);
//! configs and layers are only checked for presence and size.

use super::format::valid_digest;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Largest manifest read (the distribution spec's limit is 4 MiB).
const MAX_MANIFEST: u64 = 16 << 20;

/// A blob the index needs that the layout lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub digest: String,
    /// What refers to it (`index.json` or the manifest's digest).
    pub from: String,
    /// A platform manifest under an image index: copies filtered by platform
    /// leave these out on purpose.
    pub optional: bool,
}

#[derive(Debug, Default)]
pub struct Closure {
    /// Every needed blob present in the layout, (digest, size), in walk order.
    pub blobs: Vec<(String, u64)>,
    pub missing: Vec<Missing>,
    /// Entries of index.json.
    pub images: usize,
}

pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap_or(digest))
}

struct Desc {
    digest: String,
    size: u64,
    manifest: bool,
    optional: bool,
    from: String,
}

fn descriptor(v: &Value, what: &str, from: &str) -> Result<(String, u64), String> {
    let digest = v
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{from}: {what} without a digest"))?;
    if !valid_digest(digest) {
        return Err(format!(
            "{from}: {what} {digest:?}: only sha256 digests are supported"
        ));
    }
    let size = v
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{from}: {what} {digest} without a size"))?;
    Ok((digest.to_string(), size))
}

/// Walk `index` (the bytes of an index.json) against the blobs of `layout`.
pub fn closure(layout: &Path, index: &[u8]) -> Result<Closure, String> {
    let iv: Value =
        serde_json::from_slice(index).map_err(|e| format!("index.json is not JSON: {e}"))?;
    let list = iv
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or("index.json has no manifests list")?;
    let mut out = Closure {
        images: list.len(),
        ..Closure::default()
    };
    let mut stack: Vec<Desc> = Vec::new();
    for m in list.iter().rev() {
        let (digest, size) = descriptor(m, "manifest", "index.json")?;
        stack.push(Desc {
            digest,
            size,
            manifest: true,
            optional: false,
            from: "index.json".into(),
        });
    }
    let mut seen = HashSet::new();
    while let Some(d) = stack.pop() {
        if !seen.insert(d.digest.clone()) {
            continue;
        }
        let p = blob_path(layout, &d.digest);
        let meta = match std::fs::metadata(&p) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(format!("{}: not a regular file", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.missing.push(Missing {
                    digest: d.digest,
                    from: d.from,
                    optional: d.optional,
                });
                continue;
            }
            Err(e) => return Err(format!("{}: {e}", p.display())),
        };
        if meta.len() != d.size {
            return Err(format!(
                "{}: blob {} is {} bytes but {} says {} (truncated or replaced)",
                layout.display(),
                d.digest,
                meta.len(),
                d.from,
                d.size
            ));
        }
        out.blobs.push((d.digest.clone(), d.size));
        if !d.manifest {
            continue;
        }
        if d.size > MAX_MANIFEST {
            return Err(format!(
                "{}: manifest {} is {} bytes, more than a manifest can be",
                layout.display(),
                d.digest,
                d.size
            ));
        }
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let actual = format!("sha256:{}", crate::registry::sha256_hex(&bytes));
        if actual != d.digest {
            return Err(format!(
                "{}: manifest {} is corrupted (its content hashes to {actual})",
                layout.display(),
                d.digest
            ));
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}: manifest {} is not JSON: {e}",
                layout.display(),
                d.digest
            )
        })?;
        let mut children = Vec::new();
        if let Some(ms) = v.get("manifests").and_then(Value::as_array) {
            for m in ms {
                let (digest, size) = descriptor(m, "manifest", &d.digest)?;
                children.push(Desc {
                    digest,
                    size,
                    manifest: true,
                    optional: true,
                    from: d.digest.clone(),
                });
            }
        }
        if let Some(c) = v.get("config") {
            let (digest, size) = descriptor(c, "config", &d.digest)?;
            children.push(Desc {
                digest,
                size,
                manifest: false,
                optional: false,
                from: d.digest.clone(),
            });
        }
        for key in ["layers", "blobs"] {
            for l in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                // Foreign (non-distributable) layers live elsewhere.
                if l.get("urls").is_some() {
                    continue;
                }
                let (digest, size) = descriptor(l, "layer", &d.digest)?;
                children.push(Desc {
                    digest,
                    size,
                    manifest: false,
                    optional: false,
                    from: d.digest.clone(),
                });
            }
        }
        stack.extend(children.into_iter().rev());
    }
    Ok(out)
}
