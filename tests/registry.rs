//! `build`, and reading images, against real registries (Debian's
//! docker-registry on loopback: plain HTTP, and TLS with a private CA and
//! htpasswd auth or bearer-token auth), checked with skopeo as the independent client.

#[path = "registry/harness.rs"]
mod harness;
#[path = "common/index_db.rs"]
mod index_db;

use base64::Engine;
use harness::*;
use serde_json::Value;
use std::path::Path;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// skopeo copy of `src` (any transport) to `dest` on a plain-HTTP registry.
fn push_plain(src: &str, dest: &str) {
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        src,
        &format!("docker://{dest}"),
    ]);
}

/// skopeo inspect of `image` on a plain-HTTP registry.
fn inspect_plain(image: &str) -> Value {
    json(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{image}"),
    ]))
}

/// The `REF@sha256:...` line that build prints first.
fn built_digest(stdout: &str) -> String {
    let first = stdout.lines().next().unwrap();
    first.split_once('@').unwrap().1.to_string()
}

fn write_authfile(path: &Path, host: &str, user: &str, pass: &str) {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
}

#[test]
fn build_push_is_what_skopeo_sees_and_is_reproducible() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let host = &e.plain.host;
    let tag = format!("{host}/test/catalog:v1");
    let (code, out, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--push",
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let digest = built_digest(&out);

    let inspect = inspect_plain(&tag);
    assert_eq!(inspect["Digest"], digest.as_str());
    assert_eq!(
        inspect["Labels"]["operators.operatorframework.io.index.configs.v1"],
        "/configs"
    );
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 1);
    assert!(
        out.contains(inspect["Layers"][0].as_str().unwrap()),
        "{out}"
    );
    let config = json(&skopeo(&[
        "inspect",
        "--config",
        "--tls-verify=false",
        &format!("docker://{tag}"),
    ]));
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/bin/opm"])
    );
    assert_eq!(
        config["config"]["Cmd"],
        serde_json::json!(["serve", "/configs"])
    );
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 1);

    // skopeo can pull it, and the layer holds the catalog at /configs.
    let pulled = e.path("pulled");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{tag}"),
        &format!("dir:{}", pulled.display()),
    ]);
    let layer = inspect["Layers"][0]
        .as_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap();
    let f = std::fs::File::open(pulled.join(layer)).unwrap();
    let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(f));
    let names: Vec<String> = ar
        .entries()
        .unwrap()
        .map(|x| x.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names[0], "configs/");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("configs/") && n.ends_with(".yaml") || n.ends_with(".json")),
        "{names:?}"
    );

    // Same input, same digest: again to another tag, and to an OCI layout.
    let layout = e.path("layout");
    let (code, out2, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &format!("{host}/test/catalog:v2"),
            "--push",
            "--tls-verify=false",
            "--to",
            &format!("oci:{}", layout.display()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(built_digest(&out2), digest);
    let again = json(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{host}/test/catalog:v2"),
    ]));
    assert_eq!(again["Digest"], digest.as_str());
    let from_layout = json(&skopeo(&[
        "inspect",
        &format!("oci:{}:v2", layout.display()),
    ]));
    assert_eq!(from_layout["Digest"], digest.as_str());
    // The second push found both blobs with HEAD and uploaded none (registry access log).
    let log = std::fs::read_to_string(e.path("plain.log")).unwrap();
    let uploads = log
        .lines()
        .filter(|l| l.contains("\"PUT /v2/test/catalog/blobs/uploads/"))
        .count();
    assert_eq!(uploads, 2, "{log}");
}

#[test]
fn build_over_a_base_on_tls_registry_with_auth() {
    if !tools_present() {
        return;
    }
    let e = env(true);
    let tls = e.tls_host().to_string();
    let plain = e.plain.host.clone();
    let home = e.path("home");
    // A base image built with umoci, pushed with skopeo (docker v2-2, as podman pushes).
    let base_src = umoci_image(
        e.dir.path(),
        &[("bin/opm", "#!/bin/sh\n")],
        &[("base", "yes")],
    );
    let base = format!("{tls}/base/opm:1");
    skopeo(&[
        "copy",
        "--format",
        "v2s2",
        "--dest-cert-dir",
        &e.certdir(),
        "--dest-creds",
        &format!("{USER}:{PASS}"),
        &base_src,
        &format!("docker://{base}"),
    ]);
    let base_layers = json(&skopeo(&[
        "inspect",
        "--cert-dir",
        &e.certdir(),
        "--creds",
        &format!("{USER}:{PASS}"),
        &format!("docker://{base}"),
    ]))["Layers"]
        .clone();

    // Credentials found as podman finds them: ${XDG_RUNTIME_DIR}/containers/auth.json.
    write_authfile(&home.join("run/containers/auth.json"), &tls, USER, PASS);
    let tag = format!("{tls}/cat/index:v1");
    let (code, out, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--base",
            &base,
            "--push",
            "--cert-dir",
            &e.certdir(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let digest = built_digest(&out);
    let raw = json(&skopeo(&[
        "inspect",
        "--raw",
        "--cert-dir",
        &e.certdir(),
        "--creds",
        &format!("{USER}:{PASS}"),
        &format!("docker://{tag}"),
    ]));
    // The base was docker v2-2: so is the catalog image.
    assert_eq!(
        raw["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    let inspect = json(&skopeo(&[
        "inspect",
        "--cert-dir",
        &e.certdir(),
        "--creds",
        &format!("{USER}:{PASS}"),
        &format!("docker://{tag}"),
    ]));
    assert_eq!(inspect["Digest"], digest.as_str());
    let layers = inspect["Layers"].as_array().unwrap();
    assert_eq!(layers.len(), base_layers.as_array().unwrap().len() + 1);
    assert_eq!(
        &layers[..layers.len() - 1],
        base_layers.as_array().unwrap().as_slice()
    );
    assert_eq!(inspect["Labels"]["base"], "yes");
    // Within one registry the base layers were mounted, not uploaded.
    let log = std::fs::read_to_string(e.path("tls.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"POST /v2/cat/index/blobs/uploads/?")
                && l.contains("mount=")
                && l.contains("\" 201 ")),
        "{log}"
    );
    assert_eq!(
        inspect["Labels"]["operators.operatorframework.io.index.configs.v1"],
        "/configs"
    );

    // Across registries (TLS+auth -> plain) with an explicit --authfile: same digest.
    let authfile = e.path("auth.json");
    write_authfile(&authfile, &tls, USER, PASS);
    let (code, out2, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &format!("{plain}/cat/index:v1"),
            "--base",
            &base,
            "--push",
            "--cert-dir",
            &e.certdir(),
            "--authfile",
            authfile.to_str().unwrap(),
        ],
    );
    // --cert-dir/--tls-verify apply to both registries; the plain one needs HTTP.
    assert_ne!(code, 0, "plain HTTP must need --tls-verify=false: {out2}");
    assert!(err.contains(&plain), "{err}");
    let _ = out2;
}

#[test]
fn build_refuses_an_invalid_catalog_and_pushes_nothing() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let tag = format!("{}/test/broken:v1", e.plain.host);
    let (code, _, err) = run(
        &home,
        &[
            "build",
            "examples/broken-catalog",
            "--tag",
            &tag,
            "--push",
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a valid catalog"), "{err}");
    assert!(err.contains("FBC"), "{err}");
    let out = std::process::Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", &format!("docker://{tag}")])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn wrong_password_unknown_ca_and_missing_image_are_clear_errors() {
    if !tools_present() {
        return;
    }
    let e = env(true);
    let tls = e.tls_host().to_string();
    let home = e.path("home");
    let tag = format!("{tls}/test/catalog:v1");

    // Wrong password.
    let (code, _, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--push",
            "--cert-dir",
            &e.certdir(),
            "--creds",
            "testuser:wrong",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&tls) && err.contains("test/catalog"), "{err}");
    assert!(err.contains("unauthorized"), "{err}");

    // No CA: the registry's certificate is from an unknown authority.
    let (code, _, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--push",
            "--creds",
            &format!("{USER}:{PASS}"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&tls), "{err}");
    assert!(err.contains("unknown authority"), "{err}");

    // Missing base image.
    let base = format!("{}/nothing/here:v9", e.plain.host);
    let layout = e.path("layout");
    let (code, _, err) = build_onto_layout(&home, &base, &layout);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&base), "{err}");
    assert!(
        err.contains("manifest unknown") || err.contains("not known"),
        "{err}"
    );
    assert!(!layout.exists(), "nothing may be written");

    // Nothing was pushed by the failed attempts.
    let out = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--cert-dir",
            &e.certdir(),
            "--creds",
            &format!("{USER}:{PASS}"),
            &format!("docker://{tag}"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn corrupted_blob_is_detected_and_nothing_is_written() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let src = umoci_image(e.dir.path(), &[("etc/base", "base\n")], &[]);
    let base = format!("{}/base/img:1", e.plain.host);
    push_plain(&src, &base);
    let proxy = corrupting_proxy(&e.plain.host);
    let via = format!("{proxy}/base/img:1");
    let layout = e.path("layout");
    std::fs::create_dir_all(&layout).unwrap();
    let (code, _, err) = build_onto_layout(&home, &via, &layout);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("corrupted"), "{err}");
    assert!(err.contains(&proxy) && err.contains("base/img"), "{err}");
    assert_eq!(
        std::fs::read_dir(&layout).unwrap().count(),
        0,
        "nothing may be written"
    );
}

/// The blob file of `digest` in a registry's filesystem storage.
fn stored_blob(root: &Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    root.join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

#[test]
fn render_of_a_catalog_image_reads_only_its_fbc_layer() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let host = e.plain.host.clone();
    let base_src = umoci_image(e.dir.path(), &[("bin/opm", "not really opm\n")], &[]);
    let base = format!("{host}/base/opm:1");
    push_plain(&base_src, &base);
    let tag = format!("{host}/test/catalog:v1");
    let layout = e.path("layout");
    let (code, _, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--base",
            &base,
            "--push",
            "--tls-verify=false",
            "--to",
            &format!("oci:{}", layout.display()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // Remove the base layer from the registry's storage: render must not need it.
    let inspect = inspect_plain(&tag);
    let layers = inspect["Layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    std::fs::remove_file(stored_blob(
        &e.path("plain-data"),
        layers[0].as_str().unwrap(),
    ))
    .unwrap();

    let (code, want, err) = run(&home, &["render", "examples/catalog", "-o", "yaml"]);
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = run(&home, &["render", &tag, "--tls-verify=false", "-o", "yaml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want);
    let (code, got, err) = run(
        &home,
        &[
            "render",
            &format!("oci:{}:v1", layout.display()),
            "-o",
            "yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want);

    // list, graph and diff read catalog images the same way.
    for args in [
        vec!["list", "--catalog"],
        vec!["list", "--package", "kueue-operator", "--catalog"],
    ] {
        let mut dir_args = args.clone();
        dir_args.push("examples/catalog");
        let (code, want, err) = run(&home, &dir_args);
        assert_eq!(code, 0, "{err}");
        let mut img_args = args.clone();
        img_args.extend([tag.as_str(), "--tls-verify=false"]);
        let (code, got, err) = run(&home, &img_args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(got, want);
    }
    let (code, out, err) = run(
        &home,
        &["diff", "examples/catalog", &tag, "--tls-verify=false"],
    );
    assert_eq!(code, 0, "{err}\n{out}");

    // A missing image is a clear error naming it.
    let (code, _, err) = run(
        &home,
        &[
            "render",
            &format!("{host}/test/none:v1"),
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{host}/test/none:v1")) && err.contains("manifest unknown"),
        "{err}"
    );
}

#[test]
fn render_of_a_bundle_image_matches_its_directory() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let dir = repo().join("tests/fixtures/render/bundles/node-maintenance-operator/0.21.0");
    let mut files = Vec::new();
    for sub in ["manifests", "metadata"] {
        for f in std::fs::read_dir(dir.join(sub)).unwrap() {
            let f = f.unwrap();
            files.push((
                format!("{sub}/{}", f.file_name().to_string_lossy()),
                std::fs::read_to_string(f.path()).unwrap(),
            ));
        }
    }
    let files_ref: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let src = umoci_image(
        e.dir.path(),
        &files_ref,
        &[
            (
                "operators.operatorframework.io.bundle.mediatype.v1",
                "registry+v1",
            ),
            (
                "operators.operatorframework.io.bundle.manifests.v1",
                "manifests/",
            ),
            (
                "operators.operatorframework.io.bundle.metadata.v1",
                "metadata/",
            ),
            (
                "operators.operatorframework.io.bundle.package.v1",
                "node-maintenance-operator",
            ),
            (
                "operators.operatorframework.io.bundle.channels.v1",
                "stable",
            ),
        ],
    );
    let image = format!("{}/medik8s/nmo-bundle:v0.21.0", e.plain.host);
    push_plain(&src, &image);
    let (code, want, err) = run(
        &home,
        &[
            "render",
            dir.to_str().unwrap(),
            "--alpha-image-ref-template",
            &image,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = run(&home, &["render", &image, "--tls-verify=false"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want);
    assert!(got.contains(&format!("\"image\": \"{image}\"")), "{got}");
}

/// The layout of [`multi_arch_layout_with`], and its index pushed as
/// `base/multi:1` to the plain registry.
fn multi_arch_base(e: &Env, attestation: bool) -> (std::path::PathBuf, String) {
    let layout = multi_arch_layout_with(e.dir.path(), attestation);
    let base = format!("{}/base/multi:1", e.plain.host);
    skopeo(&[
        "copy",
        "--all",
        "--dest-tls-verify=false",
        &format!("oci:{}:multi", layout.display()),
        &format!("docker://{base}"),
    ]);
    (layout, base)
}

/// An OCI layout `DIR/multi` with images `amd64`, `arm64` and the index
/// `multi` over both; with `attestation`, the index also has an entry as
/// BuildKit writes for provenance (platform unknown/unknown).
fn multi_arch_layout_with(dir: &Path, attestation: bool) -> std::path::PathBuf {
    use sha2::Digest;
    let layout = dir.join("multi");
    let img = |t: &str| format!("{}:{t}", layout.display());
    let umoci = |args: &[&str]| {
        let out = std::process::Command::new("umoci")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    umoci(&["init", "--layout", layout.to_str().unwrap()]);
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        umoci(&["new", "--image", &img(arch)]);
        umoci(&[
            "config",
            "--image",
            &img(arch),
            "--architecture",
            arch,
            "--os",
            "linux",
        ]);
        let index = json(&std::fs::read_to_string(layout.join("index.json")).unwrap());
        let m = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == arch)
            .unwrap()
            .clone();
        let mut e = serde_json::json!({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"]});
        e["platform"] = serde_json::json!({"os": "linux", "architecture": arch});
        entries.push(e);
    }
    if attestation {
        let mut a = entries[0].clone();
        a["platform"] = serde_json::json!({"os": "unknown", "architecture": "unknown"});
        a["annotations"] = serde_json::json!({
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": entries[0]["digest"]});
        entries.push(a);
    }
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries});
    let bytes = serde_json::to_vec(&index).unwrap();
    let hex = hex::encode(sha2::Sha256::digest(&bytes));
    std::fs::write(layout.join("blobs/sha256").join(&hex), &bytes).unwrap();
    let mut top = json(&std::fs::read_to_string(layout.join("index.json")).unwrap());
    top["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{hex}"), "size": bytes.len(),
        "annotations": {"org.opencontainers.image.ref.name": "multi"}}));
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    layout
}

#[test]
fn a_multi_platform_base_gives_a_multi_platform_catalog() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let (_, base) = multi_arch_base(&e, true);
    let tag = format!("{}/cat/multi:v1", e.plain.host);
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--base",
            &base,
            "--tls-verify=false",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&home, &args);
        assert_eq!(code, 0, "{out}{err}");
        (out, err)
    };
    let (out, err) = build(&["--push"]);
    assert!(
        err.contains("skipping") && err.contains("attestation"),
        "{err}"
    );
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{tag}"),
    ]);
    let index = json(&raw);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index["manifests"].as_array().unwrap();
    let platforms: Vec<String> = entries
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap(),
                m["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    // The build prints the index digest first.
    let digest = out
        .lines()
        .next()
        .unwrap()
        .rsplit_once('@')
        .unwrap()
        .1
        .to_string();
    assert_eq!(
        digest,
        format!(
            "sha256:{}",
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(raw.as_bytes()))
        )
    );
    // Each platform's image: the same catalog layer, its own architecture, opm's label.
    let mut catalog_layers = std::collections::BTreeSet::new();
    for (m, arch) in entries.iter().zip(["amd64", "arm64"]) {
        let child = json(&skopeo(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!(
                "docker://{}/cat/multi@{}",
                e.plain.host,
                m["digest"].as_str().unwrap()
            ),
        ]));
        catalog_layers
            .insert(child["layers"].as_array().unwrap().last().unwrap()["digest"].to_string());
        let config = json(&skopeo(&[
            "inspect",
            "--config",
            "--tls-verify=false",
            "--override-arch",
            arch,
            &format!("docker://{tag}"),
        ]));
        assert_eq!(config["architecture"], arch);
        assert_eq!(
            config["config"]["Labels"]["operators.operatorframework.io.index.configs.v1"],
            "/configs"
        );
    }
    assert_eq!(catalog_layers.len(), 1, "{catalog_layers:?}");
    // Same input, same index digest; the layout copy is the same index.
    let out_dir = e.path("out");
    let (again, _) = build(&["--push", "--to", &format!("oci:{}", out_dir.display())]);
    assert_eq!(again.lines().next(), out.lines().next());
    let from_layout = skopeo(&["inspect", "--raw", &format!("oci:{}:v1", out_dir.display())]);
    assert_eq!(from_layout, raw);
    // --platforms keeps only those.
    let (one, _) = build(&[
        "--platforms",
        "linux/arm64",
        "--to",
        &format!("oci:{}", e.path("arm").display()),
    ]);
    let arm = json(&skopeo(&[
        "inspect",
        "--raw",
        &format!("oci:{}:v1", e.path("arm").display()),
    ]));
    assert_eq!(arm["manifests"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(arm["manifests"][0]["platform"]["architecture"], "arm64");
}

#[test]
fn platform_is_selected_from_a_multi_arch_base() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let (layout, base) = multi_arch_base(&e, false);
    for (platform, src) in [
        ("linux/arm64", base.clone()),
        ("linux/amd64", format!("oci:{}:multi", layout.display())),
    ] {
        let out_dir = e.path(&format!("out-{}", platform.replace('/', "-")));
        let (code, _, err) = run(
            &home,
            &[
                "build",
                "examples/catalog",
                "--tag",
                "example.com/cat:v1",
                "--base",
                &src,
                "--platform",
                platform,
                "--tls-verify=false",
                "--to",
                &format!("oci:{}", out_dir.display()),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let config = json(&skopeo(&[
            "inspect",
            "--config",
            &format!("oci:{}:v1", out_dir.display()),
        ]));
        assert_eq!(config["architecture"], platform.split('/').nth(1).unwrap());
    }
    let (code, _, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            "example.com/cat:v1",
            "--base",
            &base,
            "--platform",
            "linux/s390x",
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no image for platform linux/s390x")
            && err.contains("linux/amd64, linux/arm64"),
        "{err}"
    );
}

#[test]
fn docker_config_credential_helper_is_used() {
    if !tools_present() {
        return;
    }
    let e = env(true);
    let tls = e.tls_host().to_string();
    let home = e.path("home");
    // ~/.docker/config.json naming a helper; the helper is a script on PATH.
    let bin_dir = home.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let helper = bin_dir.join("docker-credential-testhelper");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread host\n[ \"$host\" = \"{tls}\" ] || exit 1\necho '{{\"Username\":\"{USER}\",\"Secret\":\"{PASS}\"}}'\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    std::fs::write(
        home.join(".docker/config.json"),
        format!(r#"{{"auths":{{}},"credHelpers":{{"{tls}":"testhelper"}}}}"#),
    )
    .unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new(bin())
        .current_dir(repo())
        .args([
            "build",
            "examples/catalog",
            "--tag",
            &format!("{tls}/helper/cat:v1"),
            "--push",
            "--cert-dir",
            &e.certdir(),
        ])
        .env("HOME", &home)
        .env("PATH", path)
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DOCKER_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    skopeo(&[
        "inspect",
        "--cert-dir",
        &e.certdir(),
        "--creds",
        &format!("{USER}:{PASS}"),
        &format!("docker://{tls}/helper/cat:v1"),
    ]);
}

#[test]
fn bearer_token_auth_push_and_pull() {
    if !tools_present() {
        return;
    }
    let e = token_env();
    let host = e.host().to_string();
    let home = e.path("home");
    let certdir = e.certdir();
    let creds = format!("{USER}:{PASS}");
    let tag = format!("{host}/test/catalog:v1");

    // A base pushed by skopeo through the same token flow.
    let base_src = umoci_image(e.dir.path(), &[("bin/opm", "#!/bin/sh\n")], &[]);
    let base = format!("{host}/base/opm:1");
    skopeo(&[
        "copy",
        "--dest-cert-dir",
        &certdir,
        "--dest-creds",
        &creds,
        &base_src,
        &format!("docker://{base}"),
    ]);

    // Push: --creds are sent to the token server (basic), the registry sees bearer tokens.
    let (code, out, err) = run(
        &home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            &tag,
            "--base",
            &base,
            "--push",
            "--cert-dir",
            &certdir,
            "--creds",
            &creds,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let digest = built_digest(&out);
    let inspect = json(&skopeo(&[
        "inspect",
        "--cert-dir",
        &certdir,
        "--creds",
        &creds,
        &format!("docker://{tag}"),
    ]));
    assert_eq!(inspect["Digest"], digest.as_str());
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(
        inspect["Labels"]["operators.operatorframework.io.index.configs.v1"],
        "/configs"
    );
    let reqs = e.requests();
    assert!(
        reqs.iter().any(|r| r.user.as_deref() == Some(USER)
            && r.granted
            && r.scopes
                .iter()
                .any(|s| s == "repository:test/catalog:pull,push")),
        "{reqs:?}"
    );
    // The base layer was mounted from base/opm, with one token for both
    // repositories (the registry refuses a mount with the target's scope alone).
    assert!(
        reqs.iter().any(|r| r.granted
            && r.scopes
                == [
                    "repository:test/catalog:pull,push",
                    "repository:base/opm:pull"
                ]),
        "{reqs:?}"
    );
    let log = std::fs::read_to_string(e.path("token.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"POST /v2/test/catalog/blobs/uploads/?")
                && l.contains("mount=")
                && l.contains("\" 201 ")),
        "{log}"
    );

    // Pull: list and render, credentials from an auth file as podman finds it.
    write_authfile(&home.join("run/containers/auth.json"), &host, USER, PASS);
    let (code, want_list, err) = run(&home, &["list", "--catalog", "examples/catalog"]);
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = run(&home, &["list", "--catalog", &tag, "--cert-dir", &certdir]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want_list);
    let (code, want, err) = run(&home, &["render", "examples/catalog", "-o", "yaml"]);
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = run(
        &home,
        &["render", &tag, "--cert-dir", &certdir, "-o", "yaml"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want);
    let before = e.requests().len();
    assert!(
        e.requests()[before - 1].scopes == ["repository:test/catalog:pull"],
        "{:?}",
        e.requests()
    );

    // Wrong password: the token server refuses; a clear error naming registry and image.
    for args in [
        vec!["list", "--catalog", tag.as_str()],
        vec!["render", tag.as_str()],
        vec!["build", "examples/catalog", "--tag", tag.as_str(), "--push"],
    ] {
        let mut args = args.clone();
        args.extend(["--cert-dir", &certdir, "--creds", "testuser:wrong"]);
        let (code, out, err) = run(&home, &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains(&host) && err.contains("test/catalog"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("authentication failed") && err.contains("--creds"),
            "{args:?}: {err}"
        );
    }
    // No credentials at all: an anonymous token grants nothing.
    let empty = e.path("empty-home");
    let (code, _, err) = run(&empty, &["list", "--catalog", &tag, "--cert-dir", &certdir]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&host) && err.contains("test/catalog"), "{err}");
    assert!(
        err.contains("unauthorized") && err.contains("no credentials were found"),
        "{err}"
    );

    // Tokens that are already past their `exp` for the client (the registry
    // still takes them within its 60 s leeway): a new one is fetched as each
    // expires, and the pull still works.
    e.lifetime.store(-20, std::sync::atomic::Ordering::SeqCst);
    let before = e.requests().len();
    let (code, got, err) = run(&home, &["list", "--catalog", &tag, "--cert-dir", &certdir]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(got, want_list);
    // connect, manifest, config, FBC layer: each with a fresh token
    let fresh = &e.requests()[before..];
    assert!(
        fresh.len() >= 3 && fresh.iter().all(|r| r.granted),
        "{fresh:?}"
    );
}

#[test]
fn sqlite_index_image_renders_and_lists_through_the_registry() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let db = e.path("index.db");
    index_db::make_db(&db, true);
    let bytes = std::fs::read(&db).unwrap();
    // As opm's sqlite index images: the database at /database/index.db, named by a label.
    let src = harness::umoci_image_bytes(
        e.dir.path(),
        &[
            ("bin/opm", b"not really opm\n"),
            ("database/index.db", &bytes),
        ],
        &[(
            "operators.operatorframework.io.index.database.v1",
            "/database/index.db",
        )],
    );
    let image = format!("{}/olm/index:v4.10", e.plain.host);
    push_plain(&src, &image);
    let db_arg = db.to_str().unwrap();
    for args in [
        vec!["render", "-o", "yaml"],
        vec!["list", "--catalog"],
        vec!["list", "--package", "etcd", "--catalog"],
        vec![
            "list",
            "--package",
            "etcd",
            "--channel",
            "alpha",
            "--catalog",
        ],
    ] {
        let mut local = args.clone();
        local.push(db_arg);
        let (code, want, err) = run(&home, &local);
        assert_eq!(code, 0, "{local:?}: {err}");
        let mut remote = args.clone();
        remote.extend([image.as_str(), "--tls-verify=false"]);
        let (code, got, err) = run(&home, &remote);
        assert_eq!(code, 0, "{remote:?}: {err}");
        assert_eq!(got, want, "{remote:?}");
        assert!(err.contains("deprecated"), "{remote:?}: {err}");
    }
    // A label naming a file the image lacks: a clear error naming the image.
    let src = harness::umoci_image_bytes(
        &e.path("other"),
        &[("database/other.db", &bytes)],
        &[(
            "operators.operatorframework.io.index.database.v1",
            "/database/index.db",
        )],
    );
    let missing = format!("{}/olm/broken:v1", e.plain.host);
    push_plain(&src, &missing);
    let (code, _, err) = run(
        &home,
        &["list", "--catalog", &missing, "--tls-verify=false"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&missing) && err.contains("/database/index.db") && err.contains("not found"),
        "{err}"
    );
}

/// The regular files under `configs/` of an image's top layer (skopeo `dir:` copy).
fn top_layer_configs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let manifest = json(&std::fs::read_to_string(dir.join("manifest.json")).unwrap());
    let top = manifest["layers"].as_array().unwrap().last().unwrap()["digest"]
        .as_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap()
        .to_string();
    let bytes = std::fs::read(dir.join(top)).unwrap();
    let raw: Box<dyn Read> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(&bytes[..]))
    } else {
        Box::new(&bytes[..])
    };
    let mut ar = tar::Archive::new(raw);
    let mut out = std::collections::BTreeMap::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let path = path.trim_start_matches("./").to_string();
        if e.header().entry_type().is_file() && path.starts_with("configs/") {
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            out.insert(path, data);
        }
    }
    out
}

/// buildah with its own storage under `root` (vfs, as this machine allows).
fn buildah(root: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("buildah")
        .arg("--root")
        .arg(root.join("store"))
        .arg("--runroot")
        .arg(root.join("run"))
        .args(["--storage-driver", "vfs"])
        .args(args)
        .output()
        .unwrap()
}

/// The reference build: `buildah bud` of the `generate dockerfile` output
/// (builder and base: a busybox image whose /bin/opm only writes a cache
/// file, as the real opm cannot be pulled here), pushed to the registry,
/// against `build` of the same directory over the same base.
#[test]
fn buildah_build_of_generated_dockerfile_matches_build() {
    if !tools_present() {
        return;
    }
    let have = |t: &str| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("buildah") || !Path::new("/bin/busybox").is_file() {
        eprintln!(
            "SKIPPED: buildah or /bin/busybox (busybox-static) missing (apt-get install buildah busybox-static)"
        );
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let host = e.plain.host.clone();
    let work = e.path("buildah");
    std::fs::create_dir_all(&work).unwrap();
    // Can buildah build at all here (vfs storage, chroot isolation)?
    let probe = work.join("probe");
    std::fs::create_dir_all(&probe).unwrap();
    std::fs::write(probe.join("f"), "x").unwrap();
    std::fs::write(probe.join("Dockerfile"), "FROM scratch\nCOPY f /f\n").unwrap();
    let out = buildah(
        &work,
        &[
            "bud",
            "--isolation",
            "chroot",
            "-q",
            "-t",
            "localhost/probe:1",
            probe.to_str().unwrap(),
        ],
    );
    if !out.status.success() {
        eprintln!(
            "SKIPPED: buildah cannot build on this machine (bud --storage-driver vfs --isolation chroot of FROM scratch + COPY failed): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }

    let busybox = std::fs::read("/bin/busybox").unwrap();
    let base_src = harness::umoci_image_bytes(
        e.dir.path(),
        &[
            ("bin/sh", &busybox),
            ("bin/opm", b"#!/bin/sh\necho cache > /tmp/cache/digest\n"),
            ("tmp/cache/.keep", b""),
        ],
        &[],
    );
    let base = format!("{host}/base/opm:1");
    push_plain(&base_src, &base);
    let ctx = work.join("ctx");
    let catalog = ctx.join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    for f in std::fs::read_dir(repo().join("examples/catalog")).unwrap() {
        let f = f.unwrap().path();
        let dest = catalog.join(f.file_name().unwrap());
        if f.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            for g in std::fs::read_dir(&f).unwrap() {
                let g = g.unwrap().path();
                std::fs::copy(&g, dest.join(g.file_name().unwrap())).unwrap();
            }
        } else {
            std::fs::copy(&f, dest).unwrap();
        }
    }
    let (code, _, err) = run(
        &home,
        &[
            "generate",
            "dockerfile",
            catalog.to_str().unwrap(),
            "-i",
            &base,
            "-b",
            &base,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let out = buildah(
        &work,
        &[
            "bud",
            "--isolation",
            "chroot",
            "--tls-verify=false",
            "-q",
            "-f",
            ctx.join("catalog.Dockerfile").to_str().unwrap(),
            "-t",
            "localhost/reference:1",
            ctx.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "buildah bud: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = format!("{host}/reference/catalog:1");
    let out = buildah(
        &work,
        &[
            "push",
            "-q",
            "--tls-verify=false",
            "localhost/reference:1",
            &format!("docker://{reference}"),
        ],
    );
    assert!(
        out.status.success(),
        "buildah push: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ours = format!("{host}/ours/catalog:1");
    let (code, _, err) = run(
        &home,
        &[
            "build",
            catalog.to_str().unwrap(),
            "--tag",
            &ours,
            "--base",
            &base,
            "--push",
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 0, "{err}");

    let config = |r: &str| {
        json(&skopeo(&[
            "inspect",
            "--config",
            "--tls-verify=false",
            &format!("docker://{r}"),
        ]))["config"]
            .clone()
    };
    let (theirs_cfg, ours_cfg) = (config(&reference), config(&ours));
    let label = "operators.operatorframework.io.index.configs.v1";
    assert_eq!(theirs_cfg["Labels"][label], "/configs");
    assert_eq!(ours_cfg["Labels"][label], theirs_cfg["Labels"][label]);
    assert_eq!(ours_cfg["Entrypoint"], theirs_cfg["Entrypoint"]);
    // The Dockerfile pre-builds opm's serve cache (RUN opm serve --cache-only)
    // and serves with --cache-dir; build cannot run opm, so it serves
    // without a cache (a --cache-dir without one fails opm's integrity check).
    assert_eq!(
        theirs_cfg["Cmd"],
        serde_json::json!(["serve", "/configs", "--cache-dir=/tmp/cache"])
    );
    assert_eq!(ours_cfg["Cmd"], serde_json::json!(["serve", "/configs"]));

    // Both: the base's layers, then one layer with the catalog under /configs.
    let pull = |r: &str, name: &str| {
        let d = work.join(name);
        skopeo(&[
            "copy",
            "--src-tls-verify=false",
            &format!("docker://{r}"),
            &format!("dir:{}", d.display()),
        ]);
        d
    };
    let (theirs_dir, ours_dir) = (pull(&reference, "theirs"), pull(&ours, "ours"));
    let layers = |d: &Path| {
        json(&std::fs::read_to_string(d.join("manifest.json")).unwrap())["layers"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(layers(&theirs_dir), layers(&ours_dir));
    let (theirs_files, ours_files) = (top_layer_configs(&theirs_dir), top_layer_configs(&ours_dir));
    assert!(!ours_files.is_empty());
    assert_eq!(
        theirs_files.keys().collect::<Vec<_>>(),
        ours_files.keys().collect::<Vec<_>>()
    );
    assert!(theirs_files == ours_files, "same files, different content");

    // buildah's vfs store holds read-only copies: make them removable.
    let _ = std::process::Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&work)
        .status();
}

/// `build examples/catalog` onto `base` (plain HTTP) into the OCI layout `layout`.
fn build_onto_layout(home: &Path, base: &str, layout: &Path) -> (i32, String, String) {
    run(
        home,
        &[
            "build",
            "examples/catalog",
            "--tag",
            "x/y:z",
            "--base",
            base,
            "--tls-verify=false",
            "--to",
            &format!("oci:{}", layout.display()),
        ],
    )
}
