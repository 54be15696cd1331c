//! The copy engine: images (and every child of an index) from one store to
//! another, manifests byte for byte, blobs streamed, several images and
//! several blobs at a time, each blob sent once even when many images share
//! it (the others wait, then mount it), every operation retried with backoff
//! when the failure is worth retrying. An image counts as copied only once
//! its top manifest is at the destination.

use super::http::{Category, Error, Result};
use super::progress::Progress;
use super::store::{BlobPut, Store};
use crate::registry::manifest::{self, MediaKind};
use crate::registry::sha256_hex;
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Tuning and behaviour of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub parallel_images: usize,
    pub parallel_layers: usize,
    /// Retries after the first attempt.
    pub retry_times: u32,
    /// First backoff; doubled on each retry (capped at a minute) unless the registry says Retry-After.
    pub retry_delay: Duration,
    /// `os/arch[/variant]` to keep from indexes; empty = all.
    pub platforms: Vec<String>,
}

/// One image to copy.
#[derive(Debug, Clone)]
pub struct Job {
    /// Source and target as the mapping or plan wrote them (for messages and the retry file).
    pub source_text: String,
    pub target_text: String,
    pub src: Store,
    pub src_repo: String,
    /// Tag or `sha256:` digest.
    pub src_ref: String,
    pub dst: Store,
    pub dst_repo: String,
    pub dst_ref: String,
    /// The digest the image must have (a target written `repo:tag@digest`).
    pub dst_pin: Option<String>,
}

/// What happened to one image.
#[derive(Debug, Clone)]
pub enum Status {
    Copied,
    Present,
    Failed(Error),
}

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub uploaded: u64,
    pub mounted: u64,
    pub present: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub job: Job,
    pub status: Status,
    pub digest: Option<String>,
    pub counts: Counts,
}

/// Blobs known at a destination, and the uploads under way.
#[derive(Default)]
struct BlobState {
    present_in: HashSet<String>,
    inflight: Option<watch::Receiver<bool>>,
}

pub struct Engine {
    pub settings: Settings,
    pub progress: Arc<Progress>,
    blobs: Mutex<HashMap<(String, String), BlobState>>,
}

fn store_key(s: &Store) -> String {
    match s {
        Store::Registry(r) => format!("docker://{}", r.host),
        Store::Layout(l) => format!("oci:{}", l.dir.display()),
    }
}

pub fn is_digest(r: &str) -> bool {
    r.starts_with("sha256:")
}

/// Manifest media type from the registry's Content-Type, else from the bytes.
pub fn media_type(bytes: &[u8], header: &str) -> Result<MediaKind> {
    let sniffed = manifest::sniff(bytes).map_err(|e| Error::new(Category::Other, e))?;
    let _ = header;
    Ok(sniffed)
}

/// A manifest's blobs (config + layers) or an index's children.
pub enum Parsed {
    Image(Vec<(String, u64)>),
    Index(Vec<(String, String)>),
}

pub fn parse(bytes: &[u8], kind: MediaKind) -> Result<Parsed> {
    if kind.is_index() {
        let entries = manifest::index_entries(bytes).map_err(|e| Error::new(Category::Other, e))?;
        Ok(Parsed::Index(
            entries.into_iter().map(|(d, p)| (d.digest, p)).collect(),
        ))
    } else {
        let m = manifest::parse_image(bytes).map_err(|e| Error::new(Category::Other, e))?;
        let mut blobs = vec![(m.config.digest, m.config.size)];
        blobs.extend(m.layers.into_iter().map(|l| (l.digest, l.size)));
        Ok(Parsed::Image(blobs))
    }
}

/// The destination refused an index whose other platforms `--platforms` left out: say so,
/// and what to do, instead of the registry's "blob unknown".
fn sparse_refused(e: Error, job: &Job) -> Error {
    let m = e.message.to_ascii_lowercase();
    if !(m.contains("manifest_blob_unknown")
        || m.contains("blob unknown")
        || m.contains("manifest unknown"))
    {
        return e;
    }
    Error::new(
        e.category,
        format!(
            "{}: the registry refused the index because the platforms --platforms left out are not there (it checks every child of an index, as distribution 2.x does; Quay, and distribution 3 with validation.manifests.indexes.platforms, accept such sparse indexes). Mirror all platforms (drop --platforms) into this registry, or use one that accepts sparse indexes. The registry said: {}",
            job.target_text, e.message
        ),
    )
}

/// Whether `platform` (`os/arch[/variant]` of an index entry) passes the filter.
pub fn platform_selected(filter: &[String], platform: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let have: Vec<&str> = platform.split('/').collect();
    filter.iter().any(|f| {
        let want: Vec<&str> = f.split('/').collect();
        have.len() >= 2
            && want.len() >= 2
            && have[0] == want[0]
            && have[1] == want[1]
            && (want.len() < 3 || have.get(2) == want.get(2))
    })
}

/// The delay before retry number `attempt` (0-based).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let d = base.saturating_mul(1u32 << attempt.min(16));
    d.min(Duration::from_secs(60))
}

impl Engine {
    pub fn new(settings: Settings, progress: Arc<Progress>) -> Self {
        Engine {
            settings,
            progress,
            blobs: Mutex::new(HashMap::new()),
        }
    }

    /// Run `f` until it succeeds, fails for good, or retries run out.
    pub async fn retry<T, F, Fut>(&self, mut f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut attempt = 0u32;
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if e.category.retryable() && attempt < self.settings.retry_times => {
                    let wait = e
                        .retry_after
                        .unwrap_or_else(|| backoff(self.settings.retry_delay, attempt));
                    attempt += 1;
                    self.progress
                        .retrying(attempt, self.settings.retry_times, wait, &e);
                    tokio::time::sleep(wait).await;
                }
                Err(mut e) => {
                    if attempt > 0 {
                        e.message = format!("{} (after {} attempts)", e.message, attempt + 1);
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Copy every job, `parallel_images` at a time; reports in job order.
    pub async fn run(self: &Arc<Self>, jobs: Vec<Job>) -> Vec<Report> {
        let n = self.settings.parallel_images.max(1);
        let mut out: Vec<(usize, Report)> =
            futures_util::stream::iter(jobs.into_iter().enumerate())
                .map(|(i, job)| {
                    let me = self.clone();
                    async move {
                        let r = me.copy_image(job).await;
                        me.progress.image_done(&r);
                        (i, r)
                    }
                })
                .buffer_unordered(n)
                .collect()
                .await;
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, r)| r).collect()
    }

    async fn copy_image(&self, job: Job) -> Report {
        let mut counts = Counts::default();
        let mut digest = None;
        let status = match self.copy_image_inner(&job, &mut counts, &mut digest).await {
            Ok(true) => Status::Copied,
            Ok(false) => Status::Present,
            Err(e) => Status::Failed(e),
        };
        Report {
            job,
            status,
            digest,
            counts,
        }
    }

    /// Get a manifest by tag or digest; verify a digest reference; its kind and digest.
    pub async fn fetch_manifest(
        &self,
        store: &Store,
        repo: &str,
        reference: &str,
    ) -> Result<(Bytes, MediaKind, String)> {
        let (bytes, ct) = self.retry(|| store.get_manifest(repo, reference)).await?;
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        if is_digest(reference) && digest != reference {
            return Err(Error::new(
                Category::Corrupt,
                format!(
                    "manifest {}: corrupted content: digest is {digest}",
                    store.shown(repo, reference)
                ),
            ));
        }
        let kind = media_type(&bytes, &ct).map_err(|mut e| {
            e.message = format!("manifest {}: {}", store.shown(repo, reference), e.message);
            e
        })?;
        Ok((bytes, kind, digest))
    }

    /// `Ok(true)` copied, `Ok(false)` already there.
    async fn copy_image_inner(
        &self,
        job: &Job,
        counts: &mut Counts,
        digest_out: &mut Option<String>,
    ) -> Result<bool> {
        let (bytes, kind, digest) = self
            .fetch_manifest(&job.src, &job.src_repo, &job.src_ref)
            .await?;
        *digest_out = Some(digest.clone());
        let want = job
            .dst_pin
            .as_deref()
            .or(is_digest(&job.dst_ref).then_some(job.dst_ref.as_str()));
        if let Some(want) = want
            && want != digest
        {
            return Err(Error::new(
                Category::Other,
                format!(
                    "{} is {digest}, but the target names {want}",
                    job.source_text
                ),
            ));
        }
        let there = self
            .retry(|| job.dst.head_manifest(&job.dst_repo, &job.dst_ref))
            .await?;
        if there.as_deref() == Some(digest.as_str()) {
            return Ok(false);
        }
        // Children of an index (only those not at the destination yet), then blobs.
        let mut children: Vec<(String, Bytes, MediaKind)> = Vec::new();
        let mut blobs: Vec<(String, u64)> = Vec::new();
        let mut seen = HashSet::new();
        // A sparse index: --platforms leaves some of its children out.
        let sparse = match parse(&bytes, kind)? {
            Parsed::Index(entries) => entries
                .iter()
                .any(|(_, p)| !platform_selected(&self.settings.platforms, p)),
            Parsed::Image(_) => false,
        };
        let mut todo = vec![(bytes.clone(), kind)];
        while let Some((b, k)) = todo.pop() {
            match parse(&b, k)? {
                Parsed::Image(list) => {
                    for (d, s) in list {
                        if seen.insert(d.clone()) {
                            blobs.push((d, s));
                        }
                    }
                }
                Parsed::Index(entries) => {
                    let none_selected = !entries.is_empty()
                        && !entries
                            .iter()
                            .any(|(_, p)| platform_selected(&self.settings.platforms, p));
                    if none_selected {
                        let have: Vec<&str> = entries.iter().map(|(_, p)| p.as_str()).collect();
                        return Err(Error::new(
                            Category::NotFound,
                            format!(
                                "{}: none of its platforms ({}) is in --platforms {}",
                                job.source_text,
                                have.join(", "),
                                self.settings.platforms.join(",")
                            ),
                        ));
                    }
                    for (child, platform) in entries {
                        if !platform_selected(&self.settings.platforms, &platform)
                            || !seen.insert(child.clone())
                        {
                            continue;
                        }
                        let have = self
                            .retry(|| job.dst.has_child(&job.dst_repo, &child))
                            .await?;
                        if have {
                            continue;
                        }
                        let (cb, ck, _) =
                            self.fetch_manifest(&job.src, &job.src_repo, &child).await?;
                        children.push((child, cb.clone(), ck));
                        todo.push((cb, ck));
                    }
                }
            }
        }
        self.progress
            .add_expected(blobs.iter().map(|(_, s)| *s).sum());
        let results: Vec<Result<(BlobPut, u64, bool)>> = futures_util::stream::iter(blobs)
            .map(|(d, s)| async move { self.copy_blob(job, &d, s).await })
            .buffer_unordered(self.settings.parallel_layers.max(1))
            .collect()
            .await;
        let mut first_err = None;
        for r in results {
            match r {
                Ok((_, size, true)) => {
                    counts.present += 1;
                    self.progress.add_skipped(size);
                }
                Ok((BlobPut::Mounted, size, false)) => {
                    counts.mounted += 1;
                    self.progress.add_skipped(size);
                }
                Ok((BlobPut::Uploaded, size, false)) => {
                    counts.uploaded += 1;
                    counts.bytes += size;
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        // Children bottom-up (a nested index after its own children).
        for (d, b, k) in children.iter().rev() {
            self.retry(|| {
                job.dst
                    .put_manifest(&job.dst_repo, d, b.clone(), k.media_type(), d, false)
            })
            .await?;
        }
        self.retry(|| {
            job.dst.put_manifest(
                &job.dst_repo,
                &job.dst_ref,
                bytes.clone(),
                kind.media_type(),
                &digest,
                true,
            )
        })
        .await
        .map_err(|e| if sparse { sparse_refused(e, job) } else { e })?;
        Ok(true)
    }

    /// Get one blob to the destination repository: `(how, size, already_there)`.
    async fn copy_blob(&self, job: &Job, digest: &str, size: u64) -> Result<(BlobPut, u64, bool)> {
        let key = (store_key(&job.dst), digest.to_string());
        loop {
            enum Next {
                Done,
                Wait(watch::Receiver<bool>),
                Go(watch::Sender<bool>, Option<String>),
            }
            let next = {
                let mut map = self.blobs.lock().unwrap();
                let st = map.entry(key.clone()).or_default();
                if st.present_in.contains(&job.dst_repo) {
                    Next::Done
                } else if let Some(rx) = &st.inflight {
                    Next::Wait(rx.clone())
                } else {
                    let (tx, rx) = watch::channel(false);
                    st.inflight = Some(rx);
                    Next::Go(tx, st.present_in.iter().next().cloned())
                }
            };
            match next {
                Next::Done => return Ok((BlobPut::Mounted, size, true)),
                Next::Wait(mut rx) => {
                    let _ = rx.wait_for(|v| *v).await;
                }
                Next::Go(tx, from) => {
                    let r = self.transfer(job, digest, size, from).await;
                    {
                        let mut map = self.blobs.lock().unwrap();
                        let st = map.entry(key.clone()).or_default();
                        st.inflight = None;
                        if r.is_ok() {
                            st.present_in.insert(job.dst_repo.clone());
                        }
                    }
                    let _ = tx.send(true);
                    return r.map(|(how, there)| (how, size, there));
                }
            }
        }
    }

    async fn transfer(
        &self,
        job: &Job,
        digest: &str,
        size: u64,
        known_in: Option<String>,
    ) -> Result<(BlobPut, bool)> {
        if known_in.is_none()
            && self
                .retry(|| job.dst.has_blob(&job.dst_repo, digest))
                .await?
        {
            return Ok((BlobPut::Mounted, true));
        }
        // Mount from where we put it before, or from the source repository
        // when source and destination are the same registry.
        let mount_from = known_in.or_else(|| {
            (job.src.host().is_some() && job.src.host() == job.dst.host())
                .then(|| job.src_repo.clone())
        });
        let how = self
            .retry(|| {
                let counter = Arc::new(AtomicU64::new(0));
                let c2 = counter.clone();
                let src = job.src.clone();
                let repo = job.src_repo.clone();
                let d = digest.to_string();
                let progress = self.progress.clone();
                let p2 = progress.clone();
                let mount_from = mount_from.clone();
                async move {
                    let r = job
                        .dst
                        .put_blob(
                            &job.dst_repo,
                            digest,
                            size,
                            mount_from.as_deref(),
                            move || {
                                async move {
                                    let (s, len) = src.get_blob(&repo, &d).await?;
                                    if let Some(l) = len
                                        && l != size
                                    {
                                        return Err(Error::new(
                                            Category::Corrupt,
                                            format!(
                                                "blob {d} of {repo}: {l} bytes served, the manifest says {size}"
                                            ),
                                        ));
                                    }
                                    let s = s.inspect(move |c| {
                                        if let Ok(b) = c {
                                            c2.fetch_add(b.len() as u64, Ordering::Relaxed);
                                            p2.add_bytes(b.len() as u64);
                                        }
                                    });
                                    Ok(Box::pin(s) as super::http::ByteStream)
                                }
                                .boxed()
                            },
                        )
                        .await;
                    if r.is_err() {
                        progress.sub_bytes(counter.load(Ordering::Relaxed));
                    }
                    r
                }
            })
            .await?;
        Ok((how, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_millis(500);
        assert_eq!(backoff(b, 0), Duration::from_millis(500));
        assert_eq!(backoff(b, 3), Duration::from_secs(4));
        assert_eq!(backoff(b, 30), Duration::from_secs(60));
    }

    #[test]
    fn platform_filter() {
        let f = vec!["linux/amd64".to_string()];
        assert!(platform_selected(&f, "linux/amd64"));
        assert!(!platform_selected(&f, "linux/arm64/v8"));
        assert!(platform_selected(&[], "linux/arm64"));
        assert!(platform_selected(
            &["linux/arm64/v8".to_string()],
            "linux/arm64/v8"
        ));
    }
}
