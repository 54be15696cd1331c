//! Real registries for the tests: Debian's `docker-registry` on loopback, one
//! plain HTTP and one TLS (a CA plus a leaf certificate) with htpasswd auth,
//! each on a free port, stopped when dropped. `skopeo` is the independent
//! client. A tiny HTTP proxy can corrupt blobs on the way.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const USER: &str = "testuser";
pub const PASS: &str = "testpass";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oc-catalog")
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether the tools are installed (./scripts/test.sh installs them).
pub fn tools_present() -> bool {
    let ok = ["docker-registry", "skopeo", "umoci", "htpasswd", "openssl"]
        .iter()
        .all(|t| which(t));
    if !ok {
        eprintln!(
            "SKIPPED: docker-registry, skopeo, umoci, htpasswd or openssl missing (./scripts/test.sh installs them)"
        );
    }
    ok
}

fn which(t: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(t).is_file()))
        .unwrap_or(false)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(port: u16, child: &mut Child, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!(
                "docker-registry exited ({st}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("docker-registry did not listen on {port}");
}

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running registry.
pub struct Registry {
    pub host: String,
    child: Child,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two registries and their files (certificates, htpasswd, auth.json).
pub struct Env {
    pub dir: tempfile::TempDir,
    pub plain: Registry,
    pub tls: Option<Registry>,
}

impl Env {
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    /// `--cert-dir` holding the test CA.
    pub fn certdir(&self) -> String {
        self.path("certdir").to_string_lossy().into_owned()
    }
    pub fn tls_host(&self) -> &str {
        &self.tls.as_ref().unwrap().host
    }
}

fn start(dir: &Path, name: &str, extra: &str) -> Registry {
    let port = free_port();
    let root = dir.join(format!("{name}-data"));
    let cfg = dir.join(format!("{name}.yml"));
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog: {{ level: error }}\nstorage: {{ filesystem: {{ rootdirectory: {} }}, delete: {{ enabled: true }} }}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: s-{name}\n{extra}",
            root.display()
        ),
    )
    .unwrap();
    let log = dir.join(format!("{name}.log"));
    let logf = std::fs::File::create(&log).unwrap();
    let mut child = Command::new("docker-registry")
        .arg("serve")
        .arg(&cfg)
        .stdout(logf.try_clone().unwrap())
        .stderr(logf)
        .spawn()
        .unwrap();
    wait_port(port, &mut child, &log);
    Registry {
        host: format!("127.0.0.1:{port}"),
        child,
    }
}

/// Start the plain registry, and the TLS + auth one when `tls`.
pub fn env(tls: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plain = start(d, "plain", "");
    let tls = tls.then(|| {
        let c = d.join("certs");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::create_dir_all(d.join("certdir")).unwrap();
        // rustls rejects a lone self-signed CA:TRUE server certificate: a CA plus a leaf.
        sh(Command::new("openssl").current_dir(&c).args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
            "-keyout", "ca.key", "-out", "ca.crt",
        ]));
        sh(Command::new("openssl").current_dir(&c).args([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
            "domain.key", "-out", "domain.csr",
        ]));
        std::fs::write(
            c.join("leaf.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        sh(Command::new("openssl").current_dir(&c).args([
            "x509", "-req", "-in", "domain.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "leaf.ext", "-out", "domain.crt",
        ]));
        std::fs::copy(c.join("ca.crt"), d.join("certdir/ca.crt")).unwrap();
        let out = Command::new("htpasswd")
            .args(["-Bbn", USER, PASS])
            .output()
            .unwrap();
        std::fs::write(d.join("htpasswd"), out.stdout).unwrap();
        start(
            d,
            "tls",
            &format!(
                "  tls: {{ certificate: {}, key: {} }}\nauth: {{ htpasswd: {{ realm: basic-realm, path: {} }} }}\n",
                c.join("domain.crt").display(),
                c.join("domain.key").display(),
                d.join("htpasswd").display()
            ),
        )
    });
    Env { dir, plain, tls }
}

/// Run oc-catalog; (exit code, stdout, stderr). HOME and XDG dirs point into
/// `home` so no auth file of the machine is read.
pub fn run(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .current_dir(repo())
        .args(args)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DOCKER_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Run skopeo; panics on failure, returns stdout.
pub fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A small image in an OCI layout, built with umoci: `files` under rootfs, labels.
pub fn umoci_image(dir: &Path, files: &[(&str, &str)], labels: &[(&str, &str)]) -> String {
    let layout = dir.join("umoci-img");
    let bundle = dir.join("umoci-bundle");
    let img = format!("{}:latest", layout.display());
    sh(Command::new("umoci")
        .args(["init", "--layout"])
        .arg(&layout));
    sh(Command::new("umoci").args(["new", "--image", &img]));
    sh(Command::new("umoci")
        .args(["unpack", "--image", &img])
        .arg(&bundle));
    for (p, content) in files {
        let f = bundle.join("rootfs").join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, content).unwrap();
    }
    sh(Command::new("umoci")
        .args(["repack", "--image", &img])
        .arg(&bundle));
    for (k, v) in labels {
        sh(Command::new("umoci").args([
            "config",
            "--image",
            &img,
            &format!("--config.label={k}={v}"),
        ]));
    }
    format!("oci:{img}")
}

/// An HTTP/1.1 proxy to `upstream` that flips the last byte of every
/// successful blob GET body. Runs until the test process ends.
pub fn corrupting_proxy(upstream: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = proxy_conn(client, &upstream);
            });
        }
    });
    addr
}

fn read_head(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<(String, Vec<String>)>> {
    let mut first = String::new();
    if r.read_line(&mut first)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l)?;
        if l == "\r\n" || l.is_empty() {
            break;
        }
        headers.push(l.trim_end().to_string());
    }
    Ok(Some((first.trim_end().to_string(), headers)))
}

fn header<'a>(h: &'a [String], name: &str) -> Option<&'a str> {
    h.iter().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn read_body(
    r: &mut BufReader<TcpStream>,
    h: &[String],
    no_body: bool,
) -> std::io::Result<Vec<u8>> {
    if no_body {
        return Ok(Vec::new());
    }
    if header(h, "transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let mut l = String::new();
            r.read_line(&mut l)?;
            let n = usize::from_str_radix(l.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk)?;
            if n == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let n: usize = header(h, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; n];
    r.read_exact(&mut body)?;
    Ok(body)
}

fn proxy_conn(client: TcpStream, upstream: &str) -> std::io::Result<()> {
    let mut cr = BufReader::new(client.try_clone()?);
    let mut cw = client;
    let up = TcpStream::connect(upstream)?;
    let mut ur = BufReader::new(up.try_clone()?);
    let mut uw = up;
    while let Some((line, h)) = read_head(&mut cr)? {
        let body = read_body(&mut cr, &h, false)?;
        let is_head = line.starts_with("HEAD ");
        let is_blob_get = line.starts_with("GET ") && line.contains("/blobs/sha256:");
        let mut req = format!("{line}\r\n");
        for l in &h {
            if !l.to_ascii_lowercase().starts_with("transfer-encoding") {
                req.push_str(&format!("{l}\r\n"));
            }
        }
        if header(&h, "content-length").is_none() && !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        uw.write_all(req.as_bytes())?;
        uw.write_all(&body)?;
        let Some((status, rh)) = read_head(&mut ur)? else {
            return Ok(());
        };
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut rbody = read_body(&mut ur, &rh, is_head || code == 204 || code == 304)?;
        if is_blob_get && code == 200 && !rbody.is_empty() {
            let last = rbody.len() - 1;
            rbody[last] ^= 0x01;
        }
        let mut resp = format!("{status}\r\n");
        for l in &rh {
            let lower = l.to_ascii_lowercase();
            if !lower.starts_with("transfer-encoding") && !lower.starts_with("content-length") {
                resp.push_str(&format!("{l}\r\n"));
            }
        }
        if !is_head {
            resp.push_str(&format!("Content-Length: {}\r\n", rbody.len()));
        } else if let Some(v) = header(&rh, "content-length") {
            resp.push_str(&format!("Content-Length: {v}\r\n"));
        }
        resp.push_str("\r\n");
        cw.write_all(resp.as_bytes())?;
        cw.write_all(&rbody)?;
        cw.flush()?;
    }
    Ok(())
}
