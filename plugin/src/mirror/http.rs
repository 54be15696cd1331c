//! The registry HTTP API as the mirror needs it, on reqwest directly: raw
//! manifests, blobs streamed from one registry into another without being
//! buffered or hashed by us (the destination verifies the digest on upload),
//! HEAD checks, cross-repository mounts. Credentials are found as podman
//! finds them (`registry::auth`); Basic and Bearer-token challenges are
//! answered, tokens are cached per scope and fetched again when a registry
//! answers 401 during a long run. Every error carries a [`Category`] so the
//! executor knows whether to retry it and how to report it.

use crate::registry::Options;
use crate::registry::auth::{self, Credentials};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

/// Manifest media types we accept.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Why an operation failed (the exit status and the retry file group by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 429, 5xx, refused or dropped connection, timeout: worth retrying.
    Transient,
    /// The image, manifest or blob does not exist at the source.
    NotFound,
    /// 401/403 even with fresh credentials.
    Auth,
    /// Content whose digest does not match (source corrupted or tampered).
    Corrupt,
    /// Anything else (bad manifest, unsupported media type, local I/O).
    Other,
}

impl Category {
    pub fn retryable(self) -> bool {
        matches!(self, Category::Transient | Category::Corrupt)
    }
    pub fn name(self) -> &'static str {
        match self {
            Category::Transient => "registry unavailable",
            Category::NotFound => "not found",
            Category::Auth => "unauthorized",
            Category::Corrupt => "corrupted content",
            Category::Other => "error",
        }
    }
}

/// An error with its category; `retry_after` when the registry asked for a pause.
#[derive(Debug, Clone)]
pub struct Error {
    pub category: Category,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl Error {
    pub fn new(category: Category, message: impl Into<String>) -> Self {
        Error {
            category,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// A stream of blob bytes.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// How a registry asked to be authenticated.
#[derive(Debug, Clone)]
enum Challenge {
    None,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// One registry host: a connection pool, its credentials, its tokens.
pub struct Registry {
    pub host: String,
    base: String,
    http: reqwest::Client,
    creds: Credentials,
    creds_source: Option<String>,
    challenge: Mutex<Option<Challenge>>,
    /// `Authorization` value per token scope.
    tokens: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Registry({})", self.base)
    }
}

/// Connection settings for one side of a copy.
#[derive(Debug, Clone)]
pub struct Tls {
    pub verify: bool,
    pub cert_dir: Option<PathBuf>,
}

fn certs_in(dir: &Path) -> std::result::Result<Vec<reqwest::Certificate>, String> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| format!("--cert-dir {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.extension().is_some_and(|e| e == "crt") {
            let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.push(
                reqwest::Certificate::from_pem(&data)
                    .map_err(|e| format!("{}: {e}", p.display()))?,
            );
        }
    }
    Ok(out)
}

impl Registry {
    /// Reach `host` with the credentials of `opts` and TLS settings `tls`.
    pub async fn connect(
        host: &str,
        repo_hint: &str,
        opts: &Options,
        tls: &Tls,
    ) -> std::result::Result<Self, String> {
        crate::registry::ensure_crypto();
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(300))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .user_agent(concat!("oc-catalog/", env!("CARGO_PKG_VERSION")));
        let mut dirs = Vec::new();
        match &tls.cert_dir {
            Some(d) => dirs.push(d.clone()),
            None => {
                for base in ["/etc/containers/certs.d", "/etc/docker/certs.d"] {
                    let d = Path::new(base).join(host);
                    if d.is_dir() {
                        dirs.push(d);
                    }
                }
            }
        }
        for d in &dirs {
            for c in certs_in(d)? {
                b = b.add_root_certificate(c);
            }
        }
        let mut scheme = "https";
        if !tls.verify {
            b = b.tls_danger_accept_invalid_certs(true);
            if !crate::registry::client::speaks_https(host).await {
                scheme = "http";
            }
        }
        let http = b.build().map_err(|e| format!("{host}: {e}"))?;
        let found = auth::lookup(&opts.auth, host, repo_hint)?;
        // docker.io is served by registry-1.docker.io.
        let api_host = if host == "docker.io" {
            "registry-1.docker.io"
        } else {
            host
        };
        Ok(Registry {
            host: host.to_string(),
            base: format!("{scheme}://{api_host}"),
            http,
            creds: found.creds,
            creds_source: found.source,
            challenge: Mutex::new(None),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    fn creds_hint(&self) -> String {
        match &self.creds_source {
            Some(s) => format!("the credentials for {} from {s} were rejected", self.host),
            None => format!(
                "no credentials were found for {}: give --authfile, --creds, or log in with podman/skopeo login",
                self.host
            ),
        }
    }

    fn url(&self, repo: &str, rest: &str) -> String {
        format!("{}/v2/{repo}/{rest}", self.base)
    }

    /// Resolve a `Location` header against the registry.
    fn location(&self, resp: &reqwest::Response) -> Result<String> {
        let loc = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    Category::Other,
                    format!("{}: upload answer without Location", self.host),
                )
            })?;
        if loc.starts_with("http://") || loc.starts_with("https://") {
            Ok(loc.to_string())
        } else if loc.starts_with('/') {
            Ok(format!("{}{loc}", self.base))
        } else {
            Ok(format!("{}/{loc}", self.base))
        }
    }

    async fn authorization(&self, scope: &str) -> Result<Option<String>> {
        let ch = self.challenge.lock().unwrap().clone();
        match ch {
            None | Some(Challenge::None) => Ok(None),
            Some(Challenge::Basic) => Ok(self.basic()),
            Some(Challenge::Bearer { realm, service }) => {
                if let Some(t) = self.tokens.lock().unwrap().get(scope) {
                    return Ok(Some(t.clone()));
                }
                let t = self.fetch_token(&realm, service.as_deref(), scope).await?;
                self.tokens
                    .lock()
                    .unwrap()
                    .insert(scope.to_string(), t.clone());
                Ok(Some(t))
            }
        }
    }

    fn basic(&self) -> Option<String> {
        use base64::Engine;
        match &self.creds {
            Credentials::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Credentials::Bearer(t) => Some(format!("Bearer {t}")),
            Credentials::Anonymous => None,
        }
    }

    async fn fetch_token(&self, realm: &str, service: Option<&str>, scope: &str) -> Result<String> {
        if let Credentials::Bearer(t) = &self.creds {
            return Ok(format!("Bearer {t}"));
        }
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = service {
            q.push(("service", s));
        }
        for s in scope.split(' ') {
            q.push(("scope", s));
        }
        let mut req = self.http.get(realm).query(&q);
        if let Credentials::Basic { username, password } = &self.creds {
            req = req.basic_auth(username, Some(password));
        }
        let resp = req.send().await.map_err(|e| transport(&self.host, &e))?;
        let status = resp.status();
        if !status.is_success() {
            let cat = classify_status(status);
            return Err(Error::new(
                if cat == Category::NotFound {
                    Category::Auth
                } else {
                    cat
                },
                format!(
                    "getting a token from {realm}: HTTP {status} ({})",
                    self.creds_hint()
                ),
            ));
        }
        let v: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| Error::new(Category::Transient, format!("token from {realm}: {e}")))?;
        let tok = v
            .get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| Error::new(Category::Auth, format!("{realm}: no token in answer")))?;
        Ok(format!("Bearer {tok}"))
    }

    /// Learn how to authenticate from a 401's `WWW-Authenticate`.
    fn learn(&self, resp: &reqwest::Response, scope: &str) {
        let h = resp
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ch = parse_challenge(h);
        self.tokens.lock().unwrap().remove(scope);
        *self.challenge.lock().unwrap() = Some(ch);
    }

    /// Send a request with a body that can be rebuilt (none or small), answering
    /// one 401 with fresh credentials.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        scope: &str,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response> {
        let mut fresh = false;
        loop {
            let mut req = self
                .http
                .request(method.clone(), url)
                .headers(headers.clone());
            if let Some(a) = self.authorization(scope).await? {
                req = req.header(header::AUTHORIZATION, a);
            }
            if let Some(b) = &body {
                req = req.body(b.clone());
            }
            let resp = req.send().await.map_err(|e| transport(&self.host, &e))?;
            if resp.status() == StatusCode::UNAUTHORIZED && !fresh {
                fresh = true;
                self.learn(&resp, scope);
                if matches!(*self.challenge.lock().unwrap(), Some(Challenge::None)) {
                    return Ok(resp);
                }
                continue;
            }
            return Ok(resp);
        }
    }

    fn error(&self, resp_status: StatusCode, body: &str, doing: &str) -> Error {
        let cat = classify_status(resp_status);
        let mut detail = registry_message(body).unwrap_or_else(|| format!("HTTP {resp_status}"));
        if cat == Category::Auth {
            detail = format!("{detail} ({})", self.creds_hint());
        }
        let cat = if body.contains("DIGEST_INVALID") || body.contains("digest did not match") {
            detail = format!("corrupted content: {detail}");
            Category::Corrupt
        } else if body.contains("MANIFEST_UNKNOWN")
            || body.contains("NAME_UNKNOWN")
            || body.contains("BLOB_UNKNOWN") && resp_status == StatusCode::NOT_FOUND
        {
            Category::NotFound
        } else {
            cat
        };
        Error {
            category: cat,
            message: format!("{doing}: {detail}"),
            retry_after: None,
        }
    }

    async fn fail(&self, resp: reqwest::Response, doing: &str) -> Error {
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp.text().await.unwrap_or_default();
        let mut e = self.error(status, &body, doing);
        e.retry_after = retry_after;
        e
    }

    /// GET or HEAD a manifest with the media types the mirror understands: the response
    /// (any status; transport errors are prefixed) and what the request was doing, for errors.
    async fn manifest_request(
        &self,
        method: Method,
        repo: &str,
        reference: &str,
    ) -> Result<(reqwest::Response, String)> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        let verb = if method == Method::HEAD {
            "checking"
        } else {
            "reading"
        };
        let doing = format!("{verb} manifest {}/{repo}{}", self.host, sep(reference));
        let resp = self
            .send(
                method,
                &self.url(repo, &format!("manifests/{reference}")),
                &pull_scope(repo),
                h,
                None,
            )
            .await
            .map_err(|e| prefix(e, &doing))?;
        Ok((resp, doing))
    }

    /// GET a manifest: bytes and media type.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<(Bytes, String)> {
        let (resp, doing) = self.manifest_request(Method::GET, repo, reference).await?;
        if !resp.status().is_success() {
            return Err(self.fail(resp, &doing).await);
        }
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| prefix(transport(&self.host, &e), &doing))?;
        Ok((bytes, ct))
    }

    /// HEAD a manifest: its digest when present.
    pub async fn head_manifest(&self, repo: &str, reference: &str) -> Result<Option<String>> {
        let (resp, doing) = self.manifest_request(Method::HEAD, repo, reference).await?;
        match resp.status() {
            s if s.is_success() => Ok(resp
                .headers()
                .get("docker-content-digest")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| {
                    reference
                        .starts_with("sha256:")
                        .then(|| reference.to_string())
                })),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(self.fail(resp, &doing).await),
        }
    }

    /// PUT a manifest, byte for byte.
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        bytes: Bytes,
        media_type: &str,
    ) -> Result<()> {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(media_type).map_err(|e| {
                Error::new(Category::Other, format!("media type {media_type:?}: {e}"))
            })?,
        );
        let doing = format!("writing manifest {}/{repo}{}", self.host, sep(reference));
        let resp = self
            .send(
                Method::PUT,
                &self.url(repo, &format!("manifests/{reference}")),
                &push_scope(repo, None),
                h,
                Some(bytes),
            )
            .await
            .map_err(|e| prefix(e, &doing))?;
        if !resp.status().is_success() {
            return Err(self.fail(resp, &doing).await);
        }
        Ok(())
    }

    /// Whether the repository has the blob.
    pub async fn has_blob(&self, repo: &str, digest: &str) -> Result<bool> {
        let doing = format!("checking blob {digest} in {}/{repo}", self.host);
        let resp = self
            .send(
                Method::HEAD,
                &self.url(repo, &format!("blobs/{digest}")),
                &pull_scope(repo),
                HeaderMap::new(),
                None,
            )
            .await
            .map_err(|e| prefix(e, &doing))?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.fail(resp, &doing).await),
        }
    }

    /// Start streaming a blob: the stream and its length when the registry says.
    pub async fn get_blob(&self, repo: &str, digest: &str) -> Result<(ByteStream, Option<u64>)> {
        let doing = format!("reading blob {digest} of {}/{repo}", self.host);
        let resp = self
            .send(
                Method::GET,
                &self.url(repo, &format!("blobs/{digest}")),
                &pull_scope(repo),
                HeaderMap::new(),
                None,
            )
            .await
            .map_err(|e| prefix(e, &doing))?;
        if !resp.status().is_success() {
            return Err(self.fail(resp, &doing).await);
        }
        let len = resp.content_length();
        let s = resp
            .bytes_stream()
            .map(|r| r.map_err(std::io::Error::other));
        Ok((Box::pin(s), len))
    }

    /// Mount `digest` from `from` into `repo`. `Ok(None)` when mounted, or the
    /// upload URL the registry opened instead.
    pub async fn mount_or_start(
        &self,
        repo: &str,
        digest: &str,
        from: Option<&str>,
    ) -> Result<Option<String>> {
        let doing = format!("starting upload of {digest} to {}/{repo}", self.host);
        let (url, scope) = match from {
            Some(f) => (
                self.url(repo, &format!("blobs/uploads/?mount={digest}&from={f}")),
                push_scope(repo, Some(f)),
            ),
            None => (self.url(repo, "blobs/uploads/"), push_scope(repo, None)),
        };
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        let resp = self
            .send(Method::POST, &url, &scope, h, Some(Bytes::new()))
            .await
            .map_err(|e| prefix(e, &doing))?;
        match resp.status() {
            StatusCode::CREATED if from.is_some() => Ok(None),
            StatusCode::ACCEPTED => Ok(Some(self.location(&resp)?)),
            _ => Err(self.fail(resp, &doing).await),
        }
    }

    /// Finish an upload with the whole blob, streamed, in one PUT.
    pub async fn put_blob(
        &self,
        repo: &str,
        upload_url: &str,
        digest: &str,
        size: u64,
        body: ByteStream,
    ) -> Result<()> {
        let doing = format!("uploading blob {digest} to {}/{repo}", self.host);
        let url = if upload_url.contains('?') {
            format!("{upload_url}&digest={digest}")
        } else {
            format!("{upload_url}?digest={digest}")
        };
        let scope = push_scope(repo, None);
        let mut req = self
            .http
            .put(&url)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, size)
            .body(reqwest::Body::wrap_stream(body));
        if let Some(a) = self.authorization(&scope).await? {
            req = req.header(header::AUTHORIZATION, a);
        }
        let resp = req.send().await.map_err(|e| {
            let mut err = transport(&self.host, &e);
            // A source that dies mid-stream surfaces here as a body error.
            err.message = format!("{doing}: {}", err.message);
            err
        })?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            self.learn(&resp, &scope);
            return Err(Error::new(
                Category::Transient,
                format!("{doing}: token expired (will refresh and retry)"),
            ));
        }
        if !resp.status().is_success() {
            return Err(self.fail(resp, &doing).await);
        }
        Ok(())
    }
}

fn sep(reference: &str) -> String {
    if reference.starts_with("sha256:") {
        format!("@{reference}")
    } else {
        format!(":{reference}")
    }
}

fn prefix(mut e: Error, doing: &str) -> Error {
    if !e.message.starts_with(doing) {
        e.message = format!("{doing}: {}", e.message);
    }
    e
}

pub fn pull_scope(repo: &str) -> String {
    format!("repository:{repo}:pull")
}

pub fn push_scope(repo: &str, from: Option<&str>) -> String {
    match from {
        Some(f) if f != repo => format!("repository:{repo}:pull,push repository:{f}:pull"),
        _ => format!("repository:{repo}:pull,push"),
    }
}

fn classify_status(s: StatusCode) -> Category {
    match s.as_u16() {
        401 | 403 => Category::Auth,
        404 => Category::NotFound,
        408 | 429 => Category::Transient,
        500..=599 => Category::Transient,
        _ => Category::Other,
    }
}

/// `errors[].code: message` of a registry error body.
fn registry_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let errs = v.get("errors")?.as_array()?;
    let parts: Vec<String> = errs
        .iter()
        .map(|e| {
            let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
            let msg = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
            format!("{}: {msg}", code.to_lowercase().replace('_', " "))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Seconds, or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s.min(600)));
    }
    let t = httpdate::parse_http_date(v).ok()?;
    Some(
        t.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .min(Duration::from_secs(600)),
    )
}

fn parse_challenge(h: &str) -> Challenge {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Challenge::None;
    }
    let mut realm = None;
    let mut service = None;
    // key="value", ... (values may hold commas inside quotes)
    let mut s = rest;
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim();
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(i) => (&q[..i], &q[i + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            }
        };
        match k.to_ascii_lowercase().as_str() {
            "realm" => realm = Some(v.to_string()),
            "service" => service = Some(v.to_string()),
            _ => {}
        }
        s = next.trim_start_matches(',').trim();
    }
    match realm {
        Some(realm) => Challenge::Bearer { realm, service },
        None => Challenge::None,
    }
}

/// A transport failure (refused, reset, timeout, TLS) as an error.
pub fn transport(host: &str, e: &reqwest::Error) -> Error {
    let mut chain = Vec::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        let t = s.to_string();
        if chain.last() != Some(&t) {
            chain.push(t);
        }
        src = s.source();
    }
    let all = chain.join(": ");
    if all.contains("UnknownIssuer") || all.contains("unknown issuer") {
        return Error::new(
            Category::Other,
            format!(
                "pinging container registry {host}: x509: certificate signed by unknown authority \
                 (trust its CA with --cert-dir DIR, or pass --tls-verify=false)"
            ),
        );
    }
    if all.contains("InvalidContentType") || all.contains("corrupt message") {
        return Error::new(
            Category::Other,
            format!(
                "{host} does not answer HTTPS (a plain-HTTP registry?): pass --tls-verify=false"
            ),
        );
    }
    if e.is_connect() {
        return Error::new(
            Category::Transient,
            format!("cannot connect to registry {host}: {all}"),
        );
    }
    Error::new(Category::Transient, format!("{host}: {all}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        match parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        ) {
            Challenge::Bearer { realm, service } => {
                assert_eq!(realm, "https://auth.example/token");
                assert_eq!(service.as_deref(), Some("registry.example"));
            }
            c => panic!("{c:?}"),
        }
        assert!(matches!(
            parse_challenge(r#"Basic realm="basic-realm""#),
            Challenge::Basic
        ));
    }

    #[test]
    fn retry_after() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn scopes() {
        assert_eq!(push_scope("a/b", None), "repository:a/b:pull,push");
        assert_eq!(
            push_scope("a/b", Some("c")),
            "repository:a/b:pull,push repository:c:pull"
        );
    }

    #[test]
    fn registry_errors_are_categorised() {
        assert_eq!(
            classify_status(StatusCode::TOO_MANY_REQUESTS),
            Category::Transient
        );
        assert_eq!(
            classify_status(StatusCode::BAD_GATEWAY),
            Category::Transient
        );
        assert_eq!(classify_status(StatusCode::FORBIDDEN), Category::Auth);
        assert_eq!(
            registry_message(r#"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}"#).unwrap(),
            "digest invalid: provided digest did not match uploaded content"
        );
    }
}
