//! Images as render and list need them (the `input::ImageSource` seam): the
//! labels and the files of a catalog image (only its FBC layer), of a bundle
//! image (`manifests/` and `metadata/`) or of a sqlite index image (the
//! database file).

use super::Options;
use super::catalog::{self, CONFIGS_LABEL, DATABASE_LABEL, Source};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Labels, and files as (relative path, bytes): for a catalog image the files
/// under its configs directory relative to it; for a bundle image the files
/// under `manifests/` and `metadata/` relative to the image root; for a sqlite
/// index image the database file under its path without the leading `/`.
pub type ImageContent = (BTreeMap<String, String>, Vec<(String, Vec<u8>)>);

/// Pull `reference` (registry or `oci:DIR[:TAG]`) and return its content.
pub fn fetch_image_files(reference: &str, opts: &Options) -> Result<ImageContent, String> {
    super::block_on(fetch_async(reference, opts))?
}

async fn fetch_async(reference: &str, opts: &Options) -> Result<ImageContent, String> {
    let src = Source::open(reference, opts).await?;
    let image = src.image(&opts.platform).await?;
    let labels = image.labels();
    let tmp = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let dest = tmp.path().join("content");
    if labels.contains_key(CONFIGS_LABEL) {
        catalog::fetch_catalog_of(&src, &image, &dest).await?;
        let files = read_tree(&dest, "")?;
        return Ok((labels, files));
    }
    if let Some(db) = labels.get(DATABASE_LABEL) {
        let want = db.trim_start_matches('/').to_string();
        let (dir, name) = want.rsplit_once('/').unwrap_or(("", want.as_str()));
        let layers = image.parsed.layers.clone();
        for layer in layers.iter().rev() {
            let file = tmp.path().join(layer.digest.replace(':', "-"));
            src.blob_to_file(&layer.digest, &file).await?;
            let d = dest.clone();
            let prefix = dir.to_string();
            let shown = src.shown();
            tokio::task::spawn_blocking(move || {
                catalog::extract_layer(&file, &[prefix.as_str()], &d, &mut HashSet::new(), &shown)
            })
            .await
            .map_err(|e| e.to_string())??;
            let p = dest.join(name);
            if p.is_file() {
                let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                return Ok((labels, vec![(want.clone(), bytes)]));
            }
        }
        return Err(format!(
            "{}: database {db} not found in the image",
            src.shown()
        ));
    }
    catalog::fetch_bundle_of(&src, &image, &dest).await?;
    let files = read_tree(&dest, "")?;
    Ok((labels, files))
}

/// Every regular file below `root`, sorted, with paths relative to it.
fn read_tree(root: &Path, rel: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let ft = e.file_type().map_err(|er| er.to_string())?;
        if ft.is_dir() {
            out.extend(read_tree(root, &r)?);
        } else if ft.is_file() {
            let bytes =
                std::fs::read(e.path()).map_err(|er| format!("{}: {er}", e.path().display()))?;
            out.push((r, bytes));
        }
    }
    Ok(out)
}

/// The registry layer behind render's `input::ImageSource` seam, with the
/// registry options of this run (`--authfile`, `--cert-dir`, `--tls-verify`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistrySource;

impl crate::input::ImageSource for RegistrySource {
    fn fetch(&self, reference: &str) -> Result<crate::input::ImageFiles, String> {
        let (labels, files) = fetch_image_files(reference, &super::options())?;
        Ok(crate::input::ImageFiles { labels, files })
    }
}
