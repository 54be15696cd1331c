//! Which cluster to talk to, found as kubectl finds it: `--kubeconfig` wins;
//! else `KUBECONFIG` (a path list, files merged, the first to set a key wins,
//! missing files skipped); else `~/.kube/config`; in-cluster service-account
//! config as the last resort. `--context`, `--cluster` and `--user` pick
//! entries of the kubeconfig.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

/// The kubectl options every cluster command takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KubeArgs {
    /// Kubeconfig file. Default: KUBECONFIG (a list of files, merged), then ~/.kube/config; the in-cluster service account last.
    #[arg(long, value_name = "FILE", help_heading = "Cluster options")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: its current-context).
    #[arg(long, value_name = "NAME", help_heading = "Cluster options")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use (overrides the context's).
    #[arg(long, value_name = "NAME", help_heading = "Cluster options")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use (overrides the context's).
    #[arg(long, value_name = "NAME", help_heading = "Cluster options")]
    pub user: Option<String>,
    /// Namespace of the catalog sources (default: openshift-marketplace).
    #[arg(short = 'n', long, value_name = "NS", help_heading = "Cluster options")]
    pub namespace: Option<String>,
}

impl KubeArgs {
    /// The namespace for catalog sources: `-n`, else openshift-marketplace.
    pub fn namespace(&self) -> String {
        self.namespace
            .clone()
            .unwrap_or_else(|| super::DEFAULT_NAMESPACE.to_string())
    }
}

/// Where the configuration came from, for messages.
#[derive(Clone)]
pub struct Connection {
    pub client: kube::Client,
    /// `https://host:port` of the API server.
    pub server: String,
}

impl Connection {
    /// Name the API server in an error that did not get an answer from it
    /// (connection refused, TLS, timeouts).
    pub fn context(&self, e: String) -> String {
        let transport = [
            "ServiceError",
            "HyperError",
            "tcp connect",
            "TLS",
            "timed out",
            "Connect",
        ]
        .iter()
        .any(|m| e.contains(m));
        if transport {
            format!(
                "{e}\n  API server: {} (is it reachable? check --kubeconfig/--context)",
                self.server
            )
        } else {
            e
        }
    }
}

/// A client for the cluster the options name.
pub async fn connect(args: &KubeArgs) -> Result<Connection, String> {
    let opts = KubeConfigOptions {
        context: args.context.clone(),
        cluster: args.cluster.clone(),
        user: args.user.clone(),
    };
    let config = match load_kubeconfig(args)? {
        Some((kc, source)) => kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .map_err(|e| format!("kubeconfig {source}: {e}"))?,
        None => {
            if args.context.is_some() || args.cluster.is_some() || args.user.is_some() {
                return Err(
                    "--context/--cluster/--user need a kubeconfig, and none was found (--kubeconfig, KUBECONFIG or ~/.kube/config)"
                        .to_string(),
                );
            }
            kube::Config::incluster().map_err(|e| {
                format!(
                    "no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster ({e})"
                )
            })?
        }
    };
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config)
        .map_err(|e| format!("connecting to {server}: {}", super::transport_error(&e)))?;
    Ok(Connection {
        client,
        server: server.trim_end_matches('/').to_string(),
    })
}

/// The kubeconfig to use and a description of where it came from, or `None`
/// when there is none (in-cluster then).
fn load_kubeconfig(args: &KubeArgs) -> Result<Option<(Kubeconfig, String)>, String> {
    if let Some(p) = &args.kubeconfig {
        if !p.is_file() {
            return Err(format!("--kubeconfig {}: no such file", p.display()));
        }
        let kc =
            Kubeconfig::read_from(p).map_err(|e| format!("kubeconfig {}: {e}", p.display()))?;
        return Ok(Some((kc, p.display().to_string())));
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let mut merged: Option<Kubeconfig> = None;
        let mut used = Vec::new();
        for p in std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()) {
            if !p.exists() {
                continue; // as client-go: missing files in KUBECONFIG are skipped
            }
            let kc = Kubeconfig::read_from(&p)
                .map_err(|e| format!("kubeconfig {}: {e}", p.display()))?;
            merged = Some(match merged {
                None => kc,
                Some(m) => m
                    .merge(kc)
                    .map_err(|e| format!("merging kubeconfig {}: {e}", p.display()))?,
            });
            used.push(p.display().to_string());
        }
        return Ok(merged.map(|m| (m, format!("KUBECONFIG={}", used.join(":")))));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(p) = home.map(|h| h.join(".kube/config")).filter(|p| p.exists()) {
        let kc =
            Kubeconfig::read_from(&p).map_err(|e| format!("kubeconfig {}: {e}", p.display()))?;
        return Ok(Some((kc, p.display().to_string())));
    }
    Ok(None)
}
