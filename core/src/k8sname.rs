//! Kubernetes name validation (k8s.io/apimachinery `pkg/util/validation`)
//! with its exact messages, plus a deterministic DNS-1035 name maker.
//!
//! opm checks package names with `IsDNS1123Label` and prints the list Go
//! style: `invalid package name "Foo_Bad": [<message>]` (see [`go_fmt_list`]).
//! Lengths are counted in bytes, as Go's `len`.

/// Longest DNS-1123 label (also DNS-1035 label), in bytes.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Longest DNS-1123 subdomain, in bytes.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Longest DNS-1035 label, in bytes.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/// apimachinery `MaxLenError`.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// apimachinery `RegexError` (its odd `',  or '` spacing included).
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(e);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

/// Go's `%v` of a `[]string`: `[a b c]`.
pub fn go_fmt_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(|&x| is_lower_alnum(x))
        && b.last().is_some_and(|&x| is_lower_alnum(x))
        && b.iter().all(|&x| is_lower_alnum(x) || x == b'-')
}

/// `^<label>(\.<label>)*$`
fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1035_label(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_lowercase)
        && b.last().is_some_and(|&x| is_lower_alnum(x))
        && b.iter().all(|&x| is_lower_alnum(x) || x == b'-')
}

/// apimachinery `IsDNS1123Label`: empty when valid, else the messages.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// apimachinery `IsDNS1123Subdomain`: empty when valid, else the messages.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// apimachinery `IsDNS1035Label`: empty when valid, else the messages.
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1035_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1035_LABEL_MAX_LENGTH));
    }
    if !matches_dns1035_label(value) {
        errs.push(regex_error(
            DNS1035_LABEL_ERR_MSG,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// 32-bit FNV-1a: a small hash that never changes across Rust releases.
fn fnv1a32(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5, |h: u32, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Turn any string into a valid DNS-1035 label, deterministically.
///
/// ASCII letters are lowercased; every run of other characters (`.`, `_`,
/// `/`, `:`, `-`, non-ASCII...) becomes one `-`; leading and trailing `-`
/// are trimmed; a name that is empty or starts with a digit gets an `x-`
/// prefix (`x` alone for empty). A result longer than 63 bytes is cut to
/// 54 bytes (trailing `-` trimmed) plus `-` and 8 hex digits of a hash of
/// the original input, so long inputs sharing a prefix stay distinct.
/// Short inputs differing only in punctuation can map to the same label.
pub fn to_dns1035_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(80));
    let mut pending_dash = false;
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        return "x".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "x-");
    }
    if out.len() > DNS1035_LABEL_MAX_LENGTH {
        // All ASCII here, so byte truncation cannot split a character.
        out.truncate(DNS1035_LABEL_MAX_LENGTH - 9);
        while out.ends_with('-') {
            out.pop();
        }
        out.push_str(&format!("-{:08x}", fnv1a32(s)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const SUBDOMAIN_MSG: &str = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    #[test]
    fn dns1123_label() {
        for ok in [
            "a",
            "0",
            "foo",
            "my-name",
            "123-abc",
            "a--b",
            &"a".repeat(63),
        ] {
            assert!(is_dns1123_label(ok).is_empty(), "{ok}");
        }
        for bad in [
            "", "-a", "a-", "Foo", "foo_bar", "a b", "é", "a\n", ".", "a..b",
        ] {
            assert_eq!(
                is_dns1123_label(bad),
                vec![LABEL_MSG.to_string()],
                "{bad:?}"
            );
        }
        assert_eq!(
            is_dns1123_label("foo.bar"),
            vec!["must not contain dots".to_string()]
        );
        assert_eq!(
            is_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
        assert_eq!(
            is_dns1123_label(&format!("{}_", "a".repeat(63))),
            vec![
                "must be no more than 63 characters".to_string(),
                LABEL_MSG.to_string()
            ]
        );
        assert_eq!(
            is_dns1123_label(&format!("{}.b", "a".repeat(62))),
            vec![
                "must be no more than 63 characters".to_string(),
                "must not contain dots".to_string()
            ]
        );
        // Length is in bytes: 32 two-byte characters are 64 bytes.
        assert_eq!(is_dns1123_label(&"é".repeat(32)).len(), 2);
    }

    #[test]
    fn opm_package_name_message() {
        let errs = is_dns1123_label("Foo_Bad");
        assert_eq!(
            format!("invalid package name \"Foo_Bad\": {}", go_fmt_list(&errs)),
            "invalid package name \"Foo_Bad\": [a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]"
        );
        let long = is_dns1123_label(&"A".repeat(64));
        assert_eq!(
            go_fmt_list(&long),
            format!("[must be no more than 63 characters {LABEL_MSG}]")
        );
    }

    #[test]
    fn dns1123_subdomain() {
        for ok in ["a", "example.com", "a.b.c", "1.2.3", &"a".repeat(253)] {
            assert!(is_dns1123_subdomain(ok).is_empty(), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "A.b", "a_b.c", "-a.b", "a.-b"] {
            assert_eq!(
                is_dns1123_subdomain(bad),
                vec![SUBDOMAIN_MSG.to_string()],
                "{bad:?}"
            );
        }
        assert_eq!(
            is_dns1123_subdomain(&"a".repeat(254)),
            vec!["must be no more than 253 characters".to_string()]
        );
    }

    #[test]
    fn dns1035_label() {
        for ok in ["a", "my-name", "abc-123", "a1", &"a".repeat(63)] {
            assert!(is_dns1035_label(ok).is_empty(), "{ok}");
        }
        for bad in ["", "1a", "123-abc", "-a", "a-", "a.b", "A", "a_b"] {
            assert_eq!(
                is_dns1035_label(bad),
                vec![DNS1035_MSG.to_string()],
                "{bad:?}"
            );
        }
        assert_eq!(
            is_dns1035_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
        assert_eq!(
            is_dns1035_label(&"1".repeat(64)),
            vec![
                "must be no more than 63 characters".to_string(),
                DNS1035_MSG.to_string()
            ]
        );
    }

    #[test]
    fn regex_error_shapes() {
        assert_eq!(
            regex_error("m", "f", &[]),
            "m (regex used for validation is 'f')"
        );
        assert_eq!(
            regex_error("m", "f", &["a", "b", "c"]),
            "m (e.g. 'a',  or 'b',  or 'c', regex used for validation is 'f')"
        );
        assert_eq!(go_fmt_list(&[]), "[]");
    }

    #[test]
    fn makes_dns1035_labels() {
        assert_eq!(to_dns1035_label("redhat-operators"), "redhat-operators");
        assert_eq!(
            to_dns1035_label("quay.io/Foo/Bar:v4.15"),
            "quay-io-foo-bar-v4-15"
        );
        assert_eq!(to_dns1035_label("__a__b__"), "a-b");
        assert_eq!(to_dns1035_label("4.15-catalog"), "x-4-15-catalog");
        assert_eq!(to_dns1035_label(""), "x");
        assert_eq!(to_dns1035_label("---"), "x");
        assert_eq!(to_dns1035_label("日本"), "x");
        assert_eq!(to_dns1035_label("café au lait"), "caf-au-lait");
        assert_eq!(to_dns1035_label(&"a".repeat(63)), "a".repeat(63));

        let long = to_dns1035_label(&"a".repeat(64));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with(&"a".repeat(54)));
        assert_eq!(long, to_dns1035_label(&"a".repeat(64)));
        assert_ne!(long, to_dns1035_label(&"a".repeat(65)));
        // A cut that lands on a '-' does not leave "--".
        let dashy = to_dns1035_label(&format!("{}-{}", "a".repeat(53), "b".repeat(20)));
        assert!(dashy.starts_with(&format!("{}-", "a".repeat(53))));
        assert!(!dashy.contains("--"));
        assert_eq!(dashy.len(), 62);
        // 62 digits get the prefix and then need cutting.
        assert_eq!(to_dns1035_label(&"1".repeat(62)).len(), 63);
    }

    #[test]
    fn made_labels_are_always_valid() {
        let samples = [
            "",
            "-",
            "1",
            "a",
            "A",
            "é",
            "🙂",
            "0.0.0",
            "a.b.c",
            "Z_z",
            "x-",
            "-x",
            " a ",
            "\u{0}",
            "quay.io/openshift-release-dev/ocp-release@sha256:0123",
        ];
        let mut inputs: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
        for n in [61, 62, 63, 64, 65, 100, 300] {
            inputs.push("a".repeat(n));
            inputs.push("9".repeat(n));
            inputs.push("é".repeat(n));
            inputs.push("ab-".repeat(n));
            inputs.push("-.".repeat(n));
            inputs.push(format!("1{}", "a.".repeat(n)));
        }
        for s in &inputs {
            let label = to_dns1035_label(s);
            assert!(is_dns1035_label(&label).is_empty(), "{s:?} -> {label:?}");
            assert_eq!(label, to_dns1035_label(s));
        }
    }
}
