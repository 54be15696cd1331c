//! One repository of one registry, reached with `oci-client`: raw manifests
//! (byte for byte), streamed and verified blobs, HEAD before upload,
//! cross-repository mounts. Every error names the registry and the image.

use super::auth::{self, Credentials};
use super::manifest::{self, MediaKind};
use super::{Options, sha256_hex};
use bytes::Bytes;
use fbc_core::imageref::{self, ImageRef};
use futures_util::{StreamExt, TryStreamExt};
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Every manifest type we read or write.
pub const ACCEPTED: &[&str] = &[
    manifest::OCI_MANIFEST,
    manifest::OCI_INDEX,
    manifest::DOCKER_MANIFEST,
    manifest::DOCKER_LIST,
];

/// A repository on a registry, with the client and credentials to reach it.
#[derive(Clone)]
pub struct Remote {
    pub image: ImageRef,
    /// The reference as given (for messages).
    pub shown: String,
    client: Client,
    auth: RegistryAuth,
    auth_source: Option<String>,
    reference: Reference,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Remote({})", self.shown)
    }
}

/// A pulled manifest: its exact bytes, kind and digest.
#[derive(Debug, Clone)]
pub struct RawManifest {
    pub bytes: Bytes,
    pub kind: MediaKind,
    /// `sha256:` of the bytes (verified against a digest reference).
    #[allow(dead_code)] // read by mirror (issue 5)
    pub digest: String,
}

/// Parse and normalise `s` as podman does (docker.io/library/, `latest` when no tag or digest).
pub fn parse_ref(s: &str) -> Result<ImageRef, String> {
    let s = s.strip_prefix("docker://").unwrap_or(s);
    let mut r = imageref::parse_normalized(s).map_err(|e| format!("{s}: {e}"))?;
    if r.tag.is_none() && r.digest.is_none() {
        r.tag = Some("latest".to_string());
    }
    Ok(r)
}

fn oci_reference(r: &ImageRef) -> Reference {
    match (&r.tag, &r.digest) {
        (Some(t), Some(d)) => {
            Reference::with_tag_and_digest(r.domain.clone(), r.path.clone(), t.clone(), d.clone())
        }
        (_, Some(d)) => Reference::with_digest(r.domain.clone(), r.path.clone(), d.clone()),
        (t, None) => Reference::with_tag(
            r.domain.clone(),
            r.path.clone(),
            t.clone().unwrap_or_else(|| "latest".into()),
        ),
    }
}

/// `*.crt` files of a directory as extra trust roots (podman's `--cert-dir`).
fn certs_in(dir: &Path) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| format!("--cert-dir {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.extension().is_some_and(|e| e == "crt") {
            let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.push(Certificate {
                encoding: CertificateEncoding::Pem,
                data,
            });
        }
    }
    Ok(out)
}

/// Does `host` answer HTTPS at all? (With `--tls-verify=false` a registry that
/// only speaks HTTP is then reached over HTTP, as skopeo does.)
pub(crate) async fn speaks_https(host: &str) -> bool {
    let Ok(c) = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
    else {
        return true;
    };
    match c.get(format!("https://{host}/v2/")).send().await {
        Ok(_) => true,
        Err(e) => !(e.is_connect() || e.is_request()),
    }
}

impl Remote {
    /// Connect to the repository of `reference` (credentials and TLS from `opts`).
    pub async fn connect(
        reference: &str,
        opts: &Options,
        op: RegistryOperation,
    ) -> Result<Self, String> {
        super::ensure_crypto();
        let image = parse_ref(reference)?;
        let host = image.domain.clone();
        let mut config = ClientConfig {
            use_monolithic_push: true,
            platform_resolver: None,
            user_agent: concat!("oc-catalog/", env!("CARGO_PKG_VERSION")),
            ..Default::default()
        };
        let mut cert_dirs: Vec<PathBuf> = Vec::new();
        match &opts.cert_dir {
            Some(d) => cert_dirs.push(d.clone()),
            None => {
                for base in ["/etc/containers/certs.d", "/etc/docker/certs.d"] {
                    let d = Path::new(base).join(&host);
                    if d.is_dir() {
                        cert_dirs.push(d);
                    }
                }
            }
        }
        for d in &cert_dirs {
            config.extra_root_certificates.extend(certs_in(d)?);
        }
        if !opts.tls_verify {
            config.accept_invalid_certificates = true;
            if !speaks_https(&host).await {
                config.protocol = ClientProtocol::HttpsExcept(vec![host.clone()]);
            }
        }
        let client = Client::try_from(config).map_err(|e| format!("{host}: {e}"))?;
        let found = auth::lookup(&opts.auth, &host, &image.path)?;
        let auth = match found.creds {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { username, password } => RegistryAuth::Basic(username, password),
            Credentials::Bearer(t) => RegistryAuth::Bearer(t),
        };
        let reference_oci = oci_reference(&image);
        let remote = Remote {
            shown: image.to_string(),
            image,
            client,
            auth,
            auth_source: found.source,
            reference: reference_oci,
        };
        remote
            .client
            .auth(&remote.reference, &remote.auth, op)
            .await
            .map_err(|e| remote.error("authenticating", e))?;
        Ok(remote)
    }

    /// The same registry and credentials, another reference (tag or digest) of this repository.
    fn at(&self, tag_or_digest: &str) -> Reference {
        let mut r = self.image.clone();
        if tag_or_digest.contains(':') {
            r.digest = Some(tag_or_digest.to_string());
            r.tag = None;
        } else {
            r.tag = Some(tag_or_digest.to_string());
            r.digest = None;
        }
        oci_reference(&r)
    }

    pub fn registry(&self) -> &str {
        &self.image.domain
    }

    /// A clear message for a failed registry operation.
    pub fn error(&self, doing: &str, e: OciDistributionError) -> String {
        let reg = self.registry();
        let creds = match &self.auth_source {
            Some(s) => format!("the credentials for {reg} from {s}"),
            None => format!(
                "no credentials were found for {reg}: give --authfile, --creds, or log in with podman/skopeo login"
            ),
        };
        let rejected = match &self.auth_source {
            Some(s) => format!("the credentials for {reg} from {s} were rejected"),
            None => creds.clone(),
        };
        let detail = match &e {
            OciDistributionError::UnauthorizedError { .. } => {
                format!("unauthorized: authentication required ({rejected})")
            }
            OciDistributionError::AuthenticationFailure(m) => {
                format!("authentication failed: {} (check {creds})", m.trim())
            }
            OciDistributionError::RegistryError { envelope, .. } => {
                let msgs: Vec<String> = envelope
                    .errors
                    .iter()
                    .map(|x| {
                        let code = match &x.code {
                            OciErrorCode::ManifestUnknown => "manifest unknown".to_string(),
                            OciErrorCode::BlobUnknown => "blob unknown".to_string(),
                            OciErrorCode::NameUnknown => "repository name not known to registry".to_string(),
                            OciErrorCode::Unauthorized => {
                                format!("unauthorized: authentication required (check {creds})")
                            }
                            OciErrorCode::Denied => {
                                format!("denied: requested access to the resource is denied (check {creds})")
                            }
                            c => format!("{c:?}"),
                        };
                        if x.message.is_empty() || code.contains(&x.message) {
                            code
                        } else {
                            format!("{code}: {}", x.message)
                        }
                    })
                    .collect();
                msgs.join("; ")
            }
            OciDistributionError::ImageManifestNotFoundError(m) => format!("manifest unknown: {m}"),
            OciDistributionError::ServerError { code, message, .. } => match code {
                401 => format!("unauthorized: authentication required ({rejected})"),
                404 => "not found".to_string(),
                _ => format!("HTTP {code}: {}", message.trim()),
            },
            OciDistributionError::DigestError(d) => format!("corrupted content: {d}"),
            OciDistributionError::RequestError(r)
                if r.status().is_some_and(|s| s.as_u16() == 401) =>
            {
                format!("unauthorized: authentication required ({rejected})")
            }
            OciDistributionError::RequestError(r)
                if r.status().is_some_and(|s| s.as_u16() == 403) =>
            {
                format!("denied: requested access to the resource is denied (check {creds})")
            }
            OciDistributionError::RequestError(r) => request_error(r, reg),
            other => other.to_string(),
        };
        format!("{doing} {}: {detail}", self.shown)
    }

    /// Pull a manifest by tag or digest, raw. A digest reference is verified.
    pub async fn manifest(&self, tag_or_digest: Option<&str>) -> Result<RawManifest, String> {
        let reference = match tag_or_digest {
            Some(t) => self.at(t),
            None => self.reference.clone(),
        };
        let (bytes, digest) = self
            .client
            .pull_manifest_raw(&reference, &self.auth, ACCEPTED)
            .await
            .map_err(|e| self.error("reading manifest of", e))?;
        let actual = format!("sha256:{}", sha256_hex(&bytes));
        if let Some(want) = reference.digest()
            && want != actual
        {
            return Err(format!(
                "reading manifest of {}: corrupted content: digest is {actual}, expected {want}",
                self.shown
            ));
        }
        let _ = digest;
        let kind =
            manifest::sniff(&bytes).map_err(|e| format!("manifest of {}: {e}", self.shown))?;
        Ok(RawManifest {
            bytes,
            kind,
            digest: actual,
        })
    }

    /// A small blob (a config) in memory, verified.
    pub async fn blob_bytes(&self, digest: &str, max: u64) -> Result<Vec<u8>, String> {
        let mut stream = self
            .client
            .pull_blob_stream(&self.reference, digest)
            .await
            .map_err(|e| self.error(&format!("reading blob {digest} of"), e))?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.blob_stream_error(digest, e))?;
            out.extend_from_slice(&chunk);
            if out.len() as u64 > max {
                return Err(format!(
                    "{}: blob {digest} is larger than {max} bytes",
                    self.shown
                ));
            }
        }
        Ok(out)
    }

    fn blob_stream_error(&self, digest: &str, e: std::io::Error) -> String {
        let msg = e.to_string();
        if msg.to_lowercase().contains("digest") {
            format!(
                "reading blob {digest} of {}: corrupted content: {msg}",
                self.shown
            )
        } else {
            format!("reading blob {digest} of {}: {msg}", self.shown)
        }
    }

    /// Stream a blob into `dest` (through a temporary file beside it, renamed
    /// only once the digest is verified).
    pub async fn blob_to_file(&self, digest: &str, dest: &Path) -> Result<u64, String> {
        let mut stream = self
            .client
            .pull_blob_stream(&self.reference, digest)
            .await
            .map_err(|e| self.error(&format!("reading blob {digest} of"), e))?;
        let tmp = tmp_path(dest);
        let mut file = tokio::fs::File::create(&tmp)
            .await
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        let mut hasher = super::Sha256Writer::default();
        let mut n = 0u64;
        let result: Result<(), String> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.blob_stream_error(digest, e))?;
                hasher.update(&chunk);
                n += chunk.len() as u64;
                file.write_all(&chunk)
                    .await
                    .map_err(|e| format!("{}: {e}", tmp.display()))?;
            }
            file.flush()
                .await
                .map_err(|e| format!("{}: {e}", tmp.display()))?;
            let actual = hasher.digest();
            if actual != digest {
                return Err(format!(
                    "reading blob {digest} of {}: corrupted content: digest is {actual}",
                    self.shown
                ));
            }
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        Ok(n)
    }

    /// Whether the repository already has the blob (HEAD).
    pub async fn has_blob(&self, digest: &str) -> Result<bool, String> {
        self.client
            .blob_exists(&self.reference, digest)
            .await
            .map_err(|e| self.error(&format!("checking blob {digest} in"), e))
    }

    /// Upload a blob from a file, streaming it (unless the registry has it already).
    pub async fn push_blob_file(&self, path: &Path, digest: &str, size: u64) -> Result<(), String> {
        if self.has_blob(digest).await? {
            return Ok(());
        }
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let stream = file_stream(file);
        self.client
            .push_blob_stream(&self.reference, stream, digest, Some(size))
            .await
            .map_err(|e| self.error(&format!("uploading blob {digest} to"), e))?;
        Ok(())
    }

    /// Upload a small blob held in memory.
    pub async fn push_blob_bytes(&self, data: Vec<u8>, digest: &str) -> Result<(), String> {
        if self.has_blob(digest).await? {
            return Ok(());
        }
        self.client
            .push_blob(&self.reference, data, digest)
            .await
            .map_err(|e| self.error(&format!("uploading blob {digest} to"), e))?;
        Ok(())
    }

    /// Put a manifest, byte for byte, under `tag_or_digest` (the reference's own tag when `None`).
    pub async fn push_manifest(
        &self,
        bytes: &[u8],
        media_type: &str,
        tag_or_digest: Option<&str>,
    ) -> Result<(), String> {
        let reference = match tag_or_digest {
            Some(t) => self.at(t),
            None => self.reference.clone(),
        };
        let ct = reqwest::header::HeaderValue::from_str(media_type)
            .map_err(|e| format!("media type {media_type}: {e}"))?;
        self.client
            .push_manifest_raw(&reference, Bytes::copy_from_slice(bytes), ct)
            .await
            .map_err(|e| self.error("writing manifest of", e))?;
        Ok(())
    }
}

/// A file as a stream of chunks, read as the upload goes.
fn file_stream(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<Bytes, OciDistributionError>> + Send + 'static {
    futures_util::stream::try_unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 1 << 20];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), file)))
    })
    .map_err(OciDistributionError::IoError)
}

pub fn tmp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Name the cause of a transport failure as skopeo does (unknown CA, refused connection).
fn request_error(e: &reqwest::Error, registry: &str) -> String {
    let mut chain = Vec::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let all = chain.join(": ");
    if all.contains("UnknownIssuer") || all.contains("unknown issuer") {
        return format!(
            "pinging container registry {registry}: x509: certificate signed by unknown authority \
             (trust its CA with --cert-dir DIR holding the CA's .crt file, or pass --tls-verify=false)"
        );
    }
    if all.contains("InvalidContentType") || all.contains("corrupt message") {
        return format!(
            "{registry} does not answer HTTPS (a plain-HTTP registry?): pass --tls-verify=false to allow plain HTTP"
        );
    }
    if all.contains("certificate") || all.contains("Certificate") {
        return format!("TLS error talking to {registry}: {all}");
    }
    if e.is_connect() {
        return format!("cannot connect to registry {registry}: {all}");
    }
    format!("{registry}: {all}")
}
