//! Archives of an OCI image layout, for carrying a mirror across an air gap.
//!
//! `pack` (mirror to disk) writes `DIR/mirror_000001.tar`, `mirror_000002.tar`, … from the
//! layout in `DIR/oci/` and the metadata in `DIR/working-dir/`, split at a chunk size. Every
//! chunk is a plain tar whose first entry, `oc-catalog-archive.json`, says which run it belongs
//! to, that it is chunk *n* of *N*, and what it holds; `tar -xf` of all chunks of a full archive
//! gives back `oci/` and `working-dir/`. Runs are incremental: `DIR/.history/` records the
//! blobs earlier runs shipped, and the next run ships only blobs not recorded there (the
//! layout's index.json and working-dir always travel). The new tars are written aside and
//! renamed over the previous run's only when all of them are complete.
//!
//! `unpack` (disk to mirror) reads the chunks of a run in any order, says which chunk is
//! missing, validates every tar entry (only the names and types `pack` writes; no `..`,
//! absolute paths, links or devices), streams every blob through SHA-256 into a temporary file
//! renamed into the layout only when the digest matches, checks that the layout then holds every
//! blob its index needs (naming the earlier run whose archive is missing otherwise), and only
//! then merges index.json and moves working-dir into place.
//!
//! Blobs are never held in memory: pack copies file to file in the kernel, unpack hashes
//! through a 32 KiB buffer per chunk being read (two chunks at a time).

mod format;
mod history;
mod safety;
mod tarw;
mod walk;

pub use format::{
    ArchiveIndex, BlobEntry, ChunkInfo, ChunkManifest, FORMAT, FileEntry, INDEX_NAME,
    MANIFEST_NAME, RunRef, chunk_name, chunk_number,
};
pub use history::{HISTORY_DIR, RunRecord, Since};
pub use safety::{Member, classify};

use format::{ANN_CREATED, ANN_RUN, LAYOUT_PREFIX, WORKDIR_PREFIX};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The layout inside `DIR` (`DIR/oci`), and the metadata directory (`DIR/working-dir`).
pub const LAYOUT_DIR: &str = "oci";
pub const WORKING_DIR: &str = "working-dir";
pub const GIB: u64 = 1 << 30;
/// oc-mirror's default `archiveSize`.
pub const DEFAULT_CHUNK_GIB: u64 = 500;

/// Largest chunk manifest read.
const MAX_CHUNK_MANIFEST: u64 = 256 << 20;
// Small enough to stay in the CPU caches between read, hash and write: with 1 MiB the
// copies into the page cache missed and unpack took twice as long (32 KiB: as fast as tar -xf).
const BUF: usize = 32 << 10;

/// What to pack.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// Where the tars, the archive index and `.history/` go.
    pub dir: PathBuf,
    /// The OCI layout to pack (default `DIR/oci`).
    pub layout: Option<PathBuf>,
    /// Metadata shipped with every run (default `DIR/working-dir`; absent → none).
    pub working_dir: Option<PathBuf>,
    /// Chunk size in bytes (`--archive-size` GiB × 2^30).
    pub chunk_bytes: u64,
    /// Which earlier runs count as shipped.
    pub since: Since,
    /// A blob larger than a chunk is an error instead of a warning.
    pub strict: bool,
}

impl PackOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PackOptions {
            dir: dir.into(),
            layout: None,
            working_dir: None,
            chunk_bytes: DEFAULT_CHUNK_GIB * GIB,
            since: Since::History,
            strict: false,
        }
    }
}

/// What `pack` did.
#[derive(Debug, Clone)]
pub struct PackReport {
    pub run: String,
    pub created: String,
    /// The chunks written, in order (file names relative to DIR).
    pub chunks: Vec<ChunkInfo>,
    pub images: usize,
    pub shipped_blobs: u64,
    pub shipped_bytes: u64,
    pub skipped_blobs: u64,
    pub skipped_bytes: u64,
    /// Earlier runs whose archives must be applied before this one.
    pub requires: Vec<RunRef>,
    /// The run whose tars this run replaced in DIR.
    pub replaced: Option<String>,
    pub warnings: Vec<String>,
}

impl PackReport {
    pub fn tar_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.size).sum()
    }
}

impl fmt::Display for PackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = match self.chunks.as_slice() {
            [one] => one.file.clone(),
            [first, .., last] => format!("{} … {}", first.file, last.file),
            [] => String::new(),
        };
        write!(
            f,
            "archived {} image{} as run {}: {} blob{} ({}) in {} ({} chunk{}, {})",
            self.images,
            plural(self.images as u64),
            self.run,
            self.shipped_blobs,
            plural(self.shipped_blobs),
            human(self.shipped_bytes),
            names,
            self.chunks.len(),
            plural(self.chunks.len() as u64),
            human(self.tar_bytes()),
        )?;
        if self.skipped_blobs > 0 {
            write!(
                f,
                "; skipped {} blob{} ({}) shipped by earlier runs",
                self.skipped_blobs,
                plural(self.skipped_blobs),
                human(self.skipped_bytes)
            )?;
        }
        Ok(())
    }
}

/// Where to unpack.
#[derive(Debug, Clone)]
pub struct UnpackOptions {
    /// The directory holding `mirror_NNNNNN.tar`.
    pub archives: PathBuf,
    /// The OCI layout to add to (default `ARCHIVES/oci`; created when absent).
    pub layout: Option<PathBuf>,
    /// Where shipped metadata goes (default `ARCHIVES/working-dir`).
    pub working_dir: Option<PathBuf>,
}

impl UnpackOptions {
    pub fn new(archives: impl Into<PathBuf>) -> Self {
        UnpackOptions {
            archives: archives.into(),
            layout: None,
            working_dir: None,
        }
    }
}

/// What `unpack` did.
#[derive(Debug, Clone, Default)]
pub struct UnpackReport {
    /// Runs applied, oldest first.
    pub runs: Vec<String>,
    pub chunks: usize,
    pub blobs_added: u64,
    pub bytes_added: u64,
    /// Blobs in the archive the layout already had.
    pub blobs_present: u64,
    /// Images (index.json entries) in the layout afterwards.
    pub images: usize,
    pub layout: PathBuf,
    pub warnings: Vec<String>,
}

impl fmt::Display for UnpackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "applied run{} {} ({} chunk{}): {} blob{} ({}) verified and added, {} already present; {} image{} in {}",
            plural(self.runs.len() as u64),
            self.runs.join(", "),
            self.chunks,
            plural(self.chunks as u64),
            self.blobs_added,
            plural(self.blobs_added),
            human(self.bytes_added),
            self.blobs_present,
            self.images,
            plural(self.images as u64),
            self.layout.display()
        )
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `340.2 MiB`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn io_err(p: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", p.display())
}

// ---------------------------------------------------------------------------------------------
// pack

/// A metadata file to ship: its path in the tar, where its bytes come from.
struct MetaFile {
    entry: FileEntry,
    source: MetaSource,
}

enum MetaSource {
    Bytes(Vec<u8>),
    File(PathBuf),
}

struct PlannedChunk {
    blobs: Vec<BlobEntry>,
    used: u64,
}

/// Removes a temporary directory unless disarmed.
struct TmpDir(Option<PathBuf>);

impl Drop for TmpDir {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_dir_all(p);
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `20261122T060102Z-3fa9c1`: sortable, and unique enough across machines.
fn new_run_id(unix: i64) -> String {
    let c = history::rfc3339(unix);
    let compact: String = c.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    );
    format!(
        "{compact}-{}",
        &crate::registry::sha256_hex(seed.as_bytes())[..6]
    )
}

/// Pack the layout into `DIR/mirror_NNNNNN.tar`.
pub fn pack(o: &PackOptions) -> Result<PackReport, String> {
    let dir = &o.dir;
    let layout = o.layout.clone().unwrap_or_else(|| dir.join(LAYOUT_DIR));
    let workdir = o
        .working_dir
        .clone()
        .unwrap_or_else(|| dir.join(WORKING_DIR));
    if o.chunk_bytes == 0 {
        return Err("the archive size must be more than 0".to_string());
    }
    let index_path = layout.join("index.json");
    let index = fs::read(&index_path).map_err(|e| {
        format!(
            "{}: {e} (no OCI image layout to archive there)",
            index_path.display()
        )
    })?;
    let oci_layout = fs::read(layout.join("oci-layout"))
        .unwrap_or_else(|_| br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let mut warnings = Vec::new();

    // What the index needs.
    let closure = walk::closure(&layout, &index).map_err(|e| {
        if e.starts_with(&*layout.to_string_lossy()) {
            e
        } else {
            format!("{}: {e}", layout.display())
        }
    })?;
    let (optional, required): (Vec<_>, Vec<_>) = closure.missing.iter().partition(|m| m.optional);
    if !required.is_empty() {
        let list: Vec<String> = required
            .iter()
            .take(10)
            .map(|m| format!("  {} (needed by {})", m.digest, m.from))
            .collect();
        return Err(format!(
            "{}: the layout lacks {} blob{} its images need; the copy into it did not finish:\n{}",
            layout.display(),
            required.len(),
            plural(required.len() as u64),
            list.join("\n")
        ));
    }
    if !optional.is_empty() {
        warnings.push(format!(
            "{}: {} platform manifest{} named by image indexes {} not in the layout (filtered by platform?) and {} not shipped",
            layout.display(),
            optional.len(),
            plural(optional.len() as u64),
            if optional.len() == 1 { "is" } else { "are" },
            if optional.len() == 1 { "is" } else { "are" },
        ));
    }

    // What earlier runs shipped.
    let runs = history::load(dir)?;
    let shipped = history::shipped(&runs, &o.since)?;
    let mut new_blobs = Vec::new();
    let mut previous = BTreeMap::new();
    let mut requires: BTreeMap<(String, String), ()> = BTreeMap::new();
    let (mut skipped_blobs, mut skipped_bytes) = (0u64, 0u64);
    for (digest, size) in &closure.blobs {
        if let Some((run, created)) = shipped.get(digest) {
            previous.insert(digest.clone(), run.clone());
            requires.insert((created.clone(), run.clone()), ());
            skipped_blobs += 1;
            skipped_bytes += size;
        } else {
            new_blobs.push(BlobEntry {
                digest: digest.clone(),
                size: *size,
            });
        }
    }
    let requires: Vec<RunRef> = requires
        .into_keys()
        .map(|(created, run)| RunRef { run, created })
        .collect();

    // Metadata: the layout's own files, then working-dir.
    let mut meta = vec![
        MetaFile {
            entry: file_entry(&format!("{LAYOUT_PREFIX}/oci-layout"), &oci_layout),
            source: MetaSource::Bytes(oci_layout),
        },
        MetaFile {
            entry: file_entry(&format!("{LAYOUT_PREFIX}/index.json"), &index),
            source: MetaSource::Bytes(index),
        },
    ];
    if workdir.is_dir() {
        walk_workdir(&workdir, &workdir, &mut meta, &mut warnings)?;
    }

    // Plan the chunks.
    let created_unix = now_unix();
    let created = history::rfc3339(created_unix);
    let run = new_run_id(created_unix);
    let base = 4096u64;
    let meta_cost: u64 = meta
        .iter()
        .map(|m| tarw::entry_size(m.entry.size) + 1024 + 200)
        .sum::<u64>()
        + 150 * previous.len() as u64
        + 100 * requires.len() as u64;
    let mut chunks = vec![PlannedChunk {
        blobs: Vec::new(),
        used: base + meta_cost,
    }];
    if base + meta_cost > o.chunk_bytes {
        warnings.push(format!(
            "the metadata alone ({}) is larger than the archive size ({})",
            human(meta_cost),
            human(o.chunk_bytes)
        ));
    }
    for b in &new_blobs {
        let cost = tarw::entry_size(b.size) + 100;
        if base + cost > o.chunk_bytes {
            let msg = format!(
                "blob {} ({}) is larger than the archive size ({}): it goes alone in a chunk of its own",
                b.digest,
                human(b.size),
                human(o.chunk_bytes)
            );
            if o.strict {
                return Err(msg.replace(": it goes alone in a chunk of its own", ""));
            }
            warnings.push(msg);
        }
        let only = chunks.len() == 1;
        let cur = chunks.last_mut().expect("one chunk");
        let nonempty = !cur.blobs.is_empty() || only;
        if nonempty && cur.used + cost > o.chunk_bytes {
            chunks.push(PlannedChunk {
                blobs: Vec::new(),
                used: base,
            });
        }
        let cur = chunks.last_mut().expect("one chunk");
        cur.blobs.push(b.clone());
        cur.used += cost;
    }
    let n = chunks.len() as u32;

    // Write them aside.
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    clean_stale_packs(dir);
    let tmp = dir.join(format!(".mirror-pack-{}-{run}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    let mut guard = TmpDir(Some(tmp.clone()));
    let mut infos = Vec::new();
    let shipped_bytes: u64 = new_blobs.iter().map(|b| b.size).sum();
    for (i, c) in chunks.iter().enumerate() {
        let num = i as u32 + 1;
        let name = chunk_name(num);
        let manifest = ChunkManifest {
            format: FORMAT.to_string(),
            run: run.clone(),
            created: created.clone(),
            chunk: num,
            chunks: n,
            blobs: c.blobs.clone(),
            files: if num == 1 {
                meta.iter().map(|m| m.entry.clone()).collect()
            } else {
                Vec::new()
            },
            previous: if num == 1 {
                previous.clone()
            } else {
                BTreeMap::new()
            },
            requires: if num == 1 {
                requires.clone()
            } else {
                Vec::new()
            },
            run_blobs: new_blobs.len() as u64,
            run_bytes: shipped_bytes,
        };
        let path = tmp.join(&name);
        let size = write_chunk(
            &path,
            &manifest,
            if num == 1 { &meta } else { &[] },
            &layout,
        )
        .map_err(|e| format!("writing {name}: {e}"))?;
        infos.push(ChunkInfo {
            file: name,
            size,
            blobs: c.blobs.len() as u64,
            blob_bytes: c.blobs.iter().map(|b| b.size).sum(),
        });
    }

    // Replace the previous run's tars.
    let old_index: Option<ArchiveIndex> = fs::read(dir.join(INDEX_NAME))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let old_chunks = list_chunks(dir)?;
    for info in &infos {
        let to = dir.join(&info.file);
        fs::rename(tmp.join(&info.file), &to).map_err(io_err(&to))?;
    }
    for (num, p) in &old_chunks {
        if *num > n {
            fs::remove_file(p).map_err(io_err(p))?;
        }
    }
    let report = PackReport {
        run: run.clone(),
        created: created.clone(),
        chunks: infos.clone(),
        images: closure.images,
        shipped_blobs: new_blobs.len() as u64,
        shipped_bytes,
        skipped_blobs,
        skipped_bytes,
        requires: requires.clone(),
        replaced: old_index.map(|i| i.run).filter(|_| !old_chunks.is_empty()),
        warnings,
    };
    let aindex = ArchiveIndex {
        format: FORMAT.to_string(),
        run: run.clone(),
        created: created.clone(),
        chunks: infos.clone(),
        images: closure.images,
        shipped_blobs: report.shipped_blobs,
        shipped_bytes,
        skipped_blobs,
        skipped_bytes,
        requires,
    };
    let bytes = serde_json::to_vec_pretty(&aindex).map_err(|e| e.to_string())?;
    crate::registry::layout::write_atomic(&dir.join(INDEX_NAME), &bytes)?;
    history::record(
        dir,
        &RunRecord {
            run,
            created,
            created_unix,
            chunks: infos.iter().map(|c| c.file.clone()).collect(),
            blobs: new_blobs,
        },
    )?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    drop(guard.0.take().map(fs::remove_dir_all));
    Ok(report)
}

fn file_entry(path: &str, data: &[u8]) -> FileEntry {
    FileEntry {
        path: path.to_string(),
        size: data.len() as u64,
        sha256: crate::registry::sha256_hex(data),
    }
}

/// Regular files under working-dir, sorted, with their SHA-256 (streamed).
fn walk_workdir(
    root: &Path,
    d: &Path,
    out: &mut Vec<MetaFile>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let mut entries: Vec<_> = fs::read_dir(d)
        .map_err(io_err(d))?
        .collect::<Result<_, _>>()
        .map_err(io_err(d))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let ft = e.file_type().map_err(io_err(&p))?;
        let rel = p.strip_prefix(root).expect("under root");
        let Some(rel) = rel.to_str() else {
            return Err(format!("{}: file name is not UTF-8", p.display()));
        };
        let name = e.file_name();
        if name.to_string_lossy().starts_with(".oc-catalog-") {
            continue;
        }
        if ft.is_dir() {
            walk_workdir(root, &p, out, warnings)?;
        } else if ft.is_file() {
            let tar_path = format!("{WORKDIR_PREFIX}/{rel}");
            classify(tar_path.as_bytes(), tar::EntryType::Regular)
                .map_err(|e| format!("{}: cannot be archived: {e}", p.display()))?;
            let (size, sha256) = hash_file(&p)?;
            out.push(MetaFile {
                entry: FileEntry {
                    path: tar_path,
                    size,
                    sha256,
                },
                source: MetaSource::File(p),
            });
        } else {
            warnings.push(format!(
                "{}: not a regular file or directory, not archived",
                p.display()
            ));
        }
    }
    Ok(())
}

fn hash_file(p: &Path) -> Result<(u64, String), String> {
    let mut f = File::open(p).map_err(io_err(p))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; BUF];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io_err(p))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

fn write_chunk(
    path: &Path,
    manifest: &ChunkManifest,
    meta: &[MetaFile],
    layout: &Path,
) -> Result<u64, String> {
    let f = File::create(path).map_err(io_err(path))?;
    let mut w = tarw::TarWriter::new(f);
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| e.to_string())?;
    w.add_bytes(MANIFEST_NAME, &json).map_err(io_err(path))?;
    for m in meta {
        match &m.source {
            MetaSource::Bytes(b) => w.add_bytes(&m.entry.path, b).map_err(io_err(path))?,
            MetaSource::File(src) => {
                let f = File::open(src).map_err(io_err(src))?;
                w.add_file(&m.entry.path, f, m.entry.size)
                    .map_err(io_err(src))?
            }
        }
    }
    for b in &manifest.blobs {
        let src = walk::blob_path(layout, &b.digest);
        let f = File::open(&src).map_err(io_err(&src))?;
        let hex = b.digest.trim_start_matches("sha256:");
        w.add_file(&format!("{LAYOUT_PREFIX}/blobs/sha256/{hex}"), f, b.size)
            .map_err(|e| format!("blob {}: {e}", b.digest))?;
    }
    w.finish().map_err(io_err(path))
}

/// `mirror_NNNNNN.tar` files of DIR, by number.
fn list_chunks(dir: &Path) -> Result<Vec<(u32, PathBuf)>, String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).map_err(io_err(dir))? {
        let e = e.map_err(io_err(dir))?;
        let name = e.file_name();
        if let Some(n) = chunk_number(&name.to_string_lossy()) {
            out.push((n, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Temporary pack directories of processes that are gone.
fn clean_stale_packs(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".mirror-pack-") else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if pid.parse::<u32>().is_ok() && Path::new("/proc/self").exists() {
            let alive = Path::new("/proc").join(pid).exists();
            if !alive {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// unpack

/// Read the first entry of a chunk: its manifest.
pub fn read_manifest(path: &Path) -> Result<ChunkManifest, String> {
    let name = display_name(path);
    let f = File::open(path).map_err(io_err(path))?;
    let mut ar = tar::Archive::new(f);
    let mut entries = ar
        .entries()
        .map_err(|e| format!("{name}: not a tar file: {e}"))?;
    let first = entries
        .next()
        .ok_or_else(|| format!("{name}: empty tar file"))?
        .map_err(|e| format!("{name}: not a tar file, or damaged: {e}"))?;
    let kind = first.header().entry_type();
    if !matches!(kind, tar::EntryType::Regular) || &*first.path_bytes() != MANIFEST_NAME.as_bytes()
    {
        return Err(format!(
            "{name}: not an oc-catalog archive (its first entry is {:?}, not {MANIFEST_NAME})",
            String::from_utf8_lossy(&first.path_bytes())
        ));
    }
    if first.size() > MAX_CHUNK_MANIFEST {
        return Err(format!("{name}: {MANIFEST_NAME} is too large"));
    }
    let mut bytes = Vec::with_capacity(first.size() as usize);
    first
        .take(MAX_CHUNK_MANIFEST)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: reading {MANIFEST_NAME}: {e}"))?;
    let m: ChunkManifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{name}: {MANIFEST_NAME} is not valid: {e}"))?;
    if m.format != FORMAT {
        return Err(format!(
            "{name}: archive format {:?}, this oc-catalog reads {FORMAT:?} (written by a newer version?)",
            m.format
        ));
    }
    if m.chunk == 0 || m.chunk > m.chunks {
        return Err(format!(
            "{name}: {MANIFEST_NAME} says chunk {} of {}",
            m.chunk, m.chunks
        ));
    }
    for b in &m.blobs {
        if !format::valid_digest(&b.digest) {
            return Err(format!("{name}: {MANIFEST_NAME} lists blob {:?}", b.digest));
        }
    }
    for f in &m.files {
        match classify(f.path.as_bytes(), tar::EntryType::Regular) {
            Ok(Member::Meta(_)) => {}
            Ok(_) => return Err(format!("{name}: {MANIFEST_NAME} lists file {:?}", f.path)),
            Err(e) => return Err(format!("{name}: {MANIFEST_NAME} lists an unsafe file: {e}")),
        }
    }
    Ok(m)
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

struct RunChunks {
    run: String,
    created: String,
    chunks: Vec<(PathBuf, ChunkManifest)>,
}

/// Group the chunks of `dir` by run; every run complete, or an error naming what is missing.
fn gather(dir: &Path) -> Result<Vec<RunChunks>, String> {
    let files = list_chunks(dir)?;
    if files.is_empty() {
        return Err(format!(
            "{}: no archive (mirror_NNNNNN.tar) in this directory",
            dir.display()
        ));
    }
    let mut by_run: BTreeMap<String, Vec<(PathBuf, ChunkManifest)>> = BTreeMap::new();
    let mut owner: HashMap<String, String> = HashMap::new();
    for (_, p) in files {
        let m = read_manifest(&p)?;
        owner.insert(display_name(&p), m.run.clone());
        by_run.entry(m.run.clone()).or_default().push((p, m));
    }
    let mut problems = Vec::new();
    let mut runs = Vec::new();
    for (run, mut chunks) in by_run {
        chunks.sort_by_key(|(_, m)| m.chunk);
        let total = chunks[0].1.chunks;
        let created = chunks[0].1.created.clone();
        if let Some((p, m)) = chunks
            .iter()
            .find(|(_, m)| m.chunks != total || m.created != created)
        {
            problems.push(format!(
                "{}: says run {run} has {} chunks, other chunks of that run say {total}",
                display_name(p),
                m.chunks
            ));
            continue;
        }
        let mut have: BTreeMap<u32, &PathBuf> = BTreeMap::new();
        for (p, m) in &chunks {
            if let Some(other) = have.insert(m.chunk, p) {
                problems.push(format!(
                    "{} and {} both hold chunk {} of run {run}",
                    display_name(other),
                    display_name(p),
                    m.chunk
                ));
            }
        }
        let missing: Vec<String> = (1..=total)
            .filter(|n| !have.contains_key(n))
            .map(|n| {
                let file = chunk_name(n);
                match owner.get(&file) {
                    Some(r) if *r != run => format!(
                        "{file} (chunk {n} of {total}; the {file} present belongs to run {r})"
                    ),
                    _ => format!("{file} (chunk {n} of {total})"),
                }
            })
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "run {run} (packed {created}) is incomplete: missing {}",
                missing.join(", ")
            ));
            continue;
        }
        runs.push(RunChunks {
            run,
            created,
            chunks,
        });
    }
    if !problems.is_empty() {
        return Err(format!(
            "{}: {}\nCopy the missing chunks into this directory and run again; nothing was applied",
            dir.display(),
            problems.join("\n")
        ));
    }
    runs.sort_by(|a, b| (&a.created, &a.run).cmp(&(&b.created, &b.run)));
    Ok(runs)
}

/// Apply every archive in `ARCHIVES` to the layout.
pub fn unpack(o: &UnpackOptions) -> Result<UnpackReport, String> {
    let layout = o
        .layout
        .clone()
        .unwrap_or_else(|| o.archives.join(LAYOUT_DIR));
    let workdir = o
        .working_dir
        .clone()
        .unwrap_or_else(|| o.archives.join(WORKING_DIR));
    let runs = gather(&o.archives)?;
    let mut report = UnpackReport {
        layout: layout.clone(),
        ..UnpackReport::default()
    };
    for r in &runs {
        apply_run(r, &layout, &workdir, &mut report)?;
    }
    Ok(report)
}

#[derive(Default)]
struct ChunkStats {
    added: u64,
    bytes: u64,
    present: u64,
}

fn apply_run(
    r: &RunChunks,
    layout: &Path,
    workdir: &Path,
    report: &mut UnpackReport,
) -> Result<(), String> {
    let first = &r.chunks[0].1;
    let blobs_dir = layout.join("blobs/sha256");
    fs::create_dir_all(&blobs_dir).map_err(io_err(&blobs_dir))?;

    // Blobs earlier runs shipped must be there already: say so before extracting anything.
    let absent: Vec<(&String, &String)> = first
        .previous
        .iter()
        .filter(|(d, _)| !walk::blob_path(layout, d).is_file())
        .collect();
    if !absent.is_empty() {
        return Err(missing_base(r, layout, &absent));
    }

    let parent = layout.parent().unwrap_or(Path::new("."));
    let staging = parent.join(format!(
        ".oc-catalog-unpack-{}-{}",
        std::process::id(),
        r.run
    ));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(io_err(&staging))?;
    let _guard = TmpDir(Some(staging.clone()));

    // Chunks in parallel, two at a time.
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    // Verified blobs wait in temporary files; once every chunk verified they are made
    // durable together and renamed into the layout.
    let pending: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
    let results: Mutex<Vec<(u32, Result<ChunkStats, String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 2)
        .min(r.chunks.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((p, m)) = r.chunks.get(i) else { break };
                    if cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    let res = extract_chunk(p, m, layout, &staging, &cancel, &pending);
                    if res.is_err() {
                        cancel.store(true, Ordering::SeqCst);
                    }
                    results.lock().expect("lock").push((m.chunk, res));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("lock");
    results.sort_by_key(|(n, _)| *n);
    let mut errors: Vec<String> = Vec::new();
    let mut stats = ChunkStats::default();
    for (_, res) in results {
        match res {
            Ok(s) => {
                stats.added += s.added;
                stats.bytes += s.bytes;
                stats.present += s.present;
            }
            Err(e) if e.is_empty() => {}
            Err(e) => errors.push(e),
        }
    }
    let pending = pending.into_inner().expect("lock");
    if errors.is_empty()
        && let Err(e) = durable(&blobs_dir, &pending)
    {
        errors.push(e);
    }
    if !errors.is_empty() {
        for (tmp, _) in &pending {
            let _ = fs::remove_file(tmp);
        }
    }
    if errors.is_empty() {
        for (tmp, dest) in &pending {
            fs::rename(tmp, dest).map_err(io_err(dest))?;
        }
    }
    if let Some(first_err) = errors.first() {
        let more = if errors.len() > 1 {
            format!(" ({} more errors)", errors.len() - 1)
        } else {
            String::new()
        };
        return Err(format!(
            "{first_err}{more}\nNothing of run {} was added to the layout's index ({}).",
            r.run,
            layout.display()
        ));
    }

    // The run's index must be whole against the layout now.
    let staged_index = staging.join(LAYOUT_PREFIX).join("index.json");
    let new_index = fs::read(&staged_index)
        .map_err(|_| format!("run {}: chunk 1 carries no oci/index.json", r.run))?;
    let closure = walk::closure(layout, &new_index)
        .map_err(|e| format!("run {}: {}: {e}", r.run, layout.display()))?;
    let mut hard = Vec::new();
    let mut optional = 0;
    for m in &closure.missing {
        if let Some(run) = first.previous.get(&m.digest) {
            hard.push((&m.digest, run));
        } else if m.optional {
            optional += 1;
        } else {
            return Err(format!(
                "run {}: blob {} (needed by {}) is neither in the archive nor in {}: the archive was packed from an incomplete layout",
                r.run,
                m.digest,
                m.from,
                layout.display()
            ));
        }
    }
    if !hard.is_empty() {
        return Err(missing_base(r, layout, &hard));
    }
    if optional > 0 {
        report.warnings.push(format!(
            "run {}: {optional} platform manifest{} named by image indexes {} not in the archive (filtered by platform when packed)",
            r.run,
            plural(optional),
            if optional == 1 { "is" } else { "are" }
        ));
    }

    // Merge index.json, stamp the run.
    let index_path = layout.join("index.json");
    let old: Option<Value> = fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let new: Value = serde_json::from_slice(&new_index)
        .map_err(|e| format!("run {}: oci/index.json: {e}", r.run))?;
    let (merged, newer) = merge_index(old, new, &r.run, &r.created);
    if !newer {
        report.warnings.push(format!(
            "run {} is older than the run already applied to {}: its images were added, newer tags kept, its working-dir not applied",
            r.run,
            layout.display()
        ));
    }
    report.images = merged
        .get("manifests")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let layout_marker = layout.join("oci-layout");
    if !layout_marker.is_file() {
        let staged = staging.join(LAYOUT_PREFIX).join("oci-layout");
        let bytes =
            fs::read(&staged).unwrap_or_else(|_| br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
        crate::registry::layout::write_atomic(&layout_marker, &bytes)?;
    }
    let bytes = serde_json::to_vec(&merged).map_err(|e| e.to_string())?;
    crate::registry::layout::write_atomic(&index_path, &bytes)?;

    // working-dir.
    let staged_wd = staging.join(WORKDIR_PREFIX);
    if newer && staged_wd.is_dir() {
        move_tree(&staged_wd, workdir)?;
    }

    report.runs.push(r.run.clone());
    report.chunks += r.chunks.len();
    report.blobs_added += stats.added;
    report.bytes_added += stats.bytes;
    report.blobs_present += stats.present;
    Ok(())
}

fn missing_base(r: &RunChunks, layout: &Path, missing: &[(&String, &String)]) -> String {
    let first = &r.chunks[0].1;
    let created: HashMap<&str, &str> = first
        .requires
        .iter()
        .map(|x| (x.run.as_str(), x.created.as_str()))
        .collect();
    let mut by_run: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (d, run) in missing {
        by_run.entry(run.as_str()).or_default().push(d.as_str());
    }
    let mut lines = Vec::new();
    for (run, digests) in &by_run {
        let when = created
            .get(run)
            .map(|c| format!(" (packed {c})"))
            .unwrap_or_default();
        lines.push(format!(
            "  {} blob{} shipped by run {run}{when}: {}{}",
            digests.len(),
            plural(digests.len() as u64),
            digests
                .iter()
                .take(5)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            if digests.len() > 5 { ", …" } else { "" }
        ));
    }
    let runs: Vec<&str> = by_run.keys().copied().collect();
    format!(
        "run {} (packed {}) is incremental and {} lacks {} blob{} that earlier archives carried:\n{}\n\
         Apply the archives of run {} first, then this one again; or, on the connected side, pack again with --since {} (or --full) to ship them again. Nothing was applied.",
        r.run,
        r.created,
        layout.display(),
        missing.len(),
        plural(missing.len() as u64),
        lines.join("\n"),
        runs.join(", "),
        runs[0]
    )
}

/// The index after applying a run: entries of the newer side win for a tag.
/// Returns the index and whether the run was newer than what the layout held.
fn merge_index(old: Option<Value>, mut new: Value, run: &str, created: &str) -> (Value, bool) {
    fn key(m: &Value) -> String {
        m.pointer("/annotations/org.opencontainers.image.ref.name")
            .and_then(Value::as_str)
            .map(|n| format!("name:{n}"))
            .unwrap_or_else(|| {
                format!(
                    "digest:{}",
                    m.get("digest").and_then(Value::as_str).unwrap_or("")
                )
            })
    }
    let Some(old) = old.filter(|o| o.get("manifests").is_some_and(Value::is_array)) else {
        stamp(&mut new, run, created);
        return (new, true);
    };
    let old_created = old
        .pointer(&format!("/annotations/{}", ANN_CREATED.replace('/', "~1")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let newer = created >= old_created.as_str();
    let (mut base, extra) = if newer { (new, old) } else { (old, new) };
    let keys: HashSet<String> = base["manifests"]
        .as_array()
        .map(|a| a.iter().map(key).collect())
        .unwrap_or_default();
    let add: Vec<Value> = extra["manifests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| !keys.contains(&key(m)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(list) = base["manifests"].as_array_mut() {
        list.extend(add);
    }
    if newer {
        stamp(&mut base, run, created);
    }
    (base, newer)
}

fn stamp(index: &mut Value, run: &str, created: &str) {
    if !index.get("annotations").is_some_and(Value::is_object) {
        index["annotations"] = Value::Object(Default::default());
    }
    index["annotations"][ANN_RUN] = Value::String(run.to_string());
    index["annotations"][ANN_CREATED] = Value::String(created.to_string());
}

/// Ask the kernel to start writing `f` to disk now: on Linux `POSIX_FADV_DONTNEED` starts the
/// writeback of its dirty pages without waiting for it. The blobs of a chunk then reach the
/// disk while the next ones are extracted, and the syncfs that makes them durable (see
/// [`durable`]) finds little left to write. Best effort: an error only means that syncfs does
/// all the work.
fn start_writeback(f: &File) {
    #[cfg(target_os = "linux")]
    let _ = rustix::fs::fadvise(f, 0, None, rustix::fs::Advice::DontNeed);
    #[cfg(not(target_os = "linux"))]
    let _ = f;
}

/// Flush written files to disk: one syncfs of the layout's filesystem on Linux (a fsync per
/// blob costs a journal commit each: minutes for thousands of blobs), fsync per file elsewhere.
fn durable(dir: &Path, files: &[(PathBuf, PathBuf)]) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        let d = File::open(dir).map_err(io_err(dir))?;
        rustix::fs::syncfs(&d).map_err(|e| format!("{}: syncfs: {e}", dir.display()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        for (tmp, _) in files {
            File::open(tmp)
                .and_then(|f| f.sync_data())
                .map_err(io_err(tmp))?;
        }
        Ok(())
    }
}

/// Why a stream did not verify.
enum Copied {
    Ok,
    Short(u64),
    Mismatch(String),
}

/// Stream `size` bytes of `r` into `tmp`, hashing; the verdict against `want_hex`.
fn copy_verified(
    r: &mut dyn Read,
    size: u64,
    tmp: &Path,
    want_hex: &str,
    buf: &mut [u8],
) -> Result<Copied, String> {
    let mut f = File::create(tmp).map_err(io_err(tmp))?;
    let mut h = Sha256::new();
    let mut n = 0u64;
    loop {
        let k = match r.read(buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.to_string()),
        };
        h.update(&buf[..k]);
        f.write_all(&buf[..k]).map_err(io_err(tmp))?;
        n += k as u64;
    }
    start_writeback(&f);
    if n != size {
        return Ok(Copied::Short(n));
    }
    let actual = hex::encode(h.finalize());
    if actual != want_hex {
        return Ok(Copied::Mismatch(actual));
    }
    Ok(Copied::Ok)
}

/// Extract one chunk: blobs verified into the layout, metadata into staging.
/// An empty error string means "stopped because another chunk failed".
fn extract_chunk(
    path: &Path,
    m: &ChunkManifest,
    layout: &Path,
    staging: &Path,
    cancel: &AtomicBool,
    pending: &Mutex<Vec<(PathBuf, PathBuf)>>,
) -> Result<ChunkStats, String> {
    let name = display_name(path);
    let f = File::open(path).map_err(io_err(path))?;
    let mut ar = tar::Archive::new(f);
    let blobs: HashMap<&str, u64> = m
        .blobs
        .iter()
        .map(|b| (b.digest.trim_start_matches("sha256:"), b.size))
        .collect();
    let files: HashMap<&str, &FileEntry> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut seen_blobs: HashSet<String> = HashSet::new();
    let mut seen_files: HashSet<String> = HashSet::new();
    let mut stats = ChunkStats::default();
    let mut buf = vec![0u8; BUF];
    let pid = std::process::id();
    let damaged = |e: std::io::Error| format!("{name}: damaged or truncated tar: {e}");
    for (i, entry) in ar.entries().map_err(damaged)?.enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(String::new());
        }
        let mut entry = entry.map_err(damaged)?;
        let kind = entry.header().entry_type();
        let member = classify(&entry.path_bytes(), kind)
            .map_err(|e| format!("{name}: unsafe or unexpected content: {e}"))?;
        let size = entry.size();
        match member {
            Member::Manifest if i == 0 => {}
            Member::Manifest => {
                return Err(format!("{name}: a second {MANIFEST_NAME}"));
            }
            _ if i == 0 => {
                return Err(format!("{name}: the first entry is not {MANIFEST_NAME}"));
            }
            Member::Dir => {}
            Member::Blob(hex) => {
                let digest = format!("sha256:{hex}");
                let Some(&want) = blobs.get(hex.as_str()) else {
                    return Err(format!(
                        "{name}: blob {digest} is not listed in the chunk's {MANIFEST_NAME} (tampered archive)"
                    ));
                };
                if !seen_blobs.insert(hex.clone()) {
                    return Err(format!("{name}: blob {digest} appears twice"));
                }
                if size != want {
                    return Err(format!(
                        "{name}: blob {digest}: the tar entry has {size} bytes, {MANIFEST_NAME} says {want} (tampered archive)"
                    ));
                }
                let dest = walk::blob_path(layout, &digest);
                if fs::metadata(&dest).is_ok_and(|md| md.is_file() && md.len() == want) {
                    stats.present += 1;
                    continue;
                }
                let tmp = dest.with_file_name(format!(".{hex}.partial-{pid}-{}", m.chunk));
                let verdict = copy_verified(&mut entry, want, &tmp, &hex, &mut buf)
                    .map_err(|e| format!("{name}: blob {digest}: {e}"));
                let verdict = match verdict {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = fs::remove_file(&tmp);
                        return Err(e);
                    }
                };
                match verdict {
                    Copied::Ok => {
                        pending.lock().expect("lock").push((tmp, dest));
                        stats.added += 1;
                        stats.bytes += want;
                    }
                    Copied::Short(n) => {
                        let _ = fs::remove_file(&tmp);
                        return Err(format!(
                            "{name}: blob {digest} is truncated ({n} of {want} bytes): the archive was cut short"
                        ));
                    }
                    Copied::Mismatch(actual) => {
                        let _ = fs::remove_file(&tmp);
                        return Err(format!(
                            "{name}: blob {digest} is corrupted: its content hashes to sha256:{actual} (the archive was damaged or tampered with)"
                        ));
                    }
                }
            }
            Member::Meta(p) => {
                let Some(fe) = files.get(p.as_str()) else {
                    return Err(format!(
                        "{name}: {p} is not listed in the chunk's {MANIFEST_NAME} (tampered archive)"
                    ));
                };
                if !seen_files.insert(p.clone()) {
                    return Err(format!("{name}: {p} appears twice"));
                }
                if size != fe.size {
                    return Err(format!(
                        "{name}: {p}: the tar entry has {size} bytes, {MANIFEST_NAME} says {} (tampered archive)",
                        fe.size
                    ));
                }
                let dest = staging.join(&p);
                if let Some(d) = dest.parent() {
                    fs::create_dir_all(d).map_err(io_err(d))?;
                }
                match copy_verified(&mut entry, fe.size, &dest, &fe.sha256, &mut buf)
                    .map_err(|e| format!("{name}: {p}: {e}"))?
                {
                    Copied::Ok => {}
                    Copied::Short(n) => {
                        return Err(format!(
                            "{name}: {p} is truncated ({n} of {} bytes): the archive was cut short",
                            fe.size
                        ));
                    }
                    Copied::Mismatch(actual) => {
                        return Err(format!(
                            "{name}: {p} is corrupted: its content hashes to sha256:{actual}, {MANIFEST_NAME} says sha256:{} (damaged or tampered with)",
                            fe.sha256
                        ));
                    }
                }
            }
        }
    }
    let lost_blobs: Vec<&String> = m
        .blobs
        .iter()
        .filter(|b| !seen_blobs.contains(b.digest.trim_start_matches("sha256:")))
        .map(|b| &b.digest)
        .collect();
    let lost_files: Vec<&String> = m
        .files
        .iter()
        .filter(|f| !seen_files.contains(&f.path))
        .map(|f| &f.path)
        .collect();
    if !lost_blobs.is_empty() || !lost_files.is_empty() {
        let mut what: Vec<String> = lost_blobs.iter().take(5).map(|d| d.to_string()).collect();
        what.extend(lost_files.iter().take(5).map(|p| p.to_string()));
        return Err(format!(
            "{name} is truncated or incomplete: {} of the entries its {MANIFEST_NAME} lists are not in it ({}{})",
            lost_blobs.len() + lost_files.len(),
            what.join(", "),
            if lost_blobs.len() + lost_files.len() > what.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    Ok(stats)
}

/// Move every file under `from` to the same place under `to` (rename; copy across filesystems).
fn move_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(io_err(to))?;
    for e in fs::read_dir(from).map_err(io_err(from))? {
        let e = e.map_err(io_err(from))?;
        let src = e.path();
        let dest = to.join(e.file_name());
        if e.file_type().map_err(io_err(&src))?.is_dir() {
            move_tree(&src, &dest)?;
        } else if fs::rename(&src, &dest).is_err() {
            let tmp = crate::registry::client::tmp_path(&dest);
            fs::copy(&src, &tmp).map_err(io_err(&tmp))?;
            fs::rename(&tmp, &dest).map_err(io_err(&dest))?;
        }
    }
    Ok(())
}

/// Blobs of a layout that `index.json` needs, and how many images it names (for callers
/// that want to report sizes before packing).
pub fn layout_blobs(layout: &Path) -> Result<(Vec<(String, u64)>, usize), String> {
    let index_path = layout.join("index.json");
    let index = fs::read(&index_path).map_err(io_err(&index_path))?;
    let c = walk::closure(layout, &index)?;
    Ok((c.blobs, c.images))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_keeps_older_images_and_newer_tags() {
        let e = |name: &str, d: &str| json!({"digest": d, "annotations": {"org.opencontainers.image.ref.name": name}});
        let old = json!({"manifests": [e("a", "sha256:1"), e("b", "sha256:2")],
                         "annotations": {ANN_CREATED: "2026-01-01T00:00:00Z"}});
        let new = json!({"manifests": [e("b", "sha256:3"), e("c", "sha256:4")]});
        let (m, newer) = merge_index(Some(old.clone()), new.clone(), "r2", "2026-02-01T00:00:00Z");
        assert!(newer);
        let digests: Vec<&str> = m["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["digest"].as_str().unwrap())
            .collect();
        assert_eq!(digests, ["sha256:3", "sha256:4", "sha256:1"]);
        assert_eq!(m["annotations"][ANN_RUN], "r2");
        let (m, newer) = merge_index(Some(old), new, "r0", "2025-01-01T00:00:00Z");
        assert!(!newer);
        let digests: Vec<&str> = m["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["digest"].as_str().unwrap())
            .collect();
        assert_eq!(digests, ["sha256:1", "sha256:2", "sha256:4"]);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 << 20), "3.0 MiB");
        assert_eq!(human(GIB + GIB / 2), "1.5 GiB");
    }
}
