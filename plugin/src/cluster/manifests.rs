//! What `apply` writes, decided before any request: the objects of the
//! mirror output and `-f` files, the CatalogSource of `--catalog-image`, the
//! flags' overrides, the namespaced pull secret, the OperatorHub object and
//! the credentials for the global pull secret. Pure: text in, objects out.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::{Map, Value, json};

use super::{CATALOG_SOURCE, ICSP, IDMS, ITMS, Kind, OPERATOR_HUB, SECRET};

/// One object to apply and where it came from.
#[derive(Debug, Clone)]
pub struct Item {
    pub obj: Value,
    /// `file.yaml (document 2)`, `--catalog-image`, `--pull-secret-from auth.json`…
    pub origin: String,
    /// Our kind when we know it (otherwise resolved by discovery).
    pub kind: Option<Kind>,
}

impl Item {
    pub fn api_version(&self) -> &str {
        super::str_at(&self.obj, "/apiVersion").unwrap_or_default()
    }
    pub fn kind_name(&self) -> &str {
        super::str_at(&self.obj, "/kind").unwrap_or_default()
    }
    pub fn name(&self) -> &str {
        super::str_at(&self.obj, "/metadata/name").unwrap_or_default()
    }
    pub fn namespace(&self) -> Option<&str> {
        super::str_at(&self.obj, "/metadata/namespace")
    }
    /// `catalogsource.operators.coreos.com/name` (with ` -n ns` for namespaced objects).
    pub fn shown(&self) -> String {
        let s = super::shown(self.api_version(), self.kind_name(), self.name());
        match self.namespace() {
            Some(ns) => format!("{s} -n {ns}"),
            None => s,
        }
    }
    pub fn is(&self, k: Kind) -> bool {
        self.kind == Some(k)
    }
}

/// The CatalogSource to create from `--catalog-image REF --name N`.
#[derive(Debug, Clone, Default)]
pub struct NewCatalog {
    pub image: String,
    pub name: String,
}

/// Settings for every CatalogSource applied (given flags win over files).
#[derive(Debug, Clone, Default)]
pub struct CatalogSettings {
    pub display_name: Option<String>,
    pub publisher: Option<String>,
    /// `restricted` (default when a CatalogSource does not say) or `legacy`.
    pub security_context_config: Option<String>,
    pub memory_target: Option<String>,
    pub node_selector: Vec<(String, String)>,
    pub tolerations: Vec<Value>,
    pub poll_interval: Option<String>,
}

/// OperatorHub changes asked for.
#[derive(Debug, Clone, Default)]
pub struct HubSettings {
    pub disable_all: bool,
    pub disable: Vec<String>,
    pub enable: Vec<String>,
}

impl HubSettings {
    pub fn wanted(&self) -> bool {
        self.disable_all || !self.disable.is_empty() || !self.enable.is_empty()
    }
}

/// Everything `apply` was given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// (file name, text), in order.
    pub files: Vec<(String, String)>,
    pub catalog: Option<NewCatalog>,
    pub settings: CatalogSettings,
    pub hub: HubSettings,
    /// Namespace for CatalogSources that name none (and the `-n` given, if any).
    pub namespace: String,
    pub namespace_explicit: bool,
    /// `--pull-secret-from`: (file name, text).
    pub auth_file: Option<(String, String)>,
    pub pull_secret_name: String,
    pub update_global_pull_secret: bool,
}

/// What to apply, in order, and what to say first.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub items: Vec<Item>,
    /// Entries (`auths` keys → entry) to merge into openshift-config/pull-secret.
    pub global_auths: Option<Map<String, Value>>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

/// Build the plan.
pub fn plan(inp: &Inputs) -> Result<Plan, String> {
    let mut items = Vec::new();
    for (file, text) in &inp.files {
        items.extend(read_file(file, text)?);
    }
    if let Some(c) = &inp.catalog {
        fbc_core::imageref::parse_normalized(&c.image)
            .map_err(|e| format!("--catalog-image {}: {e}", c.image))?;
        items.push(Item {
            obj: json!({
                "apiVersion": CATALOG_SOURCE.api_version(),
                "kind": CATALOG_SOURCE.kind,
                "metadata": {"name": c.name},
                "spec": {
                    "sourceType": "grpc",
                    "image": c.image,
                    "displayName": c.name,
                    "publisher": "oc-catalog",
                }
            }),
            origin: "--catalog-image".to_string(),
            kind: Some(CATALOG_SOURCE),
        });
    }
    if items.is_empty() && !inp.hub.wanted() {
        return Err(
            "nothing to apply: give --from DIR, -f FILE or --catalog-image REF --name NAME (or OperatorHub flags)"
                .to_string(),
        );
    }
    let mut plan = Plan::default();
    for it in &mut items {
        fix_namespace(it, inp)?;
        if it.is(CATALOG_SOURCE) {
            catalog_source(it, &inp.settings)?;
        }
    }
    // One object once.
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for it in &items {
        if let Some(first) = seen.insert(it.shown(), &it.origin) {
            return Err(format!(
                "{} is given twice: in {first} and in {}",
                it.shown(),
                it.origin
            ));
        }
    }
    if inp.hub.wanted() {
        items.push(operator_hub(&inp.hub, &[]));
    }
    if let Some((file, text)) = &inp.auth_file {
        let mut by_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for it in items.iter().filter(|i| i.is(CATALOG_SOURCE)) {
            if let Some(img) = super::str_at(&it.obj, "/spec/image") {
                by_ns
                    .entry(it.namespace().unwrap_or_default().to_string())
                    .or_default()
                    .push(img.to_string());
            }
        }
        for (ns, images) in &by_ns {
            let picked = pick_auths(file, text, images)?;
            plan.notes.extend(picked.notes.iter().cloned());
            if picked.auths.is_empty() {
                plan.warnings.push(format!(
                    "{file} has no credentials for {}: no pull secret created in {ns}",
                    registries_of(images).join(", ")
                ));
                continue;
            }
            let secret = pull_secret(&inp.pull_secret_name, ns, &picked.auths);
            let name = inp.pull_secret_name.clone();
            for it in items
                .iter_mut()
                .filter(|i| i.is(CATALOG_SOURCE) && i.namespace() == Some(ns.as_str()))
            {
                add_secret_ref(&mut it.obj, &name);
            }
            items.push(Item {
                obj: secret,
                origin: format!("--pull-secret-from {file}"),
                kind: Some(SECRET),
            });
        }
        if inp.update_global_pull_secret {
            let mut images: Vec<String> = by_ns.into_values().flatten().collect();
            images.extend(mirror_hosts(&items));
            let picked = pick_auths(file, text, &images)?;
            if picked.auths.is_empty() {
                plan.warnings.push(format!(
                    "{file} has no credentials for {}: the global pull secret is left alone",
                    registries_of(&images).join(", ")
                ));
            } else {
                plan.global_auths = Some(picked.auths);
            }
        } else if items.iter().any(|i| i.is(IDMS) || i.is(ITMS) || i.is(ICSP)) {
            plan.warnings.push(
                "images pulled through mirror sets (IDMS/ITMS/ICSP) use only the global pull secret \
                 openshift-config/pull-secret, not the catalog's: pass --update-global-pull-secret to \
                 merge these credentials into it"
                    .to_string(),
            );
        }
    } else if inp.update_global_pull_secret {
        return Err("--update-global-pull-secret needs --pull-secret-from AUTHFILE".to_string());
    }
    items.sort_by_key(|i| {
        i.kind
            .and_then(|k| super::APPLY_ORDER.iter().position(|o| *o == k))
            .unwrap_or(super::APPLY_ORDER.len())
    });
    plan.items = items;
    Ok(plan)
}

/// Every object of one YAML/JSON file (`List`s unpacked).
pub fn read_file(file: &str, text: &str) -> Result<Vec<Item>, String> {
    let docs = fbc_core::parse::documents_to_json(text).map_err(|e| format!("{file}: {e}"))?;
    let mut out = Vec::new();
    let many = docs.iter().filter(|d| !d.is_null()).count() > 1;
    for (i, doc) in docs.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let origin = if many {
            format!("{file} (document {})", i + 1)
        } else {
            file.to_string()
        };
        if doc.get("kind").and_then(Value::as_str) == Some("List") {
            let list = doc
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (j, d) in list.into_iter().enumerate() {
                out.push(item(format!("{origin}, item {}", j + 1), d)?);
            }
        } else {
            out.push(item(origin, doc)?);
        }
    }
    Ok(out)
}

fn item(origin: String, obj: Value) -> Result<Item, String> {
    if !obj.is_object() {
        return Err(format!(
            "{origin}: not a Kubernetes object (a mapping with apiVersion, kind, metadata)"
        ));
    }
    for (p, what) in [
        ("/apiVersion", "apiVersion"),
        ("/kind", "kind"),
        ("/metadata/name", "metadata.name"),
    ] {
        if super::str_at(&obj, p).is_none_or(str::is_empty) {
            return Err(format!("{origin}: the object has no {what}"));
        }
    }
    let kind = super::known_kind(
        super::str_at(&obj, "/apiVersion").unwrap_or_default(),
        super::str_at(&obj, "/kind").unwrap_or_default(),
    );
    Ok(Item { obj, origin, kind })
}

fn fix_namespace(it: &mut Item, inp: &Inputs) -> Result<(), String> {
    let Some(k) = it.kind else {
        return Ok(()); // unknown kinds: the scope comes from discovery
    };
    let meta = it
        .obj
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{}: metadata is not a mapping", it.origin))?;
    if !k.namespaced {
        meta.remove("namespace");
        return Ok(());
    }
    match meta.get("namespace").and_then(Value::as_str) {
        Some(ns) if inp.namespace_explicit && ns != inp.namespace => Err(format!(
            "{}: {} {:?} is in namespace {ns}, not {} (-n): pass -n {ns} or edit the file",
            it.origin,
            k.kind,
            meta.get("name").and_then(Value::as_str).unwrap_or_default(),
            inp.namespace
        )),
        Some(_) => Ok(()),
        None => {
            meta.insert(
                "namespace".to_string(),
                Value::String(inp.namespace.clone()),
            );
            Ok(())
        }
    }
}

/// Defaults and overrides of a CatalogSource; its name must be a DNS-1035 label
/// (OLM names a Service after it).
fn catalog_source(it: &mut Item, s: &CatalogSettings) -> Result<(), String> {
    let name = it.name().to_string();
    let errs = fbc_core::k8sname::is_dns1035_label(&name);
    if !errs.is_empty() {
        return Err(format!(
            "{}: CatalogSource name {name:?} is not valid (OLM names a Service after it): {}",
            it.origin,
            errs.join("; ")
        ));
    }
    let origin = it.origin.clone();
    let spec = it
        .obj
        .as_object_mut()
        .and_then(|o| {
            o.entry("spec")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
        })
        .ok_or_else(|| format!("{origin}: spec is not a mapping"))?;
    let image = spec
        .get("image")
        .and_then(Value::as_str)
        .map(str::to_string);
    match spec.get("sourceType").and_then(Value::as_str) {
        None if image.is_some() => {
            spec.insert("sourceType".into(), "grpc".into());
        }
        None => {
            return Err(format!(
                "{origin}: CatalogSource {name:?} has neither spec.sourceType nor spec.image"
            ));
        }
        Some(_) => {}
    }
    if let Some(img) = &image {
        fbc_core::imageref::parse_normalized(img)
            .map_err(|e| format!("{origin}: CatalogSource {name:?} spec.image {img}: {e}"))?;
    }
    if let Some(v) = &s.display_name {
        spec.insert("displayName".into(), v.clone().into());
    }
    if let Some(v) = &s.publisher {
        spec.insert("publisher".into(), v.clone().into());
    }
    if let Some(v) = &s.poll_interval {
        spec.insert(
            "updateStrategy".into(),
            json!({"registryPoll": {"interval": v}}),
        );
    }
    if image.is_some() {
        let pod = spec
            .entry("grpcPodConfig")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| format!("{origin}: spec.grpcPodConfig is not a mapping"))?;
        match &s.security_context_config {
            Some(v) => {
                pod.insert("securityContextConfig".into(), v.clone().into());
            }
            None => {
                pod.entry("securityContextConfig")
                    .or_insert("restricted".into());
            }
        }
        if let Some(v) = &s.memory_target {
            pod.insert("memoryTarget".into(), v.clone().into());
        }
        if !s.node_selector.is_empty() {
            let m: Map<String, Value> = s
                .node_selector
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            pod.insert("nodeSelector".into(), Value::Object(m));
        }
        if !s.tolerations.is_empty() {
            pod.insert("tolerations".into(), Value::Array(s.tolerations.clone()));
        }
    }
    Ok(())
}

fn add_secret_ref(obj: &mut Value, name: &str) {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let secrets = spec
        .entry("secrets")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(a) = secrets.as_array_mut()
        && !a.iter().any(|s| s.as_str() == Some(name))
    {
        a.push(Value::String(name.to_string()));
    }
}

/// The OperatorHub `cluster` object: `disableAllDefaultSources` and the
/// `sources[]` toggles laid over the sources the cluster already lists
/// (`existing`), which are kept.
pub fn operator_hub(h: &HubSettings, existing: &[Value]) -> Item {
    let mut spec = Map::new();
    if h.disable_all {
        spec.insert("disableAllDefaultSources".into(), Value::Bool(true));
    }
    if !h.disable.is_empty() || !h.enable.is_empty() {
        let mut sources: Vec<Value> = existing
            .iter()
            .filter(|s| {
                let n = s.get("name").and_then(Value::as_str).unwrap_or_default();
                !h.disable.iter().chain(&h.enable).any(|x| x == n)
            })
            .cloned()
            .collect();
        for n in &h.disable {
            sources.push(json!({"name": n, "disabled": true}));
        }
        for n in &h.enable {
            sources.push(json!({"name": n, "disabled": false}));
        }
        spec.insert("sources".into(), Value::Array(sources));
    }
    Item {
        obj: json!({
            "apiVersion": OPERATOR_HUB.api_version(),
            "kind": OPERATOR_HUB.kind,
            "metadata": {"name": "cluster"},
            "spec": spec,
        }),
        origin: "OperatorHub flags".to_string(),
        kind: Some(OPERATOR_HUB),
    }
}

/// A `kubernetes.io/dockerconfigjson` Secret holding these `auths` entries.
pub fn pull_secret(name: &str, ns: &str, auths: &Map<String, Value>) -> Value {
    let cfg = json!({"auths": auths});
    let data = base64::engine::general_purpose::STANDARD.encode(cfg.to_string());
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "oc-catalog"}},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": data},
    })
}

/// Entries of an auth file chosen for some images.
#[derive(Debug, Default)]
pub struct Picked {
    pub auths: Map<String, Value>,
    pub notes: Vec<String>,
}

/// The `auths` entries of an auth file that serve `images` (an entry keyed
/// `host`, `host/ns` or `host/ns/repo` serves the images under it); entries
/// are reduced to `auth` (+ `email`/`identitytoken` when present).
pub fn pick_auths(file: &str, text: &str, images: &[String]) -> Result<Picked, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("auth file {file}: not valid JSON: {e}"))?;
    let names: Vec<String> = images.iter().map(|i| repo_name(i)).collect();
    let mut out = Picked::default();
    if let Some(auths) = v.get("auths").and_then(Value::as_object) {
        for (key, entry) in auths {
            let k = crate::registry::auth::normalize_key(key);
            if !names
                .iter()
                .any(|n| *n == k || n.starts_with(&format!("{k}/")))
            {
                continue;
            }
            let mut e = Map::new();
            let s = |f: &str| {
                entry
                    .get(f)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            if let Some(a) = s("auth") {
                e.insert("auth".into(), a.into());
            } else if let (Some(u), Some(p)) = (s("username"), s("password")) {
                e.insert(
                    "auth".into(),
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{u}:{p}"))
                        .into(),
                );
            }
            for f in ["identitytoken", "email"] {
                if let Some(x) = s(f) {
                    e.insert(f.into(), x.into());
                }
            }
            if e.is_empty() {
                out.notes.push(format!(
                    "{file}: the entry {key:?} has no credentials; skipped"
                ));
                continue;
            }
            // the key as written: kubelet matches `https://index.docker.io/v1/`, not `docker.io`
            out.auths.insert(key.clone(), Value::Object(e));
        }
    }
    let helpers: BTreeSet<String> = registries_of(images)
        .into_iter()
        .filter(|h| {
            !out.auths
                .keys()
                .any(|k| k == h || k.starts_with(&format!("{h}/")))
                && (v.pointer(&format!("/credHelpers/{h}")).is_some()
                    || v.get("credsStore").is_some())
        })
        .collect();
    for h in helpers {
        out.notes.push(format!(
            "{file}: credentials of {h} come from a credential helper and cannot be copied into a Secret; log in with --authfile (podman login --authfile) first"
        ));
    }
    Ok(out)
}

/// `host/path` of an image reference (docker.io normalised), or the text as given.
fn repo_name(image: &str) -> String {
    match fbc_core::imageref::parse_normalized(image) {
        Ok(r) => r.name(),
        Err(_) => image.to_string(), // mirror hosts are plain host[:port][/path]
    }
}

/// The registry hosts of some images, sorted, once.
pub fn registries_of(images: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = images
        .iter()
        .map(|i| {
            repo_name(i)
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    set.into_iter().collect()
}

/// The mirrors named by the mirror sets to apply.
fn mirror_hosts(items: &[Item]) -> Vec<String> {
    let mut out = Vec::new();
    for it in items {
        let list = match it.kind {
            Some(k) if k == IDMS => "/spec/imageDigestMirrors",
            Some(k) if k == ITMS => "/spec/imageTagMirrors",
            Some(k) if k == ICSP => "/spec/repositoryDigestMirrors",
            _ => continue,
        };
        for m in it
            .obj
            .pointer(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for x in m
                .get("mirrors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(s) = x.as_str() {
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}

/// Merge `ours` into the `.dockerconfigjson` of the global pull secret: every
/// existing entry is kept; ours are added or replace the same key. Returns
/// the new config and (added, replaced) keys.
pub fn merge_auths(
    existing: &Value,
    ours: &Map<String, Value>,
) -> (Value, Vec<String>, Vec<String>) {
    let mut cfg = if existing.is_object() {
        existing.clone()
    } else {
        json!({})
    };
    let obj = cfg.as_object_mut().expect("object");
    let auths = obj
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    let auths = auths.as_object_mut().expect("object");
    let (mut added, mut replaced) = (Vec::new(), Vec::new());
    for (k, v) in ours {
        match auths.get(k) {
            None => added.push(k.clone()),
            Some(old) if old != v => replaced.push(k.clone()),
            Some(_) => {}
        }
        auths.insert(k.clone(), v.clone());
    }
    (cfg, added, replaced)
}

/// A copy with Secret values hidden (`data`, `stringData`), for printing.
pub fn redacted(obj: &Value) -> Value {
    let mut o = obj.clone();
    if o.get("kind").and_then(Value::as_str) == Some("Secret") {
        for f in ["data", "stringData"] {
            if let Some(m) = o.get_mut(f).and_then(Value::as_object_mut) {
                for v in m.values_mut() {
                    *v = Value::String("REDACTED".to_string());
                }
            }
        }
    }
    o
}

/// Parse `--toleration KEY[=VALUE]:EFFECT` (kubectl taint syntax; `KEY:EFFECT`
/// means operator Exists; an empty effect matches every effect).
pub fn parse_toleration(s: &str) -> Result<Value, String> {
    let (kv, effect) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("--toleration {s:?}: expected KEY[=VALUE]:EFFECT (NoSchedule, PreferNoSchedule, NoExecute)"))?;
    if !["", "NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
        return Err(format!(
            "--toleration {s:?}: unknown effect {effect:?} (NoSchedule, PreferNoSchedule, NoExecute)"
        ));
    }
    let mut t = Map::new();
    match kv.split_once('=') {
        Some((k, v)) => {
            t.insert("key".into(), k.into());
            t.insert("operator".into(), "Equal".into());
            t.insert("value".into(), v.into());
        }
        None => {
            if !kv.is_empty() {
                t.insert("key".into(), kv.into());
            }
            t.insert("operator".into(), "Exists".into());
        }
    }
    if !effect.is_empty() {
        t.insert("effect".into(), effect.into());
    }
    Ok(Value::Object(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            namespace: "openshift-marketplace".into(),
            pull_secret_name: "oc-catalog-pull-secret".into(),
            ..Default::default()
        }
    }

    #[test]
    fn catalog_from_flags_gets_restricted_and_overrides() {
        let mut i = inputs();
        i.catalog = Some(NewCatalog {
            image: "registry.example.com:5000/olm/cat:v1".into(),
            name: "my-catalog".into(),
        });
        i.settings.memory_target = Some("512Mi".into());
        i.settings.poll_interval = Some("30m".into());
        let p = plan(&i).unwrap();
        let cs = &p.items[0].obj;
        assert_eq!(cs["metadata"]["namespace"], "openshift-marketplace");
        assert_eq!(
            cs["spec"]["grpcPodConfig"]["securityContextConfig"],
            "restricted"
        );
        assert_eq!(cs["spec"]["grpcPodConfig"]["memoryTarget"], "512Mi");
        assert_eq!(
            cs["spec"]["updateStrategy"]["registryPoll"]["interval"],
            "30m"
        );
    }

    #[test]
    fn bad_names_and_namespaces_are_refused() {
        let mut i = inputs();
        i.catalog = Some(NewCatalog {
            image: "quay.io/x/y:1".into(),
            name: "redhat-operators-v4.17".into(),
        });
        let e = plan(&i).unwrap_err();
        assert!(e.contains("\"redhat-operators-v4.17\" is not valid"), "{e}");
        let mut i = inputs();
        i.namespace = "olm".into();
        i.namespace_explicit = true;
        i.files = vec![(
            "cs.yaml".into(),
            "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata:\n  name: a\n  namespace: openshift-marketplace\nspec:\n  image: quay.io/x/y:1\n".into(),
        )];
        let e = plan(&i).unwrap_err();
        assert!(
            e.starts_with(
                "cs.yaml: CatalogSource \"a\" is in namespace openshift-marketplace, not olm"
            ),
            "{e}"
        );
    }

    #[test]
    fn auths_limited_to_needed_registries() {
        let text = r#"{"auths":{"registry.example.com:5000":{"auth":"dTpw"},"quay.io/other":{"auth":"eDp5"},
            "https://index.docker.io/v1/":{"username":"u","password":"p"},"quay.io/x":{"auth":"cTpx"}}}"#;
        let p = pick_auths(
            "a.json",
            text,
            &[
                "registry.example.com:5000/olm/cat:v1".into(),
                "quay.io/x/y:1".into(),
            ],
        )
        .unwrap();
        let keys: Vec<&String> = p.auths.keys().collect();
        assert_eq!(keys, ["quay.io/x", "registry.example.com:5000"]);
        // docker.io images: the key kept as written (kubelet matches it), user+password → auth
        let p = pick_auths("a.json", text, &["library/busybox:1".into()]).unwrap();
        assert_eq!(
            Value::Object(p.auths),
            json!({"https://index.docker.io/v1/": {"auth": "dTpw"}})
        );
    }

    #[test]
    fn global_merge_keeps_everything() {
        let existing =
            json!({"auths": {"cloud.openshift.com": {"auth": "a"}, "r.example": {"auth": "old"}}});
        let mut ours = Map::new();
        ours.insert("r.example".into(), json!({"auth": "new"}));
        ours.insert("m.example".into(), json!({"auth": "m"}));
        let (cfg, added, replaced) = merge_auths(&existing, &ours);
        assert_eq!(cfg["auths"]["cloud.openshift.com"]["auth"], "a");
        assert_eq!(cfg["auths"]["r.example"]["auth"], "new");
        assert_eq!(added, ["m.example"]);
        assert_eq!(replaced, ["r.example"]);
    }

    #[test]
    fn hub_sources_toggled_and_kept() {
        let h = HubSettings {
            disable_all: true,
            disable: vec!["community-operators".into()],
            enable: vec!["redhat-operators".into()],
        };
        let existing = [
            json!({"name": "certified-operators", "disabled": false}),
            json!({"name": "redhat-operators", "disabled": true}),
        ];
        let it = operator_hub(&h, &existing);
        assert_eq!(
            it.obj["spec"],
            json!({"disableAllDefaultSources": true, "sources": [
                {"name": "certified-operators", "disabled": false},
                {"name": "community-operators", "disabled": true},
                {"name": "redhat-operators", "disabled": false}]})
        );
    }

    #[test]
    fn tolerations() {
        assert_eq!(
            parse_toleration("node-role.kubernetes.io/infra:NoSchedule").unwrap(),
            json!({"key": "node-role.kubernetes.io/infra", "operator": "Exists", "effect": "NoSchedule"})
        );
        assert_eq!(
            parse_toleration("k=v:NoExecute").unwrap(),
            json!({"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute"})
        );
        assert!(parse_toleration("k=v").is_err());
    }
}
