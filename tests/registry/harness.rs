//! Real registries for the tests: Debian's `docker-registry` on loopback, one
//! plain HTTP and one TLS (a CA plus a leaf certificate) with htpasswd auth,
//! each on a free port, stopped when dropped; and one TLS registry with token
//! auth beside the token server it trusts (`token_env`). `skopeo` is the
//! independent client. A tiny HTTP proxy can corrupt blobs on the way.

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
    /// How to start it again on the same port and storage.
    dir: PathBuf,
    name: String,
    extra: String,
}

impl Registry {
    /// Stop it (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
    /// Start it again on the same port, with the same storage.
    pub fn restart(&mut self) {
        self.kill();
        let port: u16 = self.host.rsplit(':').next().unwrap().parse().unwrap();
        let new = start_on(&self.dir, &self.name, &self.extra, port);
        drop(std::mem::replace(self, new));
    }
    /// The storage directory.
    pub fn storage(&self) -> PathBuf {
        self.dir.join(format!("{}-data", self.name))
    }
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

/// Start one more plain-HTTP registry named `name` with its files in `dir`.
pub fn start_plain(dir: &Path, name: &str) -> Registry {
    start(dir, name, "")
}

fn start(dir: &Path, name: &str, extra: &str) -> Registry {
    start_on(dir, name, extra, free_port())
}

fn start_on(dir: &Path, name: &str, extra: &str, port: u16) -> Registry {
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
    let logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap();
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
        dir: dir.to_path_buf(),
        name: name.to_string(),
        extra: extra.to_string(),
    }
}

/// `openssl` with whitespace-separated arguments, in `dir`.
fn openssl(dir: &Path, args: &str) {
    sh(Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace()));
}

/// A CA and a leaf certificate for 127.0.0.1 in `d/certs` (rustls rejects a
/// lone self-signed CA:TRUE server certificate), the CA also in `d/certdir`.
fn server_certs(d: &Path) -> PathBuf {
    let c = d.join("certs");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::create_dir_all(d.join("certdir")).unwrap();
    openssl(
        &c,
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt",
    );
    openssl(
        &c,
        "req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout domain.key -out domain.csr",
    );
    std::fs::write(
        c.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        &c,
        "x509 -req -in domain.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out domain.crt",
    );
    std::fs::copy(c.join("ca.crt"), d.join("certdir/ca.crt")).unwrap();
    c
}

/// Start the plain registry, and the TLS + auth one when `tls`.
pub fn env(tls: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plain = start(d, "plain", "");
    let tls = tls.then(|| {
        let c = server_certs(d);
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

/// A small image in an OCI layout, built with umoci: `files` under rootfs
/// (those under `bin/` executable), labels.
pub fn umoci_image(dir: &Path, files: &[(&str, &str)], labels: &[(&str, &str)]) -> String {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
    umoci_image_bytes(dir, &files, labels)
}

/// [`umoci_image`] with files of any content.
pub fn umoci_image_bytes(dir: &Path, files: &[(&str, &[u8])], labels: &[(&str, &str)]) -> String {
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
        std::fs::write(&f, content).unwrap();
        // Files under bin/ are programs.
        #[cfg(unix)]
        if p.starts_with("bin/") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
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

/// What a [`fault_proxy`] does to the traffic.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Flip the last byte of every successful blob GET body.
    CorruptBlobs,
    /// Answer the first N requests for blobs with `429 Too Many Requests` and
    /// `Retry-After: SECS`, then pass everything through.
    TooManyRequests(usize, u64),
}

/// An HTTP/1.1 proxy to `upstream` that flips the last byte of every
/// successful blob GET body. Runs until the test process ends.
pub fn corrupting_proxy(upstream: &str) -> String {
    fault_proxy(upstream, Fault::CorruptBlobs)
}

/// An HTTP/1.1 proxy to `upstream` doing `fault`; its `host:port`. Runs until
/// the test process ends.
pub fn fault_proxy(upstream: &str, fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let upstream = upstream.to_string();
    let budget = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(match fault {
        Fault::TooManyRequests(n, _) => n,
        Fault::CorruptBlobs => 0,
    }));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let upstream = upstream.clone();
            let budget = budget.clone();
            std::thread::spawn(move || {
                let _ = proxy_conn(client, &upstream, fault, &budget);
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

fn proxy_conn(
    client: TcpStream,
    upstream: &str,
    fault: Fault,
    budget: &std::sync::atomic::AtomicUsize,
) -> std::io::Result<()> {
    let mut cr = BufReader::new(client.try_clone()?);
    let mut cw = client;
    let up = TcpStream::connect(upstream)?;
    let mut ur = BufReader::new(up.try_clone()?);
    let mut uw = up;
    while let Some((line, h)) = read_head(&mut cr)? {
        let body = read_body(&mut cr, &h, false)?;
        let is_head = line.starts_with("HEAD ");
        let is_blob_get = line.starts_with("GET ") && line.contains("/blobs/sha256:");
        if let Fault::TooManyRequests(_, secs) = fault
            && line.contains("/blobs/")
            && budget
                .fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |n| n.checked_sub(1),
                )
                .is_ok()
        {
            let msg = r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#;
            cw.write_all(
                format!(
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {secs}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{msg}",
                    msg.len()
                )
                .as_bytes(),
            )?;
            cw.flush()?;
            continue;
        }
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
        if matches!(fault, Fault::CorruptBlobs) && is_blob_get && code == 200 && !rbody.is_empty() {
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

/// A request the token server answered: the user it authenticated (`None`
/// for anonymous) and the scopes asked for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub user: Option<String>,
    pub scopes: Vec<String>,
    pub granted: bool,
}

/// A TLS registry with distribution's `auth: token` and the token server its
/// realm names: plain HTTP on loopback, checking basic credentials
/// (`USER`/`PASS`) and signing RS256 JWTs with `openssl dgst` (the signer's
/// self-signed certificate is the registry's `rootcertbundle`, sent as `x5c`).
pub struct TokenEnv {
    pub dir: tempfile::TempDir,
    pub registry: Registry,
    /// Every request the token server answered, in order.
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<TokenRequest>>>,
    /// Seconds from issue to the tokens' `exp` (may be negative).
    pub lifetime: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The `expires_in` the client is told when above 0 (else the lifetime,
    /// at least 1): a token can outlive what the client was promised, so the
    /// client learns of the expiry from a 401 in the middle of its work.
    pub advertised: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl TokenEnv {
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    pub fn host(&self) -> &str {
        &self.registry.host
    }
    pub fn certdir(&self) -> String {
        self.path("certdir").to_string_lossy().into_owned()
    }
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.requests.lock().unwrap().clone()
    }
}

pub const TOKEN_SERVICE: &str = "oc-catalog-test-registry";
pub const TOKEN_ISSUER: &str = "oc-catalog-test-token-issuer";

/// Start the token server and the registry that trusts it.
pub fn token_env() -> TokenEnv {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = server_certs(d);
    openssl(
        &c,
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=token-signer -keyout signer.key -out signer.crt",
    );
    let pem = std::fs::read_to_string(c.join("signer.crt")).unwrap();
    // x5c: the certificate's DER in standard base64 — the PEM body.
    let x5c: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let lifetime = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(300));
    let advertised = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    let server = TokenServer {
        key: c.join("signer.key"),
        x5c,
        requests: requests.clone(),
        lifetime: lifetime.clone(),
        advertised: advertised.clone(),
    };
    std::thread::spawn(move || {
        let server = std::sync::Arc::new(server);
        for conn in listener.incoming().flatten() {
            let server = server.clone();
            std::thread::spawn(move || {
                let _ = server.answer(conn);
            });
        }
    });
    let registry = start(
        d,
        "token",
        &format!(
            "  tls: {{ certificate: {}, key: {} }}\nauth:\n  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
            c.join("domain.crt").display(),
            c.join("domain.key").display(),
            c.join("signer.crt").display()
        ),
    );
    TokenEnv {
        dir,
        registry,
        requests,
        lifetime,
        advertised,
    }
}

struct TokenServer {
    key: PathBuf,
    x5c: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<TokenRequest>>>,
    lifetime: std::sync::Arc<std::sync::atomic::AtomicI64>,
    advertised: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn b64url(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

impl TokenServer {
    fn answer(&self, conn: TcpStream) -> std::io::Result<()> {
        use base64::Engine;
        let mut r = BufReader::new(conn.try_clone()?);
        let mut w = conn;
        let Some((line, headers)) = read_head(&mut r)? else {
            return Ok(());
        };
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let query = target.split_once('?').map(|x| x.1).unwrap_or("");
        let mut scopes = Vec::new();
        let mut service = String::new();
        for kv in query.split('&') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k {
                "scope" => scopes.push(percent_decode(v)),
                "service" => service = percent_decode(v),
                _ => {}
            }
        }
        let basic = header(&headers, "authorization")
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        let user = basic
            .as_ref()
            .map(|b| b.split(':').next().unwrap_or("").to_string());
        let ok = match &basic {
            None => true, // anonymous: a token without access
            Some(b) => *b == format!("{USER}:{PASS}"),
        };
        self.requests.lock().unwrap().push(TokenRequest {
            user: user.clone(),
            scopes: scopes.clone(),
            granted: ok,
        });
        if !ok || service != TOKEN_SERVICE {
            let body = r#"{"details":"incorrect username or password"}"#;
            write!(
                w,
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
            return w.flush();
        }
        let access: Vec<serde_json::Value> = if user.is_some() {
            scopes
                .iter()
                .filter_map(|s| {
                    let mut p = s.splitn(3, ':');
                    let (t, name, actions) = (p.next()?, p.next()?, p.next()?);
                    // a name with a port would hold ':' — not in these tests
                    Some(serde_json::json!({"type": t, "name": name,
                        "actions": actions.split(',').collect::<Vec<_>>()}))
                })
                .collect()
        } else {
            Vec::new()
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let lifetime = self.lifetime.load(std::sync::atomic::Ordering::SeqCst);
        let n = self.requests.lock().unwrap().len();
        let header_json = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]});
        let claims = serde_json::json!({
            "iss": TOKEN_ISSUER, "sub": user.clone().unwrap_or_default(), "aud": TOKEN_SERVICE,
            "exp": now + lifetime, "nbf": now - 10, "iat": now, "jti": format!("token-{n}"),
            "access": access,
        });
        let input = format!(
            "{}.{}",
            b64url(header_json.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        child.stdin.take().unwrap().write_all(input.as_bytes())?;
        let sig = child.wait_with_output()?.stdout;
        let token = format!("{input}.{}", b64url(&sig));
        let body = serde_json::json!({"token": token, "access_token": token,
        "expires_in": match self.advertised.load(std::sync::atomic::Ordering::SeqCst) {
            a if a > 0 => a,
            _ => lifetime.max(1),
        }})
        .to_string();
        write!(
            w,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        w.flush()
    }
}

/// Deterministic incompressible bytes (xorshift), for image layers of a given size.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `sha256:<hex>` of bytes.
pub fn sha256_digest(data: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

/// An uncompressed layer: a tar holding one file `name` with `content`.
pub fn layer_tar(name: &str, content: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(content.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    b.append_data(&mut h, name, content).unwrap();
    b.into_inner().unwrap()
}

/// Add an image to the OCI layout `layout` (created when absent) under the
/// ref name `tag`, without skopeo or a registry: OCI manifest, config, and the
/// given layers (uncompressed tars). Returns the manifest digest.
pub fn synth_image(layout: &Path, tag: &str, layers: &[Vec<u8>]) -> String {
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let put = |data: &[u8]| -> String {
        let d = sha256_digest(data);
        std::fs::write(blobs.join(&d[7..]), data).unwrap();
        d
    };
    let mut descs = Vec::new();
    for l in layers {
        let d = put(l);
        descs.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": l.len()
        }));
    }
    let diff_ids: Vec<&serde_json::Value> = descs.iter().map(|d| &d["digest"]).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Labels": {"test.image": tag}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .unwrap();
    let cd = put(&config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
        "layers": descs
    }))
    .unwrap();
    let md = put(&manifest);
    let index_path = layout.join("index.json");
    let mut index: serde_json::Value = std::fs::read(&index_path)
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or_else(|_| serde_json::json!({"schemaVersion": 2, "manifests": []}));
    let list = index["manifests"].as_array_mut().unwrap();
    list.retain(|m| m["annotations"]["org.opencontainers.image.ref.name"] != tag);
    list.push(serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": tag}
    }));
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    md
}
