//! The cluster side: make a cluster use a (mirrored) catalog and say why it
//! does not (`apply`, `status`).
//!
//! Built on kube-rs over rustls with the ring provider only (see
//! `registry::ensure_crypto`). Core kinds (Secret, Pod) use k8s-openapi's
//! types; the OpenShift and OLM kinds (OperatorHub, CatalogSource, mirror
//! sets, ClusterCatalog, PackageManifest) are `DynamicObject`s resolved by
//! discovery, so a cluster that does not serve one is told apart from an
//! error. Every write is a server-side apply with the field manager
//! [`FIELD_MANAGER`].
//!
//! - [`config`]: which cluster, as kubectl finds it
//! - [`manifests`]: the objects to apply (files, flags, pull secrets) — pure
//! - [`apply`]: discovery, server-side apply, warnings, `--wait`
//! - [`diagnose`]: why a catalog is not READY, in one line — pure
//! - [`status`]: catalog sources, their pods and OperatorHub, as a table or JSON

pub mod apply;
pub mod config;
pub mod diagnose;
pub mod manifests;
pub mod status;

use kube::api::ApiResource;
use serde_json::Value;

/// The one field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "oc-catalog";

/// Namespace of CatalogSources when `-n` is not given.
pub const DEFAULT_NAMESPACE: &str = "openshift-marketplace";

/// A kind we know by heart: group, version, kind, plural, namespaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    pub fn target(&self) -> Target {
        Target {
            kind: self.kind.to_string(),
            group: self.group.to_string(),
            plural: self.plural.to_string(),
            namespaced: self.namespaced,
        }
    }
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: self.api_version(),
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }
}

/// What an API error is about (a known kind or one found by discovery).
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: String,
    pub group: String,
    pub plural: String,
    pub namespaced: bool,
}

pub const OPERATOR_HUB: Kind = Kind {
    group: "config.openshift.io",
    version: "v1",
    kind: "OperatorHub",
    plural: "operatorhubs",
    namespaced: false,
};
pub const CATALOG_SOURCE: Kind = Kind {
    group: "operators.coreos.com",
    version: "v1alpha1",
    kind: "CatalogSource",
    plural: "catalogsources",
    namespaced: true,
};
pub const IDMS: Kind = Kind {
    group: "config.openshift.io",
    version: "v1",
    kind: "ImageDigestMirrorSet",
    plural: "imagedigestmirrorsets",
    namespaced: false,
};
pub const ITMS: Kind = Kind {
    group: "config.openshift.io",
    version: "v1",
    kind: "ImageTagMirrorSet",
    plural: "imagetagmirrorsets",
    namespaced: false,
};
pub const ICSP: Kind = Kind {
    group: "operator.openshift.io",
    version: "v1alpha1",
    kind: "ImageContentSourcePolicy",
    plural: "imagecontentsourcepolicies",
    namespaced: false,
};
pub const CLUSTER_CATALOG: Kind = Kind {
    group: "olm.operatorframework.io",
    version: "v1",
    kind: "ClusterCatalog",
    plural: "clustercatalogs",
    namespaced: false,
};
pub const PACKAGE_MANIFEST: Kind = Kind {
    group: "packages.operators.coreos.com",
    version: "v1",
    kind: "PackageManifest",
    plural: "packagemanifests",
    namespaced: true,
};
pub const SECRET: Kind = Kind {
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    namespaced: true,
};

/// The kinds written in a fixed order (mirror sets before the pull secret
/// before the catalogs that need both); anything else after them.
pub const APPLY_ORDER: [Kind; 7] = [
    OPERATOR_HUB,
    IDMS,
    ITMS,
    ICSP,
    SECRET,
    CATALOG_SOURCE,
    CLUSTER_CATALOG,
];

/// The known kind of `apiVersion` + `kind`, if any.
pub fn known_kind(api_version: &str, kind: &str) -> Option<Kind> {
    APPLY_ORDER
        .iter()
        .chain([PACKAGE_MANIFEST].iter())
        .find(|k| k.api_version() == api_version && k.kind == kind)
        .copied()
}

/// `kind.group/name` as kubectl prints an object (`secret/name` for core kinds).
pub fn shown(api_version: &str, kind: &str, name: &str) -> String {
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    if group.is_empty() {
        format!("{}/{name}", kind.to_lowercase())
    } else {
        format!("{}.{group}/{name}", kind.to_lowercase())
    }
}

/// A string field at a JSON pointer.
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// What a failed API call means, naming the object and the API's reason; a
/// 403 says which verb on which resource is missing.
pub fn api_error(
    e: &kube::Error,
    verb: &str,
    kind: &Target,
    name: &str,
    ns: Option<&str>,
) -> String {
    let what = match ns {
        Some(ns) if kind.namespaced && name.is_empty() => {
            format!("{}s in namespace {ns}", kind.kind)
        }
        Some(ns) if kind.namespaced => format!("{} \"{name}\" in namespace {ns}", kind.kind),
        _ if name.is_empty() => format!("{}s", kind.kind),
        _ => format!("{} \"{name}\"", kind.kind),
    };
    match e {
        kube::Error::Api(s) => {
            let mut m = format!(
                "{verb} {what}: {} ({}): {}",
                if s.reason.is_empty() {
                    "Failure"
                } else {
                    &s.reason
                },
                s.code,
                s.message
            );
            if s.code == 403 {
                let scope = match ns {
                    Some(ns) if kind.namespaced => format!("in namespace {ns}"),
                    _ => "cluster-wide".to_string(),
                };
                m.push_str(&format!(
                    "\n  missing permission: verb \"{}\" on resource \"{}\" in API group \"{}\" {scope} \
                     (a Role/ClusterRole rule with apiGroups: [\"{}\"], resources: [\"{}\"], verbs: [\"{}\"])",
                    rbac_verb(verb),
                    kind.plural,
                    kind.group,
                    kind.group,
                    kind.plural,
                    rbac_verb(verb)
                ));
            }
            if s.code == 409 {
                m.push_str("\n  it changed on the cluster while apply ran (nothing of it was lost): run apply again");
            }
            if s.code == 401 {
                m.push_str("\n  the cluster did not accept the credentials of the kubeconfig (log in again)");
            }
            m
        }
        other => format!("{verb} {what}: {}", transport_error(other)),
    }
}

/// The RBAC verb of what we were doing.
fn rbac_verb(doing: &str) -> &'static str {
    match doing {
        "applying" | "patching" => "patch",
        "listing" => "list",
        "reading logs of" => "get",
        _ => "get",
    }
}

/// A transport-level error, short (connection refused, TLS, timeouts).
pub fn transport_error(e: &kube::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out
}

/// `5m`, `30s`, `1h30m`, `90` (seconds) → a duration.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("invalid duration {s:?}: expected e.g. 90s, 5m, 1h30m");
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(n) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(n));
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push(chars.next().unwrap_or('s'));
        }
        let n: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match unit.as_str() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m").unwrap().as_secs(), 300);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("90").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("1500ms").unwrap().as_millis(), 1500);
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn names_as_kubectl() {
        assert_eq!(
            shown("operators.coreos.com/v1alpha1", "CatalogSource", "x"),
            "catalogsource.operators.coreos.com/x"
        );
        assert_eq!(shown("v1", "Secret", "s"), "secret/s");
    }
}
