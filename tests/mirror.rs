//! `mirror` against real registries (Debian's docker-registry on loopback):
//! the test generates its own images (several repositories, tags sharing a
//! layer, a multi-arch index, a Docker schema 2 image, a digest-only copy),
//! pushes them with skopeo, mirrors them, and checks with `skopeo inspect
//! --raw` that every manifest at the destination is byte-identical to the
//! source. Faults: a registry killed mid-run then restarted, a blob corrupted
//! by a proxy, a 429 burst, our own process killed with SIGKILL mid-run.

#[path = "common/crds.rs"]
mod crds;
#[path = "registry/harness.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn sha(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// Deterministic incompressible bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// An OCI layout we fill with images, then push with skopeo.
struct Gen {
    dir: PathBuf,
    entries: Vec<Value>,
}

impl Gen {
    fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Gen {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
        }
    }
    fn blob(&self, data: &[u8]) -> Value {
        let d = sha(data);
        std::fs::write(self.dir.join("blobs/sha256").join(&d[7..]), data).unwrap();
        json!({"digest": d, "size": data.len()})
    }
    /// An image manifest over `layers` (each a blob descriptor).
    fn image(&self, layers: &[Value], arch: &str, label: &str) -> Value {
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| l["digest"].as_str().unwrap().to_string())
            .collect();
        let config = json!({
            "architecture": arch, "os": "linux",
            "config": {"Labels": {"test": label}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        let mut c = self.blob(serde_json::to_vec(&config).unwrap().as_slice());
        c["mediaType"] = json!("application/vnd.oci.image.config.v1+json");
        let layers: Vec<Value> = layers
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l["mediaType"] = json!("application/vnd.oci.image.layer.v1.tar+gzip");
                l
            })
            .collect();
        let m = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": c, "layers": layers});
        let mut d = self.blob(serde_json::to_vec(&m).unwrap().as_slice());
        d["mediaType"] = json!("application/vnd.oci.image.manifest.v1+json");
        d["platform"] = json!({"os": "linux", "architecture": arch});
        d
    }
    fn index(&self, children: &[Value]) -> Value {
        let m = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": children});
        let mut d = self.blob(serde_json::to_vec(&m).unwrap().as_slice());
        d["mediaType"] = json!("application/vnd.oci.image.index.v1+json");
        d
    }
    fn tag(&mut self, name: &str, desc: &Value) {
        let mut e = desc.clone();
        e.as_object_mut().unwrap().remove("platform");
        e["annotations"] = json!({"org.opencontainers.image.ref.name": name});
        self.entries.push(e);
        std::fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": self.entries})).unwrap(),
        )
        .unwrap();
    }
    /// skopeo copy oci:DIR:NAME docker://host/REPO:TAG (extra flags).
    fn push(&self, name: &str, target: &str, extra: &[&str]) {
        let src = format!("oci:{}:{name}", self.dir.display());
        let dst = format!("docker://{target}");
        let mut args = vec!["copy", "-q", "--all", "--dest-tls-verify=false"];
        args.extend_from_slice(extra);
        args.push(&src);
        args.push(&dst);
        skopeo(&args);
    }
}

/// The images of the tests in `src`; the mapping lines (source side) and the
/// number of unique blobs.
struct Set {
    /// (source reference, destination path with tag or nothing)
    lines: Vec<(String, String)>,
    unique_blobs: usize,
}

/// Generate and push: ns/base:v1 and v2 (sharing a layer), ns/app:1.0 (as
/// Docker schema 2), ns/multi:v1 (an amd64 + arm64 index sharing a layer),
/// ns/bundle:1.0, and ns/base by digest only. `big` = bytes of each unique layer.
fn populate(dir: &Path, src: &str, big: usize) -> Set {
    let mut g = Gen::new(&dir.join("gen"));
    let shared = g.blob(&noise(1, 300_000));
    let mut blobs = BTreeSet::new();
    let mut add = |m: &Value| {
        blobs.insert(m["digest"].as_str().unwrap().to_string());
    };
    add(&shared);
    let mut lines = Vec::new();
    for (i, tag) in ["v1", "v2"].iter().enumerate() {
        let u = g.blob(&noise(10 + i as u64, big));
        add(&u);
        let img = g.image(&[shared.clone(), u], "amd64", tag);
        g.tag(&format!("base-{tag}"), &img);
        g.push(&format!("base-{tag}"), &format!("{src}/ns/base:{tag}"), &[]);
        lines.push((format!("{src}/ns/base:{tag}"), format!("ns/base:{tag}")));
    }
    let u = g.blob(&noise(20, big));
    add(&u);
    let img = g.image(&[shared.clone(), u], "amd64", "app");
    g.tag("app", &img);
    g.push("app", &format!("{src}/ns/app:1.0"), &["--format", "v2s2"]);
    lines.push((format!("{src}/ns/app:1.0"), "ns/app:1.0".into()));
    let (u1, u2) = (g.blob(&noise(30, big)), g.blob(&noise(31, big)));
    add(&u1);
    add(&u2);
    let a = g.image(&[shared.clone(), u1], "amd64", "multi");
    let b = g.image(&[shared.clone(), u2], "arm64", "multi");
    let idx = g.index(&[a, b]);
    g.tag("multi", &idx);
    g.push("multi", &format!("{src}/ns/multi:v1"), &[]);
    lines.push((format!("{src}/ns/multi:v1"), "ns/multi:v1".into()));
    let u = g.blob(&noise(40, 50_000));
    add(&u);
    let img = g.image(&[u], "amd64", "bundle");
    g.tag("bundle", &img);
    g.push("bundle", &format!("{src}/ns/bundle:1.0"), &[]);
    lines.push((format!("{src}/ns/bundle:1.0"), "ns/bundle:1.0".into()));
    // The same base image again, by digest only, into another repository.
    let d = raw_digest(&format!("{src}/ns/base:v1"));
    lines.push((format!("{src}/ns/base@{d}"), "pinned/base".into()));
    // Unique blobs: layers above plus one config per image manifest at the source.
    let mut configs = BTreeSet::new();
    for r in ["ns/base:v1", "ns/base:v2", "ns/app:1.0", "ns/bundle:1.0"] {
        let m: Value = serde_json::from_str(&raw(&format!("{src}/{r}"))).unwrap();
        configs.insert(m["config"]["digest"].as_str().unwrap().to_string());
    }
    let idx: Value = serde_json::from_str(&raw(&format!("{src}/ns/multi:v1"))).unwrap();
    for c in idx["manifests"].as_array().unwrap() {
        let m: Value = serde_json::from_str(&raw(&format!(
            "{src}/ns/multi@{}",
            c["digest"].as_str().unwrap()
        )))
        .unwrap();
        configs.insert(m["config"]["digest"].as_str().unwrap().to_string());
    }
    Set {
        lines,
        unique_blobs: blobs.len() + configs.len(),
    }
}

fn raw(r: &str) -> String {
    skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{r}"),
    ])
}

fn raw_digest(r: &str) -> String {
    sha(raw(r).as_bytes())
}

/// A mapping file to `dst`.
fn mapping(path: &Path, set: &Set, dst: &str) {
    let text: String = set
        .lines
        .iter()
        .map(|(s, t)| format!("{s}={dst}/{t}\n"))
        .collect();
    std::fs::write(path, format!("# test images\n{text}")).unwrap();
}

/// Every target's manifest (and every child of an index) is byte-identical to its source.
fn assert_identical(set: &Set, dst: &str) {
    for (s, t) in &set.lines {
        let target = if t.contains(':') {
            format!("{dst}/{t}")
        } else {
            format!("{dst}/{t}@{}", s.rsplit_once('@').unwrap().1)
        };
        let a = raw(s);
        let b = raw(&target);
        assert_eq!(sha(a.as_bytes()), sha(b.as_bytes()), "{s} vs {target}");
        let v: Value = serde_json::from_str(&a).unwrap();
        for c in v["manifests"].as_array().into_iter().flatten() {
            let d = c["digest"].as_str().unwrap();
            let repo = target.split(['@']).next().unwrap();
            let repo = repo
                .rsplit_once(':')
                .filter(|(_, t)| !t.contains('/'))
                .map_or(repo, |(r, _)| r);
            assert_eq!(raw_digest(&format!("{repo}@{d}")), d);
        }
    }
}

fn mirror(home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["mirror", "--tls-verify=false", "--progress=plain"];
    all.extend_from_slice(args);
    run(home, &all)
}

fn line_with<'a>(out: &'a str, start: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line {start:?} in:\n{out}"))
}

#[test]
fn m2m_mapping_is_digest_identical_and_a_rerun_sends_nothing() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let dst = start_plain(e.dir.path(), "dst");
    let set = populate(e.dir.path(), &e.plain.host, 200_000);
    let map = e.path("mapping.txt");
    mapping(&map, &set, &dst.host);
    let work = e.path("work");
    let work_s = work.to_str().unwrap();

    // Dry run on the empty destination: sizes, nothing copied.
    let (code, out, err) = mirror(
        &home,
        &[
            "--mapping",
            map.to_str().unwrap(),
            "--dry-run",
            "--workdir",
            work_s,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 6 (8 manifests), 0 already at the destination, 0 unreadable"
    );
    assert!(
        line_with(&out, "blobs:").starts_with(&format!("blobs: {} unique,", set.unique_blobs)),
        "{out}"
    );
    assert!(
        out.contains("already at the destination: 0 blobs, 0 B"),
        "{out}"
    );
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("dry-run/plan.json")).unwrap())
            .unwrap();
    assert_eq!(plan["totals"]["blobs"], set.unique_blobs);
    assert_eq!(plan["totals"]["bytesPresent"], 0);
    let mapping_out = std::fs::read_to_string(work.join("dry-run/mapping.txt")).unwrap();
    assert_eq!(mapping_out.lines().count(), 6, "{mapping_out}");
    assert!(
        mapping_out.contains(&format!(
            "{}/ns/multi:v1={}/ns/multi:v1",
            e.plain.host, dst.host
        )),
        "{mapping_out}"
    );
    let cat = reqwest_free_get(&format!("http://{}/v2/_catalog", dst.host));
    assert!(
        cat.contains(r#""repositories":[]"#),
        "dry run copied something: {cat}"
    );

    // The copy.
    let (code, out, err) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 6 copied, 0 already present, 0 failed (6 in all)"
    );
    // Each unique blob sent once; the shared ones mounted into the other repositories.
    assert!(
        line_with(&out, "blobs:").starts_with(&format!("blobs: {} sent", set.unique_blobs)),
        "{out}"
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("] copied ")).count(),
        6,
        "{err}"
    );
    assert_identical(&set, &dst.host);

    // A rerun finds everything there and sends no blob byte.
    let (code, out, err) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 0 copied, 6 already present, 0 failed (6 in all)"
    );
    assert_eq!(
        line_with(&out, "blobs:"),
        "blobs: 0 sent (0 B), 0 mounted, 0 already present"
    );
    // And the dry run now has nothing to send.
    let (code, out, _) = mirror(
        &home,
        &[
            "--mapping",
            map.to_str().unwrap(),
            "--dry-run",
            "--workdir",
            work_s,
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("6 already at the destination"), "{out}");
    assert!(out.contains("to transfer: 0 blobs, 0 B"), "{out}");
    assert!(!work.read_dir().unwrap().any(|f| {
        f.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("retry-")
    }));
}

/// GET a URL with a raw HTTP/1.0 request (no client library in the checker).
fn reqwest_free_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn layouts_registry_to_oci_and_back_stay_identical() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let set = populate(e.dir.path(), &e.plain.host, 100_000);
    let map = e.path("mapping.txt");
    // Sources only: targets are named after the source path.
    let text: String = set
        .lines
        .iter()
        .map(|(s, t)| format!("{s}={}/{t}\n", "mirror.example.com"))
        .collect();
    std::fs::write(&map, text).unwrap();
    let layout = e.path("layout");
    let oci = format!("oci:{}", layout.display());
    let (code, out, err) = mirror(&home, &["--mapping", map.to_str().unwrap(), &oci]);
    assert_eq!(code, 0, "{out}{err}");
    // skopeo reads the layout; the manifests are the source's bytes. (skopeo
    // only looks up OCI media types in a layout: the Docker schema 2 image is
    // checked through index.json.)
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    for (s, t) in &set.lines {
        let name = if t.contains(':') {
            t.clone()
        } else {
            format!("{t}@{}", s.rsplit_once('@').unwrap().1)
        };
        let entry = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} not in {index}"));
        let d = entry["digest"].as_str().unwrap();
        assert_eq!(d, raw_digest(s), "{t}");
        let blob = std::fs::read(layout.join("blobs/sha256").join(&d[7..])).unwrap();
        assert_eq!(sha(&blob), d);
        if t.contains(':') && !t.starts_with("ns/app") {
            let b = skopeo(&["inspect", "--raw", &format!("{oci}:{t}")]);
            assert_eq!(sha(b.as_bytes()), d, "{t}");
        }
    }
    // Layout to another registry, under a namespace.
    let dst = start_plain(e.dir.path(), "dst");
    let (code, out, err) = mirror(
        &home,
        &["--from", &oci, &format!("docker://{}/copy", dst.host)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 6 copied, 0 already present, 0 failed (6 in all)"
    );
    assert_identical(&set, &format!("{}/copy", dst.host));
    // A blob corrupted on its way into a layout is caught by the hash.
    let proxy = corrupting_proxy(&e.plain.host);
    let bad = e.path("bad.txt");
    std::fs::write(&bad, format!("{proxy}/ns/bundle:1.0=x.io/ns/bundle:1.0\n")).unwrap();
    let (code, _, err) = mirror(
        &home,
        &[
            "--mapping",
            bad.to_str().unwrap(),
            "--retry-times=0",
            "--workdir",
            e.path("w").to_str().unwrap(),
            &format!("oci:{}", e.path("bad-layout").display()),
        ],
    );
    assert_eq!(code, 16 | 4, "{err}");
    assert!(err.contains("corrupted content"), "{err}");
}

#[test]
fn faults_corrupt_blob_429_burst_and_bad_mapping() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let set = populate(e.dir.path(), &e.plain.host, 50_000);
    let work = e.path("work");
    let work_s = work.to_str().unwrap();

    // Corrupted blobs from the source: rejected by the destination's digest check,
    // reported per image, listed in the retry file with the reason.
    let dst = start_plain(e.dir.path(), "dst");
    let proxy = corrupting_proxy(&e.plain.host);
    let map = e.path("corrupt.txt");
    std::fs::write(
        &map,
        format!(
            "{proxy}/ns/base:v1={}/ns/base:v1\n{proxy}/ns/bundle:1.0={}/ns/bundle:1.0\n",
            dst.host, dst.host
        ),
    )
    .unwrap();
    let (code, out, err) = mirror(
        &home,
        &[
            "--mapping",
            map.to_str().unwrap(),
            "--workdir",
            work_s,
            "--retry-times=1",
            "--retry-delay=10ms",
        ],
    );
    assert_eq!(code, 16 | 4, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 0 copied, 0 already present, 2 failed (2 in all)"
    );
    assert!(
        err.contains("FAILED") && err.contains("corrupted content"),
        "{err}"
    );
    let retry: Vec<PathBuf> = std::fs::read_dir(&work)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("retry-")
        })
        .collect();
    assert_eq!(retry.len(), 1);
    let text = std::fs::read_to_string(&retry[0]).unwrap();
    assert!(text.contains("# corrupted content: "), "{text}");
    assert!(
        text.contains(&format!("{proxy}/ns/base:v1={}/ns/base:v1\n", dst.host)),
        "{text}"
    );
    assert!(
        err.contains(&format!("--retry {}", retry[0].display())),
        "{err}"
    );
    // The retry file is a mapping: retried against the real source (a fresh copy of it), it succeeds.
    let fixed = text.replace(&proxy, &e.plain.host);
    std::fs::write(&retry[0], fixed).unwrap();
    let (code, out, err) = mirror(
        &home,
        &["--retry", retry[0].to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 2 copied, 0 already present, 0 failed (2 in all)"
    );

    // A burst of 429s with Retry-After: waited out, then it succeeds.
    let dst2 = start_plain(e.dir.path(), "dst2");
    let slow = fault_proxy(&e.plain.host, Fault::TooManyRequests(3, 1));
    let map = e.path("429.txt");
    std::fs::write(
        &map,
        format!("{slow}/ns/multi:v1={}/ns/multi:v1\n", dst2.host),
    )
    .unwrap();
    let (code, out, err) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("retry 1/5 in 1.0s: ") && err.contains("toomanyrequests: slow down"),
        "{err}"
    );
    assert_eq!(
        raw_digest(&format!("{}/ns/multi:v1", dst2.host)),
        raw_digest(&set.lines[3].0)
    );

    // A mapping error names file and line; nothing is copied.
    let bad = e.path("bad.txt");
    std::fs::write(
        &bad,
        format!(
            "{}/ns/base:v1={}/x:v1\nno way here\n",
            e.plain.host, dst2.host
        ),
    )
    .unwrap();
    let (code, _, err) = mirror(&home, &["--mapping", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.txt:2: "), "{err}");
    // A source that does not exist: "not found" (exit 16|1), the rest still copied.
    let map = e.path("missing.txt");
    std::fs::write(
        &map,
        format!(
            "{h}/ns/nothere:v1={d}/ns/nothere:v1\n{h}/ns/bundle:1.0={d}/ns/bundle:1.0\n",
            h = e.plain.host,
            d = dst2.host
        ),
    )
    .unwrap();
    let (code, out, err) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 16 | 1, "{out}{err}");
    assert_eq!(
        line_with(&out, "images:"),
        "images: 1 copied, 0 already present, 1 failed (2 in all)"
    );
    assert!(
        err.contains("manifest unknown") || err.contains("name unknown"),
        "{err}"
    );
}

/// Start a mirror run with piped stderr; return once `n` images are reported done.
fn start_and_wait(home: &Path, args: &[&str], n: usize) -> (std::process::Child, Vec<String>) {
    let mut all = vec!["mirror", "--tls-verify=false", "--progress=plain"];
    all.extend_from_slice(args);
    let mut child = Command::new(bin())
        .args(&all)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DOCKER_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut r = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut done = 0;
    while done < n {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap() == 0 {
            break;
        }
        if l.contains("] copied ") {
            done += 1;
        }
        lines.push(l);
    }
    // Keep draining in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in r.lines() {});
    (child, lines)
}

/// Many images of a few MB each, one repository per image.
fn many(dir: &Path, src: &str, n: usize, size: usize) -> Set {
    let mut g = Gen::new(&dir.join("gen-many"));
    let shared = g.blob(&noise(99, size));
    let mut lines = Vec::new();
    for i in 0..n {
        let u = g.blob(&noise(1000 + i as u64, size));
        let img = g.image(&[shared.clone(), u], "amd64", &format!("m{i}"));
        g.tag(&format!("m{i}"), &img);
        g.push(&format!("m{i}"), &format!("{src}/many/img{i}:v1"), &[]);
        lines.push((format!("{src}/many/img{i}:v1"), format!("many/img{i}:v1")));
    }
    Set {
        lines,
        unique_blobs: 1 + 2 * n,
    }
}

#[test]
fn interrupted_runs_resume_and_end_identical() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let set = many(e.dir.path(), &e.plain.host, 10, 3_000_000);
    let work = e.path("work");
    let work_s = work.to_str().unwrap();

    // Our process killed with SIGKILL after the first image: the rerun skips what
    // is complete (HEAD) and ends identical.
    let dst = start_plain(e.dir.path(), "dst");
    let map = e.path("m1.txt");
    mapping(&map, &set, &dst.host);
    let args = [
        "--mapping",
        map.to_str().unwrap(),
        "--workdir",
        work_s,
        "--parallel-images=1",
        "--parallel-layers=1",
    ];
    let (mut child, _) = start_and_wait(&home, &args, 1);
    child.kill().unwrap();
    let _ = child.wait();
    let (code, out, err) = mirror(&home, &args);
    assert_eq!(code, 0, "{out}{err}");
    let present: usize = line_with(&out, "images:")
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(present >= 1, "nothing was kept from the killed run:\n{out}");
    assert_identical(&set, &dst.host);

    // The destination registry killed mid-run: the images left fail (registry
    // unavailable, exit 16|8) into a retry file; restarted, the retry completes.
    let mut dst2 = start_plain(e.dir.path(), "dst2");
    let map = e.path("m2.txt");
    mapping(&map, &set, &dst2.host);
    let args = [
        "--mapping",
        map.to_str().unwrap(),
        "--workdir",
        work_s,
        "--parallel-images=1",
        "--parallel-layers=1",
        "--retry-times=1",
        "--retry-delay=10ms",
    ];
    let (mut child, _) = start_and_wait(&home, &args, 1);
    dst2.kill();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(16 | 8));
    dst2.restart();
    let retry = std::fs::read_dir(&work)
        .unwrap()
        .map(|f| f.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("retry-")
        })
        .expect("a retry file");
    let text = std::fs::read_to_string(&retry).unwrap();
    assert!(text.contains("# registry unavailable: "), "{text}");
    let (code, out, err) = mirror(
        &home,
        &["--retry", retry.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0, "{out}{err}");
    // Everything, rerun from the full mapping: all present, nothing sent.
    let (code, out, _) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--workdir", work_s],
    );
    assert_eq!(code, 0);
    assert_eq!(
        line_with(&out, "blobs:"),
        "blobs: 0 sent (0 B), 0 mounted, 0 already present"
    );
    assert_identical(&set, &dst2.host);
}

#[test]
fn m2d_then_d2m_through_archives_is_identical_and_incremental() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let set = populate(e.dir.path(), &e.plain.host, 100_000);
    let map = e.path("mapping.txt");
    mapping(&map, &set, "mirror.example.com");
    let dir = e.path("archive");
    let file = format!("file://{}", dir.display());
    let (code, out, err) = mirror(&home, &["--mapping", map.to_str().unwrap(), &file]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        line_with(&out, "archived 6 images as run ").contains("mirror_000001.tar"),
        "{out}"
    );
    assert!(dir.join("mirror_000001.tar").is_file());
    assert!(
        std::fs::read_to_string(dir.join("working-dir/mapping.txt"))
            .unwrap()
            .lines()
            .count()
            == 6
    );
    // A second run of the same set ships no blob again.
    let (code, out, err) = mirror(&home, &["--mapping", map.to_str().unwrap(), &file]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        line_with(&out, "archived 6 images").contains(": 0 blobs (0 B)"),
        "{out}"
    );
    // The other side of the gap: only the tars travel (the incremental run
    // needs the first; carry the full archive again with --full).
    let (code, out, err) = mirror(
        &home,
        &["--mapping", map.to_str().unwrap(), "--full", &file],
    );
    assert_eq!(code, 0, "{out}{err}");
    let far = e.path("far");
    std::fs::create_dir_all(&far).unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|x| x == "tar") {
            std::fs::copy(&p, far.join(p.file_name().unwrap())).unwrap();
        }
    }
    let dst = start_plain(e.dir.path(), "dst");
    let (code, out, err) = mirror(
        &home,
        &[
            "--from",
            &format!("file://{}", far.display()),
            &format!("docker://{}", dst.host),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("verified and added"),
        "{out}{err}"
    );
    assert_eq!(
        line_with(&out, "images:"),
        "images: 6 copied, 0 already present, 0 failed (6 in all)"
    );
    assert_identical(&set, &dst.host);
}

/// A source registry with the images of `populate`, and a catalog image
/// `cat/catalog:v1` with package foo (bundle ns/base, related ns/app and
/// ns/multi) and package bar (images that do not exist), plus an
/// ImageSetConfiguration keeping foo and the additional image ns/bundle:1.0.
struct IscFixture {
    e: Env,
    home: PathBuf,
    src: String,
    set: Set,
    isc: PathBuf,
    base_d: String,
    app_d: String,
    multi_d: String,
}

/// `mirror --from file://FAR ARGS…`: push an archive carried across the gap.
fn push_archive(home: &Path, far: &Path, args: &[&str]) -> (i32, String, String) {
    let from = format!("file://{}", far.display());
    let mut all = vec!["--from", from.as_str()];
    all.extend_from_slice(args);
    mirror(home, &all)
}

/// `mirror -c ISC --workdir WORK EXTRA… DEST`, which must succeed: its stdout and stderr.
fn mirror_isc(
    home: &Path,
    isc: &Path,
    work: &Path,
    extra: &[&str],
    dest: &str,
) -> (String, String) {
    let mut args = vec![
        "-c",
        isc.to_str().unwrap(),
        "--workdir",
        work.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(dest);
    let (code, out, err) = mirror(home, &args);
    assert_eq!(code, 0, "{out}{err}");
    (out, err)
}

/// Every image foo needs, and the additional image, byte-identical under `dst`.
fn fx_images_arrived(src: &str, set: &Set, base_d: &str, app_d: &str, multi_d: &str, dst: &str) {
    for (s, d) in [
        (
            format!("{src}/ns/base@{base_d}"),
            format!("{dst}/ns/base@{base_d}"),
        ),
        (
            format!("{src}/ns/app@{app_d}"),
            format!("{dst}/ns/app@{app_d}"),
        ),
        (
            format!("{src}/ns/multi@{multi_d}"),
            format!("{dst}/ns/multi@{multi_d}"),
        ),
        (set.lines[4].0.clone(), format!("{dst}/ns/bundle:1.0")),
    ] {
        assert_eq!(raw_digest(&s), raw_digest(&d), "{s} -> {d}");
    }
}

fn isc_fixture() -> IscFixture {
    let e = env(false);
    let home = e.path("home");
    let src = e.plain.host.clone();
    let set = populate(e.dir.path(), &src, 50_000);
    let base_d = raw_digest(&format!("{src}/ns/base:v1"));
    let app_d = raw_digest(&format!("{src}/ns/app:1.0"));
    let multi_d = raw_digest(&format!("{src}/ns/multi:v1"));
    // Package foo (kept) needs ns/base as its bundle and ns/app, ns/multi as
    // related images; package bar (filtered out) names images that do not exist.
    let cat = e.path("catalog");
    std::fs::create_dir_all(cat.join("foo")).unwrap();
    std::fs::create_dir_all(cat.join("bar")).unwrap();
    std::fs::write(
        cat.join("foo/catalog.yaml"),
        format!(
            "---\nschema: olm.package\nname: foo\ndefaultChannel: stable\n---\nschema: olm.channel\npackage: foo\nname: stable\nentries:\n- name: foo.v0.1.0\n---\nschema: olm.bundle\nname: foo.v0.1.0\npackage: foo\nimage: {src}/ns/base@{base_d}\nproperties:\n- type: olm.package\n  value:\n    packageName: foo\n    version: 0.1.0\nrelatedImages:\n- name: operand\n  image: {src}/ns/app@{app_d}\n- name: multi\n  image: {src}/ns/multi@{multi_d}\n"
        ),
    )
    .unwrap();
    let missing = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    std::fs::write(
        cat.join("bar/catalog.yaml"),
        format!(
            "---\nschema: olm.package\nname: bar\ndefaultChannel: stable\n---\nschema: olm.channel\npackage: bar\nname: stable\nentries:\n- name: bar.v1.0.0\n---\nschema: olm.bundle\nname: bar.v1.0.0\npackage: bar\nimage: {src}/ns/nothere@{missing}\nproperties:\n- type: olm.package\n  value:\n    packageName: bar\n    version: 1.0.0\n"
        ),
    )
    .unwrap();
    // Package baz (not selected by isc.yaml; added by a later run) has ns/base:v2 as its bundle.
    let base2_d = raw_digest(&format!("{src}/ns/base:v2"));
    std::fs::create_dir_all(cat.join("baz")).unwrap();
    std::fs::write(
        cat.join("baz/catalog.yaml"),
        format!(
            "---\nschema: olm.package\nname: baz\ndefaultChannel: stable\n---\nschema: olm.channel\npackage: baz\nname: stable\nentries:\n- name: baz.v2.0.0\n---\nschema: olm.bundle\nname: baz.v2.0.0\npackage: baz\nimage: {src}/ns/base@{base2_d}\nproperties:\n- type: olm.package\n  value:\n    packageName: baz\n    version: 2.0.0\n"
        ),
    )
    .unwrap();
    let catalog_ref = format!("{src}/cat/catalog:v1");
    let (code, out, err) = run(
        &home,
        &[
            "build",
            cat.to_str().unwrap(),
            "--tag",
            &catalog_ref,
            "--push",
            "--tls-verify=false",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let isc = e.path("isc.yaml");
    std::fs::write(
        &isc,
        format!(
            "kind: ImageSetConfiguration\napiVersion: mirror.openshift.io/v2alpha1\nmirror:\n  operators:\n  - catalog: {catalog_ref}\n    packages:\n    - name: foo\n  additionalImages:\n  - name: {src}/ns/bundle:1.0\n"
        ),
    )
    .unwrap();
    IscFixture {
        e,
        home,
        src,
        set,
        isc,
        base_d,
        app_d,
        multi_d,
    }
}

#[test]
fn isc_filters_rebuilds_the_catalog_copies_what_it_needs_and_writes_resources() {
    if !tools_present() {
        return;
    }
    let IscFixture {
        e,
        home,
        src,
        set,
        isc,
        base_d,
        app_d,
        multi_d,
    } = isc_fixture();
    let dst = start_plain(e.dir.path(), "dst");
    let work = e.path("work");
    let dest = format!("docker://{}/mirror", dst.host);
    // Dry run first: the plan and the resources, nothing pushed.
    let (code, out, err) = mirror(
        &home,
        &[
            "-c",
            isc.to_str().unwrap(),
            "--dry-run",
            "--workdir",
            work.to_str().unwrap(),
            &dest,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let mapping = std::fs::read_to_string(work.join("dry-run/mapping.txt")).unwrap();
    assert!(
        mapping.contains(&format!("{src}/ns/app@{app_d}=")),
        "{mapping}"
    );
    assert!(!mapping.contains("nothere"), "{mapping}");
    let (out, _) = mirror_isc(&home, &isc, &work, &[], &dest);
    assert!(
        line_with(&out, "images:").ends_with(" 0 failed (4 in all)"),
        "{out}"
    );
    // Every image foo needs, and the additional image, byte-identical at the destination.
    fx_images_arrived(
        &src,
        &set,
        &base_d,
        &app_d,
        &multi_d,
        &format!("{}/mirror", dst.host),
    );
    // The rebuilt catalog holds only foo.
    let resources: Vec<String> = std::fs::read_dir(work.join("cluster-resources"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let cs = resources
        .iter()
        .find(|f| {
            f.starts_with("cs-") || f.contains("catalogsource") || f.contains("CatalogSource")
        })
        .unwrap_or_else(|| panic!("no CatalogSource in {resources:?}"));
    let cs_text = std::fs::read_to_string(work.join("cluster-resources").join(cs)).unwrap();
    let image = cs_text
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: "))
        .unwrap_or_else(|| panic!("{cs_text}"))
        .trim_matches('"')
        .to_string();
    assert!(
        image.starts_with(&format!("{}/mirror/", dst.host)) && image.contains("@sha256:"),
        "{image}"
    );
    let (code, out, err) = run(&home, &["list", "--catalog", &image, "--tls-verify=false"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("foo") && !out.contains("bar"), "{out}");
    assert!(
        resources.iter().any(|f| f.contains("idms")),
        "{resources:?}"
    );
}

/// The files of WORKDIR/cluster-resources, name → text.
fn cluster_resources(work: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(work.join("cluster-resources"))
        .unwrap()
        .map(|f| {
            let p = f.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn isc_through_an_air_gap_ends_as_a_direct_mirror_would() {
    if !tools_present() {
        return;
    }
    let IscFixture {
        e,
        home,
        src,
        set,
        isc,
        base_d,
        app_d,
        multi_d,
    } = isc_fixture();
    // Connected side: filter, rebuild the catalog into the archive, copy what foo needs.
    let dir = e.path("archive");
    let file = format!("file://{}", dir.display());
    let w1 = e.path("work-m2d");
    let (out, err) = mirror_isc(&home, &isc, &w1, &[], &file);
    assert!(
        line_with(&out, "images:").ends_with(" 0 failed (5 in all)"),
        "{out}"
    );
    assert!(line_with(&out, "archived 5 images as run ").contains("mirror_000001.tar"));
    assert!(err.contains("cluster resources are written when the archive is pushed"));
    assert!(!w1.join("cluster-resources").exists());
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("working-dir/isc-plan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(plan["format"], 1);
    assert_eq!(plan["catalogs"].as_array().unwrap().len(), 1);
    // Run again: the catalog rebuilds to the same digest and nothing ships twice.
    let (out, _) = mirror_isc(&home, &isc, &w1, &[], &file);
    assert!(
        line_with(&out, "archived 5 images").contains(": 0 blobs (0 B)"),
        "{out}"
    );
    // Ship the whole set across the gap.
    mirror_isc(&home, &isc, &w1, &["--full"], &file);

    // Only the tars cross the gap.
    let far = e.path("far");
    std::fs::create_dir_all(&far).unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|x| x == "tar") {
            std::fs::copy(&p, far.join(p.file_name().unwrap())).unwrap();
        }
    }
    let dst = start_plain(e.dir.path(), "dst");
    let w2 = e.path("work-d2m");
    let (code, out, err) = push_archive(
        &home,
        &far,
        &[
            "--workdir",
            w2.to_str().unwrap(),
            &format!("docker://{}/mirror", dst.host),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        line_with(&out, "images:").ends_with(" 0 failed (5 in all)"),
        "{out}"
    );
    fx_images_arrived(
        &src,
        &set,
        &base_d,
        &app_d,
        &multi_d,
        &format!("{}/mirror", dst.host),
    );
    // The rebuilt catalog, under the name a direct mirror gives it, holds only foo.
    let catalog = format!("{}/mirror/cat/catalog:v1", dst.host);
    let (code, out, err) = run(
        &home,
        &["list", "--catalog", &catalog, "--tls-verify=false"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("foo") && !out.contains("bar"), "{out}");

    // The same ImageSetConfiguration mirrored directly to another registry
    // writes the same cluster resources, but for the registry's name.
    let direct = start_plain(e.dir.path(), "direct");
    let w3 = e.path("work-m2m");
    mirror_isc(
        &home,
        &isc,
        &w3,
        &[],
        &format!("docker://{}/mirror", direct.host),
    );
    let via_disk = cluster_resources(&w2);
    let direct_res: std::collections::BTreeMap<String, String> = cluster_resources(&w3)
        .into_iter()
        .map(|(k, v)| (k, v.replace(&direct.host, &dst.host)))
        .collect();
    assert!(via_disk.keys().any(|k| k.contains("idms")), "{via_disk:?}");
    assert_eq!(via_disk, direct_res);
    let cs = via_disk
        .values()
        .find(|t| t.contains("kind: CatalogSource"))
        .unwrap();
    let pushed = raw_digest(&catalog);
    assert!(
        cs.contains(&format!("{}/mirror/cat/catalog@{pushed}", dst.host)),
        "{cs}"
    );
    let crds = crds::validators();
    for (name, yaml) in &via_disk {
        let p = crds::problems(&crds, name, yaml);
        assert!(p.is_empty(), "{p:#?}\n{yaml}");
    }
    // Legacy ICSP and an OLM v1 ClusterCatalog from the same archive, valid too;
    // in the same workdir, they replace the IDMS/ITMS of the run before.
    let w5 = w2.clone();
    let (code, out, err) = push_archive(
        &home,
        &far,
        &[
            "--icsp",
            "--cluster-catalog",
            "--scope",
            "registry",
            "--workdir",
            w5.to_str().unwrap(),
            &format!("docker://{}/mirror", dst.host),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let legacy = cluster_resources(&w5);
    assert!(legacy.keys().any(|k| k.contains("icsp")), "{legacy:?}");
    assert!(!legacy.keys().any(|k| k.contains("idms")), "{legacy:?}");
    let icsp = legacy.iter().find(|(k, _)| k.contains("icsp")).unwrap().1;
    assert!(
        icsp.lines().any(|l| l
            .trim()
            .strip_prefix("source: ")
            .is_some_and(|v| v.trim_matches('"') == src)),
        "--scope registry: {icsp}"
    );
    let cc = legacy
        .values()
        .find(|t| t.contains("kind: ClusterCatalog"))
        .unwrap_or_else(|| panic!("{legacy:?}"));
    assert!(
        cc.contains(&format!("{}/mirror/cat/catalog@{pushed}", dst.host)),
        "{cc}"
    );
    for (name, yaml) in &legacy {
        let p = crds::problems(&crds, name, yaml);
        assert!(p.is_empty(), "{p:#?}\n{yaml}");
    }
    assert_eq!(
        std::fs::read_to_string(w2.join("mapping.txt")).unwrap(),
        std::fs::read_to_string(w3.join("mapping.txt"))
            .unwrap()
            .replace(&direct.host, &dst.host)
    );

    // --max-components is given when the archive is pushed, not when it is made.
    let (code, _, err) = mirror(
        &home,
        &["-c", isc.to_str().unwrap(), "--max-components", "2", &file],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give it when the archive is pushed"), "{err}");
    let flat = start_plain(e.dir.path(), "flat");
    let w4 = e.path("work-flat");
    let (code, out, err) = push_archive(
        &home,
        &far,
        &[
            "--max-components",
            "2",
            "--workdir",
            w4.to_str().unwrap(),
            &format!("docker://{}/mirror", flat.host),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        raw_digest(&format!("{}/mirror/ns-app@{app_d}", flat.host)),
        app_d
    );

    // The archive names its configuration: it goes to a registry, where the
    // cluster resources can name the images.
    let (code, _, err) = push_archive(
        &home,
        &far,
        &[&format!("oci:{}", e.path("layout-out").display())],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("push it to a registry") && err.contains("isc.yaml"),
        "{err}"
    );

    // A package added to the configuration: the next archive ships only the
    // blobs the layout did not hold yet (baz's bundle layer and config, the
    // rebuilt catalog's new layer, config and manifest).
    let blobs = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d.join("oci/blobs/sha256"))
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let before = blobs(&dir);
    let isc2 = e.path("isc-baz.yaml");
    std::fs::write(
        &isc2,
        std::fs::read_to_string(&isc)
            .unwrap()
            .replace("    - name: foo\n", "    - name: foo\n    - name: baz\n"),
    )
    .unwrap();
    let (out, _) = mirror_isc(&home, &isc2, &w1, &[], &file);
    let added: BTreeSet<String> = blobs(&dir).difference(&before).cloned().collect();
    let new = added.len();
    let base2: Value = serde_json::from_str(&raw(&format!("{src}/ns/base:v2"))).unwrap();
    let base2_layer = base2["layers"][1]["digest"].as_str().unwrap();
    assert!(
        added.contains(base2_layer.trim_start_matches("sha256:")),
        "baz's layer {base2_layer} not among the new blobs {added:?}"
    );
    let archived = line_with(&out, "archived 6 images as run ");
    assert!(
        archived.contains(&format!(": {new} blobs (")),
        "{new} new blobs in the layout: {out}"
    );
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("working-dir/isc-plan.json")).unwrap(),
    )
    .unwrap();
    assert!(
        plan.to_string().contains(&format!(
            "ns/base@{}",
            raw_digest(&format!("{src}/ns/base:v2"))
        )),
        "{plan}"
    );

    // A run that cannot copy everything (bar's bundle is not at the source)
    // fails naming the image, and leaves the last good plan and archive as they were.
    let good_plan = std::fs::read(dir.join("working-dir/isc-plan.json")).unwrap();
    let tars = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tar"))
            .collect()
    };
    let tars_before = tars(&dir);
    let isc3 = e.path("isc-bar.yaml");
    std::fs::write(
        &isc3,
        std::fs::read_to_string(&isc)
            .unwrap()
            .replace("    - name: foo\n", "    - name: foo\n    - name: bar\n"),
    )
    .unwrap();
    let (code, out, err) = mirror(
        &home,
        &[
            "-c",
            isc3.to_str().unwrap(),
            "--workdir",
            w1.to_str().unwrap(),
            &file,
        ],
    );
    assert_ne!(code, 0, "{out}{err}");
    assert!(format!("{out}{err}").contains("ns/nothere"), "{out}{err}");
    assert!(err.contains("no archive written"), "{err}");
    assert_eq!(
        std::fs::read(dir.join("working-dir/isc-plan.json")).unwrap(),
        good_plan
    );
    assert_eq!(tars(&dir), tars_before);
}

#[test]
fn tokens_that_expire_mid_run_are_fetched_again_and_nothing_is_sent_twice() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let set = many(e.dir.path(), &e.plain.host, 24, 400_000);
    let t = token_env();
    // The registry takes a token for one to two seconds (its 60 s leeway after
    // an `exp` 58 s in the past; one second was too short on a loaded machine,
    // where signing a token and sending it can take that long, so fresh tokens
    // were already refused), while the client is told it lasts 300 s:
    // the client can only learn of the expiry from 401s in the middle of the
    // run. All images go to one repository, so one scope's token keeps expiring.
    t.lifetime.store(-58, std::sync::atomic::Ordering::SeqCst);
    t.advertised.store(300, std::sync::atomic::Ordering::SeqCst);
    let map = e.path("mapping.txt");
    let text: String = set
        .lines
        .iter()
        .enumerate()
        .map(|(i, (s, _))| format!("{s}={}/one/repo:v{i}\n", t.host()))
        .collect();
    std::fs::write(&map, text).unwrap();
    let creds = format!("{USER}:{PASS}");
    let started = std::time::Instant::now();
    let (code, out, err) = mirror(
        &home,
        &[
            "--creds",
            &creds,
            "--parallel-images",
            "1",
            "--parallel-layers",
            "1",
            "--workdir",
            e.path("work").to_str().unwrap(),
            "--mapping",
            map.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let secs = started.elapsed().as_secs_f64();
    // Each blob sent once: 24 configs, 24 layers and the shared layer (found
    // in the repository by the 23 other images).
    let blobs = line_with(&out, "blobs:");
    assert!(
        blobs.starts_with(&format!("blobs: {} sent (", set.unique_blobs))
            && blobs.ends_with(", 0 mounted, 23 already present"),
        "{out}"
    );
    let push: Vec<TokenRequest> = t
        .requests()
        .into_iter()
        .filter(|r| {
            r.scopes
                .iter()
                .any(|s| s.starts_with("repository:one/repo:"))
        })
        .collect();
    assert!(push.iter().all(|r| r.granted), "{push:?}");
    // Tokens lived two seconds at most; the run took longer, so the client asked again.
    if secs > 4.0 {
        assert!(push.len() >= 2, "{secs:.1} s, {push:?}\n{err}");
    }
    // Check with skopeo, given tokens that last.
    t.lifetime.store(300, std::sync::atomic::Ordering::SeqCst);
    t.advertised.store(0, std::sync::atomic::Ordering::SeqCst);
    for (i, (s, _)) in set.lines.iter().enumerate() {
        let target = format!("{}/one/repo:v{i}", t.host());
        let got = skopeo(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            &creds,
            &format!("docker://{target}"),
        ]);
        assert_eq!(sha(got.as_bytes()), raw_digest(s), "{target}");
    }
}

#[test]
fn platforms_keep_the_index_and_only_the_chosen_children() {
    if !tools_present() {
        return;
    }
    let e = env(false);
    let home = e.path("home");
    let src = e.plain.host.clone();
    populate(e.dir.path(), &src, 50_000);
    let multi = format!("{src}/ns/multi:v1");
    let index_raw = raw(&multi);
    let index: Value = serde_json::from_str(&index_raw).unwrap();
    let child = |arch: &str| -> String {
        index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["platform"]["architecture"] == arch)
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (amd, arm) = (child("amd64"), child("arm64"));

    // Into a layout: the index byte for byte (its digest still pulls), arm64's
    // manifest and blobs, nothing of amd64 but what arm64 shares.
    let layout = e.path("layout");
    let target = format!("oci:{}:ns/multi:v1", layout.display());
    let map = e.path("mapping.txt");
    std::fs::write(&map, format!("{multi}={target}\n")).unwrap();
    let (code, out, err) = mirror(
        &home,
        &[
            "--platforms",
            "linux/arm64",
            "--mapping",
            map.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let got = skopeo(&["inspect", "--raw", &target]);
    assert_eq!(sha(got.as_bytes()), sha(index_raw.as_bytes()));
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    assert!(blob(&arm).is_file());
    assert!(!blob(&amd).exists(), "amd64's manifest was copied");

    // Into distribution 2.x, which checks every child of an index: a clear refusal.
    let dst = start_plain(e.dir.path(), "dst");
    std::fs::write(&map, format!("{multi}\n")).unwrap();
    let work = e.path("work");
    let failing = |platforms: &str| {
        let (code, out, err) = mirror(
            &home,
            &[
                "--platforms",
                platforms,
                "--workdir",
                work.to_str().unwrap(),
                "--mapping",
                map.to_str().unwrap(),
                &format!("docker://{}", dst.host),
            ],
        );
        assert_ne!(code, 0, "{out}{err}");
        err
    };
    let err = failing("linux/arm64");
    assert!(
        err.contains("refused the index because the platforms --platforms left out are not there")
            && err.contains("drop --platforms"),
        "{err}"
    );
    // The arm64 image itself arrived, by digest.
    assert_eq!(raw_digest(&format!("{}/ns/multi@{arm}", dst.host)), arm);

    // No platform of the index chosen: a failure that says which there are.
    let err = failing("linux/s390x");
    assert!(
        err.contains(
            "none of its platforms (linux/amd64, linux/arm64) is in --platforms linux/s390x"
        ),
        "{err}"
    );
}
