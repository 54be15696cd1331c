//! Packaging as a kubectl/oc plugin: the krew manifest follows the rules
//! krew-index enforces (krew's `validate-krew-manifest`, see
//! ../shared/specs/mirror-and-cluster.md section 5), `scripts/release.sh`
//! packs the archive and fills in its sha256, the archive installed the way
//! krew installs it runs as `kubectl catalog` under the real kubectl, and the
//! completion scripts and kubectl's plugin completion protocol work.

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/mod.rs"]
mod common;
use common::*;

use serde_json::Value;

/// The os/arch pairs krew supports (a selector must match one of them).
const SUPPORTED: &[(&str, &str)] = &[
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// The platforms this plugin ships, by Rust target.
const SHIPPED: &[(&str, &str, &str)] = &[
    ("x86_64-unknown-linux-gnu", "linux", "amd64"),
    ("aarch64-unknown-linux-gnu", "linux", "arm64"),
    ("x86_64-apple-darwin", "darwin", "amd64"),
    ("aarch64-apple-darwin", "darwin", "arm64"),
];

const WINDOWS_FORBIDDEN: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// Lines longer than `max` that are more than one word (krew warns on them).
fn long_lines(s: &str, max: usize) -> Vec<String> {
    s.lines()
        .filter(|l| l.chars().count() > max && l.trim().contains(' '))
        .map(str::to_string)
        .collect()
}

/// Does a krew platform selector (a Kubernetes label selector) select os/arch?
fn selects(sel: &Value, os: &str, arch: &str) -> bool {
    let label = |k: &str| match k {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in ml {
            if label(k) != v.as_str() {
                return false;
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let value = e.get("key").and_then(Value::as_str).and_then(label);
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let ok = match e.get("operator").and_then(Value::as_str) {
                Some("In") => value.is_some_and(|v| values.contains(&v)),
                Some("NotIn") => !value.is_some_and(|v| values.contains(&v)),
                Some("Exists") => value.is_some(),
                Some("DoesNotExist") => value.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// Every rule krew-index checks on `plugins/<file_name>.yaml`, plus this
/// plugin's own conventions; the violations found.
fn krew_rule_violations(file_name: &str, text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let docs = match fbc_core::parse::documents_to_json(text) {
        Ok(d) => d,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let [m] = docs.as_slice() else {
        return vec![format!("{} YAML documents, want 1", docs.len())];
    };
    if str_at(m, &["apiVersion"]) != Some("krew.googlecontainertools.github.com/v1alpha2") {
        bad.push(format!("apiVersion {:?}", m.get("apiVersion")));
    }
    if str_at(m, &["kind"]) != Some("Plugin") {
        bad.push(format!("kind {:?}", m.get("kind")));
    }
    let name = str_at(m, &["metadata", "name"]).unwrap_or("");
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !WINDOWS_FORBIDDEN
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name));
    if !safe {
        bad.push(format!("unsafe plugin name {name:?}"));
    }
    if name != file_name {
        bad.push(format!("name {name:?} is not the file name {file_name:?}"));
    }
    if name != "catalog" {
        bad.push(format!("plugin name {name:?}, want catalog"));
    }
    let spec = m.get("spec").cloned().unwrap_or(Value::Null);
    match str_at(&spec, &["shortDescription"]) {
        None | Some("") => bad.push("no shortDescription".into()),
        Some(s) if s.contains(['\r', '\n']) => bad.push("shortDescription has a line break".into()),
        Some(s) if s.chars().count() > 70 => bad.push(format!("shortDescription over 70: {s}")),
        Some(_) => {}
    }
    match str_at(&spec, &["description"]) {
        None | Some("") => bad.push("no description".into()),
        Some(d) => bad.extend(
            long_lines(d, 80)
                .into_iter()
                .map(|l| format!("description line over 80: {l}")),
        ),
    }
    if let Some(c) = str_at(&spec, &["caveats"]) {
        bad.extend(
            long_lines(c, 80)
                .into_iter()
                .map(|l| format!("caveats line over 80: {l}")),
        );
    }
    if !str_at(&spec, &["homepage"]).is_some_and(|h| h.starts_with("https://")) {
        bad.push("homepage is not an https URL".into());
    }
    match str_at(&spec, &["version"]) {
        None | Some("") => bad.push("no version".into()),
        Some(v) => match v.strip_prefix('v') {
            None => bad.push(format!("version {v:?} has no v prefix")),
            Some(rest) => {
                if let Err(e) = fbc_core::semver::parse_version(rest) {
                    bad.push(format!("version {v:?} is not semver: {e}"));
                }
            }
        },
    }
    let platforms = spec
        .get("platforms")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if platforms.is_empty() {
        bad.push("no platforms".into());
    }
    for (i, p) in platforms.iter().enumerate() {
        let uri = str_at(p, &["uri"]).unwrap_or("");
        if !uri.starts_with("https://") || !(uri.ends_with(".tar.gz") || uri.ends_with(".zip")) {
            bad.push(format!(
                "platforms[{i}].uri {uri:?}: want https and .tar.gz or .zip"
            ));
        }
        let sha = str_at(p, &["sha256"]).unwrap_or("");
        if sha.len() != 64
            || !sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            bad.push(format!(
                "platforms[{i}].sha256 {sha:?} is not 64 lowercase hex digits"
            ));
        }
        let bin = str_at(p, &["bin"]).unwrap_or("");
        if bin != "kubectl-catalog" {
            bad.push(format!("platforms[{i}].bin {bin:?}, want kubectl-catalog"));
        }
        let files = p.get("files").and_then(Value::as_array);
        match files {
            Some(f) if f.is_empty() => bad.push(format!("platforms[{i}].files empty")),
            Some(f) => {
                for op in f {
                    if str_at(op, &["from"]).unwrap_or("").is_empty()
                        || str_at(op, &["to"]).unwrap_or("").is_empty()
                    {
                        bad.push(format!("platforms[{i}].files: {op} needs from and to"));
                    }
                }
                let from: BTreeSet<&str> =
                    f.iter().filter_map(|op| str_at(op, &["from"])).collect();
                if !from.contains("LICENSE") {
                    bad.push(format!("platforms[{i}].files has no LICENSE"));
                }
                if !from.contains(bin) {
                    bad.push(format!(
                        "platforms[{i}].files does not install the bin {bin}"
                    ));
                }
            }
            None => bad.push(format!(
                "platforms[{i}] has no files (this plugin lists LICENSE and the bin)"
            )),
        }
        let sel = p.get("selector").cloned().unwrap_or(Value::Null);
        let labels = sel.get("matchLabels").and_then(Value::as_object);
        let exprs = sel.get("matchExpressions").and_then(Value::as_array);
        if sel.is_null() || (labels.is_none() && exprs.is_none_or(|e| e.is_empty())) {
            bad.push(format!("platforms[{i}] has no selector"));
            continue;
        }
        if labels.is_some_and(|l| l.is_empty()) || exprs.is_some_and(|e| e.is_empty()) {
            bad.push(format!(
                "platforms[{i}]: matchLabels or matchExpressions given but empty"
            ));
        }
        let keys = labels
            .into_iter()
            .flat_map(|l| l.keys().map(String::as_str))
            .chain(
                exprs
                    .into_iter()
                    .flatten()
                    .filter_map(|e| str_at(e, &["key"])),
            );
        for k in keys {
            if k != "os" && k != "arch" {
                bad.push(format!(
                    "platforms[{i}] selector key {k:?} (only os and arch)"
                ));
            }
        }
        if !SUPPORTED.iter().any(|(os, arch)| selects(&sel, os, arch)) {
            bad.push(format!(
                "platforms[{i}] selector matches no supported os/arch"
            ));
        }
    }
    for (os, arch) in SUPPORTED {
        let n = platforms
            .iter()
            .filter(|p| {
                p.get("selector")
                    .is_some_and(|s| !s.is_null() && selects(s, os, arch))
            })
            .count();
        if n > 1 {
            bad.push(format!("{n} platforms select {os}/{arch}"));
        }
    }
    for (i, p) in platforms.iter().enumerate() {
        let sel = p.get("selector").cloned().unwrap_or(Value::Null);
        if !sel.is_null() && !SHIPPED.iter().any(|(_, os, arch)| selects(&sel, os, arch)) {
            bad.push(format!(
                "platforms[{i}] is none of the shipped linux/darwin amd64/arm64"
            ));
        }
    }
    bad
}

/// The shipped platforms a manifest has no platform for.
fn missing_platforms(text: &str) -> Vec<String> {
    let m = &fbc_core::parse::documents_to_json(text).unwrap()[0];
    let platforms = m["spec"]["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    SHIPPED
        .iter()
        .filter(|(_, os, arch)| {
            !platforms.iter().any(|p| {
                p.get("selector")
                    .is_some_and(|s| !s.is_null() && selects(s, os, arch))
            })
        })
        .map(|(_, os, arch)| format!("{os}/{arch}"))
        .collect()
}

fn workspace_version() -> String {
    let toml = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let section = toml.split("[workspace.package]").nth(1).unwrap();
    let line = section.lines().find(|l| l.starts_with("version")).unwrap();
    line.split('"').nth(1).unwrap().to_string()
}

#[test]
fn committed_manifest_follows_the_krew_index_rules() {
    let text = std::fs::read_to_string(repo().join("krew-manifest.yaml")).unwrap();
    // krew-index holds it as plugins/catalog.yaml
    let bad = krew_rule_violations("catalog", &text);
    assert!(bad.is_empty(), "krew-manifest.yaml: {bad:#?}");
    let version = format!("v{}", workspace_version());
    assert!(
        text.contains(&format!("version: {version}\n")),
        "manifest is not for {version}: regenerate it with scripts/release.sh"
    );
    let m = &fbc_core::parse::documents_to_json(&text).unwrap()[0];
    for p in m["spec"]["platforms"].as_array().unwrap() {
        let uri = p["uri"].as_str().unwrap();
        assert!(
            uri.contains(&format!("/{version}/")) && uri.contains(&format!("-{version}-")),
            "{uri}"
        );
    }
}

#[test]
fn the_rule_checker_catches_what_krew_index_rejects() {
    let good = std::fs::read_to_string(repo().join("krew-manifest.yaml")).unwrap();
    assert_eq!(krew_rule_violations("catalog", &good), Vec::<String>::new());
    let sha = good
        .lines()
        .find_map(|l| l.trim().strip_prefix("sha256: "))
        .unwrap()
        .to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        ("file name", good.clone(), "is not the file name"),
        (
            "uppercase sha256",
            good.replacen(&sha, &sha.to_uppercase(), 1),
            "lowercase hex",
        ),
        (
            "short sha256",
            good.replacen(&sha, &sha[1..], 1),
            "lowercase hex",
        ),
        (
            "no v prefix",
            good.replacen("version: v", "version: ", 1),
            "no v prefix",
        ),
        (
            "not semver",
            good.replacen("version: v", "version: v1.", 1),
            "not semver",
        ),
        (
            "plain http",
            good.replacen("uri: https://", "uri: http://", 1),
            "want https",
        ),
        (
            "not an archive",
            good.replacen(".tar.gz\n", ".tar.xz\n", 1),
            "want https",
        ),
        (
            "no LICENSE",
            good.replacen("from: LICENSE", "from: README.md", 1),
            "no LICENSE",
        ),
        (
            "wrong bin",
            good.replacen("bin: kubectl-catalog", "bin: oc-catalog", 1),
            "want kubectl-catalog",
        ),
        (
            "duplicated platform",
            good.replacen("arch: arm64", "arch: amd64", 1),
            "platforms select linux/amd64",
        ),
        (
            "unsupported platform",
            good.replacen("os: linux", "os: plan9", 1),
            "matches no supported",
        ),
        (
            "other selector key",
            good.replacen("os: linux", "distro: linux", 1),
            "only os and arch",
        ),
        (
            "two-line short description",
            good.replacen("shortDescription: ", "shortDescription: |\n    a\n    ", 1),
            "line break",
        ),
        (
            "kind",
            good.replacen("kind: Plugin", "kind: Plugins", 1),
            "kind",
        ),
    ];
    for (what, text, want) in cases {
        let file = if what == "file name" {
            "krew-manifest"
        } else {
            "catalog"
        };
        let bad = krew_rule_violations(file, &text);
        assert!(
            bad.iter().any(|b| b.contains(want)),
            "{what}: want {want:?} in {bad:#?}"
        );
    }
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn host_target() -> Option<&'static str> {
    let out = Command::new("rustc").arg("-vV").output().ok()?;
    let host = String::from_utf8(out.stdout).ok()?;
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))?
        .to_string();
    SHIPPED.iter().map(|(t, _, _)| *t).find(|t| *t == host)
}

fn sha256_file(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

/// (name, mode, bytes) of every entry of a .tar.gz.
fn entries(archive: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap());
    let mut ar = tar::Archive::new(gz);
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mode = e.header().mode().unwrap();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        out.push((name, mode, bytes));
    }
    out
}

/// A stand-in archive for a platform this machine cannot build (what a CI
/// job on that platform would hand over).
fn stand_in_archive(dir: &Path, target: &str) -> PathBuf {
    let stage = dir.join(format!("stage-{target}"));
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        stage.join("kubectl-catalog"),
        format!("#!/bin/sh\necho {target}\n"),
    )
    .unwrap();
    std::fs::copy(repo().join("LICENSE"), stage.join("LICENSE")).unwrap();
    let path = dir.join(format!("{target}.tar.gz"));
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    b.append_dir_all(".", &stage).unwrap();
    b.into_inner().unwrap().finish().unwrap();
    path
}

struct Release {
    out: PathBuf,
    host: &'static str,
}

/// Run scripts/release.sh in `dir` on the test build of the binary (no
/// release build) with stand-in archives for the other platforms.
fn run_release(dir: &Path) -> Option<Release> {
    let Some(host) = host_target() else {
        eprintln!("skipped: the host is none of the four shipped targets");
        return None;
    };
    if !have("tar", "--version") || !have("sha256sum", "--version") || !have("bash", "--version") {
        eprintln!("skipped: scripts/release.sh needs bash, GNU tar and sha256sum");
        return None;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let out = dir.join("dist");
    let mut cmd = Command::new(repo().join("scripts/release.sh"));
    cmd.arg("--binary")
        .arg(packed_binary())
        .arg("--out")
        .arg(&out);
    for (t, _, _) in SHIPPED.iter().filter(|(t, _, _)| *t != host) {
        cmd.arg("--archive")
            .arg(format!("{t}={}", stand_in_archive(dir, t).display()));
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "release.sh failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(Release { out, host })
}

/// The binary the tests pack: the test build without its debug info when
/// `strip` is there (a quarter of the size: packing it is that much faster).
fn packed_binary() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-bin");
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("oc-catalog");
        std::fs::copy(bin(), &copy).unwrap();
        let stripped = Command::new("strip")
            .arg("--strip-debug")
            .arg(&copy)
            .status()
            .is_ok_and(|s| s.success());
        if stripped { copy } else { PathBuf::from(bin()) }
    })
}

/// One release run shared by the tests (packing the debug binary takes a while).
fn release() -> Option<&'static Release> {
    static RELEASE: std::sync::OnceLock<Option<Release>> = std::sync::OnceLock::new();
    RELEASE
        .get_or_init(|| run_release(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-release")))
        .as_ref()
}

#[test]
fn release_script_packs_the_archive_and_fills_in_the_manifest() {
    let Some(r) = release() else { return };
    let version = format!("v{}", workspace_version());
    let text = std::fs::read_to_string(r.out.join("krew-manifest.yaml")).unwrap();
    let bad = krew_rule_violations("catalog", &text);
    assert!(bad.is_empty(), "generated manifest: {bad:#?}");
    let committed = std::fs::read_to_string(repo().join("krew-manifest.yaml")).unwrap();
    assert_eq!(missing_platforms(&text), Vec::<String>::new());
    // The committed manifest is what the script writes (besides sha256),
    // perhaps with platforms left out (--skip).
    let blocks = |t: &str| {
        let t: Vec<&str> = t
            .lines()
            .filter(|l| !l.trim_start().starts_with("sha256:"))
            .collect();
        let t = t.join("\n");
        t.split("\n  - selector:")
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (ours, theirs) = (blocks(&committed), blocks(&text));
    assert_eq!(
        ours[0], theirs[0],
        "krew-manifest.yaml differs from what scripts/release.sh writes: regenerate it"
    );
    for b in &ours[1..] {
        assert!(
            theirs[1..].contains(b),
            "krew-manifest.yaml platform differs from what scripts/release.sh writes: regenerate it\n{b}"
        );
    }

    // every platform's sha256 is the sha256 of its archive
    let m = &fbc_core::parse::documents_to_json(&text).unwrap()[0];
    for p in m["spec"]["platforms"].as_array().unwrap() {
        let uri = p["uri"].as_str().unwrap();
        let file = r.out.join(uri.rsplit('/').next().unwrap());
        assert_eq!(p["sha256"].as_str().unwrap(), sha256_file(&file), "{uri}");
    }

    // the host archive: the binary as kubectl-catalog, the completion helper, LICENSE
    let host_archive = r
        .out
        .join(format!("oc-catalog-{version}-{}.tar.gz", r.host));
    let e = entries(&host_archive);
    let names: Vec<&str> = e.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["LICENSE", "kubectl-catalog", "kubectl_complete-catalog"]
    );
    let binary = std::fs::read(packed_binary()).unwrap();
    for (name, mode, bytes) in &e {
        match name.as_str() {
            "kubectl-catalog" => {
                assert_eq!(mode & 0o777, 0o755);
                assert!(bytes == &binary, "kubectl-catalog is not the binary");
            }
            "kubectl_complete-catalog" => assert_eq!(mode & 0o777, 0o755),
            "LICENSE" => {
                let license = std::fs::read(repo().join("LICENSE")).unwrap();
                assert!(bytes == &license);
                assert!(String::from_utf8_lossy(bytes).contains("Apache License"));
            }
            _ => unreachable!(),
        }
    }

    // reproducible: packing again gives the same bytes
    let first = sha256_file(&host_archive);
    let again =
        run_release(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-release-again")).unwrap();
    assert_eq!(
        first,
        sha256_file(
            &again
                .out
                .join(format!("oc-catalog-{version}-{}.tar.gz", again.host))
        )
    );
}

#[test]
fn release_script_refuses_a_platform_it_cannot_build() {
    if host_target().is_none() || !have("tar", "--version") || !have("sha256sum", "--version") {
        eprintln!("skipped: needs a shipped host target, GNU tar and sha256sum");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let o = Command::new(repo().join("scripts/release.sh"))
        .args(["--binary", bin(), "--out"])
        .arg(&out)
        .env("PATH", std::env::var("PATH").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no archive for") && err.contains("--archive"),
        "{err}"
    );
    assert!(
        !out.join("krew-manifest.yaml").exists(),
        "a manifest was written anyway"
    );

    // --skip leaves a platform out of the manifest, and says so
    let host = host_target().unwrap();
    let mut cmd = Command::new(repo().join("scripts/release.sh"));
    cmd.arg("--binary")
        .arg(packed_binary())
        .arg("--out")
        .arg(&out);
    for (t, _, _) in SHIPPED.iter().filter(|(t, _, _)| *t != host) {
        cmd.args(["--skip", t]);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("skipped") && err.contains("krew will not offer the plugin there"),
        "{err}"
    );
    let text = std::fs::read_to_string(out.join("krew-manifest.yaml")).unwrap();
    assert_eq!(krew_rule_violations("catalog", &text), Vec::<String>::new());
    assert_eq!(missing_platforms(&text).len(), SHIPPED.len() - 1);

    // and a given archive must hold the binary and LICENSE
    let bogus = dir.path().join("bogus.tar.gz");
    std::fs::write(&bogus, b"not an archive").unwrap();
    let o = Command::new(repo().join("scripts/release.sh"))
        .args(["--binary", bin(), "--out"])
        .arg(&out)
        .arg("--archive")
        .arg(format!("aarch64-apple-darwin={}", bogus.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("aarch64-apple-darwin") && err.contains("not a tar.gz"),
        "{err}"
    );
}

/// Install the host archive as krew does (extract; the bin and the
/// completion helper on PATH), returning the PATH to use.
fn krew_install(r: &Release, root: &Path) -> String {
    let version = format!("v{}", workspace_version());
    let store = root.join("store/catalog").join(&version);
    let bin_dir = root.join("bin");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(&bin_dir).unwrap();
    let gz = flate2::read::GzDecoder::new(
        std::fs::File::open(
            r.out
                .join(format!("oc-catalog-{version}-{}.tar.gz", r.host)),
        )
        .unwrap(),
    );
    tar::Archive::new(gz).unpack(&store).unwrap();
    for f in ["kubectl-catalog", "kubectl_complete-catalog"] {
        std::os::unix::fs::symlink(store.join(f), bin_dir.join(f)).unwrap();
    }
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// kubectl's client minor version, if kubectl is on PATH.
fn kubectl_minor() -> Option<u32> {
    let o = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&o.stdout).ok()?;
    v["clientVersion"]["minor"]
        .as_str()?
        .trim_end_matches('+')
        .parse()
        .ok()
}

#[test]
fn installed_archive_runs_as_kubectl_catalog() {
    let Some(minor) = kubectl_minor() else {
        eprintln!(
            "skipped: no kubectl on PATH (scripts/test.sh installs Debian's kubernetes-client when it can)"
        );
        return;
    };
    let Some(r) = release() else { return };
    let root = tempfile::tempdir().unwrap();
    let path = krew_install(r, root.path());
    let run = |tool: &str, args: &[&str]| {
        let o = Command::new(tool)
            .args(args)
            .env("PATH", &path)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, err) = run("kubectl", &["catalog", "--help"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Usage: kubectl catalog"), "{out}");
    let (code, out, err) = run(
        "kubectl",
        &[
            "catalog",
            "validate",
            &repo().join("examples/catalog").to_string_lossy(),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (_, out, _) = run("kubectl", &["plugin", "list"]);
    assert!(out.contains("kubectl-catalog"), "{out}");

    if minor >= 26 {
        // kubectl runs kubectl_complete-catalog for `kubectl catalog <TAB>`
        let (code, out, err) = run("kubectl", &["__complete", "catalog", "va"]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            out.lines().next().map(|l| l.split('\t').next().unwrap()),
            Some("validate"),
            "{out}"
        );
        let (_, out, _) = run(
            "kubectl",
            &["__complete", "catalog", "validate", "--output", "sa"],
        );
        assert!(out.starts_with("sarif"), "{out}");
    } else {
        eprintln!("skipped plugin completion: kubectl 1.{minor} predates it (1.26)");
    }

    if have("oc", "version") {
        let (code, out, err) = run("oc", &["catalog", "--help"]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.contains("Usage: kubectl catalog") || out.contains("Usage: oc catalog"),
            "{out}"
        );
    } else {
        eprintln!("skipped: no oc on PATH (not packaged for Debian)");
    }
}

fn run_bin(args: &[&str]) -> (i32, String) {
    let (code, out, err) = run_in(&repo(), args);
    (code, out + &err)
}

#[test]
fn completion_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out) = run_bin(&["completion", shell]);
        assert_eq!(code, 0, "{shell}: {out}");
        assert!(
            out.contains("oc-catalog") && out.contains("validate") && out.contains("strict"),
            "{shell}: {out}"
        );
    }
    // syntax-check the scripts with the shells that are installed
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        if !have(shell, "--version") {
            eprintln!("{shell} not installed: its script is not syntax-checked");
            continue;
        }
        let file = dir.path().join(format!("completion.{shell}"));
        std::fs::write(&file, run_bin(&["completion", shell]).1).unwrap();
        let o = Command::new(shell).arg(check).arg(&file).output().unwrap();
        assert!(
            o.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (code, out) = run_bin(&["completion", "tcsh"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("invalid value 'tcsh'"), "{out}");
    // Under the name kubectl runs, the scripts complete kubectl-catalog.
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("kubectl-catalog");
    std::os::unix::fs::symlink(bin(), &k).unwrap();
    let o = Command::new(&k)
        .args(["completion", "bash"])
        .output()
        .unwrap();
    let script = String::from_utf8(o.stdout).unwrap();
    assert!(
        script.contains("complete -F _kubectl__catalog") && script.contains("kubectl-catalog"),
        "{script}"
    );
}

#[test]
fn bash_completion_script_completes_subcommands_in_bash() {
    if !have("bash", "--version") {
        eprintln!("skipped: no bash");
        return;
    }
    let (_, script) = run_bin(&["completion", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oc-catalog.bash");
    std::fs::write(&file, script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(oc-catalog va); COMP_CWORD=1; COMP_LINE='oc-catalog va'; COMP_POINT=13; \
         _oc__catalog oc-catalog va oc-catalog; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let o = Command::new("bash").args(["-c", &probe]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.trim(),
        "validate",
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn kubectl_plugin_completion_protocol() {
    // hidden mode: the words after `catalog`, the last one partial
    let (code, out) = run_bin(&["__complete", "va"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("validate\t") && out.ends_with("\n:4\n"),
        "{out}"
    );
    let (_, out) = run_bin(&["__complete", "validate", "-o", ""]);
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(names, ["text", "json", "sarif", "github", ":4"]);
    // a path: no candidates, directive 0 lets the shell complete file names
    let (_, out) = run_bin(&["__complete", "validate", "exam"]);
    assert_eq!(out, ":0\n");

    // the binary under the name kubectl looks for, and the shipped helper script
    let d = tempfile::tempdir().unwrap();
    let helper = d.path().join("kubectl_complete-catalog");
    std::os::unix::fs::symlink(bin(), &helper).unwrap();
    let o = Command::new(&helper).args(["gen"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("generate\t"));
    std::os::unix::fs::symlink(bin(), d.path().join("kubectl-catalog")).unwrap();
    let o = Command::new(repo().join("plugin/completion/kubectl_complete-catalog"))
        .args(["build", "--pu"])
        .env("PATH", format!("{}:/usr/bin:/bin", d.path().display()))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .map(|l| l.split('\t').next().unwrap()),
        Some("--push")
    );
}
