//! `apply`: make a cluster use a (mirrored) catalog — OperatorHub default
//! sources, pull secrets, mirror sets, CatalogSources and ClusterCatalogs, all
//! by server-side apply with one field manager — and `--wait` until it serves.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::cluster::apply::{self, DryRun, Output};
use crate::cluster::config::{self, KubeArgs};
use crate::cluster::manifests::{self, CatalogSettings, HubSettings, Inputs, NewCatalog};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Mirror output: a directory with cluster-resources/ (or that directory itself); every *.yaml, *.yml and *.json in it is applied.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Manifest files (or directories of them) to apply, as `kubectl apply -f`.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Create a CatalogSource for this catalog image (with --name).
    #[arg(long, value_name = "REF", requires = "name")]
    pub catalog_image: Option<String>,
    /// Name of the CatalogSource made from --catalog-image (a DNS-1035 label).
    #[arg(long, value_name = "NAME", requires = "catalog_image")]
    pub name: Option<String>,
    /// spec.displayName of the CatalogSources (default for --catalog-image: its name).
    #[arg(long, value_name = "TEXT", help_heading = "CatalogSource settings")]
    pub display_name: Option<String>,
    /// spec.publisher of the CatalogSources (default for --catalog-image: oc-catalog).
    #[arg(long, value_name = "TEXT", help_heading = "CatalogSource settings")]
    pub publisher: Option<String>,
    /// grpcPodConfig.securityContextConfig (default: restricted, unless a file sets it).
    #[arg(long, value_name = "MODE", value_parser = ["restricted", "legacy"], help_heading = "CatalogSource settings")]
    pub security_context_config: Option<String>,
    /// grpcPodConfig.memoryTarget (e.g. 512Mi): memory request and GOMEMLIMIT of the catalog pod.
    #[arg(long, value_name = "QUANTITY", help_heading = "CatalogSource settings")]
    pub memory_target: Option<String>,
    /// grpcPodConfig.nodeSelector entry KEY=VALUE (repeatable).
    #[arg(
        long,
        value_name = "KEY=VALUE",
        help_heading = "CatalogSource settings"
    )]
    pub node_selector: Vec<String>,
    /// grpcPodConfig.tolerations entry KEY[=VALUE]:EFFECT (repeatable).
    #[arg(
        long,
        value_name = "TOLERATION",
        help_heading = "CatalogSource settings"
    )]
    pub toleration: Vec<String>,
    /// updateStrategy.registryPoll.interval (e.g. 30m): how often OLM looks for a new catalog image.
    #[arg(long, value_name = "DURATION", help_heading = "CatalogSource settings")]
    pub poll_interval: Option<String>,
    /// Disable the default OperatorHub sources (spec.disableAllDefaultSources: true on OperatorHub "cluster").
    #[arg(long, help_heading = "OperatorHub")]
    pub disable_default_sources: bool,
    /// Disable one default source by name in OperatorHub's spec.sources (repeatable; other entries are kept).
    #[arg(long, value_name = "NAME", help_heading = "OperatorHub")]
    pub disable_source: Vec<String>,
    /// Enable one default source by name in OperatorHub's spec.sources (repeatable; other entries are kept).
    #[arg(long, value_name = "NAME", help_heading = "OperatorHub")]
    pub enable_source: Vec<String>,
    /// Create a kubernetes.io/dockerconfigjson Secret from this podman/docker auth file, with only the registries the catalogs need, and reference it in their spec.secrets.
    #[arg(long, value_name = "AUTHFILE", help_heading = "Pull secrets")]
    pub pull_secret_from: Option<PathBuf>,
    /// Name of that Secret.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "oc-catalog-pull-secret",
        help_heading = "Pull secrets"
    )]
    pub pull_secret_name: String,
    /// Also merge those credentials (and the mirrors' registries) into openshift-config/pull-secret, keeping every existing entry (mirror sets use only the global pull secret).
    #[arg(long, requires = "pull_secret_from", help_heading = "Pull secrets")]
    pub update_global_pull_secret: bool,
    /// Wait until every CatalogSource is READY and report its package count; say why not. Default 5m.
    #[arg(long, value_name = "DURATION", num_args = 0..=1, require_equals = true, default_missing_value = "5m")]
    pub wait: Option<String>,
    /// client: print what would be applied, no cluster needed; server: the server validates every object, nothing is stored.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value_t = DryRun::None, hide_possible_values = false)]
    pub dry_run: DryRun,
    /// Print the applied objects (secrets redacted).
    #[arg(short, long, value_enum)]
    pub output: Option<Output>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

/// The manifest files of a directory (lexical order), or the file itself.
fn manifest_files(p: &Path) -> Result<Vec<PathBuf>, String> {
    if p.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    let rd = std::fs::read_dir(p).map_err(|e| format!("reading {}: {e}", p.display()))?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| {
            f.is_file()
                && f.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
        })
        .collect();
    out.sort();
    Ok(out)
}

pub fn run(a: ApplyArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let mut paths = Vec::new();
    if let Some(dir) = &a.from {
        let cr = dir.join("cluster-resources");
        let wd = dir.join("working-dir/cluster-resources");
        let d = if cr.is_dir() {
            cr
        } else if wd.is_dir() {
            wd
        } else if dir.is_dir() {
            dir.clone()
        } else {
            return Err(format!("--from {}: no such directory", dir.display()));
        };
        let files = manifest_files(&d)?;
        if files.is_empty() {
            return Err(format!(
                "--from {}: no *.yaml, *.yml or *.json files in {}",
                dir.display(),
                d.display()
            ));
        }
        paths.extend(files);
    }
    for f in &a.files {
        if !f.exists() {
            return Err(format!("-f {}: no such file or directory", f.display()));
        }
        paths.extend(manifest_files(f)?);
    }
    let mut files = Vec::new();
    for p in paths {
        let text =
            std::fs::read_to_string(&p).map_err(|e| format!("reading {}: {e}", p.display()))?;
        files.push((p.display().to_string(), text));
    }
    let mut node_selector = Vec::new();
    for s in &a.node_selector {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("--node-selector {s:?}: expected KEY=VALUE"))?;
        node_selector.push((k.to_string(), v.to_string()));
    }
    let tolerations = a
        .toleration
        .iter()
        .map(|t| manifests::parse_toleration(t))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(p) = &a.poll_interval {
        crate::cluster::parse_duration(p).map_err(|e| format!("--poll-interval: {e}"))?;
    }
    let wait = a
        .wait
        .as_deref()
        .map(|w| crate::cluster::parse_duration(w).map_err(|e| format!("--wait: {e}")))
        .transpose()?;
    let auth_file = match &a.pull_secret_from {
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read_to_string(p)
                .map_err(|e| format!("--pull-secret-from {}: {e}", p.display()))?,
        )),
        None => None,
    };
    let hub = HubSettings {
        disable_all: a.disable_default_sources,
        disable: a.disable_source.clone(),
        enable: a.enable_source.clone(),
    };
    let inputs = Inputs {
        files,
        catalog: a.catalog_image.clone().map(|image| NewCatalog {
            image,
            name: a.name.clone().unwrap_or_default(),
        }),
        settings: CatalogSettings {
            display_name: a.display_name.clone(),
            publisher: a.publisher.clone(),
            security_context_config: a.security_context_config.clone(),
            memory_target: a.memory_target.clone(),
            node_selector,
            tolerations,
            poll_interval: a.poll_interval.clone(),
        },
        hub: hub.clone(),
        namespace: a.kube.namespace(),
        namespace_explicit: a.kube.namespace.is_some(),
        auth_file,
        pull_secret_name: a.pull_secret_name.clone(),
        update_global_pull_secret: a.update_global_pull_secret,
    };
    let plan = manifests::plan(&inputs)?;
    if a.dry_run == DryRun::Client {
        if wait.is_some() {
            eprintln!("note: --wait is ignored with --dry-run=client");
        }
        print!("{}", apply::print_client_dry_run(&plan, a.output, &hub));
        return Ok(ExitCode::SUCCESS);
    }
    let opts = apply::Options {
        dry_run: a.dry_run,
        output: a.output,
        wait,
        hub,
        poll: poll_interval(),
        namespace: a.kube.namespace(),
    };
    let kube = a.kube.clone();
    let outcome = crate::registry::block_on(async move {
        let conn = config::connect(&kube).await?;
        apply::apply(&conn, plan, &opts)
            .await
            .map_err(|e| conn.context(e))
    })??;
    if outcome.not_ready.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(super::EXIT_FINDINGS))
    }
}

/// How often `--wait` looks (OC_CATALOG_WAIT_POLL, in a duration, for tests; default 2s).
fn poll_interval() -> Duration {
    std::env::var("OC_CATALOG_WAIT_POLL")
        .ok()
        .and_then(|s| crate::cluster::parse_duration(&s).ok())
        .unwrap_or(Duration::from_secs(2))
}
