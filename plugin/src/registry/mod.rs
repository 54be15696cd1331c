//! Container registries and OCI image layouts: references normalised as
//! podman does, credentials found as podman/skopeo find them, TLS verified
//! unless asked otherwise, manifests copied byte for byte, blobs streamed and
//! verified. Built on `oci-client` over rustls with the ring provider only.

pub mod auth;
pub mod catalog;
pub mod client;
pub mod layout;
pub mod manifest;
pub mod source;

use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Registry flags shared by every command that talks to a registry (podman/skopeo names).
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArgs {
    /// Auth file (podman's auth.json or docker's config.json). Default: REGISTRY_AUTH_FILE, then
    /// ${XDG_RUNTIME_DIR}/containers/auth.json, ~/.config/containers/auth.json, ~/.docker/config.json.
    #[arg(
        short = 'a',
        long,
        value_name = "FILE",
        global = true,
        help_heading = "Registry options"
    )]
    pub authfile: Option<PathBuf>,
    /// Credentials USER:PASSWORD (instead of an auth file).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        global = true,
        help_heading = "Registry options"
    )]
    pub creds: Option<String>,
    /// Directory of CA certificates (*.crt) to trust for the registry's TLS certificate.
    #[arg(
        long,
        value_name = "DIR",
        global = true,
        help_heading = "Registry options"
    )]
    pub cert_dir: Option<PathBuf>,
    /// Verify TLS certificates (default). `--tls-verify=false` also allows plain HTTP.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true, global = true, help_heading = "Registry options")]
    pub tls_verify: bool,
    /// Platform to take from a multi-platform image (os/arch[/variant]). Default: the host's.
    #[arg(
        long,
        value_name = "OS/ARCH",
        global = true,
        help_heading = "Registry options"
    )]
    pub platform: Option<String>,
}

impl RegistryArgs {
    pub fn options(&self) -> Options {
        Options {
            auth: auth::AuthConfig {
                authfile: self.authfile.clone(),
                creds: self.creds.clone(),
            },
            cert_dir: self.cert_dir.clone(),
            tls_verify: self.tls_verify,
            platform: self
                .platform
                .clone()
                .unwrap_or_else(manifest::host_platform),
            platform_given: self.platform.is_some(),
        }
    }
}

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct Options {
    pub auth: auth::AuthConfig,
    pub cert_dir: Option<PathBuf>,
    pub tls_verify: bool,
    pub platform: String,
    /// `--platform` was given (else `platform` is the host's).
    pub platform_given: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            auth: auth::AuthConfig::default(),
            cert_dir: None,
            tls_verify: true,
            platform: manifest::host_platform(),
            platform_given: false,
        }
    }
}

static OPTIONS: std::sync::OnceLock<Options> = std::sync::OnceLock::new();

/// Set the registry options of this run (from the global flags; once).
pub fn set_options(o: Options) {
    let _ = OPTIONS.set(o);
}

/// The registry options of this run (defaults when none were set).
pub fn options() -> Options {
    OPTIONS.get().cloned().unwrap_or_default()
}

/// Install rustls' ring provider as the process default (once; later calls do nothing).
pub fn ensure_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Run a future to completion on a fresh runtime (commands are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    Ok(rt.block_on(f))
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// SHA-256 of everything written through it (also usable as an `io::Write` sink wrapper).
#[derive(Default)]
pub struct Sha256Writer {
    hasher: Sha256,
    pub len: u64,
}

impl Sha256Writer {
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.len += data.len() as u64;
    }
    /// `sha256:<hex>`.
    pub fn digest(&self) -> String {
        format!("sha256:{}", hex::encode(self.hasher.clone().finalize()))
    }
}

/// An `io::Write` that hashes what passes through to `inner`.
pub struct HashingWriter<W> {
    pub inner: W,
    pub hash: Sha256Writer,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
