//! Manifest media types, sniffing and platform selection, on raw JSON bytes.

use serde_json::Value;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// The four manifest kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    OciManifest,
    OciIndex,
    DockerManifest,
    DockerList,
}

impl MediaKind {
    pub fn media_type(self) -> &'static str {
        match self {
            MediaKind::OciManifest => OCI_MANIFEST,
            MediaKind::OciIndex => OCI_INDEX,
            MediaKind::DockerManifest => DOCKER_MANIFEST,
            MediaKind::DockerList => DOCKER_LIST,
        }
    }
    pub fn is_index(self) -> bool {
        matches!(self, MediaKind::OciIndex | MediaKind::DockerList)
    }
}

/// The kind of a manifest from its `mediaType` (or, for OCI documents
/// without one, from whether it has `manifests`).
pub fn sniff(bytes: &[u8]) -> Result<MediaKind, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest is not JSON: {e}"))?;
    match v.get("mediaType").and_then(Value::as_str) {
        Some(OCI_MANIFEST) => Ok(MediaKind::OciManifest),
        Some(OCI_INDEX) => Ok(MediaKind::OciIndex),
        Some(DOCKER_MANIFEST) => Ok(MediaKind::DockerManifest),
        Some(DOCKER_LIST) => Ok(MediaKind::DockerList),
        Some(other) => Err(format!("unsupported manifest media type {other}")),
        None if v.get("manifests").is_some() => Ok(MediaKind::OciIndex),
        None if v.get("config").is_some() => Ok(MediaKind::OciManifest),
        None => Err("unsupported manifest (schema 1 or unknown)".to_string()),
    }
}

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

impl Descriptor {
    fn from_value(v: &Value) -> Result<Self, String> {
        let digest = v
            .get("digest")
            .and_then(Value::as_str)
            .ok_or("descriptor without digest")?;
        if !digest.starts_with("sha256:") || digest.len() != 71 {
            return Err(format!("unsupported digest {digest:?} (only sha256)"));
        }
        if digest.contains(['/', '.']) {
            return Err(format!("invalid digest {digest:?}"));
        }
        Ok(Descriptor {
            media_type: v
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            digest: digest.to_string(),
            size: v.get("size").and_then(Value::as_u64).unwrap_or(0),
        })
    }
    pub fn to_value(&self) -> Value {
        serde_json::json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size})
    }
}

/// Config and layers of an image manifest.
#[derive(Debug, Clone)]
pub struct ImageManifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

pub fn parse_image(bytes: &[u8]) -> Result<ImageManifest, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest is not JSON: {e}"))?;
    let config = Descriptor::from_value(v.get("config").ok_or("manifest without config")?)?;
    let layers = v
        .get("layers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(Descriptor::from_value)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(ImageManifest { config, layers })
}

/// The entries of an index: descriptor and `os/arch[/variant]`.
pub fn index_entries(bytes: &[u8]) -> Result<Vec<(Descriptor, String)>, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("index is not JSON: {e}"))?;
    let mut out = Vec::new();
    for m in v
        .get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let d = Descriptor::from_value(m)?;
        let p = m.get("platform");
        let get = |k: &str| {
            p.and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let mut plat = format!("{}/{}", get("os"), get("architecture"));
        if !get("variant").is_empty() {
            plat = format!("{plat}/{}", get("variant"));
        }
        out.push((d, plat));
    }
    Ok(out)
}

/// The digest of the entry for `platform` (`os/arch[/variant]`; a missing
/// variant matches any, as `--filter-by-os linux/amd64` does).
pub fn select_platform(index: &[u8], platform: &str) -> Result<String, String> {
    let entries = index_entries(index)?;
    let want: Vec<&str> = platform.split('/').collect();
    for (d, p) in &entries {
        let have: Vec<&str> = p.split('/').collect();
        if have.len() >= 2
            && want.len() >= 2
            && have[0] == want[0]
            && have[1] == want[1]
            && (want.len() < 3 || have.get(2) == want.get(2))
        {
            return Ok(d.digest.clone());
        }
    }
    let list: Vec<&str> = entries.iter().map(|(_, p)| p.as_str()).collect();
    Err(format!(
        "no image for platform {platform} in the index (it has {})",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    ))
}

/// The platform an image runs on: `linux/amd64` on an x86-64 host, and so on.
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        other => other,
    };
    format!("linux/{arch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn sniffs_every_kind() {
        assert_eq!(sniff(br#"{"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}"#).unwrap(), MediaKind::DockerList);
        assert_eq!(
            sniff(br#"{"schemaVersion":2,"manifests":[]}"#).unwrap(),
            MediaKind::OciIndex
        );
        assert_eq!(
            sniff(br#"{"schemaVersion":2,"config":{}}"#).unwrap(),
            MediaKind::OciManifest
        );
        assert!(sniff(br#"{"schemaVersion":1}"#).is_err());
    }

    #[test]
    fn platform_selection() {
        let idx = format!(
            r#"{{"manifests":[{{"digest":"{D1}","size":1,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
            {{"digest":"{D2}","size":1,"platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#
        );
        assert_eq!(select_platform(idx.as_bytes(), "linux/amd64").unwrap(), D2);
        assert_eq!(select_platform(idx.as_bytes(), "linux/arm64").unwrap(), D1);
        assert_eq!(
            select_platform(idx.as_bytes(), "linux/arm64/v8").unwrap(),
            D1
        );
        let e = select_platform(idx.as_bytes(), "linux/s390x").unwrap_err();
        assert!(e.contains("linux/arm64/v8, linux/amd64"), "{e}");
    }

    #[test]
    fn rejects_path_like_digests() {
        let m = br#"{"config":{"digest":"sha256:../../etc/passwd","size":1}}"#;
        assert!(parse_image(m).is_err());
    }
}
