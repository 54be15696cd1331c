//! Execute a [`Plan`]: resolve every kind by discovery before the first
//! write, warn about node drains, merge the global pull secret, server-side
//! apply each object with the one field manager, report created / configured
//! / unchanged, and wait for catalogs to serve.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::Api;
use kube::api::{ApiResource, DynamicObject, ListParams, LogParams, Patch, PatchParams};
use kube::discovery::Scope;
use serde_json::{Value, json};

use super::config::Connection;
use super::manifests::{self, HubSettings, Item, Plan};
use super::{
    CATALOG_SOURCE, CLUSTER_CATALOG, FIELD_MANAGER, ICSP, IDMS, ITMS, OPERATOR_HUB,
    PACKAGE_MANIFEST, SECRET, Target, api_error, diagnose, str_at,
};

/// `--dry-run` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    /// Apply for real (the default).
    None,
    /// Print what would be applied; no cluster needed.
    Client,
    /// Send every request with dryRun=All: the server validates, nothing is stored.
    Server,
}

/// `-o` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Yaml,
    Json,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: DryRun,
    pub output: Option<Output>,
    pub wait: Option<Duration>,
    pub hub: HubSettings,
    /// Interval between two looks at a catalog while waiting.
    pub poll: Duration,
    /// `-n` (or openshift-marketplace): for namespaced objects of other kinds that name none.
    pub namespace: String,
}

/// What happened; the exit code follows from it.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Catalogs that did not get READY in time (their explanations were printed).
    pub not_ready: Vec<String>,
}

/// Print the objects of a plan without any cluster (`--dry-run=client`).
pub fn print_client_dry_run(plan: &Plan, output: Option<Output>, hub: &HubSettings) -> String {
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    let mut objects = Vec::new();
    let mut global_at = None;
    for it in &plan.items {
        if global_at.is_none()
            && !(it.is(OPERATOR_HUB) || it.is(IDMS) || it.is(ITMS) || it.is(ICSP))
        {
            global_at = Some(objects.len());
        }
        if it.is(OPERATOR_HUB) {
            if !hub.disable.is_empty() || !hub.enable.is_empty() {
                eprintln!(
                    "note: {}: the sources the cluster already lists are kept at apply time (read from the cluster)",
                    it.shown()
                );
            }
            eprintln!(
                "note: {}: skipped at apply time on clusters without the OperatorHub API",
                it.shown()
            );
        }
        if it.is(ITMS) {
            eprintln!(
                "warning: {}: applying an ImageTagMirrorSet drains and reboots every node",
                it.shown()
            );
        }
        eprintln!("{} would be applied (dry run)", it.shown());
        objects.push(manifests::redacted(&it.obj));
    }
    if let Some(auths) = &plan.global_auths {
        let keys: Vec<&str> = auths.keys().map(String::as_str).collect();
        eprintln!(
            "secret/pull-secret -n openshift-config: credentials for {} would be merged into the existing entries (dry run; every existing entry is kept)",
            keys.join(", ")
        );
        let mut s = manifests::pull_secret("pull-secret", "openshift-config", auths);
        if let Some(m) = s.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("labels");
        }
        objects.insert(global_at.unwrap_or(objects.len()), manifests::redacted(&s));
    }
    render(&objects, output.unwrap_or(Output::Yaml))
}

/// The objects as multi-document YAML, or a JSON `List`.
pub fn render(objects: &[Value], output: Output) -> String {
    match output {
        Output::Json => {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        Output::Yaml => {
            let mut s = String::new();
            for o in objects {
                s.push_str("---\n");
                s.push_str(&fbc_core::goyaml::to_yaml(o));
            }
            s
        }
    }
}

/// A resolved kind: how to reach it.
#[derive(Debug, Clone)]
struct Resolved {
    ar: ApiResource,
    namespaced: bool,
}

/// Discovery of one group/version/kind; `None` when the cluster does not serve it.
async fn resolve(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
) -> Result<Option<Resolved>, String> {
    if api_version == "v1" && kind == "Secret" {
        return Ok(Some(Resolved {
            ar: ApiResource::erase::<Secret>(&()),
            namespaced: true,
        }));
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
    match kube::discovery::pinned_kind(client, &gvk).await {
        Ok((ar, caps)) => Ok(Some(Resolved {
            ar,
            namespaced: caps.scope == Scope::Namespaced,
        })),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(kube::Error::Discovery(_)) => Ok(None),
        Err(e) => Err(format!(
            "discovering {kind} ({api_version}): {}",
            match &e {
                kube::Error::Api(s) => format!("{} ({}): {}", s.reason, s.code, s.message),
                other => super::transport_error(other),
            }
        )),
    }
}

fn kind_of(it: &Item, r: &Resolved) -> Target {
    Target {
        kind: it.kind_name().to_string(),
        group: r.ar.group.clone(),
        plural: r.ar.plural.clone(),
        namespaced: r.namespaced,
    }
}

/// Fields the server sets, left out when comparing (server dry run) and printing.
fn strip_server_fields(v: &Value) -> Value {
    let mut o = v.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "managedFields",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "uid",
        ] {
            m.remove(f);
        }
    }
    o
}

fn without_managed_fields(v: &Value) -> Value {
    let mut o = v.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    o
}

/// Apply the plan against the cluster.
pub async fn apply(conn: &Connection, mut plan: Plan, opts: &Options) -> Result<Outcome, String> {
    let client = &conn.client;
    let server_dry = opts.dry_run == DryRun::Server;
    let suffix = if server_dry { " (server dry run)" } else { "" };
    // 1. Every kind resolved before the first write.
    let mut cache: BTreeMap<(String, String), Option<Resolved>> = BTreeMap::new();
    let mut resolved = Vec::new();
    let mut kept = Vec::new();
    for mut it in std::mem::take(&mut plan.items) {
        let key = (it.api_version().to_string(), it.kind_name().to_string());
        if !cache.contains_key(&key) {
            let r = resolve(client, &key.0, &key.1).await?;
            cache.insert(key.clone(), r);
        }
        match cache.get(&key).cloned().flatten() {
            Some(r) => {
                if r.namespaced && it.namespace().is_none() {
                    // an unknown namespaced kind from a file: the catalog namespace
                    if let Some(m) = it.obj.get_mut("metadata").and_then(Value::as_object_mut) {
                        m.insert("namespace".into(), Value::String(opts.namespace.clone()));
                    }
                }
                resolved.push(r);
                kept.push(it);
            }
            None if it.is(OPERATOR_HUB) => {
                eprintln!(
                    "note: the cluster does not serve the OperatorHub API (config.openshift.io/v1): default sources left alone \
                     (vanilla Kubernetes with OLM has none to disable)"
                );
            }
            None => {
                return Err(format!(
                    "{}: the cluster does not serve {} ({}): its API is not installed here{}",
                    it.origin,
                    key.1,
                    key.0,
                    if it.origin.starts_with("--") {
                        if it.is(CATALOG_SOURCE) {
                            " (install OLM first)"
                        } else {
                            ""
                        }
                    } else {
                        "; leave that file out (apply -f with the files you want)"
                    }
                ));
            }
        }
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    // 2. Read what is there: warnings before mirror-set changes, OperatorHub sources to keep.
    let mut existing: Vec<Option<Value>> = Vec::new();
    for (it, r) in kept.iter_mut().zip(&resolved) {
        let k = kind_of(it, r);
        let api = dyn_api(client, r, it.namespace());
        let cur = match api.get_opt(it.name()).await {
            Ok(o) => o.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
            Err(kube::Error::Api(s)) if s.code == 403 => None, // cannot read; apply will tell
            Err(e) => return Err(api_error(&e, "reading", &k, it.name(), it.namespace())),
        };
        if it.is(OPERATOR_HUB) && (!opts.hub.disable.is_empty() || !opts.hub.enable.is_empty()) {
            let sources: Vec<Value> = cur
                .as_ref()
                .and_then(|c| c.pointer("/spec/sources"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let origin = it.origin.clone();
            *it = manifests::operator_hub(&opts.hub, &sources);
            it.origin = origin;
        }
        if it.is(IDMS) || it.is(ITMS) || it.is(ICSP) {
            let changed = cur.as_ref().map(|c| c.get("spec") != it.obj.get("spec"));
            match changed {
                None if it.is(ITMS) => eprintln!(
                    "warning: creating {}: the Machine Config Operator drains and reboots every node to roll out an ImageTagMirrorSet",
                    it.shown()
                ),
                Some(true) => eprintln!(
                    "warning: changing {}: the Machine Config Operator drains and reboots every node to roll out a changed mirror set",
                    it.shown()
                ),
                _ => {}
            }
        }
        existing.push(cur);
    }
    // 3. The global pull secret, merged, never dropping an entry.
    if let Some(auths) = plan.global_auths.take()
        && let Some(cur) = global_pull_secret(client).await?
    {
        let bytes = cur
            .data
            .as_ref()
            .and_then(|d| d.get(".dockerconfigjson"))
            .map(|b| b.0.clone())
            .unwrap_or_default();
        let old_cfg: Value = if bytes.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                format!("secret pull-secret in namespace openshift-config: .dockerconfigjson is not JSON ({e}); left alone")
            })?
        };
        let rv = cur.metadata.resource_version.clone();
        let (merged, added, replaced) = manifests::merge_auths(&old_cfg, &auths);
        let kept_n = old_cfg
            .get("auths")
            .and_then(Value::as_object)
            .map(|m| m.len() - replaced.len())
            .unwrap_or(0);
        if added.is_empty() && replaced.is_empty() {
            println!(
                "secret/pull-secret -n openshift-config unchanged (global pull secret has these credentials){suffix}"
            );
        } else {
            eprintln!(
                "secret/pull-secret -n openshift-config: adding {} and replacing {} registry entries, keeping the other {kept_n}",
                added.len(),
                replaced.len()
            );
            let data = base64::engine::general_purpose::STANDARD.encode(merged.to_string());
            let mut obj = json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
                "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": data},
            });
            if let Some(rv) = rv {
                // optimistic lock: a concurrent change makes the apply fail instead of losing it
                obj["metadata"]["resourceVersion"] = Value::String(rv);
            }
            // after the mirror sets, before the namespaced secret and the catalogs
            let pos = kept
                .iter()
                .position(|i| !(i.is(OPERATOR_HUB) || i.is(IDMS) || i.is(ITMS) || i.is(ICSP)))
                .unwrap_or(kept.len());
            kept.insert(
                pos,
                Item {
                    obj,
                    origin: "--update-global-pull-secret".into(),
                    kind: Some(SECRET),
                },
            );
            resolved.insert(
                pos,
                Resolved {
                    ar: ApiResource::erase::<Secret>(&()),
                    namespaced: true,
                },
            );
            existing.insert(pos, serde_json::to_value(cur).ok());
        }
    }
    // 4. Server-side apply, one field manager.
    let mut pp = PatchParams::apply(FIELD_MANAGER).force();
    pp.dry_run = server_dry;
    let mut results = Vec::new();
    let mut catalogs = Vec::new();
    let mut cluster_catalogs = Vec::new();
    for ((it, r), cur) in kept.iter().zip(&resolved).zip(&existing) {
        let k = kind_of(it, r);
        let api = dyn_api(client, r, it.namespace());
        let patch: DynamicObject = serde_json::from_value(it.obj.clone())
            .map_err(|e| format!("{}: {} is not a valid object: {e}", it.origin, it.shown()))?;
        let out = api
            .patch(it.name(), &pp, &Patch::Apply(&patch))
            .await
            .map_err(|e| {
                format!(
                    "{}: {}",
                    it.origin,
                    api_error(&e, "applying", &k, it.name(), it.namespace())
                )
            })?;
        let out = serde_json::to_value(out).unwrap_or(Value::Null);
        let verb = match cur {
            None => "created",
            Some(c) if server_dry => {
                if strip_server_fields(c) == strip_server_fields(&out) {
                    "unchanged"
                } else {
                    "configured"
                }
            }
            Some(c) => {
                if c.pointer("/metadata/resourceVersion")
                    == out.pointer("/metadata/resourceVersion")
                {
                    "unchanged"
                } else {
                    "configured"
                }
            }
        };
        let line = format!("{} {verb}{suffix}", it.shown());
        if opts.output.is_some() {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
        if it.is(CLUSTER_CATALOG) {
            cluster_catalogs.push(it.name().to_string());
        }
        if it.is(CATALOG_SOURCE) {
            catalogs.push((
                it.name().to_string(),
                it.namespace().unwrap_or_default().to_string(),
            ));
        }
        results.push(manifests::redacted(&without_managed_fields(&out)));
    }
    if let Some(o) = opts.output {
        print!("{}", render(&results, o));
    }
    // 5. --wait
    let mut outcome = Outcome::default();
    if let Some(timeout) = opts.wait.filter(|_| !server_dry) {
        // one deadline for all
        let deadline = Instant::now() + timeout;
        let left = || deadline.saturating_duration_since(Instant::now());
        let to_stderr = opts.output.is_some();
        for (name, ns) in &catalogs {
            if let Some(why) = wait_ready(client, name, ns, left(), opts.poll, to_stderr).await? {
                eprintln!("error: {why}");
                outcome.not_ready.push(name.clone());
            }
        }
        for name in &cluster_catalogs {
            if let Some(why) = wait_serving(client, name, left(), opts.poll, to_stderr).await? {
                eprintln!("error: {why}");
                outcome.not_ready.push(name.clone());
            }
        }
    }
    Ok(outcome)
}

/// `openshift-config/pull-secret`; `None` (with a warning) when the cluster has none.
async fn global_pull_secret(client: &kube::Client) -> Result<Option<Secret>, String> {
    let api: Api<Secret> = Api::namespaced(client.clone(), "openshift-config");
    let cur = api.get_opt("pull-secret").await.map_err(|e| {
        api_error(
            &e,
            "reading",
            &SECRET.target(),
            "pull-secret",
            Some("openshift-config"),
        )
    })?;
    if cur.is_none() {
        eprintln!(
            "warning: this cluster has no global pull secret openshift-config/pull-secret (not OpenShift?): \
             --update-global-pull-secret skipped"
        );
    }
    Ok(cur)
}

fn dyn_api(client: &kube::Client, r: &Resolved, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) if r.namespaced => Api::namespaced_with(client.clone(), ns, &r.ar),
        _ => Api::all_with(client.clone(), &r.ar),
    }
}

/// Wait until the catalog's connection state is READY, then print how many
/// packages it serves. `Some(explanation)` when it did not get there.
async fn wait_ready(
    client: &kube::Client,
    name: &str,
    ns: &str,
    timeout: Duration,
    poll: Duration,
    to_stderr: bool,
) -> Result<Option<String>, String> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns, &CATALOG_SOURCE.api_resource());
    let start = Instant::now();
    let mut last = Value::Null;
    eprintln!(
        "waiting up to {} for catalogsource.operators.coreos.com/{name} -n {ns} to be READY",
        human(timeout)
    );
    loop {
        let cs = api
            .get(name)
            .await
            .map_err(|e| api_error(&e, "reading", &CATALOG_SOURCE.target(), name, Some(ns)))?;
        last = serde_json::to_value(cs).unwrap_or(last);
        if str_at(&last, "/status/connectionState/lastObservedState") == Some("READY") {
            // packageserver lists the packages shortly after the catalog connects
            // (at most a minute: a catalog may really be empty)
            let ready_at = Instant::now();
            let mut count = count_packages(client, name, ns).await?;
            while count == Some(0)
                && start.elapsed() < timeout
                && ready_at.elapsed() < Duration::from_secs(60)
            {
                tokio::time::sleep(poll.min(timeout.saturating_sub(start.elapsed()))).await;
                count = count_packages(client, name, ns).await?;
            }
            let line = match count {
                Some(n) => format!(
                    "catalogsource.operators.coreos.com/{name} -n {ns} is READY: it serves {n} package{}",
                    if n == 1 { "" } else { "s" }
                ),
                None => format!(
                    "catalogsource.operators.coreos.com/{name} -n {ns} is READY (the cluster does not serve PackageManifests: package count unknown)"
                ),
            };
            // with -o, standard output holds only the objects
            if to_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
            return Ok(None);
        }
        if start.elapsed() >= timeout {
            break;
        }
        tokio::time::sleep(poll.min(timeout.saturating_sub(start.elapsed()))).await;
    }
    let (pods, logs) = catalog_pods(client, name, ns, true).await?;
    let mut why = diagnose::explain(name, &last, &pods, &logs);
    why.push_str(&format!(" (waited {})", human(timeout)));
    if !logs.trim().is_empty() {
        if let Some(p) = pods.first() {
            why.push_str(&format!(
                "\n  last log lines of pod {} ({}):\n",
                p.name,
                diagnose::REGISTRY_CONTAINER
            ));
        }
        why.push_str(diagnose::tail(&logs, 10).trim_end());
    }
    Ok(Some(why))
}

/// The registry pods of a catalog and, when asked, the log of the most
/// troubled one (its previous run when it restarted).
pub async fn catalog_pods(
    client: &kube::Client,
    name: &str,
    ns: &str,
    with_logs: bool,
) -> Result<(Vec<diagnose::PodInfo>, String), String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod_kind = Target {
        kind: "Pod".into(),
        group: String::new(),
        plural: "pods".into(),
        namespaced: true,
    };
    let list = pods
        .list(&ListParams::default().labels(&format!("olm.catalogSource={name}")))
        .await
        .map_err(|e| api_error(&e, "listing", &pod_kind, "", Some(ns)))?;
    let mut infos: Vec<diagnose::PodInfo> = list.items.iter().map(diagnose::pod_info).collect();
    infos.sort_by_key(|p| std::cmp::Reverse(p.restarts));
    let mut logs = String::new();
    if with_logs && let Some(p) = infos.first_mut() {
        // warning events about the pod (scheduling, mounts, pulls)
        let events: Api<Event> = Api::namespaced(client.clone(), ns);
        if let Ok(list) = events
            .list(&ListParams::default().fields(&format!("involvedObject.name={}", p.name)))
            .await
        {
            p.warnings = list
                .items
                .iter()
                .filter(|e| e.type_.as_deref() == Some("Warning"))
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.reason.as_deref().unwrap_or(""),
                        e.message.as_deref().unwrap_or("").trim()
                    )
                })
                .collect();
        }
    }
    if with_logs && let Some(p) = infos.first() {
        let mut lp = LogParams {
            container: Some(diagnose::REGISTRY_CONTAINER.to_string()),
            tail_lines: Some(20),
            previous: p.restarts > 0,
            ..Default::default()
        };
        logs = match pods.logs(&p.name, &lp).await {
            Ok(l) => l,
            Err(_) if lp.previous => {
                lp.previous = false;
                pods.logs(&p.name, &lp).await.unwrap_or_default()
            }
            Err(_) => String::new(),
        };
    }
    Ok((infos, logs))
}

/// PackageManifests labelled `catalog=<name>`; `None` when the API is not served.
pub async fn count_packages(
    client: &kube::Client,
    name: &str,
    ns: &str,
) -> Result<Option<usize>, String> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns, &PACKAGE_MANIFEST.api_resource());
    match api
        .list(&ListParams::default().labels(&format!("catalog={name}")))
        .await
    {
        Ok(l) => Ok(Some(l.items.len())),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(api_error(
            &e,
            "listing",
            &PACKAGE_MANIFEST.target(),
            "",
            Some(ns),
        )),
    }
}

/// Wait until a ClusterCatalog (OLM v1) has the condition Serving=True.
/// `Some(explanation)` when it did not get there.
async fn wait_serving(
    client: &kube::Client,
    name: &str,
    timeout: Duration,
    poll: Duration,
    to_stderr: bool,
) -> Result<Option<String>, String> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &CLUSTER_CATALOG.api_resource());
    eprintln!(
        "waiting up to {} for clustercatalog.olm.operatorframework.io/{name} to be Serving",
        human(timeout)
    );
    let start = Instant::now();
    loop {
        let cc = api
            .get(name)
            .await
            .map_err(|e| api_error(&e, "reading", &CLUSTER_CATALOG.target(), name, None))?;
        let v = serde_json::to_value(cc).unwrap_or(Value::Null);
        let cond = |t: &str| {
            v.pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
                })
                .cloned()
        };
        if cond("Serving").is_some_and(|c| c.get("status").and_then(Value::as_str) == Some("True"))
        {
            let line = match str_at(&v, "/status/resolvedSource/image/ref") {
                Some(r) => {
                    format!("clustercatalog.olm.operatorframework.io/{name} is Serving ({r})")
                }
                None => format!("clustercatalog.olm.operatorframework.io/{name} is Serving"),
            };
            if to_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
            return Ok(None);
        }
        if start.elapsed() >= timeout {
            let why = match cond("Progressing").or_else(|| cond("Serving")) {
                Some(c) => format!(
                    "cluster catalog {name} is not Serving: {} {}: {}",
                    str_at(&c, "/type").unwrap_or(""),
                    str_at(&c, "/reason").unwrap_or(""),
                    str_at(&c, "/message").unwrap_or("")
                ),
                None => format!(
                    "cluster catalog {name} is not Serving and has no conditions: is OLM v1 (catalogd / operator-controller) running?"
                ),
            };
            return Ok(Some(format!("{why} (waited {})", human(timeout))));
        }
        tokio::time::sleep(poll.min(timeout.saturating_sub(start.elapsed()))).await;
    }
}

/// `5m`, `90s`, `1m30s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}
