//! A FAKE Kubernetes API server, written for the tests of `oc catalog apply`
//! and `status` (no real kube-apiserver can be installed on the test
//! machines). It is not Kubernetes: it implements just enough of the API, the
//! way a real server answers, to drive the real `oc-catalog` binary through
//! its real kube-rs client:
//!
//! - real HTTPS on 127.0.0.1 (a free port) with a CA and a leaf certificate
//!   generated per server (rcgen), HTTP/1.1 (hyper), and a kubeconfig file
//!   pointing at it with the CA and a bearer token (other tokens get 401);
//! - discovery (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`) built
//!   from the CRDs in `tests/fixtures/crds/` plus a few core kinds and the
//!   aggregated PackageManifest API;
//! - GET, LIST (with `labelSelector` and `fieldSelector` equality terms), and PATCH with
//!   `application/apply-patch+yaml` only (server-side apply: `fieldManager`
//!   required, `force`, `dryRun=All`, `resourceVersion` preconditions,
//!   managedFields per manager, fields a manager stops applying removed, no
//!   resourceVersion bump when nothing changes),
//!   each applied object checked against its CRD schema with unknown fields
//!   refused; pod logs;
//! - an in-memory store the scenario seeds and inspects, "controllers" (test
//!   closures) that play OLM by writing status after an apply, forbidden
//!   routes answering 403 like RBAC does;
//! - every request recorded for assertions.
//!
//! Simplifications (a real server does more): the apply body must be the
//! JSON form of YAML (what kube-rs sends); SSA merges maps, treats lists as
//! atomic, and removes a field a manager stopped applying unless another
//! manager applied it too; conflicts are detected on `spec` as a whole.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

pub const TOKEN: &str = "fake-apiserver-token";
pub const USER: &str = "system:serviceaccount:ci:deployer";

/// Which cluster to pretend to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// OpenShift: OperatorHub, mirror sets, ICSP, OLM v0 and v1, PackageManifests.
    OpenShift,
    /// Kubernetes with OLM only: CatalogSource, ClusterCatalog, PackageManifests.
    Vanilla,
}

/// One served resource.
#[derive(Debug, Clone)]
pub struct ResourceDef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// The CRD's openAPIV3Schema, made strict (None for built-in kinds).
    pub schema: Option<Value>,
}

impl ResourceDef {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string ("" when none).
    pub query: String,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    pub body: String,
}

impl Recorded {
    /// A query parameter's (first) value.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| percent_decode(v))
        })
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

type Controller = Box<dyn Fn(&mut Store, &Value) + Send>;

/// The objects, keyed `group/plural/namespace/name` (namespace empty when cluster-scoped).
#[derive(Default)]
pub struct Store {
    objects: BTreeMap<String, Value>,
    resource_version: u64,
    logs: BTreeMap<String, String>,
    /// The last configuration each manager applied, per object: the fields it owns.
    applied: BTreeMap<(String, String), Value>,
}

/// JSON pointers of the leaves of an applied configuration (maps recursed;
/// lists and scalars are leaves, as atomic lists are in server-side apply).
fn leaves(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                leaves(
                    x,
                    &format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

fn remove_pointer(v: &mut Value, pointer: &str) {
    if let Some((parent, last)) = pointer.rsplit_once('/')
        && let Some(Value::Object(m)) = v.pointer_mut(parent)
    {
        m.remove(&last.replace("~1", "/").replace("~0", "~"));
    }
}

fn key(group: &str, plural: &str, ns: &str, name: &str) -> String {
    format!("{group}/{plural}/{ns}/{name}")
}

impl Store {
    pub fn get(&self, group: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
        self.objects.get(&key(group, plural, ns, name)).cloned()
    }
    /// Store an object (as a controller or the scenario writes it): a new
    /// resourceVersion only when its content changed.
    pub fn put(&mut self, group: &str, plural: &str, obj: Value) {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let k = key(group, plural, &ns, &name);
        let mut obj = obj;
        if let Some(old) = self.objects.get(&k) {
            if strip_meta(old) == strip_meta(&obj) {
                return;
            }
            let m = obj["metadata"].as_object_mut().unwrap();
            for f in ["uid", "creationTimestamp", "managedFields", "generation"] {
                if let Some(v) = old["metadata"].get(f) {
                    m.entry(f).or_insert(v.clone());
                }
            }
        } else {
            let m = obj["metadata"].as_object_mut().unwrap();
            m.entry("uid")
                .or_insert(json!(format!("uid-{}", self.resource_version + 1)));
            m.entry("creationTimestamp")
                .or_insert(json!("2026-11-22T06:00:00Z"));
        }
        self.resource_version += 1;
        obj["metadata"]["resourceVersion"] = json!(self.resource_version.to_string());
        self.objects.insert(k, obj);
    }
    /// Set `status` of a stored object.
    pub fn set_status(&mut self, group: &str, plural: &str, ns: &str, name: &str, status: Value) {
        if let Some(mut o) = self.get(group, plural, ns, name) {
            o["status"] = status;
            self.put(group, plural, o);
        }
    }
    /// Every object of a kind, all namespaces.
    pub fn list(&self, group: &str, plural: &str) -> Vec<Value> {
        let prefix = format!("{group}/{plural}/");
        self.objects
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn set_log(&mut self, ns: &str, pod: &str, text: &str) {
        self.logs.insert(format!("{ns}/{pod}"), text.to_string());
    }
}

fn strip_meta(v: &Value) -> Value {
    let mut o = v.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
        ] {
            m.remove(f);
        }
    }
    o
}

struct State {
    defs: Vec<ResourceDef>,
    store: Store,
    requests: Vec<Recorded>,
    controllers: Vec<Controller>,
    /// (method, path prefix) answered 403.
    forbidden: Vec<(String, String)>,
}

/// A running fake API server; stops when dropped.
pub struct FakeApiServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn crd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/crds")
}

/// Make a CRD schema strict: objects that list their properties refuse others.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            if m.contains_key("properties")
                && !m.contains_key("additionalProperties")
                && !m.contains_key("x-kubernetes-preserve-unknown-fields")
            {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (k, v) in m.iter_mut() {
                if k != "enum" && k != "default" {
                    strict(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

fn load_crds() -> Vec<ResourceDef> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(crd_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for crd in fbc_core::parse::documents_to_json(&text).unwrap() {
            let spec = &crd["spec"];
            for v in spec["versions"].as_array().unwrap() {
                if v["served"] != json!(true) {
                    continue;
                }
                let mut schema = v["schema"]["openAPIV3Schema"].clone();
                strict(&mut schema);
                // metadata is checked by the server itself, not the CRD schema
                schema["properties"]["metadata"] = json!({"type": "object"});
                out.push(ResourceDef {
                    group: spec["group"].as_str().unwrap().into(),
                    version: v["name"].as_str().unwrap().into(),
                    kind: spec["names"]["kind"].as_str().unwrap().into(),
                    plural: spec["names"]["plural"].as_str().unwrap().into(),
                    singular: spec["names"]["singular"].as_str().unwrap_or("").into(),
                    namespaced: spec["scope"] == json!("Namespaced"),
                    short_names: spec["names"]["shortNames"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                    schema: Some(schema),
                });
            }
        }
    }
    out
}

fn builtin(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        short_names: Vec::new(),
        schema: None,
    }
}

impl FakeApiServer {
    /// Start a fake cluster of the given flavor, with the namespaces
    /// `openshift-marketplace`, `openshift-config` and `olm`.
    pub fn start(flavor: Flavor) -> FakeApiServer {
        let mut defs = vec![
            builtin("", "v1", "Namespace", "namespaces", false),
            builtin("", "v1", "Secret", "secrets", true),
            builtin("", "v1", "ConfigMap", "configmaps", true),
            builtin("", "v1", "Pod", "pods", true),
            builtin("", "v1", "Event", "events", true),
            builtin(
                "packages.operators.coreos.com",
                "v1",
                "PackageManifest",
                "packagemanifests",
                true,
            ),
        ];
        for d in load_crds() {
            let openshift_only = d.group.ends_with(".openshift.io");
            if flavor == Flavor::OpenShift || !openshift_only {
                defs.push(d);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        // certificates
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "fake-apiserver test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let mut store = Store::default();
        for ns in [
            "openshift-marketplace",
            "openshift-config",
            "olm",
            "default",
        ] {
            store.put(
                "",
                "namespaces",
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            );
        }
        let state = Arc::new(Mutex::new(State {
            defs,
            store,
            requests: Vec::new(),
            controllers: Vec::new(),
            forbidden: Vec::new(),
        }));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                port_tx.send(listener.local_addr().unwrap().port()).unwrap();
                let mut stop_rx = stop_rx;
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        acc = listener.accept() => {
                            let Ok((tcp, _)) = acc else { continue };
                            let acceptor = acceptor.clone();
                            let st = st.clone();
                            tokio::spawn(async move {
                                let Ok(tls) = acceptor.accept(tcp).await else { return };
                                let io = hyper_util::rt::TokioIo::new(tls);
                                let svc = hyper::service::service_fn(move |req| handle(st.clone(), req));
                                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await;
                            });
                        }
                    }
                }
            });
        });
        let port = port_rx.recv().unwrap();
        let server = FakeApiServer {
            dir,
            port,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        server.write_kubeconfig(&ca_cert.pem());
        server
    }

    fn write_kubeconfig(&self, ca_pem: &str) {
        use base64::Engine;
        let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
        std::fs::write(self.dir.path().join("ca.crt"), ca_pem).unwrap();
        let kc = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority-data: {ca}\n\
             - name: elsewhere\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: {ca}\n\
             users:\n- name: deployer\n  user:\n    token: {TOKEN}\n- name: nobody\n  user:\n    token: wrong-token\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: deployer\n    namespace: default\n\
             - name: broken\n  context:\n    cluster: elsewhere\n    user: deployer\n\
             current-context: fake\n",
            port = self.port
        );
        std::fs::write(self.kubeconfig(), kc).unwrap();
    }

    /// The kubeconfig file (context `fake`, current; `broken` points at a closed port).
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }
    /// Requests that are not GET.
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }
    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }
    /// Work on the store (seed objects, read results).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.state.lock().unwrap().store)
    }
    pub fn get(&self, group: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
        self.with_store(|s| s.get(group, plural, ns, name))
    }
    /// Run `f` after every stored (not dry-run) apply, with the stored object (OLM's part).
    pub fn controller(&self, f: impl Fn(&mut Store, &Value) + Send + 'static) {
        self.state.lock().unwrap().controllers.push(Box::new(f));
    }
    /// Answer 403 to `method` on paths starting with `prefix`.
    pub fn forbid(&self, method: &str, prefix: &str) {
        self.state
            .lock()
            .unwrap()
            .forbidden
            .push((method.to_string(), prefix.to_string()));
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Resp = Response<Full<Bytes>>;

fn respond(code: u16, body: &Value) -> Resp {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn status(code: u16, reason: &str, message: &str, details: Value) -> Resp {
    respond(
        code,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "details": details, "code": code}),
    )
}

/// A parsed resource path.
struct Route {
    def: ResourceDef,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

async fn handle(state: Arc<Mutex<State>>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let content_type = header("content-type");
    let authorization = header("authorization");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let rec = Recorded {
        method: method.clone(),
        path: path.clone(),
        query,
        content_type,
        authorization: authorization.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let mut st = state.lock().unwrap();
    st.requests.push(rec.clone());
    if authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return Ok(status(401, "Unauthorized", "Unauthorized", json!({})));
    }
    Ok(route(&mut st, &rec))
}

fn route(st: &mut State, rec: &Recorded) -> Resp {
    let segs: Vec<&str> = rec.path.trim_matches('/').split('/').collect();
    // discovery
    match segs.as_slice() {
        ["api"] => {
            return respond(
                200,
                &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
            );
        }
        ["apis"] => {
            let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for d in st.defs.iter().filter(|d| !d.group.is_empty()) {
                let v = groups.entry(d.group.clone()).or_default();
                if !v.contains(&d.version) {
                    v.push(d.version.clone());
                }
            }
            let groups: Vec<Value> = groups
                .iter()
                .map(|(g, vs)| {
                    let versions: Vec<Value> = vs
                        .iter()
                        .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                        .collect();
                    json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
                })
                .collect();
            return respond(
                200,
                &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
            );
        }
        ["api", "v1"] => return resource_list(st, "", "v1"),
        ["apis", g, v] => return resource_list(st, g, v),
        _ => {}
    }
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                json!({}),
            );
        }
    };
    let (ns, rest) = match rest {
        ["namespaces", ns, plural, rest @ ..] => (Some(ns.to_string()), {
            let mut r = vec![*plural];
            r.extend_from_slice(rest);
            r
        }),
        other => (None, other.to_vec()),
    };
    let Some(plural) = rest.first() else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            json!({}),
        );
    };
    let Some(def) = st
        .defs
        .iter()
        .find(|d| d.group == group && d.version == version && d.plural == *plural)
        .cloned()
    else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            json!({}),
        );
    };
    let r = Route {
        def,
        ns,
        name: rest.get(1).map(|s| s.to_string()),
        sub: rest.get(2).map(|s| s.to_string()),
    };
    let verb = match (rec.method.as_str(), &r.name) {
        ("GET", None) => "list",
        ("GET", Some(_)) => "get",
        ("PATCH", _) => "patch",
        (m, _) => {
            return status(
                405,
                "MethodNotAllowed",
                &format!("the fake API server does not implement {m}"),
                json!({}),
            );
        }
    };
    if st
        .forbidden
        .iter()
        .any(|(m, p)| *m == rec.method && rec.path.starts_with(p.as_str()))
    {
        let scope = match &r.ns {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let what = match &r.name {
            Some(n) => format!("{} \"{n}\" is forbidden", r.def.resource()),
            None => format!("{} is forbidden", r.def.resource()),
        };
        return status(
            403,
            "Forbidden",
            &format!(
                "{what}: User \"{USER}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                r.def.plural, r.def.group
            ),
            match &r.name {
                // a real server leaves `name` out for collections
                Some(n) => json!({"name": n, "group": r.def.group, "kind": r.def.plural}),
                None => json!({"group": r.def.group, "kind": r.def.plural}),
            },
        );
    }
    match verb {
        "list" => list(st, &r, rec),
        "get" if r.sub.as_deref() == Some("log") => {
            let k = format!(
                "{}/{}",
                r.ns.clone().unwrap_or_default(),
                r.name.clone().unwrap()
            );
            match st.store.logs.get(&k) {
                Some(t) => Response::builder()
                    .status(200)
                    .header("content-type", "text/plain")
                    .body(Full::new(Bytes::from(t.clone())))
                    .unwrap(),
                None => status(
                    400,
                    "BadRequest",
                    "previous terminated container not found",
                    json!({}),
                ),
            }
        }
        "get" => {
            let name = r.name.clone().unwrap();
            match st.store.get(
                &r.def.group,
                &r.def.plural,
                r.ns.as_deref().unwrap_or(""),
                &name,
            ) {
                Some(o) => respond(200, &o),
                None => not_found(&r.def, &name),
            }
        }
        _ => apply(st, &r, rec),
    }
}

fn not_found(def: &ResourceDef, name: &str) -> Resp {
    status(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", def.resource()),
        json!({"name": name, "group": def.group, "kind": def.plural}),
    )
}

fn resource_list(st: &State, group: &str, version: &str) -> Resp {
    let res: Vec<Value> = st
        .defs
        .iter()
        .filter(|d| d.group == group && d.version == version)
        .flat_map(|d| {
            let mut v = vec![json!({"name": d.plural, "singularName": d.singular, "namespaced": d.namespaced,
                "kind": d.kind, "verbs": ["get", "list", "patch"], "shortNames": d.short_names})];
            if d.schema.is_some() {
                v.push(json!({"name": format!("{}/status", d.plural), "singularName": "", "namespaced": d.namespaced,
                    "kind": d.kind, "verbs": ["get", "patch"]}));
            }
            if d.plural == "pods" {
                v.push(json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}));
            }
            v
        })
        .collect();
    if res.is_empty() {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            json!({}),
        );
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    respond(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": res}),
    )
}

fn list(st: &State, r: &Route, rec: &Recorded) -> Resp {
    let selector = rec.param("labelSelector").unwrap_or_default();
    let terms: Vec<(String, String)> = selector
        .split(',')
        .filter(|t| !t.is_empty())
        .filter_map(|t| {
            t.split_once('=')
                .map(|(k, v)| (k.trim_end_matches('=').to_string(), v.to_string()))
        })
        .collect();
    // fieldSelector: equality on dotted paths (involvedObject.name=x)
    let fields: Vec<(String, String)> = rec
        .param("fieldSelector")
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .filter_map(|t| {
            t.split_once('=')
                .map(|(k, v)| (format!("/{}", k.replace('.', "/")), v.to_string()))
        })
        .collect();
    let items: Vec<Value> = st
        .store
        .list(&r.def.group, &r.def.plural)
        .into_iter()
        .filter(|o| {
            r.ns.as_deref()
                .is_none_or(|ns| o["metadata"]["namespace"] == json!(ns))
        })
        .filter(|o| {
            terms
                .iter()
                .all(|(k, v)| o["metadata"]["labels"][k] == json!(v))
        })
        .filter(|o| fields.iter().all(|(p, v)| o.pointer(p) == Some(&json!(v))))
        .collect();
    respond(
        200,
        &json!({"apiVersion": r.def.api_version(), "kind": format!("{}List", r.def.kind),
                "metadata": {"resourceVersion": st.store.resource_version.to_string()}, "items": items}),
    )
}

/// Maps merged key by key; anything else replaced.
fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(x) if x.is_object() && v.is_object() => merge(x, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

fn apply(st: &mut State, r: &Route, rec: &Recorded) -> Resp {
    if r.sub.is_some() {
        return status(
            405,
            "MethodNotAllowed",
            "the fake API server applies only to the main resource",
            json!({}),
        );
    }
    if rec.content_type.as_deref() != Some("application/apply-patch+yaml") {
        return status(
            415,
            "UnsupportedMediaType",
            &format!(
                "the fake API server accepts only server-side apply, not {:?}",
                rec.content_type
            ),
            json!({}),
        );
    }
    let Some(manager) = rec.param("fieldManager").filter(|m| !m.is_empty()) else {
        return status(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            json!({}),
        );
    };
    let dry = match rec.param("dryRun").as_deref() {
        None => false,
        Some("All") => true,
        Some(x) => {
            return status(
                400,
                "BadRequest",
                &format!("unsupported dry run value {x:?}"),
                json!({}),
            );
        }
    };
    let force = rec.param("force").as_deref() == Some("true");
    let name = r.name.clone().unwrap();
    let Ok(body) = serde_json::from_str::<Value>(&rec.body) else {
        return status(
            400,
            "BadRequest",
            "the fake API server expects the JSON form of the apply YAML",
            json!({}),
        );
    };
    if body["apiVersion"] != json!(r.def.api_version()) || body["kind"] != json!(r.def.kind) {
        return status(
            400,
            "BadRequest",
            &format!(
                "apiVersion/kind {}/{} does not match the URL ({} {})",
                body["apiVersion"],
                body["kind"],
                r.def.api_version(),
                r.def.kind
            ),
            json!({}),
        );
    }
    if body["metadata"]["name"] != json!(name) {
        return status(
            400,
            "BadRequest",
            "the name of the object does not match the name on the URL",
            json!({}),
        );
    }
    let ns = r.ns.clone().unwrap_or_default();
    if r.def.namespaced {
        if r.ns.is_none() {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                json!({}),
            );
        }
        if body["metadata"]
            .get("namespace")
            .is_some_and(|n| *n != json!(ns))
        {
            return status(
                400,
                "BadRequest",
                "the namespace of the object does not match the namespace on the URL",
                json!({}),
            );
        }
        if st.store.get("", "namespaces", "", &ns).is_none() {
            return status(
                404,
                "NotFound",
                &format!("namespaces \"{ns}\" not found"),
                json!({"name": ns, "kind": "namespaces"}),
            );
        }
    }
    let existing = st.store.get(&r.def.group, &r.def.plural, &ns, &name);
    if let Some(rv) = body["metadata"]
        .get("resourceVersion")
        .and_then(Value::as_str)
    {
        let cur = existing
            .as_ref()
            .and_then(|e| e["metadata"]["resourceVersion"].as_str())
            .unwrap_or("");
        if rv != cur {
            return status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    r.def.resource()
                ),
                json!({"name": name, "group": r.def.group, "kind": r.def.plural}),
            );
        }
    }
    // a field another manager owns (here: a different value applied by it) needs force
    let mut applied = body.clone();
    if let Some(m) = applied["metadata"].as_object_mut() {
        m.remove("resourceVersion");
        m.remove("managedFields");
    }
    let mut merged = existing.clone().unwrap_or_else(|| json!({}));
    // fields this manager applied before and applies no more are removed,
    // unless another manager applied them too
    let obj_key = key(&r.def.group, &r.def.plural, &ns, &name);
    if let Some(prev) = st.store.applied.get(&(obj_key.clone(), manager.clone())) {
        let (mut before, mut now, mut others) = (Vec::new(), Vec::new(), Vec::new());
        leaves(prev, "", &mut before);
        leaves(&applied, "", &mut now);
        for ((k, m), cfg) in &st.store.applied {
            if *k == obj_key && *m != manager {
                leaves(cfg, "", &mut others);
            }
        }
        for p in before {
            if !now.contains(&p) && !others.contains(&p) && !p.starts_with("/metadata/name") {
                remove_pointer(&mut merged, &p);
            }
        }
    }
    let status_before = merged.get("status").cloned();
    merge(&mut merged, &applied);
    if let Some(s) = status_before {
        merged["status"] = s; // status only through the status subresource
    } else if let Some(m) = merged.as_object_mut() {
        m.remove("status");
    }
    if r.def.namespaced {
        merged["metadata"]["namespace"] = json!(ns);
    }
    if let Some(e) = &existing {
        let others: Vec<String> = e["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["manager"].as_str().map(String::from))
            .filter(|m| *m != manager)
            .collect();
        if !others.is_empty() && !force && strip_meta(&merged)["spec"] != strip_meta(e)["spec"] {
            return status(
                409,
                "Conflict",
                &format!(
                    "Apply failed with 1 conflict: conflict with \"{}\": .spec",
                    others[0]
                ),
                json!({}),
            );
        }
    }
    if let Some(schema) = &r.def.schema {
        let v = jsonschema::draft4::new(schema).expect("CRD schema compiles");
        let errs: Vec<String> = v
            .iter_errors(&merged)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if !errs.is_empty() {
            return status(
                422,
                "Invalid",
                &format!(
                    "{}.{} \"{name}\" is invalid: {}",
                    r.def.kind,
                    r.def.group,
                    errs.join("; ")
                ),
                json!({"name": name, "group": r.def.group, "kind": r.def.kind}),
            );
        }
    }
    // managedFields: one entry per manager
    let mut managers: Vec<Value> = existing
        .as_ref()
        .and_then(|e| e["metadata"]["managedFields"].as_array().cloned())
        .unwrap_or_default();
    let known = managers.iter().any(|f| f["manager"] == json!(manager));
    if !known {
        managers.push(
            json!({"manager": manager, "operation": "Apply", "apiVersion": r.def.api_version(),
            "time": "2026-11-22T06:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {}}),
        );
    }
    if force {
        // the fields we took are ours now; other appliers of the same fields keep their entry here (simplified)
    }
    merged["metadata"]["managedFields"] = Value::Array(managers);
    let unchanged = existing
        .as_ref()
        .is_some_and(|e| known && strip_meta(e) == strip_meta(&merged));
    if unchanged {
        return respond(200, existing.as_ref().unwrap());
    }
    let spec_changed = existing
        .as_ref()
        .is_none_or(|e| e.get("spec") != merged.get("spec"));
    let generation = existing
        .as_ref()
        .and_then(|e| e["metadata"]["generation"].as_i64())
        .unwrap_or(0)
        + i64::from(spec_changed);
    if r.def.schema.is_some() {
        merged["metadata"]["generation"] = json!(generation.max(1));
    }
    if dry {
        // what the server would store, not stored
        let mut out = merged.clone();
        if existing.is_none() {
            out["metadata"]["uid"] = json!("dry-run-uid");
            out["metadata"]["creationTimestamp"] = json!("2026-11-22T06:00:00Z");
        }
        return respond(if existing.is_some() { 200 } else { 201 }, &out);
    }
    st.store
        .objects
        .remove(&key(&r.def.group, &r.def.plural, &ns, &name));
    if let Some(e) = &existing {
        for f in ["uid", "creationTimestamp"] {
            merged["metadata"][f] = e["metadata"][f].clone();
        }
    }
    st.store
        .applied
        .insert((obj_key.clone(), manager.clone()), applied.clone());
    st.store.put(&r.def.group, &r.def.plural, merged);
    let stored = st
        .store
        .get(&r.def.group, &r.def.plural, &ns, &name)
        .unwrap();
    let controllers = std::mem::take(&mut st.controllers);
    for c in &controllers {
        c(&mut st.store, &stored);
    }
    st.controllers = controllers;
    let stored = st
        .store
        .get(&r.def.group, &r.def.plural, &ns, &name)
        .unwrap();
    respond(if existing.is_some() { 200 } else { 201 }, &stored)
}
