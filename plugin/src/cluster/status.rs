//! `status`: every CatalogSource of a namespace (or all), its image,
//! connection state, registry pod, last registry poll and package count, and
//! the OperatorHub default-source state. A table for people, JSON/YAML for
//! scripts (the field names below are the stable interface).

use kube::Api;
use kube::api::{DynamicObject, ListParams};
use serde::Serialize;
use serde_json::Value;

use super::apply::{catalog_pods, count_packages};
use super::config::Connection;
use super::{CATALOG_SOURCE, CLUSTER_CATALOG, OPERATOR_HUB, api_error, diagnose, str_at};

/// One CatalogSource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogStatus {
    pub namespace: String,
    pub name: String,
    pub image: Option<String>,
    /// `status.connectionState.lastObservedState` (READY, CONNECTING, TRANSIENT_FAILURE…).
    pub connection_state: Option<String>,
    pub last_connect: Option<String>,
    pub pods: Vec<diagnose::PodInfo>,
    /// `status.latestImageRegistryPoll`.
    pub last_registry_poll: Option<String>,
    /// PackageManifests labelled `catalog=<name>`; null when the API is not served.
    pub packages: Option<usize>,
    /// Why it is not READY (one line), when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// One ClusterCatalog (OLM v1).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterCatalogStatus {
    pub name: String,
    /// `spec.source.image.ref`.
    pub image: Option<String>,
    /// Condition `Serving` is True.
    pub serving: bool,
    /// `status.resolvedSource.image.ref` (the digest served).
    pub resolved: Option<String>,
    /// Reason and message of `Progressing` when not serving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// OperatorHub `cluster`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HubStatus {
    /// False on clusters that do not serve the OperatorHub API.
    pub served: bool,
    pub disable_all_default_sources: bool,
    /// `status.sources[]` (name, disabled, status) as the cluster reports them, else `spec.sources[]`.
    pub sources: Vec<Value>,
    /// Why the state is unknown (e.g. no permission to read it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub catalog_sources: Vec<CatalogStatus>,
    /// Empty when the cluster does not serve ClusterCatalogs.
    pub cluster_catalogs: Vec<ClusterCatalogStatus>,
    pub operator_hub: HubStatus,
}

/// Gather the report for a namespace (`None`: all namespaces).
pub async fn gather(conn: &Connection, ns: Option<&str>) -> Result<Report, String> {
    let client = &conn.client;
    let ar = CATALOG_SOURCE.api_resource();
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let list = match api.list(&ListParams::default()).await {
        Ok(l) => l.items,
        Err(kube::Error::Api(s)) if s.code == 404 => {
            return Err("the cluster does not serve CatalogSources (operators.coreos.com/v1alpha1): is OLM installed?".into());
        }
        Err(e) => return Err(api_error(&e, "listing", &CATALOG_SOURCE.target(), "", ns)),
    };
    let mut out = Vec::new();
    for cs in list {
        let v = serde_json::to_value(&cs).unwrap_or(Value::Null);
        let name = str_at(&v, "/metadata/name").unwrap_or_default().to_string();
        let cns = str_at(&v, "/metadata/namespace")
            .unwrap_or_default()
            .to_string();
        let state = str_at(&v, "/status/connectionState/lastObservedState").map(str::to_string);
        let ready = state.as_deref() == Some("READY");
        let (pods, logs) = catalog_pods(client, &name, &cns, !ready).await?;
        let packages = count_packages(client, &name, &cns).await?;
        let problem = (!ready).then(|| diagnose::explain(&name, &v, &pods, &logs));
        out.push(CatalogStatus {
            image: str_at(&v, "/spec/image").map(str::to_string),
            connection_state: state,
            last_connect: str_at(&v, "/status/connectionState/lastConnect").map(str::to_string),
            last_registry_poll: str_at(&v, "/status/latestImageRegistryPoll").map(str::to_string),
            namespace: cns,
            name,
            pods,
            packages,
            problem,
        });
    }
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let hub_api: Api<DynamicObject> = Api::all_with(client.clone(), &OPERATOR_HUB.api_resource());
    let operator_hub = match hub_api.get_opt("cluster").await {
        Ok(Some(h)) => {
            let v = serde_json::to_value(h).unwrap_or(Value::Null);
            let sources = v
                .pointer("/status/sources")
                .or_else(|| v.pointer("/spec/sources"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            HubStatus {
                served: true,
                disable_all_default_sources: v
                    .pointer("/spec/disableAllDefaultSources")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                sources,
                error: None,
            }
        }
        Ok(None) => HubStatus {
            served: false,
            disable_all_default_sources: false,
            sources: Vec::new(),
            error: None,
        },
        Err(kube::Error::Api(st)) if st.code == 404 => HubStatus {
            served: false,
            disable_all_default_sources: false,
            sources: Vec::new(),
            error: None,
        },
        Err(e @ kube::Error::Api(_)) => HubStatus {
            served: true,
            disable_all_default_sources: false,
            sources: Vec::new(),
            error: Some(api_error(
                &e,
                "reading",
                &OPERATOR_HUB.target(),
                "cluster",
                None,
            )),
        },
        Err(e) => {
            return Err(api_error(
                &e,
                "reading",
                &OPERATOR_HUB.target(),
                "cluster",
                None,
            ));
        }
    };
    let cc_api: Api<DynamicObject> = Api::all_with(client.clone(), &CLUSTER_CATALOG.api_resource());
    let cluster_catalogs = match cc_api.list(&ListParams::default()).await {
        Ok(l) => l
            .items
            .into_iter()
            .map(|c| {
                let v = serde_json::to_value(c).unwrap_or(Value::Null);
                let cond = |t: &str| {
                    v.pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .and_then(|cs| cs.iter().find(|c| str_at(c, "/type") == Some(t)))
                        .cloned()
                };
                let serving =
                    cond("Serving").is_some_and(|c| str_at(&c, "/status") == Some("True"));
                ClusterCatalogStatus {
                    name: str_at(&v, "/metadata/name").unwrap_or_default().to_string(),
                    image: str_at(&v, "/spec/source/image/ref").map(str::to_string),
                    serving,
                    resolved: str_at(&v, "/status/resolvedSource/image/ref").map(str::to_string),
                    problem: (!serving).then(|| match cond("Progressing") {
                        Some(c) => format!(
                            "{}: {}",
                            str_at(&c, "/reason").unwrap_or(""),
                            str_at(&c, "/message").unwrap_or("")
                        ),
                        None => "no conditions yet".to_string(),
                    }),
                }
            })
            .collect(),
        Err(kube::Error::Api(s)) if s.code == 404 => Vec::new(),
        Err(e) => {
            return Err(api_error(
                &e,
                "listing",
                &CLUSTER_CATALOG.target(),
                "",
                None,
            ));
        }
    };
    Ok(Report {
        catalog_sources: out,
        cluster_catalogs,
        operator_hub,
    })
}

/// The readable table (plus a line per problem and the OperatorHub state).
pub fn table(r: &Report, all_namespaces: bool) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec![
        "NAME",
        "IMAGE",
        "STATE",
        "POD",
        "RESTARTS",
        "LAST TERMINATION",
        "LAST POLL",
        "PACKAGES",
    ];
    if all_namespaces {
        head.insert(0, "NAMESPACE");
    }
    rows.push(head.iter().map(|s| s.to_string()).collect());
    let dash = || "-".to_string();
    for c in &r.catalog_sources {
        let pod = c.pods.first();
        let mut row = vec![
            c.name.clone(),
            c.image.clone().unwrap_or_else(dash),
            c.connection_state.clone().unwrap_or_else(dash),
            pod.map(|p| match &p.waiting_reason {
                Some(w) => format!("{} ({w})", p.phase),
                None => p.phase.clone(),
            })
            .unwrap_or_else(|| "none".into()),
            pod.map(|p| p.restarts.to_string()).unwrap_or_else(dash),
            pod.and_then(|p| p.last_termination_reason.clone())
                .unwrap_or_else(dash),
            c.last_registry_poll.clone().unwrap_or_else(dash),
            c.packages.map(|n| n.to_string()).unwrap_or_else(dash),
        ];
        if all_namespaces {
            row.insert(0, c.namespace.clone());
        }
        rows.push(row);
    }
    let mut out = String::new();
    if r.catalog_sources.is_empty() {
        out.push_str("No CatalogSources found.\n");
    } else {
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}   ", w = widths[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    for c in &r.catalog_sources {
        if let Some(p) = &c.problem {
            out.push_str(&format!("\n{p}\n"));
        }
    }
    if !r.cluster_catalogs.is_empty() {
        out.push_str("\nClusterCatalogs (OLM v1):\n");
        for c in &r.cluster_catalogs {
            let state = if c.serving {
                "Serving".to_string()
            } else {
                format!("not Serving ({})", c.problem.clone().unwrap_or_default())
            };
            out.push_str(&format!(
                "  {}  {}  {state}{}\n",
                c.name,
                c.image.as_deref().unwrap_or("-"),
                c.resolved
                    .as_ref()
                    .filter(|_| c.serving)
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default()
            ));
        }
    }
    out.push('\n');
    let h = &r.operator_hub;
    if let Some(e) = &h.error {
        out.push_str(&format!(
            "OperatorHub: unknown: {}\n",
            e.replace('\n', "\n  ")
        ));
    } else if !h.served {
        out.push_str("OperatorHub: not served by this cluster (no default sources to manage)\n");
    } else {
        out.push_str(&format!(
            "OperatorHub: default sources {}",
            if h.disable_all_default_sources {
                "disabled (disableAllDefaultSources: true)"
            } else {
                "enabled"
            }
        ));
        let srcs: Vec<String> = h
            .sources
            .iter()
            .map(|s| {
                let name = str_at(s, "/name").unwrap_or("?");
                let disabled = s.get("disabled").and_then(Value::as_bool).unwrap_or(false);
                format!("{name} {}", if disabled { "disabled" } else { "enabled" })
            })
            .collect();
        if !srcs.is_empty() {
            out.push_str(&format!("; {}", srcs.join(", ")));
        }
        out.push('\n');
    }
    out
}
