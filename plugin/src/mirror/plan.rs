//! The dry run: read every manifest (and every child of an index), HEAD every
//! blob at the destination, copy nothing; count images, unique blobs and the
//! bytes a real run would send.

use super::copy::{Engine, Job, Parsed, is_digest, parse, platform_selected};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// One image of the plan.
#[derive(Debug, Clone)]
pub struct ImagePlan {
    pub source: String,
    pub target: String,
    pub digest: Option<String>,
    /// Manifests (1, or the index plus its selected children).
    pub manifests: usize,
    /// The target already has the image.
    pub present: bool,
    /// (digest, size, at the destination repository).
    pub blobs: Vec<(String, u64, bool)>,
    pub error: Option<super::http::Error>,
}

/// Totals of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub images: usize,
    pub images_present: usize,
    pub images_failed: usize,
    pub manifests: usize,
    pub blobs: usize,
    pub bytes: u64,
    pub blobs_present: usize,
    pub bytes_present: u64,
}

impl Totals {
    pub fn of(plans: &[ImagePlan]) -> Self {
        let mut t = Totals {
            images: plans.len(),
            ..Default::default()
        };
        // A blob is "present" when some repository of the destination has it
        // (a real run mounts it instead of sending it).
        let mut unique: BTreeMap<&str, (u64, bool)> = BTreeMap::new();
        for p in plans {
            t.manifests += p.manifests;
            t.images_present += usize::from(p.present);
            t.images_failed += usize::from(p.error.is_some());
            for (d, s, here) in &p.blobs {
                let e = unique.entry(d).or_insert((*s, false));
                e.1 |= *here;
            }
        }
        for (size, here) in unique.values() {
            t.blobs += 1;
            t.bytes += size;
            if *here {
                t.blobs_present += 1;
                t.bytes_present += size;
            }
        }
        t
    }
}

async fn plan_one(engine: &Engine, job: &Job) -> ImagePlan {
    let mut p = ImagePlan {
        source: job.source_text.clone(),
        target: job.target_text.clone(),
        digest: None,
        manifests: 0,
        present: false,
        blobs: Vec::new(),
        error: None,
    };
    if let Err(e) = walk(engine, job, &mut p).await {
        p.error = Some(e);
    }
    p
}

async fn walk(engine: &Engine, job: &Job, p: &mut ImagePlan) -> super::http::Result<()> {
    let (bytes, kind, digest) = engine
        .fetch_manifest(&job.src, &job.src_repo, &job.src_ref)
        .await?;
    p.digest = Some(digest.clone());
    let there = engine
        .retry(|| job.dst.head_manifest(&job.dst_repo, &job.dst_ref))
        .await?;
    p.present = there.as_deref() == Some(digest.as_str());
    let mut seen = HashSet::new();
    let mut todo = vec![(bytes, kind)];
    let mut blobs = Vec::new();
    while let Some((b, k)) = todo.pop() {
        p.manifests += 1;
        match parse(&b, k)? {
            Parsed::Image(list) => {
                for (d, s) in list {
                    if seen.insert(d.clone()) {
                        blobs.push((d, s));
                    }
                }
            }
            Parsed::Index(entries) => {
                for (child, platform) in entries {
                    if platform_selected(&engine.settings.platforms, &platform)
                        && seen.insert(child.clone())
                    {
                        let (cb, ck, _) = engine
                            .fetch_manifest(&job.src, &job.src_repo, &child)
                            .await?;
                        todo.push((cb, ck));
                    }
                }
            }
        }
    }
    if p.present {
        p.blobs = blobs.into_iter().map(|(d, s)| (d, s, true)).collect();
        return Ok(());
    }
    let checked: Vec<super::http::Result<(String, u64, bool)>> = futures_util::stream::iter(blobs)
        .map(|(d, s)| async move {
            let here = engine.retry(|| job.dst.has_blob(&job.dst_repo, &d)).await?;
            Ok((d, s, here))
        })
        .buffered(engine.settings.parallel_layers.max(1))
        .collect()
        .await;
    for c in checked {
        p.blobs.push(c?);
    }
    Ok(())
}

/// Plan every job, `parallel_images` at a time (results in job order).
pub async fn dry_run(engine: &Arc<Engine>, jobs: &[Job]) -> Vec<ImagePlan> {
    futures_util::stream::iter(jobs)
        .map(|j| plan_one(engine, j))
        .buffered(engine.settings.parallel_images.max(1))
        .collect()
        .await
}

/// plan.json: every image with its blobs, and the totals.
pub fn plan_json(plans: &[ImagePlan]) -> Value {
    let t = Totals::of(plans);
    json!({
        "images": plans.iter().map(|p| json!({
            "source": p.source,
            "target": p.target,
            "digest": p.digest,
            "byDigest": is_digest(p.target.rsplit_once('@').map_or("", |(_, d)| d)),
            "manifests": p.manifests,
            "present": p.present,
            "blobs": p.blobs.iter().map(|(d, s, h)| json!({"digest": d, "size": s, "present": h})).collect::<Vec<_>>(),
            "error": p.error.as_ref().map(|e| e.message.clone()),
        })).collect::<Vec<_>>(),
        "totals": {
            "images": t.images, "imagesPresent": t.images_present, "imagesFailed": t.images_failed,
            "manifests": t.manifests, "blobs": t.blobs, "bytes": t.bytes,
            "blobsPresent": t.blobs_present, "bytesPresent": t.bytes_present,
            "blobsToTransfer": t.blobs - t.blobs_present, "bytesToTransfer": t.bytes - t.bytes_present,
        }
    })
}
