//! `mirror`: copy images between registries and OCI layouts, from a mapping
//! file, a retry file or a layout (docs/mirror.md). The engine is
//! `crate::mirror`; this module reads the flags, builds the jobs, prints the
//! summary and chooses the exit status.

use crate::mirror::archive;
use crate::mirror::copy::{Engine, Job, Settings, Status};
use crate::mirror::http::{self, Tls};
use crate::mirror::mapping::{self, Destination, Endpoint};
use crate::mirror::progress::{self, Progress, human};
use crate::mirror::store::{LayoutStore, Store, split_ref_name};
use crate::mirror::{self as m, plan};
use clap::Args;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Where to copy: docker://REGISTRY[/NAMESPACE], oci:DIR (an OCI layout), or file://DIR (archive).
    /// Optional with --mapping/--retry when every line names its full target.
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
    /// ImageSetConfiguration (mirror.openshift.io/v2alpha1 or v1alpha2): catalogs are
    /// filtered, rebuilt and pushed next to their images; cluster resources go to WORKDIR/cluster-resources.
    #[arg(short = 'c', long = "config", value_name = "FILE", conflicts_with_all = ["mapping", "retry", "from"])]
    pub config: Option<PathBuf>,
    /// -c: flatten target repository paths to at most N components (Quay: 2; 0 = no limit).
    #[arg(long, value_name = "N")]
    pub max_components: Option<usize>,
    /// -c: also keep the packages that kept bundles require (olm.package.required, olm.gvk.required).
    #[arg(long)]
    pub with_dependencies: bool,
    /// -c: write a legacy ImageContentSourcePolicy instead of ImageDigestMirrorSet/ImageTagMirrorSet.
    #[arg(long)]
    pub icsp: bool,
    /// -c: also write an OLM v1 ClusterCatalog per catalog.
    #[arg(long)]
    pub cluster_catalog: bool,
    /// -c: how broad each mirror-set entry is: the source registry, namespace (default) or repository.
    #[arg(long, value_name = "SCOPE", default_value = "namespace", value_parser = ["registry", "namespace", "repository"])]
    pub scope: String,
    /// Mapping file: SOURCE=TARGET per line (`oc image mirror -f` format), or SOURCE alone with a DESTINATION.
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["retry", "from"])]
    pub mapping: Option<PathBuf>,
    /// A retry file written by an earlier run: copy again only what failed.
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub retry: Option<PathBuf>,
    /// Copy every image of an OCI layout (oci:DIR) or of an archive (file://DIR) to DESTINATION.
    #[arg(long, value_name = "oci:DIR|file://DIR")]
    pub from: Option<String>,
    /// Read manifests and HEAD blobs only: write the mapping and the plan, print images, blobs and bytes to send.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder for retry files and dry-run output.
    #[arg(long, value_name = "DIR", default_value = "oc-catalog-mirror")]
    pub workdir: PathBuf,
    /// Images copied at once (1-32).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub parallel_images: u16,
    /// Blobs copied at once per image (1-32).
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub parallel_layers: u16,
    /// Retries of an operation that failed with 429, 5xx, a dropped connection or corrupted data.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retry_times: u32,
    /// First wait before a retry (doubled each time, at most 60s; a registry's Retry-After wins): 500ms, 2s, 1m.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub retry_delay: Duration,
    /// Only these platforms of multi-platform images (os/arch[/variant], comma-separated). The index is kept as is.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub platforms: Vec<String>,
    /// Verify TLS of source registries (default: --tls-verify).
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub src_tls_verify: Option<bool>,
    /// Verify TLS of destination registries (default: --tls-verify).
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub dest_tls_verify: Option<bool>,
    /// Progress display: bars on a terminal (auto), bars, or plain lines.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub progress: progress::Mode,
    /// file://DIR: largest tar chunk in GiB (decimals allowed); a larger blob goes alone in a chunk.
    #[arg(long, value_name = "GIB", default_value_t = archive::DEFAULT_CHUNK_GIB as f64, value_parser = parse_gib, help_heading = "Archive options (file://DIR)")]
    pub archive_size: f64,
    /// file://DIR: a blob larger than --archive-size is an error instead of a warning.
    #[arg(long, help_heading = "Archive options (file://DIR)")]
    pub strict_archive: bool,
    /// file://DIR: ship again what the runs since RUN (an id printed by an earlier run) or since the day YYYY-MM-DD shipped (a lost archive).
    #[arg(
        long,
        value_name = "RUN|YYYY-MM-DD",
        conflicts_with = "full",
        help_heading = "Archive options (file://DIR)"
    )]
    pub since: Option<String>,
    /// file://DIR: ship every blob, whatever earlier runs shipped.
    #[arg(long, help_heading = "Archive options (file://DIR)")]
    pub full: bool,
}

/// A size in GiB above 0 (decimals allowed).
fn parse_gib(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?}: give a size in GiB above 0, e.g. 4 or 0.5")),
    }
}

/// `file://DIR` → DIR.
fn file_dir(s: &str) -> Option<PathBuf> {
    s.strip_prefix("file://").map(PathBuf::from)
}

/// `500ms`, `2s`, `1m`, or a number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 500ms, 2s or 1m"))?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" => v * 60.0,
        _ => return Err(format!("{s:?}: unit must be ms, s or m")),
    };
    Ok(Duration::from_secs_f64(secs))
}

/// Source, target, and the digest the target must have.
type Pair = (Endpoint, Endpoint, Option<String>);

/// The (source, target) pairs of the run.
fn endpoints(a: &MirrorArgs) -> Result<Vec<Pair>, String> {
    let dest = match a.destination.as_deref() {
        None => Destination::AsWritten,
        // Mirror to disk: into DIR/oci, packed after the copy.
        Some(d) if d.starts_with("file://") => {
            if a.from.is_some() {
                return Err(format!(
                    "--from with {d}: an archive goes to a registry (docker://…) or a layout (oci:DIR)"
                ));
            }
            let dir = file_dir(d).unwrap_or_default();
            Destination::Layout(dir.join(archive::LAYOUT_DIR))
        }
        Some(d) => mapping::parse_destination(d)?,
    };
    if let Some(from) = &a.from {
        if dest == Destination::AsWritten {
            return Err("--from needs a DESTINATION (docker://REGISTRY[/NAMESPACE])".into());
        }
        // Disk to mirror: run() has applied the archives of DIR to DIR/oci (verified).
        let unpacked =
            file_dir(from).map(|dir| dir.join(archive::LAYOUT_DIR).to_string_lossy().into_owned());
        let Some(dir) = unpacked.as_deref().or(from.strip_prefix("oci:")) else {
            return Err(format!("--from {from}: expected oci:DIR or file://DIR"));
        };
        let layout = LayoutStore::open(Path::new(dir), false)?;
        let mut out = Vec::new();
        for (name, _, _) in layout.entries() {
            let Some((repo, reference)) = split_ref_name(&name) else {
                return Err(format!(
                    "{dir}: index.json entry {name:?} is not REPO:TAG or REPO@DIGEST"
                ));
            };
            let line = mapping::Line {
                line: 0,
                source: format!("oci:{dir}:{name}"),
                target: None,
            };
            let _ = (repo, reference);
            out.push(mapping::resolve(&line, &dest, dir)?);
        }
        if out.is_empty() {
            return Err(format!("{dir}: the layout has no named images"));
        }
        return Ok(out);
    }
    let file = a
        .mapping
        .as_ref()
        .or(a.retry.as_ref())
        .ok_or("give -c FILE, --mapping FILE, --retry FILE or --from oci:DIR|file://DIR")?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let shown = file.display().to_string();
    let lines = fbc_core::mirror::plan::parse_mapping(&shown, &text, mapping::check_endpoint)?;
    if lines.is_empty() {
        return Err(format!("{shown}: no images"));
    }
    lines
        .iter()
        .map(|l| mapping::resolve(l, &dest, &shown))
        .collect()
}

/// Connect every registry once per side; open or create layouts.
async fn stores(pairs: &[Pair], a: &MirrorArgs) -> Result<Vec<Job>, String> {
    let opts = crate::registry::options();
    let src_tls = Tls {
        verify: a.src_tls_verify.unwrap_or(opts.tls_verify),
        cert_dir: opts.cert_dir.clone(),
    };
    let dst_tls = Tls {
        verify: a.dest_tls_verify.unwrap_or(opts.tls_verify),
        cert_dir: opts.cert_dir.clone(),
    };
    let mut cache: HashMap<(bool, String), Store> = HashMap::new();
    let mut get = async |ep: &Endpoint, is_dst: bool| -> Result<Store, String> {
        let key = match ep {
            Endpoint::Registry { host, .. } => (is_dst, format!("docker://{host}")),
            Endpoint::Layout { dir, .. } => (true, format!("oci:{}", dir.display())),
        };
        if let Some(s) = cache.get(&key) {
            return Ok(s.clone());
        }
        let s = match ep {
            Endpoint::Registry { host, repo, .. } => {
                let tls = if is_dst { &dst_tls } else { &src_tls };
                Store::Registry(Arc::new(
                    http::Registry::connect(host, repo, &opts, tls).await?,
                ))
            }
            Endpoint::Layout { dir, .. } => {
                Store::Layout(Arc::new(LayoutStore::open(dir, is_dst)?))
            }
        };
        cache.insert(key, s.clone());
        Ok(s)
    };
    let mut jobs = Vec::new();
    for (s, d, pin) in pairs {
        let src = get(s, false).await?;
        let dst = get(d, true).await?;
        let mut target_text = d.text();
        if let Some(p) = pin {
            target_text = format!("{target_text}@{p}");
        }
        jobs.push(Job {
            source_text: s.text(),
            target_text,
            dst_pin: pin.clone(),
            src,
            src_repo: s.repo().to_string(),
            src_ref: s.reference().to_string(),
            dst,
            dst_repo: d.repo().to_string(),
            dst_ref: d.reference().to_string(),
        });
    }
    Ok(jobs)
}

pub fn run(a: MirrorArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let isc = match (&a.config, a.from.as_deref().and_then(file_dir)) {
        (Some(c), _) => Some(plan_isc(&a, c)?),
        (None, Some(dir)) => {
            if a.destination
                .as_deref()
                .is_some_and(|d| d.starts_with("file://"))
            {
                return Err(format!(
                    "--from file://{} with a file:// destination: an archive goes to a registry (docker://…) or a layout (oci:DIR)",
                    dir.display()
                ));
            }
            let rep = archive::unpack(&archive::UnpackOptions::new(&dir))?;
            for w in &rep.warnings {
                eprintln!("warning: {w}");
            }
            println!("{rep}");
            plan_from_archive(&a, &dir)?
        }
        (None, None) => None,
    };
    let pairs = match &isc {
        Some(r) => r.pairs.clone(),
        None => endpoints(&a)?,
    };
    let settings = Settings {
        parallel_images: a.parallel_images as usize,
        parallel_layers: a.parallel_layers as usize,
        retry_times: a.retry_times,
        retry_delay: a.retry_delay,
        platforms: a.platforms.clone(),
    };
    crate::registry::block_on(async move {
        let jobs = stores(&pairs, &a).await?;
        if a.dry_run {
            if let Some(r) = isc.as_ref().filter(|r| !r.to_disk) {
                write_resources(&a, r)?;
            }
            return dry_run(&a, settings, &jobs).await;
        }
        let jobs_text = m::mapping_text(&jobs);
        let progress = Arc::new(Progress::new(a.progress, jobs.len()));
        let engine = Arc::new(Engine::new(settings, progress.clone()));
        let start = Instant::now();
        let reports = engine.run(jobs).await;
        progress.finish();
        let secs = start.elapsed().as_secs_f64();
        let (mut copied, mut present, mut failed) = (0, 0, 0);
        let (mut up, mut mounted, mut there, mut bytes) = (0u64, 0u64, 0u64, 0u64);
        for r in &reports {
            match r.status {
                Status::Copied => copied += 1,
                Status::Present => present += 1,
                Status::Failed(_) => failed += 1,
            }
            up += r.counts.uploaded;
            mounted += r.counts.mounted;
            there += r.counts.present;
            bytes += r.counts.bytes;
        }
        println!(
            "images: {copied} copied, {present} already present, {failed} failed ({} in all)",
            reports.len()
        );
        println!(
            "blobs: {up} sent ({}), {mounted} mounted, {there} already present",
            human(bytes)
        );
        println!(
            "time: {secs:.2} s, {}/s",
            human((bytes as f64 / secs.max(1e-9)) as u64)
        );
        let code = m::exit_status(&reports);
        if let Some(dir) = a.destination.as_deref().and_then(file_dir) {
            if code != 0 {
                eprintln!(
                    "error: no archive written in {}: it is packed once every image is in {}",
                    dir.display(),
                    dir.join(archive::LAYOUT_DIR).display()
                );
            } else {
                if let Some(json) = isc.as_ref().and_then(|r| r.disk_plan.as_ref()) {
                    // Shipped with the archive (working-dir travels in every run).
                    let wd = dir.join(archive::WORKING_DIR);
                    std::fs::create_dir_all(&wd).map_err(|e| format!("{}: {e}", wd.display()))?;
                    crate::registry::layout::write_atomic(&wd.join(DISK_PLAN), json.as_bytes())?;
                }
                pack(&a, &dir, &jobs_text)?;
            }
        }
        match &isc {
            Some(r) if r.to_disk => eprintln!(
                "note: the cluster resources are written when the archive is pushed: oc catalog mirror --from file://DIR docker://REGISTRY[/NAMESPACE]"
            ),
            Some(r) => write_resources(&a, r)?,
            None => {}
        }
        if code != 0 {
            let path = m::write_retry_file(&a.workdir, &reports)?;
            eprintln!(
                "error: {failed} image(s) failed; they are listed with the reasons in {}; rerun them with: oc catalog mirror --retry {}",
                path.display(),
                path.display()
            );
        }
        Ok(ExitCode::from(code))
    })?
}

/// What `-c` planned: the copies, and the catalogs rebuilt and pushed.
struct IscRun {
    pairs: Vec<Pair>,
    images: Vec<fbc_core::mirror::plan::ImageCopy>,
    built: Vec<fbc_core::mirror::resources::BuiltCatalog>,
    /// Mirror to disk: targets are named for `Destination::disk()`; the
    /// cluster resources are written by the disk-to-mirror run.
    to_disk: bool,
    /// Mirror to disk: `working-dir/isc-plan.json`, written only once every
    /// image is in the layout (a failed run leaves the last good plan).
    disk_plan: Option<String>,
}

/// `working-dir/isc-plan.json` of an archive: what `mirror -c FILE file://DIR`
/// planned, for `mirror --from file://DIR docker://REGISTRY` to name the final
/// targets and write the cluster resources.
const DISK_PLAN: &str = "isc-plan.json";
const DISK_PLAN_FORMAT: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiskPlan {
    format: u32,
    /// The ImageSetConfiguration file, as given.
    config: String,
    /// Targets named for `Destination::disk()` (their path and tag or digest
    /// are the image's name in the layout).
    images: Vec<fbc_core::mirror::plan::ImageCopy>,
    catalogs: Vec<DiskCatalog>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiskCatalog {
    /// The catalog as written in the configuration.
    source: String,
    /// `repository:tag` of the rebuilt catalog, named for `Destination::disk()`.
    target: String,
    /// Its manifest (or index) digest in the layout.
    digest: String,
}

/// `REPO:TAG` or `REPO@DIGEST` → `REPO`.
fn repo_of(target: &str) -> &str {
    let t = target.split_once('@').map_or(target, |(r, _)| r);
    t.rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(t, |(r, _)| r)
}

/// `working-dir/isc-plan.json`, when there is one.
fn read_disk_plan(path: &Path) -> Result<Option<DiskPlan>, String> {
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    let p: DiskPlan = serde_json::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
    if p.format > DISK_PLAN_FORMAT {
        return Err(format!(
            "{shown}: plan format {} was written by a newer oc-catalog (this one reads format {DISK_PLAN_FORMAT}): push the archive with the version that made it",
            p.format
        ));
    }
    Ok(Some(p))
}

/// After the archives of DIR are unpacked: the plan `mirror -c` shipped in
/// DIR/working-dir, with every target named for the destination of this run.
/// `None` when the archive was made without `-c`.
fn plan_from_archive(a: &MirrorArgs, dir: &Path) -> Result<Option<IscRun>, String> {
    use fbc_core::mirror::{plan as cplan, resources::BuiltCatalog};
    let path = dir.join(archive::WORKING_DIR).join(DISK_PLAN);
    let shown = path.display().to_string();
    let Some(p) = read_disk_plan(&path)? else {
        return Ok(None);
    };
    let dest_s = match a.destination.as_deref() {
        Some(d) if !d.starts_with("oci:") && !d.starts_with("file://") => d,
        other => {
            return Err(format!(
                "{}: the archive was made from the ImageSetConfiguration {}; push it to a registry: --from file://{} docker://REGISTRY[/NAMESPACE] (got {})",
                dir.display(),
                p.config,
                dir.display(),
                other.unwrap_or("no destination")
            ));
        }
    };
    let dest = cplan::Destination::parse(dest_s, a.max_components)?;
    let layout_dir = dir.join(archive::LAYOUT_DIR);
    let layout = LayoutStore::open(&layout_dir, false)?;
    let layout_s = layout_dir.display().to_string();
    // The source of a planned image: its name in the layout (by digest when it has one).
    let source_of = |planned: &str| -> Result<String, String> {
        let r = fbc_core::imageref::parse_normalized(planned)
            .map_err(|e| format!("{shown}: {planned:?}: {e}"))?;
        let reference = r
            .digest
            .clone()
            .or(r.tag.clone())
            .unwrap_or("latest".into());
        let present = if reference.starts_with("sha256:") {
            layout.blob_path(&reference).is_file()
        } else {
            layout
                .entries()
                .iter()
                .any(|(n, _, _)| *n == crate::mirror::store::ref_name(&r.path, &reference))
        };
        if !present {
            return Err(format!(
                "{}: {}:{reference} is planned in {shown} but not in the layout: were all the mirror_*.tar files of the run unpacked?",
                layout_s, r.path
            ));
        }
        Ok(format!(
            "oci:{layout_s}:{}",
            crate::mirror::store::ref_name(&r.path, &reference)
        ))
    };
    let mut pairs = Vec::new();
    let mut images = Vec::new();
    for (i, ic) in p.images.iter().enumerate() {
        let target = cplan::target_for(&ic.target, &dest)?;
        let line = mapping::Line {
            line: i + 1,
            source: source_of(&ic.target)?,
            target: Some(target.clone()),
        };
        pairs.push(mapping::resolve(&line, &Destination::AsWritten, &shown)?);
        images.push(fbc_core::mirror::plan::ImageCopy {
            target,
            ..ic.clone()
        });
    }
    let mut built = Vec::new();
    for c in &p.catalogs {
        let tagged = cplan::target_for(&c.target, &dest)?;
        let line = mapping::Line {
            line: 0,
            source: source_of(&format!("{}@{}", repo_of(&c.target), c.digest))?,
            target: Some(format!("{tagged}@{}", c.digest)),
        };
        pairs.push(mapping::resolve(&line, &Destination::AsWritten, &shown)?);
        built.push(BuiltCatalog {
            source: c.source.clone(),
            target_by_digest: format!("{}@{}", repo_of(&tagged), c.digest),
            target_tag: Some(tagged),
            display_name: None,
        });
    }
    eprintln!(
        "{}: {} images and {} catalogs planned from {}",
        dir.display(),
        images.len(),
        built.len(),
        p.config
    );
    Ok(Some(IscRun {
        pairs,
        images,
        built,
        to_disk: false,
        disk_plan: None,
    }))
}

/// `-c isc.yaml`: read each catalog, filter it (core), plan the copies (core),
/// rebuild each filtered catalog over its original image and push it to its
/// target (not in a dry run).
fn plan_isc(a: &MirrorArgs, path: &Path) -> Result<IscRun, String> {
    use fbc_core::mirror::{isc, plan as cplan, resources::BuiltCatalog, select};
    let dest_s = a
        .destination
        .as_deref()
        .ok_or("-c needs a DESTINATION: docker://REGISTRY[/NAMESPACE]")?;
    // Mirror to disk: everything goes into DIR/oci, named for Destination::disk().
    let disk = file_dir(dest_s);
    if disk.is_some() && a.max_components.is_some() {
        return Err(
            "--max-components with file://DIR: give it when the archive is pushed (mirror --from file://DIR docker://REGISTRY --max-components N)".into(),
        );
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let cfg = isc::parse(&shown, &text).map_err(|e| e.to_string())?;
    let dest = match &disk {
        Some(_) => cplan::Destination::disk(),
        None => cplan::Destination::parse(dest_s, a.max_components)?,
    };
    let layout_dest = disk
        .as_ref()
        .map(|d| Destination::Layout(d.join(archive::LAYOUT_DIR)));
    let opts = crate::registry::options();
    let mut filtered = Vec::new();
    for op in &cfg.operators {
        let reference = match op.oci_layout() {
            Some(d) => format!("oci:{d}"),
            None => op.catalog.clone(),
        };
        eprintln!("reading catalog {}", op.catalog);
        let (_, files) = crate::registry::source::fetch_image_files(&reference, &opts)
            .map_err(|e| format!("{} ({}): {e}", op.catalog, op.at))?;
        let fbc = crate::input::load_fbc_files(&files)
            .map_err(|e| format!("catalog {}: {e}", op.catalog))?;
        let sel = select::filter(
            &fbc,
            op,
            &select::SelectOptions {
                with_dependencies: a.with_dependencies,
                ..Default::default()
            },
        )
        .map_err(|e| format!("{} ({}): {e}", op.catalog, op.at))?;
        for n in &sel.notes {
            eprintln!("note: {}: {n}", op.catalog);
        }
        filtered.push((reference, sel.config));
    }
    let selected: Vec<(&isc::OperatorSpec, &fbc_core::fbc::Fbc)> = cfg
        .operators
        .iter()
        .zip(filtered.iter().map(|(_, f)| f))
        .collect();
    let plan = cplan::collect(&selected, &cfg, &dest).map_err(|e| e.to_string())?;
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    let mut built = Vec::new();
    let mut catalog_pairs = Vec::new();
    let mut disk_catalogs = Vec::new();
    for (i, ct) in plan.catalogs.iter().enumerate() {
        let k = cfg
            .operators
            .iter()
            .position(|o| o.catalog == ct.source)
            .ok_or_else(|| {
                format!(
                    "plan names catalog {} that the configuration does not",
                    ct.source
                )
            })?;
        let (base, fbc) = &filtered[k];
        let dir = a
            .workdir
            .join("catalogs")
            .join(i.to_string())
            .join("configs");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        for (pkg, text) in fbc_core::fbc::write_by_package(fbc, fbc_core::fbc::Format::Json) {
            let d = dir.join(&pkg);
            std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            crate::registry::layout::write_atomic(&d.join("catalog.json"), text.as_bytes())?;
        }
        let repo = repo_of(&ct.target);
        let by_digest = if a.dry_run {
            ct.target.clone()
        } else if let Some(layout) = &layout_dest {
            // Into a layout of its own, then copied into DIR/oci with the images.
            let tmp = dir.with_file_name("layout");
            if tmp.exists() {
                std::fs::remove_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            }
            eprintln!("building the filtered catalog of {} over it", ct.source);
            let args = super::build::BuildArgs {
                dir: dir.clone(),
                tag: ct.target.clone(),
                base: Some(base.clone()),
                push: false,
                to: Some(format!("oci:{}", tmp.display())),
                platforms: Vec::new(),
            };
            let d = match super::build::build(&args, "oc catalog", true)? {
                Ok(d) => d,
                Err(_) => {
                    return Err(format!(
                        "the filtered catalog of {} (in {}) is not valid (findings above)",
                        ct.source,
                        dir.display()
                    ));
                }
            };
            let line = mapping::Line {
                line: 0,
                source: format!("oci:{}:{repo}@{d}", tmp.display()),
                target: Some(format!("{}@{d}", ct.target)),
            };
            catalog_pairs.push(mapping::resolve(&line, layout, "plan")?);
            disk_catalogs.push(DiskCatalog {
                source: ct.source.clone(),
                target: ct.target.clone(),
                digest: d.clone(),
            });
            format!("{repo}@{d}")
        } else {
            eprintln!(
                "building the filtered catalog {} over {}",
                ct.target, ct.source
            );
            let args = super::build::BuildArgs {
                dir: dir.clone(),
                tag: ct.target.clone(),
                base: Some(base.clone()),
                push: true,
                to: None,
                platforms: Vec::new(),
            };
            match super::build::build(&args, "oc catalog", true)? {
                Ok(d) => format!("{repo}@{d}"),
                Err(_) => {
                    return Err(format!(
                        "the filtered catalog of {} (in {}) is not valid (findings above)",
                        ct.source,
                        dir.display()
                    ));
                }
            }
        };
        built.push(BuiltCatalog {
            source: ct.source.clone(),
            target_by_digest: by_digest,
            target_tag: Some(ct.target.clone()),
            display_name: None,
        });
    }
    let mut pairs = Vec::new();
    for (i, ic) in plan.images.iter().enumerate() {
        let line = mapping::Line {
            line: i + 1,
            source: ic.source.clone(),
            target: Some(ic.target.clone()),
        };
        let d = layout_dest.as_ref().unwrap_or(&Destination::AsWritten);
        pairs.push(mapping::resolve(&line, d, "plan")?);
    }
    pairs.extend(catalog_pairs);
    let disk_plan = match disk.as_ref().filter(|_| !a.dry_run) {
        Some(_) => {
            let p = DiskPlan {
                format: DISK_PLAN_FORMAT,
                config: shown.clone(),
                images: plan.images.clone(),
                catalogs: disk_catalogs,
            };
            Some(serde_json::to_string_pretty(&p).map_err(|e| e.to_string())? + "\n")
        }
        None => None,
    };
    Ok(IscRun {
        pairs,
        images: plan.images,
        built,
        to_disk: disk.is_some(),
        disk_plan,
    })
}

/// WORKDIR/mapping.txt and WORKDIR/cluster-resources/*.yaml.
fn write_resources(a: &MirrorArgs, r: &IscRun) -> Result<(), String> {
    use fbc_core::mirror::{plan as cplan, resources};
    let opts = resources::ResourceOptions {
        icsp: a.icsp,
        cluster_catalog: a.cluster_catalog,
        scope: match a.scope.as_str() {
            "registry" => resources::Scope::Registry,
            "repository" => resources::Scope::Repository,
            _ => resources::Scope::Namespace,
        },
        ..Default::default()
    };
    // The set is written aside, then replaces the last run's whole: no file of
    // an earlier run (an IDMS before --icsp, a removed catalog) is left to apply.
    let dir = a.workdir.join("cluster-resources");
    let next = a.workdir.join(".cluster-resources.next");
    let err = |p: &Path| {
        let p = p.display().to_string();
        move |e: std::io::Error| format!("{p}: {e}")
    };
    if next.exists() {
        std::fs::remove_dir_all(&next).map_err(err(&next))?;
    }
    std::fs::create_dir_all(&next).map_err(err(&next))?;
    for (name, yaml) in resources::generate(&r.images, &r.built, &opts) {
        crate::registry::layout::write_atomic(&next.join(&name), yaml.as_bytes())?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(err(&dir))?;
    }
    std::fs::rename(&next, &dir).map_err(err(&dir))?;
    crate::registry::layout::write_atomic(
        &a.workdir.join("mapping.txt"),
        cplan::mapping_txt(&r.images).as_bytes(),
    )?;
    eprintln!("wrote {}", dir.display());
    Ok(())
}

/// Mirror to disk: the run's mapping into DIR/working-dir, then DIR/oci packed into DIR/mirror_*.tar.
fn pack(a: &MirrorArgs, dir: &Path, mapping: &str) -> Result<(), String> {
    let wd = dir.join(archive::WORKING_DIR);
    std::fs::create_dir_all(&wd).map_err(|e| format!("{}: {e}", wd.display()))?;
    crate::registry::layout::write_atomic(&wd.join("mapping.txt"), mapping.as_bytes())?;
    let mut o = archive::PackOptions::new(dir);
    o.chunk_bytes = ((a.archive_size * archive::GIB as f64) as u64).max(1);
    o.strict = a.strict_archive;
    o.since = match (&a.since, a.full) {
        (_, true) => archive::Since::Full,
        (Some(s), _) => archive::Since::parse(s),
        (None, false) => archive::Since::History,
    };
    let rep = archive::pack(&o)?;
    for w in &rep.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(old) = &rep.replaced {
        eprintln!(
            "note: the tars of run {old} in {} were replaced; if they were not carried across, pack again with --since {old}",
            dir.display()
        );
    }
    println!("{rep}");
    Ok(())
}

async fn dry_run(a: &MirrorArgs, settings: Settings, jobs: &[Job]) -> Result<ExitCode, String> {
    let engine = Arc::new(Engine::new(settings, Arc::new(Progress::silent())));
    let plans = plan::dry_run(&engine, jobs).await;
    let dir = a.workdir.join("dry-run");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| {
        crate::registry::layout::write_atomic(&dir.join(name), text.as_bytes())
    };
    write("mapping.txt", &m::mapping_text(jobs))?;
    let json = serde_json::to_string_pretty(&plan::plan_json(&plans)).map_err(|e| e.to_string())?;
    write("plan.json", &(json + "\n"))?;
    let t = plan::Totals::of(&plans);
    for p in &plans {
        if let Some(e) = &p.error {
            eprintln!("error: {}", e.message);
        }
    }
    println!(
        "images: {} ({} manifests), {} already at the destination, {} unreadable",
        t.images, t.manifests, t.images_present, t.images_failed
    );
    println!("blobs: {} unique, {}", t.blobs, human(t.bytes));
    println!(
        "already at the destination: {} blobs, {}",
        t.blobs_present,
        human(t.bytes_present)
    );
    println!(
        "to transfer: {} blobs, {}",
        t.blobs - t.blobs_present,
        human(t.bytes - t.bytes_present)
    );
    println!(
        "wrote {} and {}",
        dir.join("mapping.txt").display(),
        dir.join("plan.json").display()
    );
    if t.images_failed > 0 {
        let bits = plans
            .iter()
            .filter_map(|p| p.error.as_ref())
            .fold(0u8, |b, e| b | m::category_bit(e.category));
        return Ok(ExitCode::from(m::EXIT_PARTIAL | bits));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, read_disk_plan, repo_of};
    use std::time::Duration;

    #[test]
    fn disk_plans_absent_newer_or_broken() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("isc-plan.json");
        assert!(read_disk_plan(&p).unwrap().is_none());
        std::fs::write(
            &p,
            r#"{"format":2,"config":"isc.yaml","images":[],"catalogs":[]}"#,
        )
        .unwrap();
        let e = read_disk_plan(&p).err().unwrap();
        assert!(
            e.contains("isc-plan.json: plan format 2 was written by a newer oc-catalog"),
            "{e}"
        );
        std::fs::write(
            &p,
            r#"{"format":1,"config":"isc.yaml","images":[],"catalogs":[]}"#,
        )
        .unwrap();
        assert!(read_disk_plan(&p).unwrap().is_some());
        std::fs::write(&p, "{").unwrap();
        assert!(
            read_disk_plan(&p)
                .err()
                .unwrap()
                .contains("isc-plan.json: ")
        );
    }

    #[test]
    fn repositories_of_references() {
        assert_eq!(repo_of("h:5000/a/b:v1"), "h:5000/a/b");
        assert_eq!(repo_of("h:5000/a/b@sha256:00"), "h:5000/a/b");
        assert_eq!(repo_of("h:5000/a/b:v1@sha256:00"), "h:5000/a/b");
        assert_eq!(repo_of("h:5000/a/b"), "h:5000/a/b");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("1h").is_err());
    }
}
