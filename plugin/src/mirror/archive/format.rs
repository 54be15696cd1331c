//! What a chunk says about itself: the JSON document stored as the first entry
//! of every `mirror_NNNNNN.tar`, the archive index beside the tars, and the
//! names both sides agree on.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version tag of the chunk manifest; unpack refuses others.
pub const FORMAT: &str = "oc-catalog.archive/v1";
/// The first entry of every chunk.
pub const MANIFEST_NAME: &str = "oc-catalog-archive.json";
/// The index of the last pack, beside the tars (not inside them).
pub const INDEX_NAME: &str = "mirror-archive.json";
/// Prefix of the layout inside the tars (`oci/blobs/sha256/...`).
pub const LAYOUT_PREFIX: &str = "oci";
/// Prefix of the shipped metadata inside the tars.
pub const WORKDIR_PREFIX: &str = "working-dir";
/// Annotations stamped on the index.json of a layout archives were applied to.
pub const ANN_RUN: &str = "io.oc-catalog.archive.run";
pub const ANN_CREATED: &str = "io.oc-catalog.archive.created";

/// `mirror_000001.tar` for chunk 1.
pub fn chunk_name(n: u32) -> String {
    format!("mirror_{n:06}.tar")
}

/// The chunk number in a file name `mirror_NNNNNN.tar`.
pub fn chunk_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("mirror_")?.strip_suffix(".tar")?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub digest: String,
    pub size: u64,
}

/// A metadata file (the layout's index.json and oci-layout, working-dir files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path inside the tar (`oci/index.json`, `working-dir/mapping.txt`).
    pub path: String,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// The self-description of one chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkManifest {
    pub format: String,
    /// Identifies the pack run; every chunk of one run carries the same id.
    pub run: String,
    /// RFC 3339 UTC time of the run.
    pub created: String,
    /// 1-based number of this chunk, and how many the run has.
    pub chunk: u32,
    pub chunks: u32,
    /// Blobs in this chunk, in tar order.
    pub blobs: Vec<BlobEntry>,
    /// Metadata files in this chunk (chunk 1 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    /// Blobs the layout needs that earlier runs shipped, with the run that did
    /// (chunk 1 only; empty for a full archive).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub previous: BTreeMap<String, String>,
    /// Runs whose archives must be applied before this one (chunk 1 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<RunRef>,
    /// Blobs and blob bytes of the whole run.
    pub run_blobs: u64,
    pub run_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub run: String,
    pub created: String,
}

/// `mirror-archive.json`: what the last pack wrote (for people and scripts).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveIndex {
    pub format: String,
    pub run: String,
    pub created: String,
    pub chunks: Vec<ChunkInfo>,
    pub images: usize,
    pub shipped_blobs: u64,
    pub shipped_bytes: u64,
    pub skipped_blobs: u64,
    pub skipped_bytes: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<RunRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkInfo {
    pub file: String,
    /// Size of the tar file.
    pub size: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
}

/// `sha256:` + 64 lowercase hex digits.
pub fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(valid_hex)
}

pub fn valid_hex(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names_round_trip() {
        assert_eq!(chunk_name(1), "mirror_000001.tar");
        assert_eq!(chunk_number("mirror_000042.tar"), Some(42));
        assert_eq!(chunk_number("mirror_42.tar"), None);
        assert_eq!(chunk_number("mirror_00004a.tar"), None);
        assert_eq!(chunk_number("mirror_000001.tar.partial"), None);
    }
}
