//! Mapping files (`oc image mirror -f` format) and where each image goes.
//!
//! A line is `SOURCE=TARGET` (or `SOURCE TARGET`, or just `SOURCE` when the
//! command names a destination); `#` starts a comment; blank lines are
//! skipped. A reference is a registry image (`[docker://]host/path[:tag][@digest]`)
//! or an image in an OCI layout directory (`oci:DIR:REPO:TAG` or
//! `oci:DIR:REPO@sha256:…`).

use fbc_core::imageref;
use std::path::PathBuf;

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Registry {
        host: String,
        repo: String,
        /// Tag or `sha256:` digest.
        reference: String,
    },
    Layout {
        dir: PathBuf,
        repo: String,
        reference: String,
    },
}

impl Endpoint {
    /// The text written in mappings and retry files.
    pub fn text(&self) -> String {
        match self {
            Endpoint::Registry {
                host,
                repo,
                reference,
            } => format!("{host}/{}", super::store::ref_name(repo, reference)),
            Endpoint::Layout {
                dir,
                repo,
                reference,
            } => format!(
                "oci:{}:{}",
                dir.display(),
                super::store::ref_name(repo, reference)
            ),
        }
    }
    pub fn repo(&self) -> &str {
        match self {
            Endpoint::Registry { repo, .. } | Endpoint::Layout { repo, .. } => repo,
        }
    }
    pub fn reference(&self) -> &str {
        match self {
            Endpoint::Registry { reference, .. } | Endpoint::Layout { reference, .. } => reference,
        }
    }
}

/// Where the command sends images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Targets exactly as the mapping writes them.
    AsWritten,
    /// `docker://HOST[/NS]`: every target moves under it (its path kept).
    Registry { host: String, ns: Option<String> },
    /// `oci:DIR`: an OCI layout (targets keep their path, lose their registry).
    Layout(PathBuf),
}

/// `docker://HOST[/NS]` or `oci:DIR`.
pub fn parse_destination(s: &str) -> Result<Destination, String> {
    if let Some(rest) = s.strip_prefix("docker://") {
        let rest = rest.trim_end_matches('/');
        let (host, ns) = match rest.split_once('/') {
            Some((h, n)) => (h, Some(n.to_string())),
            None => (rest, None),
        };
        if host.is_empty() || !(host.contains(['.', ':']) || host == "localhost") {
            return Err(format!(
                "destination {s}: the first part must be a registry host (with a '.' or a port, or localhost), e.g. docker://registry.example.com/mirror"
            ));
        }
        if let Some(n) = &ns
            && (n.contains(['@', ':']) || n.split('/').any(str::is_empty))
        {
            return Err(format!(
                "destination {s}: the namespace {n:?} must be a repository path (no tag or digest)"
            ));
        }
        return Ok(Destination::Registry {
            host: host.to_string(),
            ns,
        });
    }
    if let Some(dir) = s.strip_prefix("oci:") {
        if dir.is_empty() {
            return Err(format!("destination {s}: give a directory, oci:DIR"));
        }
        return Ok(Destination::Layout(PathBuf::from(dir)));
    }
    Err(format!(
        "destination {s}: expected docker://REGISTRY[/NAMESPACE], oci:DIR or file://DIR"
    ))
}

/// A registry reference: host, repository, tag-or-digest (`None` when it has neither).
fn parse_registry(s: &str) -> Result<(String, String, Option<String>, Option<String>), String> {
    let s = s.strip_prefix("docker://").unwrap_or(s);
    let r = imageref::parse_normalized(s).map_err(|e| format!("{s}: {e}"))?;
    Ok((r.domain, r.path, r.tag, r.digest))
}

/// `oci:DIR:NAME` → dir, repo, tag-or-digest.
fn parse_layout(s: &str) -> Result<(PathBuf, String, Option<String>), String> {
    let rest = s.strip_prefix("oci:").unwrap_or(s);
    let Some((dir, name)) = rest.split_once(':') else {
        return Err(format!(
            "{s}: expected oci:DIR:REPO:TAG or oci:DIR:REPO@sha256:…"
        ));
    };
    match super::store::split_ref_name(name) {
        Some((repo, r)) => Ok((PathBuf::from(dir), repo, Some(r))),
        None if !name.is_empty() => Ok((PathBuf::from(dir), name.to_string(), None)),
        None => Err(format!("{s}: no image name after the directory")),
    }
}

/// Parse one side of a line.
pub fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    if s.starts_with("oci:") {
        let (dir, repo, r) = parse_layout(s)?;
        return Ok(Endpoint::Layout {
            dir,
            repo,
            reference: r.unwrap_or_else(|| "latest".into()),
        });
    }
    let (host, repo, tag, digest) = parse_registry(s)?;
    Ok(Endpoint::Registry {
        host,
        repo,
        reference: digest.or(tag).unwrap_or_else(|| "latest".into()),
    })
}

/// One line of a mapping file (read by core's `parse_mapping`, the one parser).
pub use fbc_core::mirror::plan::MappingLine as Line;

/// What a side of a mapping line may be here: a registry image or an image
/// in an OCI layout (the `check` given to `fbc_core::mirror::plan::parse_mapping`).
pub fn check_endpoint(s: &str) -> Result<(), String> {
    parse_endpoint(s).map(drop)
}

/// Source and target of a line for `dest`, and the digest the target must
/// have when it names both a tag and a digest (`host/path:tag@sha256:…`: the
/// image is pushed under the tag once its digest is checked).
pub fn resolve(
    line: &Line,
    dest: &Destination,
    file: &str,
) -> Result<(Endpoint, Endpoint, Option<String>), String> {
    let at = |e: String| format!("{file}:{}: {e}", line.line);
    let src = parse_endpoint(&line.source).map_err(at)?;
    // What the target is called (its path and, when written, its tag or digest).
    let mut pin = None;
    let (path, written_ref, written_host) = match &line.target {
        Some(t) if t.starts_with("oci:") => {
            let (dir, repo, r) = parse_layout(t).map_err(at)?;
            (repo, r, Some(Err(dir)))
        }
        Some(t) => {
            let (host, repo, tag, digest) = parse_registry(t).map_err(at)?;
            let r = match (tag, digest) {
                (Some(t), Some(d)) => {
                    pin = Some(d);
                    Some(t)
                }
                (t, d) => d.or(t),
            };
            (repo, r, Some(Ok(host)))
        }
        None => (src.repo().to_string(), None, None),
    };
    // No tag or digest on the target: the source's.
    let reference = written_ref.unwrap_or_else(|| src.reference().to_string());
    let dst = match dest {
        Destination::Registry { host, ns } => Endpoint::Registry {
            host: host.clone(),
            repo: match ns {
                Some(n) => format!("{n}/{path}"),
                None => path,
            },
            reference,
        },
        Destination::Layout(dir) => Endpoint::Layout {
            dir: dir.clone(),
            repo: path,
            reference,
        },
        Destination::AsWritten => match written_host {
            Some(Ok(host)) => Endpoint::Registry {
                host,
                repo: path,
                reference,
            },
            Some(Err(dir)) => Endpoint::Layout {
                dir,
                repo: path,
                reference,
            },
            None => {
                return Err(at(format!(
                    "{} has no target: write SOURCE=TARGET or give a destination (docker://REGISTRY[/NAMESPACE])",
                    line.source
                )));
            }
        },
    };
    Ok((src, dst, pin))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn reg(host: &str, repo: &str, r: &str) -> Endpoint {
        Endpoint::Registry {
            host: host.into(),
            repo: repo.into(),
            reference: r.into(),
        }
    }

    #[test]
    fn lines_comments_and_errors() {
        let parse = |t: &str| fbc_core::mirror::plan::parse_mapping("m.txt", t, check_endpoint);
        let text = format!(
            "# header\n\nquay.io/a/b:1=reg.local:5000/x/b:1@{D}\n oci:/d:a/c@{D}  reg.local:5000/x/c # tail\nquay.io/a/d\n"
        );
        let lines = parse(&text).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].line, 4);
        assert_eq!(lines[1].source, format!("oci:/d:a/c@{D}"));
        assert_eq!(lines[2].target, None);
        let e = parse("a b c\n").unwrap_err();
        assert!(e.starts_with("m.txt:1: expected SOURCE=TARGET"), "{e}");
        let e = parse("\nquay.io/A/b=x.io/c\n").unwrap_err();
        assert!(e.starts_with("m.txt:2: source quay.io/A/b:"), "{e}");
        let e = parse("quay.io/a/b=oci:/d\n").unwrap_err();
        assert!(
            e.starts_with("m.txt:1: target oci:/d: expected oci:DIR:REPO"),
            "{e}"
        );
    }

    #[test]
    fn targets() {
        let l = |s: &str, t: Option<&str>| Line {
            line: 1,
            source: s.into(),
            target: t.map(Into::into),
        };
        // as written; a target without tag takes the source's
        let (_, t, pin) = resolve(
            &l("quay.io/a/c:1", Some(&format!("reg.local:5000/x/c:1@{D}"))),
            &Destination::AsWritten,
            "m",
        )
        .unwrap();
        assert_eq!(
            (t, pin),
            (reg("reg.local:5000", "x/c", "1"), Some(D.to_string()))
        );
        let (s, t, _) = resolve(
            &l(&format!("quay.io/a/c@{D}"), Some("reg.local:5000/x/c")),
            &Destination::AsWritten,
            "m",
        )
        .unwrap();
        assert_eq!(s, reg("quay.io", "a/c", D));
        assert_eq!(t, reg("reg.local:5000", "x/c", D));
        // under a destination registry and namespace
        let dest = parse_destination("docker://127.0.0.1:5001/mirror").unwrap();
        let (_, t, _) = resolve(&l("quay.io/a/b:1", None), &dest, "m").unwrap();
        assert_eq!(t, reg("127.0.0.1:5001", "mirror/a/b", "1"));
        let (_, t, _) = resolve(&l("quay.io/a/b:1", Some("other.io/z/b:2")), &dest, "m").unwrap();
        assert_eq!(t, reg("127.0.0.1:5001", "mirror/z/b", "2"));
        // into a layout; from a layout
        let (_, t, _) = resolve(
            &l("quay.io/a/b:1", None),
            &Destination::Layout("/d".into()),
            "m",
        )
        .unwrap();
        assert_eq!(t.text(), "oci:/d:a/b:1");
        let (s, t, _) = resolve(
            &l("oci:/d:a/b:1", Some("r.io/a/b:1")),
            &Destination::AsWritten,
            "m",
        )
        .unwrap();
        assert_eq!(s.text(), "oci:/d:a/b:1");
        assert_eq!(t.text(), "r.io/a/b:1");
        let e = resolve(&l("quay.io/a/b:1", None), &Destination::AsWritten, "m").unwrap_err();
        assert!(e.contains("has no target"), "{e}");
        assert!(parse_destination("docker://registry/x").is_err());
        assert!(parse_destination("docker://localhost/x").is_ok());
    }
}
