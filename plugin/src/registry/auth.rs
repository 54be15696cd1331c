//! Registry credentials, found as podman and skopeo find them.
//!
//! Order: `--creds`; then the auth file named by `--authfile`/`-a` or
//! `REGISTRY_AUTH_FILE` (only that file); otherwise
//! `${XDG_RUNTIME_DIR}/containers/auth.json`,
//! `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json` and
//! `${DOCKER_CONFIG:-~/.docker}/config.json`, the first file with an entry for
//! the registry winning. An entry is looked up by the most specific key first
//! (`host/ns/repo`, `host/ns`, `host`), keys may carry `https://` and a
//! trailing `/v1/` (docker's `https://index.docker.io/v1/` for docker.io). An
//! entry gives `auth` (base64 `user:password`), `username`+`password`,
//! `identitytoken` or `registrytoken`; `credHelpers[host]` or `credsStore`
//! run `docker-credential-<helper> get` as docker does.

use base64::Engine;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    /// A registry token sent as `Authorization: Bearer`.
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credentials::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Where credentials came from, for error messages.
#[derive(Debug, Clone)]
pub struct Found {
    pub creds: Credentials,
    /// `--creds`, a file path or `docker-credential-<helper>`; `None` when anonymous.
    pub source: Option<String>,
}

/// What the user gave on the command line.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// `--authfile` (or `REGISTRY_AUTH_FILE` when the flag is absent).
    pub authfile: Option<PathBuf>,
    /// `--creds user:password`.
    pub creds: Option<String>,
}

/// The files searched, in order, when no auth file is named.
pub fn default_auth_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(x).join("containers/auth.json"));
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(c) = config_home {
        out.push(c.join("containers/auth.json"));
    }
    let docker = std::env::var_os("DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".docker")));
    if let Some(d) = docker {
        out.push(d.join("config.json"));
    }
    out
}

/// Credentials for `host` (`registry[:port]`) and repository `path`.
pub fn lookup(cfg: &AuthConfig, host: &str, path: &str) -> Result<Found, String> {
    if let Some(c) = &cfg.creds {
        let (u, p) = c.split_once(':').unwrap_or((c.as_str(), ""));
        return Ok(Found {
            creds: Credentials::Basic {
                username: u.to_string(),
                password: p.to_string(),
            },
            source: Some("--creds".to_string()),
        });
    }
    let explicit = cfg.authfile.clone().or_else(|| {
        std::env::var_os("REGISTRY_AUTH_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(file) = explicit {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading auth file {}: {e}", file.display()))?;
        return Ok(lookup_in(&text, &file, host, path)?.unwrap_or(Found {
            creds: Credentials::Anonymous,
            source: None,
        }));
    }
    for file in default_auth_files() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Some(found) = lookup_in(&text, &file, host, path)? {
            return Ok(found);
        }
    }
    Ok(Found {
        creds: Credentials::Anonymous,
        source: None,
    })
}

/// Keys of an auth file that may name `host`/`path`, most specific first.
fn candidate_keys(host: &str, path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut p = path;
    loop {
        keys.push(format!("{host}/{p}"));
        match p.rsplit_once('/') {
            Some((parent, _)) => p = parent,
            None => break,
        }
    }
    keys.push(host.to_string());
    keys
}

/// A key of `auths` as podman normalises it: no scheme, no trailing `/`, no `/v1`/`/v2`.
pub(crate) fn normalize_key(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let k = k.trim_end_matches('/');
    let k = k
        .strip_suffix("/v1")
        .or_else(|| k.strip_suffix("/v2"))
        .unwrap_or(k);
    match k {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => k.to_string(),
    }
}

/// Look `host`/`path` up in one auth file's text.
pub fn lookup_in(text: &str, file: &Path, host: &str, path: &str) -> Result<Option<Found>, String> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("auth file {}: not valid JSON: {e}", file.display()))?;
    let host_n = normalize_key(host);
    if let Some(auths) = v.get("auths").and_then(Value::as_object) {
        for key in candidate_keys(&host_n, path) {
            for (k, entry) in auths {
                if normalize_key(k) != key {
                    continue;
                }
                if let Some(creds) = entry_creds(entry, k, file)? {
                    return Ok(Some(Found {
                        creds,
                        source: Some(file.display().to_string()),
                    }));
                }
            }
        }
    }
    let helper = v
        .get("credHelpers")
        .and_then(Value::as_object)
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| normalize_key(k) == host_n)
                .map(|(_, v)| v)
        })
        .or_else(|| v.get("credsStore"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if let Some(helper) = helper {
        return credential_helper(helper, host).map(Some);
    }
    Ok(None)
}

fn entry_creds(entry: &Value, key: &str, file: &Path) -> Result<Option<Credentials>, String> {
    let s = |f: &str| {
        entry
            .get(f)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(tok) = s("registrytoken") {
        return Ok(Some(Credentials::Bearer(tok.to_string())));
    }
    if let Some(auth) = s("auth") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| {
                format!(
                    "auth file {}: entry {key:?}: 'auth' is not base64: {e}",
                    file.display()
                )
            })?;
        let raw = String::from_utf8(raw).map_err(|_| {
            format!(
                "auth file {}: entry {key:?}: 'auth' is not UTF-8",
                file.display()
            )
        })?;
        let Some((u, p)) = raw.split_once(':') else {
            return Err(format!(
                "auth file {}: entry {key:?}: 'auth' must be base64 of user:password",
                file.display()
            ));
        };
        return Ok(Some(Credentials::Basic {
            username: u.to_string(),
            password: p.to_string(),
        }));
    }
    if let (Some(u), Some(p)) = (s("username"), s("password")) {
        return Ok(Some(Credentials::Basic {
            username: u.to_string(),
            password: p.to_string(),
        }));
    }
    if let Some(tok) = s("identitytoken") {
        // docker sends an identity token as the password of the token request.
        return Ok(Some(Credentials::Basic {
            username: "<token>".to_string(),
            password: tok.to_string(),
        }));
    }
    Ok(None)
}

/// `docker-credential-<helper> get`, the registry host on standard input.
fn credential_helper(helper: &str, host: &str) -> Result<Found, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("credential helper {program} for {host}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(host.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("credential helper {program} for {host}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // "credentials not found in native keychain": anonymous, as docker does.
        if stdout.contains("credentials not found") {
            return Ok(Found {
                creds: Credentials::Anonymous,
                source: None,
            });
        }
        return Err(format!(
            "credential helper {program} for {host} failed: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let v: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("credential helper {program} for {host}: bad output: {e}"))?;
    let user = v.get("Username").and_then(Value::as_str).unwrap_or("");
    let secret = v.get("Secret").and_then(Value::as_str).unwrap_or("");
    Ok(Found {
        creds: Credentials::Basic {
            username: user.to_string(),
            password: secret.to_string(),
        },
        source: Some(program),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, host: &str, path: &str) -> Option<Credentials> {
        lookup_in(text, Path::new("auth.json"), host, path)
            .unwrap()
            .map(|f| f.creds)
    }

    fn basic(u: &str, p: &str) -> Option<Credentials> {
        Some(Credentials::Basic {
            username: u.into(),
            password: p.into(),
        })
    }

    #[test]
    fn base64_auth_and_key_forms() {
        // "user:pa:ss" — the password may contain ':'
        let text = r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
            "quay.io/org":{"username":"o","password":"p"},
            "quay.io":{"auth":"cTpx"},
            "127.0.0.1:5443":{"auth":"dGVzdHVzZXI6dGVzdHBhc3M="}}}"#;
        assert_eq!(
            find(text, "docker.io", "library/busybox"),
            basic("user", "pa:ss")
        );
        assert_eq!(find(text, "quay.io", "org/repo"), basic("o", "p"));
        assert_eq!(find(text, "quay.io", "other/repo"), basic("q", "q"));
        assert_eq!(
            find(text, "127.0.0.1:5443", "a/b"),
            basic("testuser", "testpass")
        );
        assert_eq!(find(text, "127.0.0.1:5000", "a/b"), None);
    }

    #[test]
    fn tokens() {
        let text = r#"{"auths":{"r.io":{"registrytoken":"abc"},"s.io":{"identitytoken":"t"}}}"#;
        assert_eq!(
            find(text, "r.io", "x"),
            Some(Credentials::Bearer("abc".into()))
        );
        assert_eq!(find(text, "s.io", "x"), basic("<token>", "t"));
    }

    #[test]
    fn bad_base64_is_an_error_naming_the_file() {
        let e = lookup_in(
            r#"{"auths":{"r.io":{"auth":"%%%"}}}"#,
            Path::new("/x/auth.json"),
            "r.io",
            "a",
        )
        .unwrap_err();
        assert!(e.contains("/x/auth.json") && e.contains("base64"), "{e}");
    }

    #[test]
    fn explicit_creds_win() {
        let cfg = AuthConfig {
            authfile: None,
            creds: Some("u:p".into()),
        };
        assert_eq!(
            lookup(&cfg, "h", "p").unwrap().creds,
            basic("u", "p").unwrap()
        );
    }
}
