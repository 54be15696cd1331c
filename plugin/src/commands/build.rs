//! `build DIR --tag REF [--base REF] [--push] [--to oci:DIR]`: a catalog
//! image with no daemon. The catalog is validated first; its files become one
//! deterministic layer at `/configs` (sorted entries, fixed owner, modes and
//! mtimes, fixed gzip header) over the base image's layers, with opm's label,
//! entrypoint and command. Same input, same digest.

use super::EXIT_FINDINGS;
use crate::fs::catalog_files;
use crate::registry::catalog::{CONFIGS_LABEL, Image, Source, file_descriptor};
use crate::registry::client::{Remote, parse_ref};
use crate::registry::layout::{self, Layout};
use crate::registry::manifest::{self, Descriptor, MediaKind};
use crate::registry::{HashingWriter, Sha256Writer, block_on, sha256_hex};
use clap::Args;
use fbc_core::report::{self, Format, RenderOptions};
use fbc_core::source::{FileId, LineIndex, SourceInfo, SourceMap};
use oci_client::RegistryOperation;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The catalog directory (file-based catalog) to put at /configs.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The image reference to build (registry/repository:tag).
    #[arg(short, long, value_name = "REF")]
    pub tag: String,
    /// Base image (registry reference or oci:DIR[:TAG]); default: none (FROM scratch).
    /// An opm image (quay.io/operator-framework/opm) makes the catalog servable.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Push the image to the registry of --tag.
    #[arg(long)]
    pub push: bool,
    /// Also write the image to an OCI layout directory: oci:DIR[:TAG] (tag defaults to that of --tag).
    #[arg(long, value_name = "oci:DIR")]
    pub to: Option<String>,
    /// A multi-platform base gives a multi-platform catalog image: one image per platform of
    /// the base (the same catalog layer over each), under an index. Only these platforms
    /// (os/arch[/variant], comma-separated); default: all of the base's, or with the global
    /// --platform, that one image alone (no index).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub platforms: Vec<String>,
}

/// The fixed timestamp of every entry and of the config: SOURCE_DATE_EPOCH or 0.
fn epoch() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn rfc3339(secs: u64) -> String {
    crate::time::rfc3339(secs as i64)
}

pub fn run(a: BuildArgs, invoked_as: &str) -> Result<ExitCode, String> {
    match build(&a, invoked_as, false)? {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(code) => Ok(code),
    }
}

/// Build (and push / write) the image; its manifest digest, or the exit code
/// when the catalog has errors (they were printed). `replace_configs`: the
/// layer hides the base image's `/configs` (an opaque whiteout), as a
/// filtered catalog rebuilt over its original image needs.
pub fn build(
    a: &BuildArgs,
    invoked_as: &str,
    replace_configs: bool,
) -> Result<Result<String, ExitCode>, String> {
    if !a.dir.is_dir() {
        return Err(format!("{}: not a directory", a.dir.display()));
    }
    let target = parse_ref(&a.tag)?;
    if target.digest.is_some() {
        return Err(format!("--tag {}: give a tag, not a digest", a.tag));
    }
    let to = match &a.to {
        Some(t) => Some(
            layout::parse_oci(t)
                .ok_or_else(|| format!("--to {t}: only oci:DIR[:TAG] is supported"))?,
        ),
        None => None,
    };
    let opts = crate::registry::options();
    let work = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let layer_path = work.path().join("layer.tar.gz");
    // Validate and write the layer at once (both use every core); the layer
    // is a temporary file, dropped if the catalog is refused.
    let (valid, layer) = rayon::join(
        || validate_first(&a.dir, invoked_as),
        || write_layer_with(&a.dir, &layer_path, epoch(), replace_configs),
    );
    if let Some(code) = valid? {
        return Ok(Err(code));
    }
    let (diff_id, layer_size, files) = layer?;
    let digest = block_on(async {
        let src = match &a.base {
            Some(b) => Some(Source::open(b, &opts).await?),
            None => None,
        };
        // One image per platform of a multi-platform base, under an index of
        // the base's kind; a single image otherwise.
        let mut parts: Vec<(Option<Image>, Option<Value>)> = Vec::new();
        let mut index_kind = None;
        match &src {
            None => parts.push((None, None)),
            Some(s) => {
                let top = s.top().await?;
                // `--platform` alone picks one image of the base, as in every command.
                let one = a.platforms.is_empty() && opts.platform_given;
                if top.kind.is_index() && !one {
                    index_kind = Some(if top.kind == MediaKind::DockerList {
                        MediaKind::DockerList
                    } else {
                        MediaKind::OciIndex
                    });
                    let v: Value = serde_json::from_slice(&top.bytes)
                        .map_err(|e| format!("{}: index is not JSON: {e}", s.shown()))?;
                    let raw = v["manifests"].as_array().cloned().unwrap_or_default();
                    let entries = manifest::index_entries(&top.bytes)
                        .map_err(|e| format!("{}: {e}", s.shown()))?;
                    for ((d, plat), m) in entries.iter().zip(&raw) {
                        let attestation = plat.starts_with("unknown/")
                            || m.pointer("/annotations/vnd.docker.reference.type")
                                .is_some();
                        if attestation {
                            eprintln!(
                                "note: {}: skipping {} (an attestation, not an image)",
                                s.shown(),
                                d.digest
                            );
                            continue;
                        }
                        if !a.platforms.is_empty()
                            && !crate::mirror::copy::platform_selected(&a.platforms, plat)
                        {
                            continue;
                        }
                        parts.push((
                            Some(s.image_at(&d.digest).await?),
                            m.get("platform").cloned(),
                        ));
                    }
                    if parts.is_empty() {
                        let have: Vec<&str> = entries.iter().map(|(_, p)| p.as_str()).collect();
                        return Err(format!(
                            "{}: none of its platforms ({}) is in --platforms {}",
                            s.shown(),
                            have.join(", "),
                            a.platforms.join(",")
                        ));
                    }
                } else {
                    parts.push((Some(s.image(&opts.platform).await?), None));
                }
            }
        }
        let layer_oci = file_descriptor(manifest::OCI_LAYER_GZIP, &layer_path)?;
        debug_assert_eq!(layer_oci.size, layer_size);
        let mut children = Vec::new();
        for (img, platform) in &parts {
            let docker = img
                .as_ref()
                .is_some_and(|i| i.manifest.kind == MediaKind::DockerManifest);
            let layer = Descriptor {
                media_type: if docker {
                    manifest::DOCKER_LAYER_GZIP
                } else {
                    manifest::OCI_LAYER_GZIP
                }
                .to_string(),
                ..layer_oci.clone()
            };
            let config = make_config(
                img.as_ref().map(|i| &i.config),
                &diff_id,
                &opts.platform,
                &a.dir,
                epoch(),
            )?;
            let config_bytes = serde_json::to_vec(&config).map_err(|e| e.to_string())?;
            let config_desc = Descriptor {
                media_type: if docker {
                    manifest::DOCKER_CONFIG
                } else {
                    manifest::OCI_CONFIG
                }
                .to_string(),
                digest: format!("sha256:{}", sha256_hex(&config_bytes)),
                size: config_bytes.len() as u64,
            };
            let base_layers: Vec<Descriptor> = img
                .as_ref()
                .map(|i| i.parsed.layers.clone())
                .unwrap_or_default();
            let mut layers = base_layers.clone();
            layers.push(layer);
            let kind = if docker {
                MediaKind::DockerManifest
            } else {
                MediaKind::OciManifest
            };
            let manifest_value = json!({
                "schemaVersion": 2,
                "mediaType": kind.media_type(),
                "config": config_desc.to_value(),
                "layers": layers.iter().map(Descriptor::to_value).collect::<Vec<_>>(),
            });
            let bytes = serde_json::to_vec(&manifest_value).map_err(|e| e.to_string())?;
            children.push(Child {
                base_layers,
                config_desc,
                config_bytes,
                desc: Descriptor {
                    media_type: kind.media_type().to_string(),
                    digest: format!("sha256:{}", sha256_hex(&bytes)),
                    size: bytes.len() as u64,
                },
                bytes,
                platform: platform.clone(),
            });
        }
        // The index over them, entries in the base's order with its platforms.
        let index = match index_kind {
            Some(k) => {
                let v = json!({
                    "schemaVersion": 2,
                    "mediaType": k.media_type(),
                    "manifests": children.iter().map(|c| {
                        let mut e = c.desc.to_value();
                        if let Some(p) = &c.platform {
                            e["platform"] = p.clone();
                        }
                        e
                    }).collect::<Vec<_>>(),
                });
                let bytes = serde_json::to_vec(&v).map_err(|e| e.to_string())?;
                Some((
                    Descriptor {
                        media_type: k.media_type().to_string(),
                        digest: format!("sha256:{}", sha256_hex(&bytes)),
                        size: bytes.len() as u64,
                    },
                    bytes,
                ))
            }
            None => None,
        };
        let (top_desc, top_bytes) = match &index {
            Some((d, b)) => (d.clone(), b.clone()),
            None => (children[0].desc.clone(), children[0].bytes.clone()),
        };

        if let Some((dir, tag)) = &to {
            let l = Layout::create(dir)?;
            if let Some(src) = &src {
                for c in &children {
                    for d in &c.base_layers {
                        if !l.has_blob(&d.digest) {
                            let tmp = work.path().join("base-blob");
                            src.blob_to_file(&d.digest, &tmp).await?;
                            l.put_blob_file(&tmp, &d.digest)?;
                            let _ = std::fs::remove_file(&tmp);
                        }
                    }
                }
            }
            l.put_blob_file(&layer_path, &layer_oci.digest)?;
            for c in &children {
                l.put_blob_bytes(&c.config_bytes, &c.config_desc.digest)?;
                l.put_blob_bytes(&c.bytes, &c.desc.digest)?;
            }
            if index.is_some() {
                l.put_blob_bytes(&top_bytes, &top_desc.digest)?;
            }
            let tag = tag.clone().or_else(|| target.tag.clone());
            l.set_ref(&top_desc, tag.as_deref())?;
            eprintln!(
                "wrote oci:{}{}",
                dir.display(),
                tag.map(|t| format!(":{t}")).unwrap_or_default()
            );
        }
        if a.push {
            let dest = Remote::connect(&a.tag, &opts, RegistryOperation::Push).await?;
            if let Some(src) = &src {
                for c in &children {
                    for d in &c.base_layers {
                        copy_base_blob(src, &dest, d, work.path()).await?;
                    }
                }
            }
            dest.push_blob_file(&layer_path, &layer_oci.digest, layer_oci.size)
                .await?;
            for c in &children {
                dest.push_blob_bytes(c.config_bytes.clone(), &c.config_desc.digest)
                    .await?;
                // Children by digest, before the index that names them.
                let by_digest = index.as_ref().map(|_| c.desc.digest.as_str());
                if by_digest.is_some() {
                    dest.push_manifest(&c.bytes, &c.desc.media_type, by_digest)
                        .await?;
                }
            }
            dest.push_manifest(&top_bytes, &top_desc.media_type, None)
                .await?;
            eprintln!("pushed {}", dest.shown);
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{}@{}\n  catalog layer {} ({} file{}, {} bytes)",
            target.name(),
            top_desc.digest,
            layer_oci.digest,
            files,
            if files == 1 { "" } else { "s" },
            layer_oci.size,
        );
        for c in &children {
            match &c.platform {
                Some(p) => {
                    let mut plat = format!(
                        "{}/{}",
                        p["os"].as_str().unwrap_or(""),
                        p["architecture"].as_str().unwrap_or("")
                    );
                    if let Some(v) = p["variant"].as_str() {
                        plat = format!("{plat}/{v}");
                    }
                    let _ = writeln!(
                        out,
                        "  {plat}: {} (config {})",
                        c.desc.digest, c.config_desc.digest
                    );
                }
                None => {
                    let _ = writeln!(out, "  config {}", c.config_desc.digest);
                }
            }
        }
        if !a.push && to.is_none() {
            let _ = writeln!(
                out,
                "  (not stored: give --push to push it, or --to oci:DIR to write an OCI layout)"
            );
        }
        Ok::<String, String>(top_desc.digest.clone())
    })??;
    Ok(Ok(digest))
}

/// One platform's image of a build.
struct Child {
    /// The base image's layers (copied before the catalog layer).
    base_layers: Vec<Descriptor>,
    config_desc: Descriptor,
    config_bytes: Vec<u8>,
    desc: Descriptor,
    bytes: Vec<u8>,
    /// The base index entry's `platform`, when the base is multi-platform.
    platform: Option<Value>,
}

/// Base layer to the target: HEAD first, then a cross-repository mount within
/// one registry, else stream it through a temporary file.
async fn copy_base_blob(
    src: &Source,
    dest: &Remote,
    d: &Descriptor,
    work: &Path,
) -> Result<(), String> {
    if dest.has_blob(&d.digest).await? {
        return Ok(());
    }
    if let Source::Registry(r) = src
        && r.registry() == dest.registry()
        && mount(dest, &r.image.path, &d.digest).await
    {
        return Ok(());
    }
    let tmp = work.join("base-blob");
    src.blob_to_file(&d.digest, &tmp).await?;
    let res = dest.push_blob_file(&tmp, &d.digest, d.size).await;
    let _ = std::fs::remove_file(&tmp);
    res
}

/// Mount `digest` from repository `from` into the target's repository
/// (same registry). A token registry grants it only with a token for both
/// repositories (push on the target, pull on the source); oci-client's mount
/// asks for the target's scope alone, so every mount there was refused and
/// the layer uploaded again. The mirror's registry client asks for both.
/// `false` when the registry declines (then the blob is uploaded).
async fn mount(dest: &Remote, from: &str, digest: &str) -> bool {
    use crate::mirror::http::{Registry, Tls};
    let opts = crate::registry::options();
    let tls = Tls {
        verify: opts.tls_verify,
        cert_dir: opts.cert_dir.clone(),
    };
    let repo = &dest.image.path;
    let Ok(reg) = Registry::connect(dest.registry(), repo, &opts, &tls).await else {
        return false;
    };
    // Declined: the registry opened an upload instead, left to expire.
    matches!(reg.mount_or_start(repo, digest, Some(from)).await, Ok(None))
}

/// Validate with the core validator; on errors print the report and return exit 1.
fn validate_first(dir: &Path, invoked_as: &str) -> Result<Option<ExitCode>, String> {
    use rayon::prelude::*;
    let files = catalog_files(dir)?;
    let results: Vec<Result<(fbc_core::load::LoadedFile, SourceInfo), String>> = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let lf = fbc_core::load::load_bytes(FileId(i as u32), &bytes);
            let text = String::from_utf8_lossy(&bytes);
            let lines = LineIndex::new(&text);
            // Big texts are read again only if they have findings.
            let text = (bytes.len() <= 256 * 1024).then(|| text.into_owned());
            let path = path.to_string_lossy().into_owned();
            Ok((lf, SourceInfo { path, lines, text }))
        })
        .collect();
    let mut sources = SourceMap::new();
    let mut loaded = Vec::with_capacity(files.len());
    for r in results {
        let (lf, info) = r?;
        loaded.push(lf);
        sources.add(info);
    }
    let mut v = fbc_core::validate(loaded, &fbc_core::Options::default());
    if v.passed() {
        return Ok(None);
    }
    v.diagnostics
        .retain(|d| d.severity == fbc_core::diagnostic::Severity::Error);
    let mut ids: Vec<FileId> = v
        .diagnostics
        .iter()
        .flat_map(|d| d.span.iter().chain(d.labels.iter().map(|l| &l.span)))
        .map(|s| s.file)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let info = sources.get_mut(id);
        if info.text.is_none()
            && let Ok(bytes) = std::fs::read(&info.path)
        {
            info.text = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let ropts = RenderOptions {
        color: false,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command_name: invoked_as.to_string(),
    };
    eprint!("{}", report::render(Format::Text, &v, &sources, &ropts));
    eprintln!(
        "error: {} is not a valid catalog: nothing was built",
        dir.display()
    );
    Ok(Some(ExitCode::from(EXIT_FINDINGS)))
}

/// Every file and directory below `root`, sorted by path bytes, relative.
fn walk(root: &Path) -> Result<Vec<(String, bool, PathBuf)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), root.to_path_buf())];
    while let Some((rel, dir)) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in rd {
            let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = e
                .file_type()
                .map_err(|er| format!("{}: {er}", e.path().display()))?;
            // Follow symlinks as COPY does for the source tree.
            let meta = std::fs::metadata(e.path())
                .map_err(|er| format!("{}: {er}", e.path().display()))?;
            if meta.is_dir() {
                if ft.is_symlink() {
                    return Err(format!(
                        "{}: symbolic link to a directory",
                        e.path().display()
                    ));
                }
                out.push((r.clone(), true, e.path()));
                stack.push((r, e.path()));
            } else if meta.is_file() {
                out.push((r, false, e.path()));
            }
        }
    }
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(out)
}

/// Write the catalog layer; returns (diff_id, compressed size, file count).
#[cfg(test)]
pub fn write_layer(dir: &Path, dest: &Path, mtime: u64) -> Result<(String, u64, usize), String> {
    write_layer_with(dir, dest, mtime, false)
}

/// [`write_layer`], with `configs/.wh..wh..opq` (an opaque whiteout: the
/// base image's `/configs` is hidden) when `opaque`.
pub fn write_layer_with(
    dir: &Path,
    dest: &Path,
    mtime: u64,
    opaque: bool,
) -> Result<(String, u64, usize), String> {
    let entries = walk(dir)?;
    let file = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let compressed = HashingWriter {
        inner: std::io::BufWriter::new(file),
        hash: Sha256Writer::default(),
    };
    let gz = ParallelGz::new(compressed);
    let uncompressed = HashingWriter {
        inner: gz,
        hash: Sha256Writer::default(),
    };
    let mut tar = tar::Builder::new(uncompressed);
    tar.mode(tar::HeaderMode::Deterministic);
    let io = |e: std::io::Error| format!("writing the catalog layer: {e}");
    let header = |kind: tar::EntryType, mode: u32, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h
    };
    let mut h = header(tar::EntryType::Directory, 0o755, 0);
    tar.append_data(&mut h, "configs/", std::io::empty())
        .map_err(io)?;
    if opaque {
        let mut h = header(tar::EntryType::Regular, 0o644, 0);
        tar.append_data(&mut h, "configs/.wh..wh..opq", std::io::empty())
            .map_err(io)?;
    }
    let mut files = 0;
    for (rel, is_dir, path) in &entries {
        if *is_dir {
            let mut h = header(tar::EntryType::Directory, 0o755, 0);
            tar.append_data(&mut h, format!("configs/{rel}/"), std::io::empty())
                .map_err(io)?;
        } else {
            let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let meta = f
                .metadata()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            #[cfg(unix)]
            let exec = {
                use std::os::unix::fs::PermissionsExt;
                meta.permissions().mode() & 0o111 != 0
            };
            #[cfg(not(unix))]
            let exec = false;
            let mut h = header(
                tar::EntryType::Regular,
                if exec { 0o755 } else { 0o644 },
                meta.len(),
            );
            tar.append_data(&mut h, format!("configs/{rel}"), f)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            files += 1;
        }
    }
    let uncompressed = tar.into_inner().map_err(io)?;
    let diff_id = uncompressed.hash.digest();
    let compressed = uncompressed.inner.finish().map_err(io)?;
    let size = compressed.hash.len;
    let mut buf = compressed.inner;
    buf.flush().map_err(io)?;
    Ok((diff_id, size, files))
}

/// Bytes of tar per gzip member.
const GZ_CHUNK: usize = 4 << 20;

/// gzip on every core, deterministically: the stream is cut every
/// [`GZ_CHUNK`] bytes and each piece becomes one gzip member (fixed header:
/// no name, mtime 0, OS unknown), compressed in parallel and written in
/// order. A multi-member gzip is one gzip stream to every reader (Go's
/// compress/gzip, GNU gzip, flate2's MultiGzDecoder). Memory stays bounded
/// by a few chunks per core.
struct ParallelGz<W: Write> {
    out: W,
    buf: Vec<u8>,
    pending: Vec<Vec<u8>>,
    batch: usize,
    wrote_any: bool,
}

impl<W: Write> ParallelGz<W> {
    fn new(out: W) -> Self {
        ParallelGz {
            out,
            buf: Vec::with_capacity(GZ_CHUNK),
            pending: Vec::new(),
            batch: rayon::current_num_threads().max(1) * 2,
            wrote_any: false,
        }
    }

    fn compress_pending(&mut self) -> std::io::Result<()> {
        use rayon::prelude::*;
        let members: Vec<std::io::Result<Vec<u8>>> = self
            .pending
            .par_iter()
            .map(|chunk| {
                let mut enc = flate2::GzBuilder::new()
                    .mtime(0)
                    .operating_system(255)
                    .write(
                        Vec::with_capacity(chunk.len() / 3),
                        flate2::Compression::default(),
                    );
                enc.write_all(chunk)?;
                enc.finish()
            })
            .collect();
        self.pending.clear();
        for m in members {
            self.out.write_all(&m?)?;
            self.wrote_any = true;
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<W> {
        if !self.buf.is_empty() || !self.wrote_any && self.pending.is_empty() {
            self.pending.push(std::mem::take(&mut self.buf));
        }
        self.compress_pending()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(GZ_CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == GZ_CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(GZ_CHUNK));
            self.pending.push(full);
            if self.pending.len() >= self.batch {
                self.compress_pending()?;
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The image config: the base's (or a new one) with our layer, opm's label,
/// entrypoint and command, and fixed timestamps.
fn make_config(
    base: Option<&Value>,
    diff_id: &str,
    platform: &str,
    dir: &Path,
    epoch: u64,
) -> Result<Value, String> {
    let created = rfc3339(epoch);
    let mut c = match base {
        Some(b) => b.clone(),
        None => {
            let mut parts = platform.split('/');
            let os = parts.next().unwrap_or("linux");
            let arch = parts.next().unwrap_or("amd64");
            let mut v = json!({"architecture": arch, "os": os, "config": {}, "rootfs": {"type": "layers", "diff_ids": []}, "history": []});
            if let Some(variant) = parts.next() {
                v["variant"] = json!(variant);
            }
            v
        }
    };
    let obj = c
        .as_object_mut()
        .ok_or("base image config is not an object")?;
    obj.insert("created".into(), json!(created));
    let cfg = obj
        .entry("config")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("base image config has a bad 'config'")?;
    let labels = cfg.entry("Labels").or_insert_with(|| json!({}));
    if labels.is_null() {
        *labels = json!({});
    }
    labels
        .as_object_mut()
        .ok_or("base image config has bad Labels")?
        .insert(CONFIGS_LABEL.into(), json!("/configs"));
    cfg.insert("Entrypoint".into(), json!(["/bin/opm"]));
    // No pre-built cache (that needs running opm): plain `serve /configs`, as
    // oc-mirror's rebuilt catalogs do; `--cache-dir` alone would make opm
    // enforce a cache that is not there.
    cfg.insert("Cmd".into(), json!(["serve", "/configs"]));
    let rootfs = obj
        .entry("rootfs")
        .or_insert_with(|| json!({"type": "layers", "diff_ids": []}));
    rootfs["type"] = json!("layers");
    match rootfs.get_mut("diff_ids").and_then(Value::as_array_mut) {
        Some(ids) => ids.push(json!(diff_id)),
        None => rootfs["diff_ids"] = json!([diff_id]),
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    let entry = json!({"created": created, "created_by": format!("oc-catalog build: COPY {name} /configs"), "comment": "FBC catalog layer"});
    match obj.get_mut("history").and_then(Value::as_array_mut) {
        Some(h) => h.push(entry),
        None => {
            obj.insert("history".into(), json!([entry]));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_gzip_is_one_stream_and_deterministic() {
        use std::io::Read;
        let data: Vec<u8> = (0..(GZ_CHUNK * 5 + 123))
            .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
            .collect();
        let gz = |d: &[u8]| {
            let mut w = ParallelGz::new(Vec::new());
            for piece in d.chunks(100_000) {
                w.write_all(piece).unwrap();
            }
            w.finish().unwrap()
        };
        let a = gz(&data);
        assert_eq!(a, gz(&data));
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&a[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        // An empty stream is still valid gzip.
        let e = gz(&[]);
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&e[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn layer_is_reproducible_and_sorted() {
        let d = tempfile::tempdir().unwrap();
        let cat = d.path().join("cat");
        std::fs::create_dir_all(cat.join("b")).unwrap();
        std::fs::create_dir_all(cat.join("a")).unwrap();
        std::fs::write(cat.join("b/index.yaml"), "schema: olm.package\nname: b\n").unwrap();
        std::fs::write(cat.join("a/index.json"), "{}").unwrap();
        let (d1, s1, n) = write_layer(&cat, &d.path().join("1.tgz"), 0).unwrap();
        // Touch files: mtimes must not matter.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(cat.join("a/index.json"), "{}").unwrap();
        let (d2, s2, _) = write_layer(&cat, &d.path().join("2.tgz"), 0).unwrap();
        assert_eq!((d1.clone(), s1), (d2, s2));
        assert_eq!(n, 2);
        assert_eq!(
            std::fs::read(d.path().join("1.tgz")).unwrap(),
            std::fs::read(d.path().join("2.tgz")).unwrap()
        );
        let f = std::fs::File::open(d.path().join("1.tgz")).unwrap();
        let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(f));
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "configs/",
                "configs/a/",
                "configs/a/index.json",
                "configs/b/",
                "configs/b/index.yaml"
            ]
        );
    }
}
