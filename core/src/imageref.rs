//! Container image references as opm checks them (v1.64+).
//!
//! opm validates every non-empty bundle `image` and `relatedImages[].image`
//! with `ParseNormalizedNamed` from `go.podman.io/image/v5/docker/reference`
//! (containers/image's fork of docker/distribution's `reference`), whose
//! digests are then checked by `opencontainers/go-digest` v1.0.0. This module
//! reproduces that grammar, normalization and the exact error strings.
//!
//! Differences from `github.com/distribution/reference` worth knowing: no
//! IPv6 `[::1]` domains, and digests must be `sha256`, `sha384` or `sha512`
//! with lowercase hex of the right length.

use std::fmt;

use crate::semver::go_quote;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";

/// Longest repository name (domain and path) accepted, in bytes.
pub const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// `ErrReferenceInvalidFormat`.
pub const ERR_INVALID_FORMAT: &str = "invalid reference format";
/// What `ParseNormalizedNamed` says when the repository path has uppercase.
pub const ERR_NOT_LOWERCASE: &str = "invalid reference format: repository name must be lowercase";

/// A parsed, normalized image reference (`docker.io/library/` filled in).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (and port); empty only for odd names such as `a_b.c/x`.
    pub domain: String,
    /// Repository path below the domain, e.g. `library/busybox`.
    pub path: String,
    /// Tag after `:`, if any (no `latest` is added).
    pub tag: Option<String>,
    /// Digest after `@` (`algorithm:hex`), if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Whether the reference names a digest (`@sha256:...`).
    pub fn is_digest_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The repository name: `domain/path` (just `path` without a domain).
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.domain.is_empty() {
            write!(f, "{}/", self.domain)?;
        }
        f.write_str(&self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// opm's `validateImagePullSpec`: `Ok(None)` for `""` (not checked), else the
/// parsed reference or `invalid image pull spec "<s>": <cause>` (opm prefixes
/// it with `package "p" bundle "b" image: ` or `... relatedImages[i].image: `).
pub fn validate_pull_spec(s: &str) -> Result<Option<ImageRef>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_normalized(s)
        .map(Some)
        .map_err(|e| format!("invalid image pull spec {}: {e}", go_quote(s)))
}

/// `reference.ParseNormalizedNamed` (podman fork) with its error strings.
pub fn parse_normalized(s: &str) -> Result<ImageRef, String> {
    if is_identifier(s) {
        return Err(format!(
            "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        ));
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote_name = remainder.split(':').next().unwrap_or_default();
    if go_to_lower(remote_name) != remote_name {
        return Err(ERR_NOT_LOWERCASE.to_string());
    }
    parse(&format!("{domain}/{remainder}"))
}

/// `[a-f0-9]{64}`, anchored.
fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'))
}

/// `splitDockerDomain`: the first `/`-segment is a registry only if it has a
/// `.` or `:` or is `localhost`; docker.io names get `library/` when bare.
fn split_docker_domain(s: &str) -> (&str, String) {
    let (mut domain, remainder) = match s.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (DEFAULT_DOMAIN, s),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN;
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        return (domain, format!("{OFFICIAL_REPO_PREFIX}{remainder}"));
    }
    (domain, remainder.to_string())
}

/// Go `strings.ToLower`: simple per-rune lowercase mapping.
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

/// `reference.Parse`.
fn parse(s: &str) -> Result<ImageRef, String> {
    let Some((name, tag, digest)) = match_reference(s) else {
        if s.is_empty() {
            return Err("repository name must have at least one component".to_string());
        }
        if match_reference(&go_to_lower(s)).is_some() {
            return Err("repository name must be lowercase".to_string());
        }
        return Err(ERR_INVALID_FORMAT.to_string());
    };
    if name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(format!(
            "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        ));
    }
    let (domain, path) = split_name(name);
    if let Some(d) = digest {
        validate_digest(d)?;
    }
    Ok(ImageRef {
        domain: domain.to_string(),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// The anchored `ReferenceRegexp`: `name[:tag][@digest]`, as
/// `(name, tag, digest)` on a match.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest
        && !is_digest_pat(d)
    {
        return None;
    }
    // A name has a ':' only as a domain port, always followed by a '/'; so
    // a ':' after the last '/' starts the tag.
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(i) if last_slash.is_none_or(|sl| i > sl) => {
            let (n, t) = rest.split_at(i);
            (n, Some(t.get(1..).unwrap_or_default()))
        }
        _ => (rest, None),
    };
    if let Some(t) = tag
        && !is_tag(t)
    {
        return None;
    }
    if !is_name(name) {
        return None;
    }
    Some((name, tag, digest))
}

/// `anchoredNameRegexp` captures: the domain (greedy) and the path.
fn split_name(name: &str) -> (&str, &str) {
    if let Some((first, rest)) = name.split_once('/')
        && is_domain(first)
        && is_path(rest)
    {
        return (first, rest);
    }
    ("", name)
}

fn is_name(name: &str) -> bool {
    is_path(name)
        || name
            .split_once('/')
            .is_some_and(|(first, rest)| is_domain(first) && is_path(rest))
}

/// `nameComponent(/nameComponent)*`.
fn is_path(p: &str) -> bool {
    p.split('/').all(is_name_component)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`.
fn is_name_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if !b.first().is_some_and(|&x| alnum(x)) || !b.last().is_some_and(|&x| alnum(x)) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b.get(i).is_some_and(|&x| alnum(x)) {
            i += 1;
            continue;
        }
        let start = i;
        while b.get(i).is_some_and(|&x| !alnum(x)) {
            i += 1;
        }
        let sep = b.get(start..i).unwrap_or_default();
        let ok = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `domainComponent(\.domainComponent)*(:[0-9]+)?`.
fn is_domain(d: &str) -> bool {
    let (host, port) = match d.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    host.split('.').all(|c| {
        let b = c.as_bytes();
        !b.is_empty()
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
            && b.first() != Some(&b'-')
            && b.last() != Some(&b'-')
    })
}

/// `[\w][\w.-]{0,127}`.
fn is_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    b.first().is_some_and(|&x| word(x))
        && b.len() <= 128
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`.
fn is_digest_pat(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && alg.split(['-', '_', '+', '.']).all(|c| {
            c.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
                && c.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// go-digest v1.0.0 `Digest.Validate` on a digest that matched the
/// reference grammar.
fn validate_digest(d: &str) -> Result<(), String> {
    const INVALID: &str = "invalid checksum digest format";
    let Some((alg, encoded)) = d.split_once(':') else {
        return Err(INVALID.to_string());
    };
    if alg.is_empty() || encoded.is_empty() {
        return Err(INVALID.to_string());
    }
    let size = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            // `DigestRegexpAnchored`: `[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
            let alg_ok = alg.split(['.', '+', '_', '-']).all(|c| {
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            let enc_ok = encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
            return Err(if alg_ok && enc_ok {
                "unsupported digest algorithm"
            } else {
                INVALID
            }
            .to_string());
        }
    };
    if encoded.len() != size * 2 {
        return Err("invalid checksum digest length".to_string());
    }
    if !encoded
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(INVALID.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

    fn ok(s: &str) -> ImageRef {
        parse_normalized(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        parse_normalized(s).expect_err(s)
    }

    #[test]
    fn normalizes_docker_hub_names() {
        let r = ok("busybox");
        assert_eq!(r.domain, "docker.io");
        assert_eq!(r.path, "library/busybox");
        assert_eq!(r.tag, None);
        assert_eq!(r.to_string(), "docker.io/library/busybox");
        assert_eq!(
            ok("busybox:1.36").to_string(),
            "docker.io/library/busybox:1.36"
        );
        assert_eq!(ok("foo/bar").to_string(), "docker.io/foo/bar");
        assert_eq!(ok("docker.io/foo").to_string(), "docker.io/library/foo");
        assert_eq!(
            ok("index.docker.io/foo").to_string(),
            "docker.io/library/foo"
        );
        assert_eq!(ok("index.docker.io/a/b").name(), "docker.io/a/b");
        assert_eq!(ok("localhost").to_string(), "docker.io/library/localhost");
        let lp = ok("localhost:5000");
        assert_eq!(lp.name(), "docker.io/library/localhost");
        assert_eq!(lp.tag.as_deref(), Some("5000"));
        // Looks like a digest but is a name with a tag.
        assert_eq!(ok("sha256:abc").to_string(), "docker.io/library/sha256:abc");
    }

    #[test]
    fn registries_ports_tags_digests() {
        let r = ok("quay.io/operator-framework/opm:v1.50.0");
        assert_eq!(r.domain, "quay.io");
        assert_eq!(r.path, "operator-framework/opm");
        assert_eq!(r.tag.as_deref(), Some("v1.50.0"));
        assert!(!r.is_digest_pinned());

        let s = format!("localhost:5000/a/b@sha256:{HEX64}");
        let d = ok(&s);
        assert_eq!(d.domain, "localhost:5000");
        assert_eq!(d.path, "a/b");
        assert_eq!(d.digest.as_deref(), Some(&*format!("sha256:{HEX64}")));
        assert!(d.is_digest_pinned());
        assert_eq!(d.to_string(), s);

        let both = format!("registry.example.com:443/ns/img:1.0@sha256:{HEX64}");
        let b = ok(&both);
        assert_eq!(b.tag.as_deref(), Some("1.0"));
        assert!(b.is_digest_pinned());
        assert_eq!(b.to_string(), both);
        assert_eq!(b.name(), "registry.example.com:443/ns/img");

        assert_eq!(ok("localhost/foo").domain, "localhost");
        assert_eq!(ok("Quay.IO/foo").domain, "Quay.IO");
        assert_eq!(
            ok("quay.io/foo:UPPER_tag").tag.as_deref(),
            Some("UPPER_tag")
        );
        assert_eq!(ok("a/b__c/d-----e/f.g_h").path, "a/b__c/d-----e/f.g_h");
        assert!(parse_normalized(&format!("a@sha384:{}", "0".repeat(96))).is_ok());
        assert!(parse_normalized(&format!("a@sha512:{}", "f".repeat(128))).is_ok());
        assert!(parse_normalized(&format!("a:{}", "t".repeat(128))).is_ok());
        // A first segment with '.' that is not a valid domain becomes path.
        let odd = ok("a_b.c/x");
        assert_eq!(odd.domain, "");
        assert_eq!(odd.path, "a_b.c/x");
        assert_eq!(odd.to_string(), "a_b.c/x");
        assert_eq!(odd.name(), "a_b.c/x");
    }

    #[test]
    fn error_strings() {
        assert_eq!(err("UPPER/case:tag"), ERR_NOT_LOWERCASE);
        assert_eq!(err("NOT A VALID IMAGE REF"), ERR_NOT_LOWERCASE);
        assert_eq!(err("quay.io/Foo/bar"), ERR_NOT_LOWERCASE);
        assert_eq!(err("localhost:5000/Foo"), ERR_NOT_LOWERCASE);
        assert_eq!(err("not a ref"), ERR_INVALID_FORMAT);
        assert_eq!(err(""), ERR_INVALID_FORMAT);
        assert_eq!(err("foo/bar:tag/x"), ERR_INVALID_FORMAT);
        assert_eq!(err("a/b:"), ERR_INVALID_FORMAT);
        assert_eq!(err("a//b"), ERR_INVALID_FORMAT);
        assert_eq!(err("a/b/"), ERR_INVALID_FORMAT);
        assert_eq!(err("-foo.com/x"), ERR_INVALID_FORMAT);
        assert_eq!(err("example.com:/x"), ERR_INVALID_FORMAT);
        assert_eq!(err("[::1]:5000/foo"), ERR_INVALID_FORMAT);
        assert_eq!(err("a..b"), ERR_INVALID_FORMAT);
        assert_eq!(err("a._b"), ERR_INVALID_FORMAT);
        assert_eq!(err("a___b"), ERR_INVALID_FORMAT);
        assert_eq!(err("_a"), ERR_INVALID_FORMAT);
        assert_eq!(err("a@b@c"), ERR_INVALID_FORMAT);
        assert_eq!(err("café"), ERR_INVALID_FORMAT);
        assert_eq!(err(&format!("a:{}", "t".repeat(129))), ERR_INVALID_FORMAT);
        assert_eq!(err(&format!("a:.{}", "t".repeat(3))), ERR_INVALID_FORMAT);
        assert_eq!(
            err(HEX64),
            format!(
                "invalid repository name ({HEX64}), cannot specify 64-byte hexadecimal strings"
            )
        );
        // Uppercase hex is not an identifier, just an uppercase name.
        assert_eq!(err(&HEX64.to_uppercase()), ERR_NOT_LOWERCASE);
        // Uppercase outside the path only shows after lowercasing everything:
        // the Kelvin sign lowercases to ASCII 'k'.
        assert_eq!(err("foo:\u{212A}"), "repository name must be lowercase");
        assert_eq!(err("\u{212A}"), ERR_NOT_LOWERCASE);
        let long = format!("quay.io/{}", "a".repeat(248));
        assert_eq!(long.len(), 256);
        assert_eq!(
            err(&long),
            "repository name must not be more than 255 characters"
        );
        assert!(parse_normalized(&format!("quay.io/{}", "a".repeat(247))).is_ok());
        // docker.io/library/ counts toward the limit.
        assert_eq!(
            err(&"a".repeat(238)),
            "repository name must not be more than 255 characters"
        );
        assert!(parse_normalized(&"a".repeat(237)).is_ok());
    }

    #[test]
    fn digest_errors() {
        assert_eq!(
            err(&format!("a@sha256:{}", &HEX64[1..])),
            "invalid checksum digest length"
        );
        assert_eq!(
            err(&format!("a@sha256:{}", HEX64.to_uppercase())),
            "invalid checksum digest format"
        );
        assert_eq!(
            err(&format!("a@md5:{}", &HEX64[..32])),
            "unsupported digest algorithm"
        );
        assert_eq!(
            err(&format!("a@sha256+b64:{HEX64}")),
            "unsupported digest algorithm"
        );
        assert_eq!(
            err(&format!("a:t@MD5:{}", &HEX64[..32])),
            "invalid checksum digest format"
        );
        // Without a tag, everything up to the first ':' is checked as the
        // repository name, digest algorithm included.
        assert_eq!(err(&format!("a@MD5:{}", &HEX64[..32])), ERR_NOT_LOWERCASE);
        assert_eq!(
            err(&format!("a@sha256:{}", &HEX64[..31])),
            ERR_INVALID_FORMAT
        );
        assert_eq!(err(&format!("a@1sha:{HEX64}")), ERR_INVALID_FORMAT);
        assert_eq!(err(&format!("a@sha256:{HEX64}g")), ERR_INVALID_FORMAT);
        assert_eq!(err("a@"), ERR_INVALID_FORMAT);
    }

    #[test]
    fn pull_spec_messages() {
        assert_eq!(validate_pull_spec(""), Ok(None));
        assert_eq!(
            validate_pull_spec("UPPER/case:tag").unwrap_err(),
            r#"invalid image pull spec "UPPER/case:tag": invalid reference format: repository name must be lowercase"#
        );
        assert_eq!(
            validate_pull_spec("NOT A VALID IMAGE REF").unwrap_err(),
            r#"invalid image pull spec "NOT A VALID IMAGE REF": invalid reference format: repository name must be lowercase"#
        );
        assert_eq!(
            validate_pull_spec("a\tb").unwrap_err(),
            r#"invalid image pull spec "a\tb": invalid reference format"#
        );
        assert_eq!(
            validate_pull_spec("quay.io/a/b:c")
                .unwrap()
                .unwrap()
                .to_string(),
            "quay.io/a/b:c"
        );
    }

    #[test]
    fn no_panics_on_odd_input() {
        for s in [
            "",
            "/",
            ":",
            "@",
            "/:",
            ":/",
            "@:",
            "a:",
            ":a",
            "a/",
            "/a",
            "é/é:é@é",
            "🙂:🙂",
            "localhost:",
            "localhost:/",
            "a:b:c",
            "a@b:c",
            "x/y@sha256:",
            "İ",
            "\u{0}",
        ] {
            let _ = parse_normalized(s);
            let _ = validate_pull_spec(s);
        }
    }
}
