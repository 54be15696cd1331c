//! `oc catalog apply` and `status` against a FAKE Kubernetes API server
//! (tests/fake_apiserver: real HTTPS on loopback, a kubeconfig, discovery,
//! server-side apply, scripted status) — no real cluster can run here. The
//! real binary runs with its real kube-rs client; the fake records every
//! request, and the tests assert the requests and what users read.

#[path = "common/mod.rs"]
mod common;
#[path = "fake_apiserver/mod.rs"]
mod fake_apiserver;

use std::path::Path;
use std::process::Command;

use base64::Engine;
use common::bin;
use fake_apiserver::{FakeApiServer, Flavor, Recorded, Store};
use serde_json::{Value, json};

const MIRROR: &str = "mirror.example.com:5000";

/// Run the binary with the fake's kubeconfig, HOME in a temp dir, no KUBECONFIG.
fn run(
    fake: Option<&FakeApiServer>,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .args(args)
        .env_remove("KUBECONFIG")
        // CI may itself run in a pod: no in-cluster fallback in these tests
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", dir)
        .env("OC_CATALOG_WAIT_POLL", "100ms");
    if let Some(f) = fake {
        c.arg("--kubeconfig").arg(f.kubeconfig());
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A mirror output dir as the mirror command writes it (oc-mirror's file names and shapes).
fn mirror_output(dir: &Path) {
    let cr = dir.join("out/cluster-resources");
    std::fs::create_dir_all(&cr).unwrap();
    std::fs::write(
        cr.join("cs-redhat-operator-index-v4-17.yaml"),
        format!(
            "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata:\n  name: cs-redhat-operator-index-v4-17\n  namespace: openshift-marketplace\n  annotations:\n    createdBy: oc-catalog\nspec:\n  image: {MIRROR}/redhat/redhat-operator-index:v4.17\n  sourceType: grpc\n"
        ),
    )
    .unwrap();
    std::fs::write(
        cr.join("idms-oc-mirror.yaml"),
        format!(
            "---\napiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: idms-operator-0\nspec:\n  imageDigestMirrors:\n  - mirrors:\n    - {MIRROR}/redhat\n    source: registry.redhat.io/redhat\n---\napiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: idms-release-0\nspec:\n  imageDigestMirrors:\n  - mirrors:\n    - {MIRROR}/openshift/release\n    source: quay.io/openshift-release-dev/ocp-v4.0-art-dev\n"
        ),
    )
    .unwrap();
    std::fs::write(
        cr.join("itms-oc-mirror.yaml"),
        format!(
            "apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata:\n  name: itms-operator-0\nspec:\n  imageTagMirrors:\n  - mirrors:\n    - {MIRROR}/redhat\n    source: registry.redhat.io/redhat\n"
        ),
    )
    .unwrap();
}

const AUTH_USER_PASS: &str = "mirroruser:s3cret-mirror-pass";

fn auth_file(dir: &Path) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let p = dir.join("auth.json");
    std::fs::write(
        &p,
        json!({"auths": {
            MIRROR: {"auth": b64(AUTH_USER_PASS)},
            "quay.io/unrelated": {"auth": b64("other:secret-other")},
            "https://index.docker.io/v1/": {"auth": b64("d:secret-docker")},
        }})
        .to_string(),
    )
    .unwrap();
    p.display().to_string()
}

/// A temp dir holding a mirror output (`out/`) and an auth file for the mirror (its path).
fn mirror_dir_with_auth() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    mirror_output(dir.path());
    let auth = auth_file(dir.path());
    (dir, auth)
}

/// OLM's part: a CatalogSource becomes READY and its packages appear.
fn olm_serves(fake: &FakeApiServer, packages: usize) {
    fake.controller(move |store: &mut Store, obj: &Value| {
        if obj["kind"] != "CatalogSource" {
            return;
        }
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let ns = obj["metadata"]["namespace"].as_str().unwrap().to_string();
        store.set_status(
            "operators.coreos.com",
            "catalogsources",
            &ns,
            &name,
            json!({"connectionState": {"address": format!("{name}.{ns}.svc:50051"), "lastObservedState": "READY",
                   "lastConnect": "2026-11-22T06:01:00Z"}, "latestImageRegistryPoll": "2026-11-22T06:01:00Z"}),
        );
        for i in 0..packages {
            store.put(
                "packages.operators.coreos.com",
                "packagemanifests",
                json!({"apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
                       "metadata": {"name": format!("pkg-{i}"), "namespace": ns, "labels": {"catalog": name}}}),
            );
        }
    });
}

fn seed_global_pull_secret(fake: &FakeApiServer) {
    let cfg = json!({"auths": {"cloud.openshift.com": {"auth": "Y2xvdWQ6dG9rZW4="}, "registry.redhat.io": {"auth": "cmg6dG9rZW4="}}});
    fake.with_store(|s| {
        s.put(
            "",
            "secrets",
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                   "metadata": {"name": "pull-secret", "namespace": "openshift-config",
                                "managedFields": [{"manager": "cluster-bootstrap", "operation": "Update"}]},
                   "data": {".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(cfg.to_string())}}),
        )
    });
}

fn secret_config(obj: &Value) -> Value {
    let data = obj["data"][".dockerconfigjson"].as_str().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap()
}

fn patches(fake: &FakeApiServer) -> Vec<Recorded> {
    fake.writes()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect()
}

/// Every object kind apply writes, as the fake stores them.
fn applied_objects(fake: &FakeApiServer) -> Vec<Value> {
    [
        "operatorhubs",
        "imagedigestmirrorsets",
        "imagetagmirrorsets",
    ]
    .iter()
    .flat_map(|p| fake.with_store(|s| s.list("config.openshift.io", p)))
    .chain(fake.with_store(|s| s.list("", "secrets")))
    .chain(fake.with_store(|s| s.list("operators.coreos.com", "catalogsources")))
    .collect()
}

/// `apply` of the example catalog image, then `extra`.
fn apply_example<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "apply",
        "--catalog-image",
        "quay.io/example/catalog:v1",
        "--name",
        "example",
    ];
    args.extend_from_slice(extra);
    args
}

fn full_apply_args(auth: &str) -> Vec<&str> {
    vec![
        "apply",
        "--from",
        "out",
        "--disable-default-sources",
        "--pull-secret-from",
        auth,
        "--update-global-pull-secret",
        "--memory-target",
        "256Mi",
        "--wait=20s",
    ]
}

#[test]
fn fresh_apply_then_second_apply_changes_nothing() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    olm_serves(&fake, 3);
    seed_global_pull_secret(&fake);
    let (dir, auth) = mirror_dir_with_auth();
    let args = full_apply_args(&auth);
    let (code, out, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");

    // What the user reads.
    assert_eq!(
        out,
        "operatorhub.config.openshift.io/cluster created\n\
         imagedigestmirrorset.config.openshift.io/idms-operator-0 created\n\
         imagedigestmirrorset.config.openshift.io/idms-release-0 created\n\
         imagetagmirrorset.config.openshift.io/itms-operator-0 created\n\
         secret/pull-secret -n openshift-config configured\n\
         secret/oc-catalog-pull-secret -n openshift-marketplace created\n\
         catalogsource.operators.coreos.com/cs-redhat-operator-index-v4-17 -n openshift-marketplace created\n\
         catalogsource.operators.coreos.com/cs-redhat-operator-index-v4-17 -n openshift-marketplace is READY: it serves 3 packages\n"
    );
    assert!(
        err.contains("warning: creating imagetagmirrorset.config.openshift.io/itms-operator-0: the Machine Config Operator drains and reboots every node"),
        "{err}"
    );
    assert!(
        err.contains("adding 1 and replacing 0 registry entries, keeping the other 2"),
        "{err}"
    );
    assert!(!err.contains("s3cret") && !out.contains("s3cret"));

    // The requests: server-side apply only, one field manager, forced, in this order.
    let p = patches(&fake);
    let paths: Vec<&str> = p.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/apis/config.openshift.io/v1/operatorhubs/cluster",
            "/apis/config.openshift.io/v1/imagedigestmirrorsets/idms-operator-0",
            "/apis/config.openshift.io/v1/imagedigestmirrorsets/idms-release-0",
            "/apis/config.openshift.io/v1/imagetagmirrorsets/itms-operator-0",
            "/api/v1/namespaces/openshift-config/secrets/pull-secret",
            "/api/v1/namespaces/openshift-marketplace/secrets/oc-catalog-pull-secret",
            "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-marketplace/catalogsources/cs-redhat-operator-index-v4-17",
        ]
    );
    for r in &p {
        assert_eq!(
            r.content_type.as_deref(),
            Some("application/apply-patch+yaml"),
            "{}",
            r.path
        );
        assert_eq!(
            r.param("fieldManager").as_deref(),
            Some("oc-catalog"),
            "{}",
            r.path
        );
        assert_eq!(r.param("force").as_deref(), Some("true"), "{}", r.path);
        assert_eq!(r.param("dryRun"), None);
        assert_eq!(
            r.authorization.as_deref(),
            Some("Bearer fake-apiserver-token")
        );
    }
    assert_eq!(
        p[0].json(),
        json!({"apiVersion": "config.openshift.io/v1", "kind": "OperatorHub", "metadata": {"name": "cluster"},
               "spec": {"disableAllDefaultSources": true}})
    );
    let cs = p[6].json();
    assert_eq!(
        cs["spec"],
        json!({"image": format!("{MIRROR}/redhat/redhat-operator-index:v4.17"), "sourceType": "grpc",
               "grpcPodConfig": {"securityContextConfig": "restricted", "memoryTarget": "256Mi"},
               "secrets": ["oc-catalog-pull-secret"]})
    );
    assert_eq!(cs["metadata"]["annotations"]["createdBy"], "oc-catalog");
    // the global pull secret: optimistic lock, every old entry kept, ours added
    let global = p[4].json();
    assert!(global["metadata"]["resourceVersion"].is_string());
    let cfg = secret_config(&global);
    let keys: Vec<&String> = cfg["auths"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["cloud.openshift.com", MIRROR, "registry.redhat.io"]);
    // the catalog's pull secret: only the registry the catalog needs
    let ns_secret = p[5].json();
    assert_eq!(ns_secret["type"], "kubernetes.io/dockerconfigjson");
    let cfg = secret_config(&ns_secret);
    assert_eq!(
        cfg,
        json!({"auths": {MIRROR: {"auth": base64::engine::general_purpose::STANDARD.encode(AUTH_USER_PASS)}}})
    );
    // the store took it
    let stored = fake
        .get(
            "operators.coreos.com",
            "catalogsources",
            "openshift-marketplace",
            "cs-redhat-operator-index-v4-17",
        )
        .unwrap();
    assert_eq!(
        stored["metadata"]["managedFields"][0]["manager"],
        "oc-catalog"
    );

    // Second apply: nothing changes, and the user is told so.
    let before = applied_objects(&fake);
    fake.clear_requests();
    let (code, out, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "secret/pull-secret -n openshift-config unchanged (global pull secret has these credentials)\n\
         operatorhub.config.openshift.io/cluster unchanged\n\
         imagedigestmirrorset.config.openshift.io/idms-operator-0 unchanged\n\
         imagedigestmirrorset.config.openshift.io/idms-release-0 unchanged\n\
         imagetagmirrorset.config.openshift.io/itms-operator-0 unchanged\n\
         secret/oc-catalog-pull-secret -n openshift-marketplace unchanged\n\
         catalogsource.operators.coreos.com/cs-redhat-operator-index-v4-17 -n openshift-marketplace unchanged\n\
         catalogsource.operators.coreos.com/cs-redhat-operator-index-v4-17 -n openshift-marketplace is READY: it serves 3 packages\n"
    );
    assert!(
        !err.contains("drains"),
        "no drain warning when nothing changes: {err}"
    );
    assert!(
        !patches(&fake)
            .iter()
            .any(|r| r.path.ends_with("/pull-secret")),
        "the global pull secret is not rewritten"
    );
    let after = applied_objects(&fake);
    assert_eq!(
        before, after,
        "a second apply changes nothing in the cluster"
    );

    // A changed mirror set warns about the drain before it is written.
    let idms = dir.path().join("out/cluster-resources/idms-oc-mirror.yaml");
    let text = std::fs::read_to_string(&idms).unwrap().replace(
        "source: registry.redhat.io/redhat",
        "source: registry.redhat.io/rhel9",
    );
    std::fs::write(&idms, text).unwrap();
    let (code, out, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("imagedigestmirrorset.config.openshift.io/idms-operator-0 configured\n"),
        "{out}"
    );
    assert!(
        err.contains("warning: changing imagedigestmirrorset.config.openshift.io/idms-operator-0: the Machine Config Operator drains and reboots every node"),
        "{err}"
    );
}

#[test]
fn dry_run_client_sends_nothing_and_redacts_secrets() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    let (dir, auth) = mirror_dir_with_auth();
    let mut args = full_apply_args(&auth);
    args.push("--dry-run=client");
    let (code, out, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        fake.requests().is_empty(),
        "no request at all: {:?}",
        fake.requests()
    );
    assert!(
        out.contains("kind: CatalogSource\n") && out.contains("kind: ImageTagMirrorSet\n"),
        "{out}"
    );
    assert!(out.contains("disableAllDefaultSources: true"), "{out}");
    assert!(out.contains(".dockerconfigjson: REDACTED"), "{out}");
    let b64 = base64::engine::general_purpose::STANDARD.encode(AUTH_USER_PASS);
    assert!(!out.contains(&b64) && !err.contains(&b64) && !out.contains("s3cret"));
    assert!(
        err.contains("would be merged into the existing entries"),
        "{err}"
    );
    // and without any cluster at all (no kubeconfig anywhere)
    let (code, out2, err) = run(None, dir.path(), &args, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, out2);
    // -o json: a List
    args.extend(["-o", "json"]);
    let (code, out, _) = run(None, dir.path(), &args, &[]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "List");
    let kinds: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "OperatorHub",
            "ImageDigestMirrorSet",
            "ImageDigestMirrorSet",
            "ImageTagMirrorSet",
            "Secret",
            "Secret",
            "CatalogSource"
        ]
    );
    assert_eq!(v["items"][4]["metadata"]["name"], "pull-secret");
}

#[test]
fn dry_run_server_stores_nothing() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &apply_example(&["--dry-run=server", "--wait"]),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "catalogsource.operators.coreos.com/example -n openshift-marketplace created (server dry run)\n"
    );
    let p = patches(&fake);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].param("dryRun").as_deref(), Some("All"));
    assert!(
        fake.get(
            "operators.coreos.com",
            "catalogsources",
            "openshift-marketplace",
            "example"
        )
        .is_none()
    );

    // Every CatalogSource setting passes the CRD schema (checked by the fake in a
    // server dry run too), and -o json prints what the server returned.
    fake.clear_requests();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &apply_example(&[
            "--display-name",
            "Example Operators",
            "--publisher",
            "Example Inc.",
            "--security-context-config",
            "legacy",
            "--memory-target",
            "1Gi",
            "--node-selector",
            "node-role.kubernetes.io/infra=",
            "--toleration",
            "node-role.kubernetes.io/infra:NoSchedule",
            "--poll-interval",
            "30m",
            "--dry-run=server",
            "-o",
            "json",
        ]),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        "catalogsource.operators.coreos.com/example -n openshift-marketplace created (server dry run)\n"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "List");
    let cs = &v["items"][0];
    assert_eq!(
        cs["metadata"]["uid"], "dry-run-uid",
        "the server's answer is printed"
    );
    assert!(cs["metadata"].get("managedFields").is_none());
    assert_eq!(
        cs["spec"],
        json!({"sourceType": "grpc", "image": "quay.io/example/catalog:v1", "displayName": "Example Operators",
               "publisher": "Example Inc.", "updateStrategy": {"registryPoll": {"interval": "30m"}},
               "grpcPodConfig": {"securityContextConfig": "legacy", "memoryTarget": "1Gi",
                   "nodeSelector": {"node-role.kubernetes.io/infra": ""},
                   "tolerations": [{"key": "node-role.kubernetes.io/infra", "operator": "Exists", "effect": "NoSchedule"}]}})
    );
}

#[test]
fn catalog_never_ready_with_oom_killed_pod() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    fake.controller(|store: &mut Store, obj: &Value| {
        if obj["kind"] == "CatalogSource" {
            store.set_status(
                "operators.coreos.com",
                "catalogsources",
                "openshift-marketplace",
                "big",
                json!({"connectionState": {"lastObservedState": "TRANSIENT_FAILURE"}}),
            );
        }
    });
    fake.with_store(|s| {
        s.put(
            "",
            "pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "big-x7k2p", "namespace": "openshift-marketplace", "labels": {"olm.catalogSource": "big"}},
                   "status": {"phase": "Running", "containerStatuses": [{
                       "name": "registry-server", "image": "quay.io/example/big:v1", "imageID": "", "ready": false,
                       "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                       "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}),
        );
        s.set_log(
            "openshift-marketplace",
            "big-x7k2p",
            "time=\"2026-11-22T06:00:01Z\" level=info msg=\"starting pprof endpoint\"\ntime=\"2026-11-22T06:00:02Z\" level=info msg=\"loading configs\"\n",
        );
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _out, err) = run(
        Some(&fake),
        dir.path(),
        &[
            "apply",
            "--catalog-image",
            "quay.io/example/big:v1",
            "--name",
            "big",
            "--wait=1s",
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    let first = err.lines().find(|l| l.starts_with("error: ")).unwrap();
    assert!(
        first.contains("pod big-x7k2p was OOMKilled (5 restarts)"),
        "{err}"
    );
    assert!(first.contains("memoryTarget"), "{err}");
    assert!(first.contains("TRANSIENT_FAILURE"), "{err}");
    assert!(
        err.contains("last log lines of pod big-x7k2p (registry-server):\n"),
        "{err}"
    );
    assert!(err.contains("msg=\"loading configs\""), "{err}");
    // the previous container's log was asked for
    let log = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/pods/big-x7k2p/log"))
        .unwrap();
    assert_eq!(log.param("previous").as_deref(), Some("true"));
    assert_eq!(log.param("container").as_deref(), Some("registry-server"));
}

#[test]
fn forbidden_operator_hub_patch_names_the_permission() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    fake.forbid("PATCH", "/apis/config.openshift.io/v1/operatorhubs");
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &apply_example(&["--disable-default-sources"]),
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("applying OperatorHub \"cluster\": Forbidden (403): operatorhubs.config.openshift.io \"cluster\" is forbidden: User \"system:serviceaccount:ci:deployer\" cannot patch resource \"operatorhubs\" in API group \"config.openshift.io\" at the cluster scope"),
        "{err}"
    );
    assert!(
        err.contains("missing permission: verb \"patch\" on resource \"operatorhubs\" in API group \"config.openshift.io\" cluster-wide"),
        "{err}"
    );
    // it stopped there: the catalog was not applied
    assert_eq!(patches(&fake).len(), 1);
}

#[test]
fn vanilla_cluster_without_operator_hub_skips_it() {
    let fake = FakeApiServer::start(Flavor::Vanilla);
    olm_serves(&fake, 1);
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_file(dir.path());
    let image = format!("{MIRROR}/example/catalog:v1");
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &[
            "apply",
            "--catalog-image",
            &image,
            "--name",
            "example",
            "-n",
            "olm",
            "--disable-default-sources",
            "--pull-secret-from",
            &auth,
            "--update-global-pull-secret",
            "--wait",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("note: the cluster does not serve the OperatorHub API (config.openshift.io/v1): default sources left alone"), "{err}");
    assert!(
        err.contains("warning: this cluster has no global pull secret openshift-config/pull-secret (not OpenShift?): --update-global-pull-secret skipped"),
        "{err}"
    );
    assert_eq!(
        out,
        "secret/oc-catalog-pull-secret -n olm created\n\
         catalogsource.operators.coreos.com/example -n olm created\n\
         catalogsource.operators.coreos.com/example -n olm is READY: it serves 1 package\n"
    );
    assert!(
        !fake
            .writes()
            .iter()
            .any(|r| r.path.contains("openshift-config"))
    );
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path.contains("operatorhubs"))
    );
    // a mirror set on such a cluster: refused before any write
    mirror_output(dir.path());
    fake.clear_requests();
    let (code, _, err) = run(
        Some(&fake),
        dir.path(),
        &["apply", "--from", "out", "-n", "openshift-marketplace"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("the cluster does not serve ImageDigestMirrorSet (config.openshift.io/v1)"),
        "{err}"
    );
    assert!(fake.writes().is_empty());
}

fn seed_status_cluster(fake: &FakeApiServer) {
    fake.with_store(|s| {
        s.put(
            "config.openshift.io",
            "operatorhubs",
            json!({"apiVersion": "config.openshift.io/v1", "kind": "OperatorHub", "metadata": {"name": "cluster"},
                   "spec": {"disableAllDefaultSources": true},
                   "status": {"sources": [
                       {"name": "certified-operators", "disabled": true, "status": "Success"},
                       {"name": "redhat-operators", "disabled": true, "status": "Success"}]}}),
        );
        for (name, image, state) in [
            ("good", "mirror.example.com:5000/redhat/redhat-operator-index:v4.17", "READY"),
            ("big", "quay.io/example/big:v1", "TRANSIENT_FAILURE"),
        ] {
            s.put(
                "operators.coreos.com",
                "catalogsources",
                json!({"apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
                       "metadata": {"name": name, "namespace": "openshift-marketplace"},
                       "spec": {"sourceType": "grpc", "image": image},
                       "status": {"connectionState": {"lastObservedState": state, "lastConnect": "2026-11-22T06:01:00Z"},
                                  "latestImageRegistryPoll": "2026-11-22T06:00:00Z"}}),
            );
        }
        s.put(
            "",
            "pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "good-abcde", "namespace": "openshift-marketplace", "labels": {"olm.catalogSource": "good"}},
                   "status": {"phase": "Running", "containerStatuses": [{"name": "registry-server", "image": "x", "imageID": "",
                       "ready": true, "restartCount": 0, "state": {"running": {}}}]}}),
        );
        s.put(
            "",
            "pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "big-x7k2p", "namespace": "openshift-marketplace", "labels": {"olm.catalogSource": "big"}},
                   "status": {"phase": "Running", "containerStatuses": [{"name": "registry-server", "image": "x", "imageID": "",
                       "ready": false, "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                       "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}),
        );
        s.put(
            "olm.operatorframework.io",
            "clustercatalogs",
            json!({"apiVersion": "olm.operatorframework.io/v1", "kind": "ClusterCatalog", "metadata": {"name": "mirrored"},
                   "spec": {"source": {"type": "Image", "image": {"ref": "mirror.example.com:5000/redhat/redhat-operator-index:v4.17"}}},
                   "status": {"conditions": [{"type": "Serving", "status": "True", "reason": "Available", "message": "",
                                              "lastTransitionTime": "2026-11-22T06:00:00Z"}],
                              "resolvedSource": {"type": "Image", "image": {"ref": "mirror.example.com:5000/redhat/redhat-operator-index@sha256:4444444444444444444444444444444444444444444444444444444444444444"}}}}),
        );
        for i in 0..2 {
            s.put(
                "packages.operators.coreos.com",
                "packagemanifests",
                json!({"apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
                       "metadata": {"name": format!("p{i}"), "namespace": "openshift-marketplace", "labels": {"catalog": "good"}}}),
            );
        }
    });
}

#[test]
fn status_table_and_json() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    seed_status_cluster(&fake);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(Some(&fake), dir.path(), &["status"], &[]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("status_table", out);
    let (code, out, _) = run(Some(&fake), dir.path(), &["status", "-A"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("NAMESPACE               NAME   IMAGE"),
        "{out}"
    );
    assert!(out.contains("\nopenshift-marketplace   good   "), "{out}");
    let (code, out, _) = run(Some(&fake), dir.path(), &["status", "-o", "yaml"], &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("catalogSources:\n"), "{out}");
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &["status", "-A", "-o", "json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("status_json", v);
    // only reads
    assert!(fake.writes().is_empty());
}

#[test]
fn kubeconfig_list_context_and_errors() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    seed_status_cluster(&fake);
    let dir = tempfile::tempdir().unwrap();
    let kc = fake.kubeconfig().display().to_string();
    // KUBECONFIG as a list: missing files are skipped, the fake's file is used
    let list = format!("{}:{kc}", dir.path().join("missing").display());
    let (code, out, err) = run(
        None,
        dir.path(),
        &["status", "-o", "json"],
        &[("KUBECONFIG", &list)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"name\": \"good\""));
    // a status run with the fake's kubeconfig in KUBECONFIG that must fail: its stderr
    let fails = |args: &[&str]| {
        let (code, _, err) = run(None, dir.path(), args, &[("KUBECONFIG", &kc)]);
        assert_eq!(code, 2, "{args:?}: {err}");
        err
    };
    // --context picks another cluster: the error says where it failed to connect
    let err = fails(&["status", "--context", "broken"]);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    // --cluster overrides the context's cluster
    let err = fails(&["status", "--cluster", "elsewhere"]);
    assert!(err.contains("API server: https://127.0.0.1:1 ("), "{err}");
    // --user with a token the server refuses
    let err = fails(&["status", "--user", "nobody"]);
    assert!(
        err.contains("Unauthorized (401)") || err.contains("401"),
        "{err}"
    );
    let (code, _, err) = run(
        None,
        dir.path(),
        &["status", "--kubeconfig", "nope.yaml"],
        &[],
    );
    assert_eq!(code, 2);
    assert_eq!(err, "error: --kubeconfig nope.yaml: no such file\n");
    // no kubeconfig and not in a cluster
    let (code, _, err) = run(None, dir.path(), &["status"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no kubeconfig found"), "{err}");
}

/// What the mirror planner writes (fbc_core::mirror::resources) is what apply
/// reads: every object passes the fake's CRD schema checks (unknown fields
/// refused), in both the IDMS/ITMS and the legacy ICSP + ClusterCatalog forms.
#[test]
fn applies_what_the_mirror_planner_generates() {
    use fbc_core::mirror::plan::{ImageCopy, ImageKind};
    use fbc_core::mirror::resources::{BuiltCatalog, ResourceOptions, generate};
    const D: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    let images = vec![
        ImageCopy {
            source: format!("registry.redhat.io/rhel9/operator@{D}"),
            target: format!("{MIRROR}/rhel9/operator@{D}"),
            kind: ImageKind::Bundle,
            origins: vec!["pkg/pkg.v1".into()],
        },
        ImageCopy {
            source: "quay.io/team/tool:v1".into(),
            target: format!("{MIRROR}/team/tool:v1"),
            kind: ImageKind::Additional,
            origins: vec!["additionalImages".into()],
        },
    ];
    let catalogs = vec![BuiltCatalog {
        source: "registry.redhat.io/redhat/redhat-operator-index:v4.18".into(),
        target_by_digest: format!("{MIRROR}/redhat/redhat-operator-index@{D}"),
        target_tag: Some(format!("{MIRROR}/redhat/redhat-operator-index:v4.18")),
        display_name: None,
    }];
    for opts in [
        ResourceOptions::default(),
        ResourceOptions {
            icsp: true,
            cluster_catalog: true,
            ..Default::default()
        },
    ] {
        let fake = FakeApiServer::start(Flavor::OpenShift);
        let dir = tempfile::tempdir().unwrap();
        let cr = dir.path().join("out/cluster-resources");
        std::fs::create_dir_all(&cr).unwrap();
        let files = generate(&images, &catalogs, &opts);
        for (name, text) in &files {
            std::fs::write(cr.join(name), text).unwrap();
        }
        let (code, out, err) = run(Some(&fake), dir.path(), &["apply", "--from", "out"], &[]);
        assert_eq!(
            code,
            0,
            "files {:?}\nstdout:\n{out}\nstderr:\n{err}",
            files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert!(out.contains("catalogsource.operators.coreos.com/"), "{out}");
        if opts.icsp {
            assert!(
                out.contains("imagecontentsourcepolicy.operator.openshift.io/"),
                "{out}"
            );
            assert!(
                out.contains("clustercatalog.olm.operatorframework.io/"),
                "{out}"
            );
        } else {
            assert!(
                out.contains("imagedigestmirrorset.config.openshift.io/"),
                "{out}"
            );
        }
        assert!(!out.contains("unchanged"), "{out}");
        let cs = fake.with_store(|s| s.list("operators.coreos.com", "catalogsources"));
        assert_eq!(cs.len(), 1);
        assert_eq!(
            cs[0]["spec"]["grpcPodConfig"]["securityContextConfig"],
            "restricted"
        );
    }
}

#[test]
fn invalid_object_names_file_object_and_reason() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cs.yaml"),
        "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata:\n  name: typo\nspec:\n  sourceType: grpc\n  image: quay.io/x/y:1\n  updateStrategy:\n    registryPoll:\n      intervall: 30m\n",
    )
    .unwrap();
    let (code, out, err) = run(Some(&fake), dir.path(), &["apply", "-f", "cs.yaml"], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.starts_with("error: cs.yaml: applying CatalogSource \"typo\" in namespace openshift-marketplace: Invalid (422): CatalogSource.operators.coreos.com \"typo\" is invalid: /spec/updateStrategy/registryPoll:"),
        "{err}"
    );
    assert!(err.contains("intervall"), "{err}");
    // bad input never reaches the cluster
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {}\n",
    )
    .unwrap();
    fake.clear_requests();
    let (code, _, err) = run(Some(&fake), dir.path(), &["apply", "-f", "bad.yaml"], &[]);
    assert_eq!(code, 2);
    assert_eq!(err, "error: bad.yaml: the object has no metadata.name\n");
    assert!(fake.requests().is_empty());
}

#[test]
fn wait_explains_a_pull_error_from_the_pods_events() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    fake.with_store(|s| {
        s.put(
            "",
            "pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "arm-5d9qz", "namespace": "openshift-marketplace", "labels": {"olm.catalogSource": "arm"}},
                   "status": {"phase": "Pending", "containerStatuses": [{
                       "name": "registry-server", "image": "quay.io/example/amd64-only:v1", "imageID": "", "ready": false,
                       "restartCount": 0, "state": {"waiting": {"reason": "ErrImagePull"}}}]}}),
        );
        s.put(
            "",
            "events",
            json!({"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "Failed",
                   "metadata": {"name": "arm-5d9qz.1", "namespace": "openshift-marketplace"},
                   "involvedObject": {"kind": "Pod", "name": "arm-5d9qz", "namespace": "openshift-marketplace"},
                   "message": "Failed to pull image \"quay.io/example/amd64-only:v1\": no matching manifest for linux/arm64 in the manifest list entries"}),
        );
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        Some(&fake),
        dir.path(),
        &[
            "apply",
            "--catalog-image",
            "quay.io/example/amd64-only:v1",
            "--name",
            "arm",
            "--wait=1s",
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: catalog arm is not READY (no connection state yet): wrong architecture: quay.io/example/amd64-only:v1 has no build for the node's platform (Failed: Failed to pull image"),
        "{err}"
    );
    let ev = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/events"))
        .unwrap();
    assert_eq!(
        ev.param("fieldSelector").as_deref(),
        Some("involvedObject.name=arm-5d9qz")
    );
}

/// A kind apply does not know (the release signatures ConfigMap of a mirror
/// output) is found by discovery and lands in the -n namespace when it names none.
#[test]
fn other_kinds_found_by_discovery() {
    let fake = FakeApiServer::start(Flavor::Vanilla);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mirrored-release-signatures\ndata:\n  a: b\n",
    )
    .unwrap();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &["apply", "-f", "cm.yaml", "-n", "olm"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "configmap/mirrored-release-signatures -n olm created\n"
    );
    let p = patches(&fake);
    assert_eq!(
        p[0].path,
        "/api/v1/namespaces/olm/configmaps/mirrored-release-signatures"
    );
    assert!(
        fake.requests().iter().any(|r| r.path == "/api/v1"),
        "discovery of v1"
    );
}

#[test]
fn status_without_permission_to_read_operator_hub() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    seed_status_cluster(&fake);
    fake.forbid("GET", "/apis/config.openshift.io/v1/operatorhubs");
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(Some(&fake), dir.path(), &["status"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("OperatorHub: unknown: reading OperatorHub \"cluster\": Forbidden (403): operatorhubs.config.openshift.io \"cluster\" is forbidden: User \"system:serviceaccount:ci:deployer\" cannot get resource \"operatorhubs\""),
        "{out}"
    );
    assert!(
        out.contains("missing permission: verb \"get\" on resource \"operatorhubs\""),
        "{out}"
    );
    // listing catalog sources without permission is an error naming the permission
    fake.forbid(
        "GET",
        "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-marketplace/catalogsources",
    );
    let (code, _, err) = run(Some(&fake), dir.path(), &["status"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("listing CatalogSources in namespace openshift-marketplace: Forbidden (403)")
            && err.contains("missing permission: verb \"list\" on resource \"catalogsources\" in API group \"operators.coreos.com\" in namespace openshift-marketplace"),
        "{err}"
    );
}

/// apply is declarative: a setting left out of the next apply is removed
/// (server-side apply drops fields its manager no longer applies).
#[test]
fn a_setting_left_out_is_removed() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    let dir = tempfile::tempdir().unwrap();
    let base = apply_example(&[]);
    let with = apply_example(&["--memory-target", "256Mi"]);
    let (code, out, err) = run(Some(&fake), dir.path(), &with, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "catalogsource.operators.coreos.com/example -n openshift-marketplace created\n"
    );
    let get = || {
        fake.get(
            "operators.coreos.com",
            "catalogsources",
            "openshift-marketplace",
            "example",
        )
        .unwrap()
    };
    assert_eq!(get()["spec"]["grpcPodConfig"]["memoryTarget"], "256Mi");
    let (code, out, err) = run(Some(&fake), dir.path(), &base, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "catalogsource.operators.coreos.com/example -n openshift-marketplace configured\n"
    );
    assert_eq!(
        get()["spec"]["grpcPodConfig"],
        json!({"securityContextConfig": "restricted"})
    );
    let (_, out, _) = run(Some(&fake), dir.path(), &base, &[]);
    assert_eq!(
        out,
        "catalogsource.operators.coreos.com/example -n openshift-marketplace unchanged\n"
    );
}

/// With -o, standard output holds only the objects (YAML documents here), so
/// it can be piped; the progress and READY lines go to standard error.
#[test]
fn output_yaml_with_wait_keeps_stdout_clean() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    olm_serves(&fake, 2);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &apply_example(&["--wait", "-o", "yaml"]),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let docs = fbc_core::parse::documents_to_json(&out).unwrap();
    let docs: Vec<&Value> = docs.iter().filter(|d| !d.is_null()).collect();
    assert_eq!(docs.len(), 1, "{out}");
    assert_eq!(docs[0]["kind"], "CatalogSource");
    assert_eq!(
        docs[0]["status"]["connectionState"]["lastObservedState"],
        "READY"
    );
    assert!(
        err.contains(
            "catalogsource.operators.coreos.com/example -n openshift-marketplace created\n"
        ),
        "{err}"
    );
    assert!(err.contains("is READY: it serves 2 packages\n"), "{err}");
}

/// The global pull secret is written with the resourceVersion read: when
/// something changes it in between, the apply fails instead of dropping that
/// change.
#[test]
fn global_pull_secret_changed_meanwhile_is_not_overwritten() {
    let fake = FakeApiServer::start(Flavor::OpenShift);
    seed_global_pull_secret(&fake);
    // another writer touches the pull secret while apply writes the mirror sets
    fake.controller(|store: &mut Store, obj: &Value| {
        if obj["kind"] == "ImageDigestMirrorSet" {
            let mut s = store
                .get("", "secrets", "openshift-config", "pull-secret")
                .unwrap();
            let cfg = json!({"auths": {"cloud.openshift.com": {"auth": "bmV3OnRva2Vu"}}});
            s["data"][".dockerconfigjson"] =
                json!(base64::engine::general_purpose::STANDARD.encode(cfg.to_string()));
            store.put("", "secrets", s);
        }
    });
    let (dir, auth) = mirror_dir_with_auth();
    let args = [
        "apply",
        "--from",
        "out",
        "--pull-secret-from",
        &auth,
        "--update-global-pull-secret",
    ];
    let (code, _, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("applying Secret \"pull-secret\" in namespace openshift-config: Conflict (409): Operation cannot be fulfilled on secrets \"pull-secret\": the object has been modified"),
        "{err}"
    );
    assert!(err.contains("run apply again"), "{err}");
    let s = fake
        .get("", "secrets", "openshift-config", "pull-secret")
        .unwrap();
    assert_eq!(
        secret_config(&s)["auths"]["cloud.openshift.com"]["auth"],
        "bmV3OnRva2Vu"
    );
    // run again: merged on top of the new content
    let (code, _, err) = run(Some(&fake), dir.path(), &args, &[]);
    assert_eq!(code, 0, "{err}");
    let cfg = secret_config(
        &fake
            .get("", "secrets", "openshift-config", "pull-secret")
            .unwrap(),
    );
    assert_eq!(cfg["auths"]["cloud.openshift.com"]["auth"], "bmV3OnRva2Vu");
    assert!(cfg["auths"][MIRROR].is_object());
}

/// OLM v1: `--wait` also waits for ClusterCatalogs to be Serving, and says
/// why not from the Progressing condition.
#[test]
fn wait_for_cluster_catalogs() {
    let fake = FakeApiServer::start(Flavor::Vanilla);
    fake.controller(|store: &mut Store, obj: &Value| {
        if obj["kind"] != "ClusterCatalog" {
            return;
        }
        let name = obj["metadata"]["name"].as_str().unwrap();
        let status = if name == "good" {
            json!({"conditions": [
                {"type": "Progressing", "status": "True", "reason": "Succeeded", "message": "", "lastTransitionTime": "2026-11-22T06:00:00Z"},
                {"type": "Serving", "status": "True", "reason": "Available", "message": "", "lastTransitionTime": "2026-11-22T06:00:00Z"}],
                "resolvedSource": {"type": "Image", "image": {"ref": "quay.io/example/catalog@sha256:3333333333333333333333333333333333333333333333333333333333333333"}}})
        } else {
            json!({"conditions": [
                {"type": "Progressing", "status": "True", "reason": "Retrying",
                 "message": "source catalog content: error fetching image: unauthorized: authentication required",
                 "lastTransitionTime": "2026-11-22T06:00:00Z"}]})
        };
        store.set_status("olm.operatorframework.io", "clustercatalogs", "", name, status);
    });
    let dir = tempfile::tempdir().unwrap();
    let cc = |name: &str| {
        format!(
            "apiVersion: olm.operatorframework.io/v1\nkind: ClusterCatalog\nmetadata:\n  name: {name}\nspec:\n  source:\n    type: Image\n    image:\n      ref: quay.io/example/catalog:v1\n"
        )
    };
    std::fs::write(dir.path().join("good.yaml"), cc("good")).unwrap();
    std::fs::write(dir.path().join("bad.yaml"), cc("bad")).unwrap();
    let (code, out, err) = run(
        Some(&fake),
        dir.path(),
        &["apply", "-f", "good.yaml", "--wait=5s"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "clustercatalog.olm.operatorframework.io/good created\n\
         clustercatalog.olm.operatorframework.io/good is Serving (quay.io/example/catalog@sha256:3333333333333333333333333333333333333333333333333333333333333333)\n"
    );
    let (code, _, err) = run(
        Some(&fake),
        dir.path(),
        &["apply", "-f", "bad.yaml", "--wait=1s"],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: cluster catalog bad is not Serving: Progressing Retrying: source catalog content: error fetching image: unauthorized: authentication required (waited "),
        "{err}"
    );
}
