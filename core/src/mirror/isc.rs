//! `ImageSetConfiguration` (`mirror.openshift.io/v2alpha1`, and the older
//! `v1alpha2` read compatibly), parsed with the core's YAML/JSON reader so
//! every error points at `file:line:col`.
//!
//! Checked here, before anything is fetched: unknown fields (with the nearest
//! known name), wrong types, `apiVersion`/`kind`, catalog and image
//! references, `targetCatalog` (a path, never a registry host), `targetTag`,
//! version strings and ranges (package-level and channel-level ranges are
//! exclusive; `full` excludes ranges; `minVersion` ≤ `maxVersion`), and the
//! `blockedImages` regular expressions.
//!
//! Sections oc-catalog does not mirror (`platform` release payloads, `helm`,
//! `samples`) and metadata it does not keep (`storageConfig`) are accepted
//! and reported in [`ImageSetConfig::warnings`].

use crate::imageref::{self, ImageRef};
use crate::parse;
use crate::semver::{self, Version};
use crate::source::LineIndex;
use crate::value::{Entry, Kind, Node, Value};
use serde::Serialize;
use std::fmt;

pub const V2ALPHA1: &str = "mirror.openshift.io/v2alpha1";
pub const V1ALPHA2: &str = "mirror.openshift.io/v1alpha2";

/// A problem in an ImageSetConfiguration, at a place in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IscError {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    pub message: String,
}

impl fmt::Display for IscError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for IscError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IscKind {
    ImageSetConfiguration,
    DeleteImageSetConfiguration,
}

/// One parsed configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSetConfig {
    pub api_version: String,
    pub kind: IscKind,
    /// `archiveSize`: GiB per archive chunk (m2d).
    pub archive_size_gib: Option<u64>,
    pub operators: Vec<OperatorSpec>,
    pub additional_images: Vec<AdditionalImage>,
    /// `blockedImages[].name`: regular expressions (validated), matched
    /// against full source references.
    pub blocked_images: Vec<String>,
    /// `mirror.platform.platforms` (`os/arch[/variant]`) plus
    /// `mirror.platform.architectures` (as `linux/<arch>`), in order.
    pub platforms: Vec<String>,
    /// Accepted but not acted upon, each `file:line:col: what`.
    pub warnings: Vec<String>,
}

/// `mirror.operators[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSpec {
    /// As written: `registry/path:tag`, `registry/path@sha256:…` or `oci:///path`.
    pub catalog: String,
    /// `targetCatalog` (or the deprecated `targetName`): `[namespace/]name`, no host.
    pub target_catalog: Option<String>,
    pub target_tag: Option<String>,
    pub full: bool,
    pub skip_dependencies: bool,
    pub packages: Vec<PackageSpec>,
    /// `platforms`, normalised to `os/arch[/variant]`; empty = all.
    pub platforms: Vec<String>,
    /// `targetCatalogSourceTemplate` (a path; the plugin reads it).
    pub target_catalog_source_template: Option<String>,
    /// v1alpha2 `originalRef` (for `oci://` catalogs).
    pub original_ref: Option<String>,
    /// Where the entry is written: `file:line:col`.
    pub at: String,
}

impl OperatorSpec {
    /// The directory of an `oci://` catalog, if it is one.
    pub fn oci_layout(&self) -> Option<&str> {
        self.catalog.strip_prefix("oci://")
    }

    /// The catalog as an image reference (`None` for `oci://` catalogs).
    pub fn image(&self) -> Option<ImageRef> {
        if self.oci_layout().is_some() {
            return None;
        }
        imageref::parse_normalized(&self.catalog).ok()
    }

    /// Whether `packages` names this package (no packages = every package).
    pub fn package(&self, name: &str) -> Option<&PackageSpec> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// `mirror.operators[].packages[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSpec {
    pub name: String,
    pub default_channel: Option<String>,
    pub min_version: Option<String>,
    pub max_version: Option<String>,
    pub channels: Vec<ChannelSpec>,
    pub at: String,
}

/// `mirror.operators[].packages[].channels[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSpec {
    pub name: String,
    pub min_version: Option<String>,
    pub max_version: Option<String>,
    pub at: String,
}

/// `mirror.additionalImages[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalImage {
    pub name: String,
    /// Repository path at the destination (no host), instead of the source path.
    pub target_repo: Option<String>,
    pub target_tag: Option<String>,
    pub platforms: Vec<String>,
    pub at: String,
}

/// Lenient semver as oc-mirror reads `minVersion`/`maxVersion` (Masterminds
/// style): an optional `v`, and missing minor/patch numbers taken as 0.
pub fn parse_version_lenient(s: &str) -> Result<Version, String> {
    let t = s.strip_prefix('v').unwrap_or(s);
    let core_end = t.find(['-', '+']).unwrap_or(t.len());
    let (core, rest) = t.split_at(core_end);
    let dots = core.matches('.').count();
    let padded = match dots {
        0 => format!("{core}.0.0{rest}"),
        1 => format!("{core}.0{rest}"),
        _ => t.to_string(),
    };
    semver::parse_version(&padded).map_err(|e| format!("invalid version {s:?}: {e}"))
}

/// Parse one ImageSetConfiguration file holding exactly one configuration
/// document (comment-only documents are ignored).
pub fn parse(file: &str, text: &str) -> Result<ImageSetConfig, IscError> {
    let mut all = parse_all(file, text)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(IscError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "no ImageSetConfiguration document in the file".into(),
        }),
        n => {
            let cx = Cx::new(file, text);
            let docs = parse::parse_stream(text).docs;
            let second = docs.iter().filter(|d| !d.is_null()).nth(1);
            Err(cx.err(
                second.map_or(0, |d| d.start),
                format!("the file holds {n} ImageSetConfiguration documents; give one per file"),
            ))
        }
    }
}

/// Parse every configuration document of a file (`---`-separated YAML or a
/// JSON stream), skipping comment-only documents.
pub fn parse_all(file: &str, text: &str) -> Result<Vec<ImageSetConfig>, IscError> {
    let cx = Cx::new(file, text);
    let parsed = parse::parse_stream(text);
    if let Some(e) = parsed.errors.first() {
        return Err(cx.err(e.offset as u32, e.message.clone()));
    }
    let mut out = Vec::new();
    for doc in parsed.docs.iter().filter(|d| !d.is_null()) {
        out.push(cx.document(doc)?);
    }
    Ok(out)
}

struct Cx<'t> {
    file: &'t str,
    text: &'t str,
    lines: LineIndex,
}

type R<T> = Result<T, IscError>;

/// The checked fields of one object: known keys only, no duplicates.
struct Fields<'n, 'a> {
    entries: Vec<&'n Entry<'a>>,
}

impl<'n, 'a> Fields<'n, 'a> {
    fn get(&self, key: &str) -> Option<&'n Entry<'a>> {
        self.entries.iter().copied().find(|e| e.key == key)
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "a list",
        Kind::Object => "a mapping",
    }
}

impl<'t> Cx<'t> {
    fn new(file: &'t str, text: &'t str) -> Self {
        Cx {
            file,
            text,
            lines: LineIndex::new(text),
        }
    }

    fn at(&self, offset: u32) -> String {
        let p = self.lines.position(offset, Some(self.text));
        format!("{}:{}:{}", self.file, p.line, p.column)
    }

    fn err(&self, offset: u32, message: impl Into<String>) -> IscError {
        let p = self.lines.position(offset, Some(self.text));
        IscError {
            file: self.file.to_string(),
            line: p.line,
            column: p.column,
            message: message.into(),
        }
    }

    fn type_err(&self, node: &Node<'_>, path: &str, want: &str) -> IscError {
        let mut msg = format!("{path}: expected {want}, found {}", kind_word(node.kind()));
        if want == "a string" && node.kind() == Kind::Number {
            msg.push_str(&format!(
                " (quote it: '{}')",
                &self.text[node.start as usize..node.end as usize]
            ));
        }
        self.err(node.start, msg)
    }

    /// The fields of an object, rejecting unknown and duplicate keys.
    fn fields<'n, 'a>(&self, node: &'n Node<'a>, path: &str, known: &[&str]) -> R<Fields<'n, 'a>> {
        let Some(obj) = node.as_object() else {
            return Err(self.type_err(node, path, "a mapping"));
        };
        let mut entries: Vec<&Entry<'a>> = Vec::with_capacity(obj.len());
        for e in obj {
            if !known.contains(&e.key.as_ref()) {
                let mut msg = format!("unknown field {:?} in {path}", e.key.as_ref());
                match super::nearest(&e.key, known) {
                    Some(s) => msg.push_str(&format!("; did you mean {s:?}?")),
                    None => msg.push_str(&format!("; known fields: {}", known.join(", "))),
                }
                return Err(self.err(e.key_start, msg));
            }
            if entries.iter().any(|p| p.key == e.key) {
                return Err(self.err(
                    e.key_start,
                    format!("duplicate field {:?} in {path}", e.key.as_ref()),
                ));
            }
            entries.push(e);
        }
        Ok(Fields { entries })
    }

    fn str_of(&self, node: &Node<'_>, path: &str) -> R<String> {
        node.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.type_err(node, path, "a string"))
    }

    fn opt_str(&self, f: &Fields<'_, '_>, key: &str, path: &str) -> R<Option<(String, u32)>> {
        match f.get(key) {
            None => Ok(None),
            Some(e) if e.value.is_null() => Ok(None),
            Some(e) => Ok(Some((
                self.str_of(&e.value, &format!("{path}.{key}"))?,
                e.value.start,
            ))),
        }
    }

    fn req_str(
        &self,
        f: &Fields<'_, '_>,
        key: &str,
        path: &str,
        obj: &Node<'_>,
    ) -> R<(String, u32)> {
        match self.opt_str(f, key, path)? {
            Some((s, at)) if !s.is_empty() => Ok((s, at)),
            Some((_, at)) => Err(self.err(at, format!("{path}.{key} must not be empty"))),
            None => Err(self.err(obj.start, format!("{path}: missing required field {key:?}"))),
        }
    }

    fn opt_bool(&self, f: &Fields<'_, '_>, key: &str, path: &str) -> R<bool> {
        match f.get(key) {
            None => Ok(false),
            Some(e) => match e.value.value {
                Value::Bool(b) => Ok(b),
                Value::Null => Ok(false),
                _ => Err(self.type_err(&e.value, &format!("{path}.{key}"), "a boolean")),
            },
        }
    }

    fn list<'n, 'a>(&self, f: &Fields<'n, 'a>, key: &str, path: &str) -> R<&'n [Node<'a>]> {
        match f.get(key) {
            None => Ok(&[]),
            Some(e) if e.value.is_null() => Ok(&[]),
            Some(e) => e
                .value
                .as_array()
                .ok_or_else(|| self.type_err(&e.value, &format!("{path}.{key}"), "a list")),
        }
    }

    fn document(&self, doc: &Node<'_>) -> R<ImageSetConfig> {
        let top = self.fields(
            doc,
            "the document",
            &[
                "apiVersion",
                "kind",
                "archiveSize",
                "mirror",
                "delete",
                "storageConfig",
            ],
        )?;
        let (api_version, av_at) = self.req_str(&top, "apiVersion", "the document", doc)?;
        if api_version != V2ALPHA1 && api_version != V1ALPHA2 {
            return Err(self.err(
                av_at,
                format!(
                    "unsupported apiVersion {api_version:?}; expected {V2ALPHA1:?} (or the older {V1ALPHA2:?})"
                ),
            ));
        }
        let (kind_s, kind_at) = self.req_str(&top, "kind", "the document", doc)?;
        let kind = match kind_s.as_str() {
            "ImageSetConfiguration" => IscKind::ImageSetConfiguration,
            "DeleteImageSetConfiguration" => IscKind::DeleteImageSetConfiguration,
            other => {
                return Err(self.err(
                    kind_at,
                    format!(
                        "unsupported kind {other:?}; expected \"ImageSetConfiguration\" or \"DeleteImageSetConfiguration\""
                    ),
                ));
            }
        };
        let mut warnings = Vec::new();
        let archive_size_gib = match top.get("archiveSize") {
            None => None,
            Some(e) => match &e.value.value {
                Value::Number(n) => {
                    Some(n.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
                        self.err(
                            e.value.start,
                            "archiveSize must be a whole number of GiB, at least 1",
                        )
                    })?)
                }
                Value::Null => None,
                _ => return Err(self.type_err(&e.value, "archiveSize", "a number")),
            },
        };
        if let Some(e) = top.get("storageConfig") {
            self.fields(&e.value, "storageConfig", &["local", "registry"])?;
            warnings.push(format!(
                "{}: storageConfig is ignored: oc-catalog keeps no metadata image or directory between runs",
                self.at(e.key_start)
            ));
        }
        let (section, other) = match kind {
            IscKind::ImageSetConfiguration => ("mirror", "delete"),
            IscKind::DeleteImageSetConfiguration => ("delete", "mirror"),
        };
        if let Some(e) = top.get(other) {
            return Err(self.err(
                e.key_start,
                format!("{kind_s} takes its content under {section:?}, not {other:?}"),
            ));
        }
        let mut cfg = ImageSetConfig {
            api_version: api_version.clone(),
            kind,
            archive_size_gib,
            operators: Vec::new(),
            additional_images: Vec::new(),
            blocked_images: Vec::new(),
            platforms: Vec::new(),
            warnings,
        };
        let Some(m) = top.get(section) else {
            return Err(self.err(
                doc.start,
                format!("the document: missing required field {section:?}"),
            ));
        };
        if m.value.is_null() {
            return Ok(cfg);
        }
        let mut known = vec![
            "platform",
            "operators",
            "additionalImages",
            "helm",
            "samples",
        ];
        if kind == IscKind::ImageSetConfiguration {
            known.push("blockedImages");
        }
        let mf = self.fields(&m.value, section, &known)?;
        if let Some(e) = mf.get("platform") {
            self.platform(&e.value, &format!("{section}.platform"), &mut cfg)?;
            cfg.warnings.push(format!(
                "{}: {section}.platform (OpenShift release payloads) is not mirrored by oc-catalog and is ignored",
                self.at(e.key_start)
            ));
        }
        for (i, op) in self.list(&mf, "operators", section)?.iter().enumerate() {
            let spec = self.operator(
                op,
                &format!("{section}.operators[{i}]"),
                &api_version,
                &mut cfg.warnings,
            )?;
            cfg.operators.push(spec);
        }
        for (i, ai) in self
            .list(&mf, "additionalImages", section)?
            .iter()
            .enumerate()
        {
            cfg.additional_images
                .push(self.additional_image(ai, &format!("{section}.additionalImages[{i}]"))?);
        }
        for (i, b) in self.list(&mf, "blockedImages", section)?.iter().enumerate() {
            let path = format!("{section}.blockedImages[{i}]");
            let f = self.fields(b, &path, &["name"])?;
            let (name, at) = self.req_str(&f, "name", &path, b)?;
            if let Err(e) = regex_lite::Regex::new(&name) {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or_default().trim().to_string();
                return Err(self.err(
                    at,
                    format!("{path}.name {name:?} is not a valid regular expression: {last}"),
                ));
            }
            cfg.blocked_images.push(name);
        }
        for key in ["helm", "samples"] {
            if let Some(e) = mf.get(key) {
                if key == "helm" {
                    self.helm(&e.value, &format!("{section}.helm"))?;
                }
                cfg.warnings.push(format!(
                    "{}: {section}.{key} is not supported by oc-catalog and is ignored",
                    self.at(e.key_start)
                ));
            }
        }
        Ok(cfg)
    }

    fn platform_list(&self, f: &Fields<'_, '_>, key: &str, path: &str) -> R<Vec<String>> {
        let mut out = Vec::new();
        for (i, p) in self.list(f, key, path)?.iter().enumerate() {
            let ppath = format!("{path}.{key}[{i}]");
            let s = match &p.value {
                Value::String(s) => {
                    let parts: Vec<&str> = s.split('/').collect();
                    if !(2..=3).contains(&parts.len()) || parts.iter().any(|x| x.is_empty()) {
                        return Err(self.err(
                            p.start,
                            format!("{ppath}: {s:?} is not a platform; write os/architecture[/variant], e.g. linux/amd64"),
                        ));
                    }
                    s.to_string()
                }
                Value::Object(_) => {
                    let pf = self.fields(p, &ppath, &["os", "architecture", "variant"])?;
                    let (os, _) = self.req_str(&pf, "os", &ppath, p)?;
                    let (arch, _) = self.req_str(&pf, "architecture", &ppath, p)?;
                    match self.opt_str(&pf, "variant", &ppath)? {
                        Some((v, _)) if !v.is_empty() => format!("{os}/{arch}/{v}"),
                        _ => format!("{os}/{arch}"),
                    }
                }
                _ => return Err(self.type_err(p, &ppath, "a mapping {os, architecture}")),
            };
            out.push(s);
        }
        Ok(out)
    }

    fn platform(&self, node: &Node<'_>, path: &str, cfg: &mut ImageSetConfig) -> R<()> {
        if node.is_null() {
            return Ok(());
        }
        let f = self.fields(
            node,
            path,
            &[
                "graph",
                "channels",
                "architectures",
                "platforms",
                "release",
                "kubeVirtContainer",
            ],
        )?;
        self.opt_bool(&f, "graph", path)?;
        self.opt_bool(&f, "kubeVirtContainer", path)?;
        self.opt_str(&f, "release", path)?;
        for (i, c) in self.list(&f, "channels", path)?.iter().enumerate() {
            let cpath = format!("{path}.channels[{i}]");
            let cf = self.fields(
                c,
                &cpath,
                &[
                    "name",
                    "type",
                    "minVersion",
                    "maxVersion",
                    "shortestPath",
                    "full",
                ],
            )?;
            self.req_str(&cf, "name", &cpath, c)?;
            if let Some((t, at)) = self.opt_str(&cf, "type", &cpath)?
                && t != "ocp"
                && t != "okd"
            {
                return Err(self.err(
                    at,
                    format!("{cpath}.type must be \"ocp\" or \"okd\", not {t:?}"),
                ));
            }
            self.opt_str(&cf, "minVersion", &cpath)?;
            self.opt_str(&cf, "maxVersion", &cpath)?;
            self.opt_bool(&cf, "shortestPath", &cpath)?;
            self.opt_bool(&cf, "full", &cpath)?;
        }
        cfg.platforms = self.platform_list(&f, "platforms", path)?;
        for (i, a) in self.list(&f, "architectures", path)?.iter().enumerate() {
            let arch = self.str_of(a, &format!("{path}.architectures[{i}]"))?;
            let p = if arch == "multi" {
                arch
            } else {
                format!("linux/{arch}")
            };
            if !cfg.platforms.contains(&p) {
                cfg.platforms.push(p);
            }
        }
        Ok(())
    }

    fn helm(&self, node: &Node<'_>, path: &str) -> R<()> {
        if node.is_null() {
            return Ok(());
        }
        let f = self.fields(node, path, &["repositories", "local"])?;
        for (i, r) in self.list(&f, "repositories", path)?.iter().enumerate() {
            let rpath = format!("{path}.repositories[{i}]");
            let rf = self.fields(r, &rpath, &["name", "url", "charts"])?;
            for (j, c) in self.list(&rf, "charts", &rpath)?.iter().enumerate() {
                self.fields(
                    c,
                    &format!("{rpath}.charts[{j}]"),
                    &["name", "version", "imagePaths", "platforms"],
                )?;
            }
        }
        for (i, l) in self.list(&f, "local", path)?.iter().enumerate() {
            self.fields(
                l,
                &format!("{path}.local[{i}]"),
                &["name", "path", "imagePaths"],
            )?;
        }
        Ok(())
    }

    fn version(
        &self,
        f: &Fields<'_, '_>,
        key: &str,
        path: &str,
    ) -> R<Option<(String, Version, u32)>> {
        match self.opt_str(f, key, path)? {
            None => Ok(None),
            Some((s, at)) => match parse_version_lenient(&s) {
                Ok(v) => Ok(Some((s, v, at))),
                Err(e) => Err(self.err(at, format!("{path}.{key}: {e}"))),
            },
        }
    }

    /// min/max of one level, checked min ≤ max.
    fn range(&self, f: &Fields<'_, '_>, path: &str) -> R<(Option<String>, Option<String>)> {
        let min = self.version(f, "minVersion", path)?;
        let max = self.version(f, "maxVersion", path)?;
        if let (Some((smin, vmin, _)), Some((smax, vmax, at))) = (&min, &max)
            && vmin > vmax
        {
            return Err(self.err(
                *at,
                format!("{path}: minVersion {smin} is greater than maxVersion {smax}"),
            ));
        }
        Ok((min.map(|m| m.0), max.map(|m| m.0)))
    }

    fn operator(
        &self,
        node: &Node<'_>,
        path: &str,
        api_version: &str,
        warnings: &mut Vec<String>,
    ) -> R<OperatorSpec> {
        let f = self.fields(
            node,
            path,
            &[
                "catalog",
                "targetCatalog",
                "targetTag",
                "targetName",
                "originalRef",
                "full",
                "skipDependencies",
                "targetCatalogSourceTemplate",
                "platforms",
                "packages",
            ],
        )?;
        let (catalog, cat_at) = self.req_str(&f, "catalog", path, node)?;
        if let Some(dir) = catalog.strip_prefix("oci://") {
            if dir.is_empty() {
                return Err(self.err(
                    cat_at,
                    format!(
                        "{path}.catalog: oci:// needs a directory, e.g. oci:///home/me/catalog"
                    ),
                ));
            }
        } else if let Err(e) = imageref::parse_normalized(&catalog) {
            return Err(self.err(
                cat_at,
                format!("{path}.catalog {catalog:?} is not a valid image reference: {e}"),
            ));
        }
        let mut target_catalog = self.opt_str(&f, "targetCatalog", path)?;
        if let Some((tn, at)) = self.opt_str(&f, "targetName", path)? {
            if target_catalog.is_some() {
                return Err(self.err(at, format!("{path}: targetName is the deprecated name of targetCatalog; set only targetCatalog")));
            }
            warnings.push(format!(
                "{}: {path}.targetName is deprecated; use targetCatalog",
                self.at(at)
            ));
            target_catalog = Some((tn, at));
        }
        if let Some((tc, at)) = &target_catalog {
            check_target_catalog(tc)
                .map_err(|m| self.err(*at, format!("{path}.targetCatalog {tc:?}: {m}")))?;
        }
        let target_tag = self.opt_str(&f, "targetTag", path)?;
        if let Some((t, at)) = &target_tag
            && !is_tag(t)
        {
            return Err(self.err(*at, format!("{path}.targetTag {t:?} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")));
        }
        let full = self.opt_bool(&f, "full", path)?;
        let skip_dependencies = self.opt_bool(&f, "skipDependencies", path)?;
        let original_ref = self.opt_str(&f, "originalRef", path)?;
        if original_ref.is_some() && api_version == V2ALPHA1 {
            // v2alpha1 has no originalRef: accept it but say so.
            warnings.push(format!(
                "{}: {path}.originalRef is a v1alpha2 field and is ignored",
                self.at(original_ref.as_ref().map_or(node.start, |o| o.1))
            ));
        }
        let mut spec = OperatorSpec {
            catalog,
            target_catalog: target_catalog.map(|t| t.0),
            target_tag: target_tag.map(|t| t.0),
            full,
            skip_dependencies,
            packages: Vec::new(),
            platforms: self.platform_list(&f, "platforms", path)?,
            target_catalog_source_template: self
                .opt_str(&f, "targetCatalogSourceTemplate", path)?
                .map(|t| t.0),
            original_ref: original_ref.map(|t| t.0),
            at: self.at(node.start),
        };
        for (i, p) in self.list(&f, "packages", path)?.iter().enumerate() {
            let ppath = format!("{path}.packages[{i}]");
            let pkg = self.package(p, &ppath, full)?;
            if let Some(prev) = spec.packages.iter().find(|q| q.name == pkg.name) {
                return Err(self.err(
                    p.start,
                    format!(
                        "{ppath}: package {:?} is listed twice (first at {})",
                        pkg.name, prev.at
                    ),
                ));
            }
            spec.packages.push(pkg);
        }
        Ok(spec)
    }

    fn package(&self, node: &Node<'_>, path: &str, full: bool) -> R<PackageSpec> {
        let f = self.fields(
            node,
            path,
            &[
                "name",
                "defaultChannel",
                "minVersion",
                "maxVersion",
                "channels",
                "bundles",
            ],
        )?;
        if let Some(e) = f.get("bundles") {
            return Err(self.err(
                e.key_start,
                format!("{path}.bundles: selecting bundles by name is not supported (oc-mirror v2 removed it); use minVersion/maxVersion"),
            ));
        }
        let (name, _) = self.req_str(&f, "name", path, node)?;
        let (min_version, max_version) = self.range(&f, path)?;
        let pkg_range = min_version.is_some() || max_version.is_some();
        if full && pkg_range {
            let at = f
                .get("minVersion")
                .or(f.get("maxVersion"))
                .map_or(node.start, |e| e.key_start);
            return Err(self.err(at, format!("{path}: full: true cannot be combined with minVersion/maxVersion (full mirrors every version)")));
        }
        let mut spec = PackageSpec {
            name,
            default_channel: self.opt_str(&f, "defaultChannel", path)?.map(|t| t.0),
            min_version,
            max_version,
            channels: Vec::new(),
            at: self.at(node.start),
        };
        for (i, c) in self.list(&f, "channels", path)?.iter().enumerate() {
            let cpath = format!("{path}.channels[{i}]");
            let cf = self.fields(c, &cpath, &["name", "minVersion", "maxVersion"])?;
            let (cname, _) = self.req_str(&cf, "name", &cpath, c)?;
            let (cmin, cmax) = self.range(&cf, &cpath)?;
            if cmin.is_some() || cmax.is_some() {
                let at = cf
                    .get("minVersion")
                    .or(cf.get("maxVersion"))
                    .map_or(c.start, |e| e.key_start);
                if pkg_range {
                    return Err(self.err(at, format!("{cpath}: version ranges are set on package {:?} and on its channel {cname:?}; set them on the package or on its channels, not both", spec.name)));
                }
                if full {
                    return Err(self.err(at, format!("{cpath}: full: true cannot be combined with minVersion/maxVersion (full mirrors every version)")));
                }
            }
            if spec.channels.iter().any(|x| x.name == cname) {
                return Err(self.err(
                    c.start,
                    format!("{cpath}: channel {cname:?} is listed twice"),
                ));
            }
            spec.channels.push(ChannelSpec {
                name: cname,
                min_version: cmin,
                max_version: cmax,
                at: self.at(c.start),
            });
        }
        Ok(spec)
    }

    fn additional_image(&self, node: &Node<'_>, path: &str) -> R<AdditionalImage> {
        let f = self.fields(
            node,
            path,
            &["name", "targetRepo", "targetTag", "platforms"],
        )?;
        let (name, at) = self.req_str(&f, "name", path, node)?;
        if let Err(e) = imageref::parse_normalized(&name) {
            return Err(self.err(
                at,
                format!("{path}.name {name:?} is not a valid image reference: {e}"),
            ));
        }
        let target_repo = self.opt_str(&f, "targetRepo", path)?;
        if let Some((r, at)) = &target_repo {
            check_repo_path(r)
                .map_err(|m| self.err(*at, format!("{path}.targetRepo {r:?}: {m}")))?;
        }
        let target_tag = self.opt_str(&f, "targetTag", path)?;
        if let Some((t, at)) = &target_tag
            && !is_tag(t)
        {
            return Err(self.err(*at, format!("{path}.targetTag {t:?} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")));
        }
        Ok(AdditionalImage {
            name,
            target_repo: target_repo.map(|t| t.0),
            target_tag: target_tag.map(|t| t.0),
            platforms: self.platform_list(&f, "platforms", path)?,
            at: self.at(node.start),
        })
    }
}

/// A docker tag: `[\w][\w.-]{0,127}`.
pub fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A repository path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() && !b[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            i += 1;
            continue;
        }
        // a separator run: '.', '_', '__' or '-'+, followed by an alphanumeric
        let start = i;
        match c {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if b.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            b'-' => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start
            || !b
                .get(i)
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return false;
        }
    }
    true
}

/// A repository path without a registry host, tag or digest.
pub fn check_repo_path(s: &str) -> Result<(), String> {
    if s.contains('@') || s.rsplit('/').next().is_some_and(|last| last.contains(':')) {
        return Err(
            "must be a repository path without a tag or digest (set the tag separately)".into(),
        );
    }
    for c in s.split('/') {
        if !is_path_component(c) {
            return Err(format!(
                "path component {c:?} is invalid: use lowercase letters, digits and single '.', '_', '__' or '-' separators"
            ));
        }
    }
    Ok(())
}

/// `targetCatalog`: `[namespace/]name`, a path below the destination; a
/// registry host is refused (the destination is given on the command line).
pub fn check_target_catalog(s: &str) -> Result<(), String> {
    let first = s.split('/').next().unwrap_or_default();
    if s.contains('/') && (first.contains(['.', ':']) || first == "localhost") {
        return Err(format!(
            "must be a path below the destination, without a registry host ({first:?} looks like one); the registry comes from the destination argument"
        ));
    }
    check_repo_path(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse("isc.yaml", text).unwrap_err().to_string()
    }

    const HEAD: &str = "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n";

    #[test]
    fn full_v2_example() {
        let text = format!(
            "{HEAD}archiveSize: 4\nmirror:\n  operators:\n  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.18\n    targetCatalog: my/index\n    targetTag: v1\n    packages:\n    - name: foo\n      defaultChannel: beta\n      channels:\n      - name: beta\n        minVersion: '0.2.0'\n        maxVersion: 0.3.1\n    - name: bar\n      minVersion: 1.0.0\n  additionalImages:\n  - name: registry.redhat.io/ubi9/ubi:latest\n    platforms:\n    - os: linux\n      architecture: amd64\n  blockedImages:\n  - name: '^registry\\.redhat\\.io/ubi8/.*'\n"
        );
        let c = parse("isc.yaml", &text).unwrap();
        assert_eq!(c.archive_size_gib, Some(4));
        let op = &c.operators[0];
        assert_eq!(op.target_catalog.as_deref(), Some("my/index"));
        assert_eq!(op.target_tag.as_deref(), Some("v1"));
        assert_eq!(op.at, "isc.yaml:6:5");
        assert_eq!(
            op.packages[0].channels[0].min_version.as_deref(),
            Some("0.2.0")
        );
        assert_eq!(
            op.packages[0].channels[0].max_version.as_deref(),
            Some("0.3.1")
        );
        assert_eq!(op.packages[1].min_version.as_deref(), Some("1.0.0"));
        assert_eq!(c.additional_images[0].platforms, vec!["linux/amd64"]);
        assert_eq!(c.blocked_images, vec!["^registry\\.redhat\\.io/ubi8/.*"]);
        assert!(c.warnings.is_empty());
        assert!(op.image().is_some());
    }

    #[test]
    fn v1alpha2_compat() {
        let c = parse(
            "a.yaml",
            "apiVersion: mirror.openshift.io/v1alpha2\nkind: ImageSetConfiguration\nstorageConfig:\n  local:\n    path: /tmp/m\nmirror:\n  operators:\n  - catalog: oci:///home/me/cat\n    targetName: my-index\n    originalRef: quay.io/a/b:v1\n",
        )
        .unwrap();
        assert_eq!(c.operators[0].target_catalog.as_deref(), Some("my-index"));
        assert_eq!(c.operators[0].oci_layout(), Some("/home/me/cat"));
        assert_eq!(
            c.operators[0].original_ref.as_deref(),
            Some("quay.io/a/b:v1")
        );
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings[0].starts_with("a.yaml:3:1: storageConfig is ignored"));
        assert!(c.warnings[1].contains("targetName is deprecated"));
    }

    #[test]
    fn unknown_fields_suggest() {
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    targetcatalog: x\n"
        ));
        assert_eq!(
            e,
            "isc.yaml:6:5: unknown field \"targetcatalog\" in mirror.operators[0]; did you mean \"targetCatalog\"?"
        );
        let e = err(&format!("{HEAD}mirorr:\n  operators: []\n"));
        assert!(
            e.starts_with("isc.yaml:3:1: unknown field \"mirorr\""),
            "{e}"
        );
        assert!(e.contains("did you mean \"mirror\""), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n      chanels: []\n"
        ));
        assert!(
            e.starts_with("isc.yaml:8:7:") && e.contains("did you mean \"channels\""),
            "{e}"
        );
    }

    #[test]
    fn wrong_types() {
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    full: 'yes please'\n"
        ));
        assert_eq!(
            e,
            "isc.yaml:6:11: mirror.operators[0].full: expected a boolean, found a string"
        );
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n      minVersion: 4.18\n"
        ));
        assert_eq!(
            e,
            "isc.yaml:8:19: mirror.operators[0].packages[0].minVersion: expected a string, found a number (quote it: '4.18')"
        );
        let e = err(&format!("{HEAD}mirror:\n  operators: {{catalog: x}}\n"));
        assert!(
            e.starts_with("isc.yaml:4:14: mirror.operators: expected a list"),
            "{e}"
        );
        let e =
            err("apiVersion: mirror.openshift.io/v3\nkind: ImageSetConfiguration\nmirror: {}\n");
        assert!(
            e.starts_with("isc.yaml:1:13: unsupported apiVersion"),
            "{e}"
        );
        let e = err("apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSet\nmirror: {}\n");
        assert!(e.starts_with("isc.yaml:2:7: unsupported kind"), "{e}");
        let e = err("a: [\n");
        assert!(e.starts_with("isc.yaml:"), "{e}");
    }

    #[test]
    fn invalid_combinations() {
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n      minVersion: 1.0.0\n      channels:\n      - name: stable\n        maxVersion: 2.0.0\n"
        ));
        assert!(e.starts_with("isc.yaml:11:9: mirror.operators[0].packages[0].channels[0]: version ranges are set on package \"a\" and on its channel \"stable\""), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    full: true\n    packages:\n    - name: a\n      maxVersion: 1.0.0\n"
        ));
        assert!(
            e.starts_with(
                "isc.yaml:9:7: mirror.operators[0].packages[0]: full: true cannot be combined"
            ),
            "{e}"
        );
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    full: true\n    packages:\n    - name: a\n      channels:\n      - name: s\n        minVersion: 1.0.0\n"
        ));
        assert!(e.contains("full: true cannot be combined"), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: foo\n      channels:\n      - name: beta\n        minVersion: '0.3.1'\n        maxVersion: '0.2.0'\n"
        ));
        assert!(
            e.starts_with("isc.yaml:11:21:")
                && e.contains("minVersion 0.3.1 is greater than maxVersion 0.2.0"),
            "{e}"
        );
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    targetCatalog: registry.example.com/ns/index\n"
        ));
        assert!(
            e.starts_with("isc.yaml:6:20:") && e.contains("without a registry host"),
            "{e}"
        );
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    targetCatalog: ns/Index\n"
        ));
        assert!(e.contains("path component \"Index\" is invalid"), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  blockedImages:\n  - name: 'quay.io/(unclosed'\n"
        ));
        assert!(e.starts_with("isc.yaml:5:11: mirror.blockedImages[0].name \"quay.io/(unclosed\" is not a valid regular expression"), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: 'quay.io/a/B:v1'\n"
        ));
        assert!(e.starts_with("isc.yaml:5:14: mirror.operators[0].catalog \"quay.io/a/B:v1\" is not a valid image reference: invalid reference format: repository name must be lowercase"), "{e}");
        let e = err(&format!(
            "{HEAD}mirror:\n  additionalImages:\n  - name: registry.redhat.io/ubi8/ubi:latest\n    targetRepo: \"invalid:@tag\"\n"
        ));
        assert!(
            e.starts_with("isc.yaml:6:17: mirror.additionalImages[0].targetRepo"),
            "{e}"
        );
        let e = err(&format!(
            "{HEAD}mirror:\n  operators:\n  - catalog: quay.io/a/b:v1\n    packages:\n    - name: a\n    - name: a\n"
        ));
        assert!(
            e.contains("package \"a\" is listed twice (first at isc.yaml:7:7)"),
            "{e}"
        );
        let e = err(&format!("{HEAD}mirror:\n  operators:\n  - targetTag: v1\n"));
        assert!(e.contains("missing required field \"catalog\""), "{e}");
        let e = err(&format!("{HEAD}delete:\n  operators: []\n"));
        assert!(e.contains("not \"delete\""), "{e}");
    }

    #[test]
    fn multi_document_files() {
        let two = format!("# c\n---\n{HEAD}mirror: {{}}\n---\n{HEAD}mirror: {{}}\n");
        assert_eq!(parse_all("f", &two).unwrap().len(), 2);
        let e = parse("f", &two).unwrap_err().to_string();
        assert!(e.starts_with("f:7:1: the file holds 2"), "{e}");
        let one = format!("# only a comment\n---\n{HEAD}mirror: {{}}\n");
        assert!(parse("f", &one).is_ok());
        // JSON works too.
        let json = r#"{"apiVersion":"mirror.openshift.io/v2alpha1","kind":"ImageSetConfiguration","mirror":{"operators":[{"catalog":"quay.io/a/b:v1","fulll":true}]}}"#;
        let e = parse("f.json", json).unwrap_err().to_string();
        assert!(
            e.starts_with("f.json:1:") && e.contains("did you mean \"full\""),
            "{e}"
        );
    }

    #[test]
    fn lenient_versions() {
        assert_eq!(
            parse_version_lenient("4.18").unwrap(),
            Version::new(4, 18, 0)
        );
        assert_eq!(parse_version_lenient("v1").unwrap(), Version::new(1, 0, 0));
        assert!(parse_version_lenient("5.3.2-20").is_ok());
        assert!(parse_version_lenient("x").is_err());
    }

    #[test]
    fn repo_paths() {
        assert!(check_repo_path("a/b-c/d.e/f__g").is_ok());
        assert!(check_repo_path("a//b").is_err());
        assert!(check_repo_path("a/b:tag").is_err());
        assert!(check_target_catalog("localhost/x").is_err());
        assert!(check_target_catalog("index").is_ok());
        assert!(is_tag("v4.18") && !is_tag("-x") && !is_tag(""));
    }
}
