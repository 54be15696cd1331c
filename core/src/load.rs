//! Loading one file: its documents → typed blobs ([`declcfg`]) and the
//! findings opm would stop at while loading (syntax, envelope, field types,
//! property shapes, bundle objects). Every document is examined; nothing
//! stops at the first problem.

use crate::codes::Code;
use crate::declcfg::*;
use crate::diagnostic::Diagnostic;
use crate::parse::{self, SyntaxKind};
use crate::source::{FileId, Span};
use crate::value::{Kind, Node, Value, fold};
use base64::Engine as _;

/// One parsed file.
#[derive(Debug, Clone, Default)]
pub struct LoadedFile {
    pub config: DeclarativeConfig,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse and decode one file. `file` is the id spans will carry.
pub fn load_file(file: FileId, text: &str) -> LoadedFile {
    let parsed = parse::parse_stream(text);
    let mut out = LoadedFile::default();
    let mut cx = Cx {
        file,
        diags: &mut out.diagnostics,
    };
    for e in &parsed.errors {
        let end = text[e.offset.min(text.len())..]
            .find('\n')
            .map(|i| e.offset + i)
            .unwrap_or(text.len());
        let span = Span::new(
            file,
            e.offset,
            end.max(e.offset + 1).min(text.len().max(e.offset)),
        );
        let d = match e.kind {
            SyntaxKind::Json => {
                Diagnostic::new(Code::JsonSyntax, e.message.clone()).at(span).with_help(
                    "a file whose first character is '{' is read as a stream of JSON objects (even if it is meant as YAML)",
                )
            }
            SyntaxKind::Yaml => Diagnostic::new(Code::YamlSyntax, e.message.clone())
                .at(span)
                .with_help(
                    "fix the YAML syntax; documents are separated by lines holding only '---'",
                ),
        };
        cx.diags.push(d);
    }
    for doc in &parsed.docs {
        cx.document(doc, &mut out.config);
    }
    out
}

/// Decoding context: the file and where findings go.
struct Cx<'d> {
    file: FileId,
    diags: &'d mut Vec<Diagnostic>,
}

const META_KEYS: [&str; 3] = ["schema", "package", "name"];

fn describe(n: &Node<'_>) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("bool {b}"),
        Value::Number(x) => format!("number {x}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl Cx<'_> {
    fn span(&self, n: &Node<'_>) -> Span {
        Span::new(self.file, n.start as usize, n.end as usize)
    }

    fn key_span(&self, e: &crate::value::Entry<'_>) -> Span {
        Span::new(self.file, e.key_start as usize, e.key_end as usize)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// A field of the wrong JSON type, in Go's words.
    fn type_error(&mut self, prefix: &str, node: &Node<'_>, go_field: &str, go_type: &str) {
        let msg = format!(
            "{prefix}json: cannot unmarshal {} into Go struct field {go_field} of type {go_type}",
            node.kind().go_name()
        );
        let expected = match go_type {
            "string" => "a string".to_string(),
            t if t.starts_with("[]") => "a list".to_string(),
            _ => "an object".to_string(),
        };
        let d = Diagnostic::new(Code::WrongFieldType, msg)
            .at(self.span(node))
            .with_help(format!(
                "this field must be {expected}, not {}",
                describe(node)
            ));
        self.push(d);
    }

    /// Decode a Go `string` field of `obj`.
    fn string(&mut self, prefix: &str, obj: &Node<'_>, key: &str, go_field: &str) -> Str {
        let Some(e) = obj.field(key) else {
            return Str::default();
        };
        match &e.value.value {
            Value::String(s) => Str {
                value: s.to_string(),
                span: Some(self.span(&e.value)),
            },
            Value::Null => Str {
                value: String::new(),
                span: Some(self.span(&e.value)),
            },
            _ => {
                self.type_error(prefix, &e.value, go_field, "string");
                Str {
                    value: String::new(),
                    span: Some(self.span(&e.value)),
                }
            }
        }
    }

    /// Decode a Go slice field: `Some(items)` when it is an array (or null → empty).
    fn array<'n, 'a>(
        &mut self,
        prefix: &str,
        obj: &'n Node<'a>,
        key: &str,
        go_field: &str,
        go_type: &str,
    ) -> Option<&'n [Node<'a>]> {
        let e = obj.field(key)?;
        match &e.value.value {
            Value::Array(items) => Some(items),
            Value::Null => Some(&[]),
            _ => {
                self.type_error(prefix, &e.value, go_field, go_type);
                None
            }
        }
    }

    /// An element that must be an object (struct) or null.
    fn is_struct(&mut self, prefix: &str, n: &Node<'_>, go_field: &str, go_type: &str) -> bool {
        match n.kind() {
            Kind::Object | Kind::Null => true,
            _ => {
                self.type_error(prefix, n, go_field, go_type);
                false
            }
        }
    }

    fn unknown_fields(&mut self, obj: &Node<'_>, known: &[&str], what: &str) {
        let Some(entries) = obj.as_object() else {
            return;
        };
        for e in entries {
            if !known.iter().any(|k| crate::value::fold_eq(k, &e.key)) {
                let d = Diagnostic::new(
                    Code::UnknownField,
                    format!("unknown field {:?} in {what}; opm ignores it", e.key),
                )
                .at(self.key_span(e))
                .with_help(format!("known fields: {}", known.join(", ")));
                self.push(d);
            }
        }
    }

    fn document(&mut self, doc: &Node<'_>, cfg: &mut DeclarativeConfig) {
        let span = self.span(doc);
        let entries = match &doc.value {
            Value::Object(o) => o,
            Value::Null => {
                let d = Diagnostic::new(Code::MissingSchema, "object '' is missing root schema field")
                    .at(span)
                    .with_help(
                        "this document holds only comments or blank lines, which opm reads as an empty object and rejects; \
                         a comment above the first '---' line does this: move it below that line, or drop that '---'",
                    );
                self.push(d);
                return;
            }
            _ => {
                let d = Diagnostic::new(
                    Code::NotAnObject,
                    format!("json: cannot unmarshal {} into Go value of type map[string]interface {{}}", doc.kind().go_name()),
                )
                .at(span)
                .with_help("every document must be an object with a 'schema' field; a file holds a stream of them, not a list");
                self.push(d);
                return;
            }
        };
        // Keys that differ only in case.
        let mut groups: Vec<(String, Vec<&str>, Span)> = Vec::new();
        for e in entries {
            let f = fold(&e.key);
            match groups.iter_mut().find(|g| g.0 == f) {
                Some(g) => {
                    if !g.1.contains(&e.key.as_ref()) {
                        g.1.push(&e.key);
                    }
                }
                None => groups.push((f, vec![&e.key], self.key_span(e))),
            }
        }
        let mut bad = false;
        for (folded, mut keys, first) in groups {
            if keys.len() > 1 {
                keys.sort_unstable();
                let d = Diagnostic::new(
                    Code::DuplicateKeys,
                    format!("duplicate keys for key {folded:?}: [{}]", keys.join(" ")),
                )
                .at(first)
                .with_help("keep one spelling: opm compares these keys without regard to case");
                self.push(d);
                bad = true;
            }
        }
        if bad {
            return;
        }
        let mut meta = Meta {
            span: Some(span),
            ..Default::default()
        };
        for key in META_KEYS {
            let Some(e) = doc.field(key) else { continue };
            match &e.value.value {
                Value::String(s) => match key {
                    "schema" => meta.schema = s.to_string(),
                    "package" => meta.package = s.to_string(),
                    _ => meta.name = s.to_string(),
                },
                _ => {
                    let d = Diagnostic::new(
                        Code::MetaKeyNotString,
                        format!("expected value for key {:?} to be a string, got {}", e.key, describe(&e.value)),
                    )
                    .at(self.span(&e.value))
                    .with_help(if matches!(e.value.value, Value::Bool(_)) {
                        "YAML 1.1 reads unquoted y, yes, on, n, no, off, true and false as booleans: quote the value".to_string()
                    } else {
                        format!("quote the value so it is a string: {key}: \"...\"")
                    });
                    self.push(d);
                    bad = true;
                }
            }
        }
        if bad {
            return;
        }
        match meta.schema.as_str() {
            SCHEMA_PACKAGE => cfg.packages.push(self.package(doc, span)),
            SCHEMA_CHANNEL => cfg.channels.push(self.channel(doc, span)),
            SCHEMA_BUNDLE => cfg.bundles.push(self.bundle(doc, span)),
            SCHEMA_DEPRECATIONS => cfg.deprecations.push(self.deprecation(doc, span)),
            "" => {
                let d = Diagnostic::new(Code::MissingSchema, "object is missing root schema field")
                    .at(span)
                    .with_help("add 'schema: olm.package', 'olm.channel', 'olm.bundle' or 'olm.deprecations'");
                self.push(d);
            }
            _ => cfg.others.push(Other { meta }),
        }
    }

    fn properties_shape(&mut self, prefix: &str, doc: &Node<'_>, go_struct: &str) {
        if let Some(items) = self.array(
            prefix,
            doc,
            "properties",
            &format!("{go_struct}.properties"),
            "[]property.Property",
        ) {
            for p in items {
                if self.is_struct(
                    prefix,
                    p,
                    &format!("{go_struct}.properties"),
                    "property.Property",
                ) {
                    self.string(prefix, p, "type", &format!("{go_struct}.properties.type"));
                }
            }
        }
    }

    fn package(&mut self, doc: &Node<'_>, span: Span) -> Package {
        let p = "parse package: ";
        let mut pkg = Package {
            name: self.string(p, doc, "name", "Package.name"),
            default_channel: self.string(p, doc, "defaultChannel", "Package.defaultChannel"),
            description: self.string(p, doc, "description", "Package.description"),
            span: Some(span),
            icon: None,
        };
        if let Some(e) = doc.field("icon")
            && self.is_struct(p, &e.value, "Package.icon", "declcfg.Icon")
            && !e.value.is_null()
        {
            let icon = Icon {
                base64data: self.string(p, &e.value, "base64data", "Package.icon.base64data"),
                mediatype: self.string(p, &e.value, "mediatype", "Package.icon.mediatype"),
            };
            if let Err(msg) = go_base64(icon.base64data.as_str()) {
                let d = Diagnostic::new(
                        Code::IconInvalidBase64,
                        format!("{p}json: cannot unmarshal string into Go struct field Package.icon.base64data of type []uint8: {msg}"),
                    )
                    .at_opt(icon.base64data.span)
                    .with_help("base64data must be standard base64 (with '=' padding) of the icon file, e.g. `base64 -w0 icon.svg`");
                self.push(d);
            }
            pkg.icon = Some(icon);
        }
        self.properties_shape(p, doc, "Package");
        self.unknown_fields(
            doc,
            &[
                "schema",
                "name",
                "defaultChannel",
                "icon",
                "description",
                "properties",
            ],
            "olm.package",
        );
        pkg
    }

    fn channel(&mut self, doc: &Node<'_>, span: Span) -> Channel {
        let p = "parse channel: ";
        let mut ch = Channel {
            name: self.string(p, doc, "name", "Channel.name"),
            package: self.string(p, doc, "package", "Channel.package"),
            span: Some(span),
            entries_span: Some(
                doc.field("entries")
                    .map(|e| self.key_span(e))
                    .unwrap_or(span),
            ),
            entries: Vec::new(),
        };
        if let Some(items) = self.array(
            p,
            doc,
            "entries",
            "Channel.entries",
            "[]declcfg.ChannelEntry",
        ) {
            for item in items {
                if !self.is_struct(p, item, "Channel.entries", "declcfg.ChannelEntry") {
                    continue;
                }
                let mut entry = ChannelEntry {
                    name: self.string(p, item, "name", "Channel.entries.name"),
                    replaces: self.string(p, item, "replaces", "Channel.entries.replaces"),
                    skip_range: self.string(p, item, "skipRange", "Channel.entries.skipRange"),
                    span: Some(self.span(item)),
                    skips: Vec::new(),
                };
                if let Some(skips) =
                    self.array(p, item, "skips", "Channel.entries.skips", "[]string")
                {
                    for s in skips {
                        match &s.value {
                            Value::String(v) => entry.skips.push(Str {
                                value: v.to_string(),
                                span: Some(self.span(s)),
                            }),
                            Value::Null => entry.skips.push(Str {
                                value: String::new(),
                                span: Some(self.span(s)),
                            }),
                            _ => self.type_error(p, s, "Channel.entries.skips", "string"),
                        }
                    }
                }
                self.unknown_fields(
                    item,
                    &["name", "replaces", "skips", "skipRange"],
                    "a channel entry",
                );
                ch.entries.push(entry);
            }
        }
        self.properties_shape(p, doc, "Channel");
        self.unknown_fields(
            doc,
            &["schema", "name", "package", "entries", "properties"],
            "olm.channel",
        );
        ch
    }

    fn bundle(&mut self, doc: &Node<'_>, span: Span) -> Bundle {
        let p = "parse bundle: ";
        let mut b = Bundle {
            name: self.string(p, doc, "name", "Bundle.name"),
            package: self.string(p, doc, "package", "Bundle.package"),
            image: self.string(p, doc, "image", "Bundle.image"),
            span: Some(span),
            ..Default::default()
        };
        if let Some(items) = self.array(
            p,
            doc,
            "relatedImages",
            "Bundle.relatedImages",
            "[]declcfg.RelatedImage",
        ) {
            for item in items {
                if self.is_struct(p, item, "Bundle.relatedImages", "declcfg.RelatedImage") {
                    b.related_images.push(RelatedImage {
                        name: self.string(p, item, "name", "Bundle.relatedImages.name"),
                        image: self.string(p, item, "image", "Bundle.relatedImages.image"),
                        span: Some(self.span(item)),
                    });
                    self.unknown_fields(item, &["name", "image"], "a related image");
                }
            }
        }
        let mut shape_ok = true;
        let mut props: Vec<(&Node<'_>, Str, Option<&Node<'_>>)> = Vec::new();
        if let Some(items) = self.array(
            p,
            doc,
            "properties",
            "Bundle.properties",
            "[]property.Property",
        ) {
            for item in items {
                if self.is_struct(p, item, "Bundle.properties", "property.Property") {
                    let t = self.string(p, item, "type", "Bundle.properties.type");
                    props.push((item, t, item.field("value").map(|e| &e.value)));
                } else {
                    shape_ok = false;
                }
            }
        } else if doc.field("properties").is_some() {
            shape_ok = false;
        }
        if shape_ok {
            self.bundle_properties(&mut b, &props);
        } else {
            b.properties_invalid = true;
        }
        self.unknown_fields(
            doc,
            &[
                "schema",
                "name",
                "package",
                "image",
                "properties",
                "relatedImages",
            ],
            "olm.bundle",
        );
        b
    }

    /// opm's `readBundleObjects` (load time) and `property.Parse` (conversion).
    fn bundle_properties(&mut self, b: &mut Bundle, props: &[(&Node<'_>, Str, Option<&Node<'_>>)]) {
        let who = format!("package {:?}, bundle {:?}", b.package.value, b.name.value);
        let mut parse_failed = false;
        for (i, (item, t, value)) in props.iter().enumerate() {
            let item_span = self.span(item);
            let value_span = value.map(|v| self.span(v)).unwrap_or(item_span);
            let mut prop = Property {
                type_: t.clone(),
                value: PropertyValue::Other,
                span: Some(item_span),
                raw: String::new(),
            };
            if t.value == PROP_BUNDLE_OBJECT {
                if let Err(msg) = check_bundle_object(*value) {
                    let d = Diagnostic::new(
                        Code::InvalidBundleObject,
                        format!("read bundle objects: {who}: {}", msg.replace("{i}", &i.to_string())),
                    )
                    .at(value_span)
                    .with_help("value.data must be the base64 (standard, padded) of one Kubernetes manifest in JSON or YAML");
                    self.push(d);
                } else {
                    prop.value = PropertyValue::BundleObject;
                }
                b.properties.push(prop);
                continue;
            }
            if parse_failed {
                b.properties.push(prop);
                continue;
            }
            let err_prefix = format!(
                "parse properties for bundle {:?}: parse property[{i}] of type {:?}: ",
                b.name.value, t.value
            );
            match value {
                None => {
                    self.push(
                        Diagnostic::new(
                            Code::InvalidProperty,
                            format!("{err_prefix}unexpected end of JSON input"),
                        )
                        .at(item_span)
                        .with_help("every property needs a 'value'"),
                    );
                    parse_failed = true;
                }
                Some(v) => {
                    let before = self.diags.len();
                    let go_struct = match t.value.as_str() {
                        PROP_PACKAGE => "Package",
                        PROP_PACKAGE_REQUIRED => "PackageRequired",
                        PROP_GVK => "GVK",
                        PROP_GVK_REQUIRED => "GVKRequired",
                        PROP_CSV_METADATA => "CSVMetadata",
                        PROP_CHANNEL => "Channel",
                        _ => "",
                    };
                    if !go_struct.is_empty() {
                        if !matches!(v.kind(), Kind::Object | Kind::Null) {
                            self.push(
                                Diagnostic::new(
                                    Code::InvalidProperty,
                                    format!("{err_prefix}json: cannot unmarshal {} into Go value of type property.{go_struct}", v.kind().go_name()),
                                )
                                .at(value_span)
                                .with_help(format!("the value of a {} property is an object", t.value)),
                            );
                        } else {
                            let fields: &[&str] = match go_struct {
                                "Package" => &["packageName", "version", "release"],
                                "PackageRequired" => &["packageName", "versionRange"],
                                "GVK" | "GVKRequired" => &["group", "kind", "version"],
                                "Channel" => &["channelName"],
                                _ => &[],
                            };
                            let mut vals = Vec::new();
                            for f in fields {
                                vals.push(self.string(
                                    &err_prefix,
                                    v,
                                    f,
                                    &format!("{go_struct}.{f}"),
                                ));
                            }
                            if go_struct == "CSVMetadata" {
                                self.csv_metadata(&err_prefix, v);
                            }
                            if go_struct == "Package" {
                                let mut it = vals.into_iter();
                                prop.value = PropertyValue::Package(PackageProperty {
                                    package_name: it.next().unwrap_or_default(),
                                    version: it.next().unwrap_or_default(),
                                    release: it.next().unwrap_or_default(),
                                });
                            }
                        }
                    }
                    // Turn the type errors of this property into one invalid-property finding each.
                    for d in &mut self.diags[before..] {
                        if d.code == Code::WrongFieldType {
                            d.code = Code::InvalidProperty;
                            d.severity = Code::InvalidProperty.info().severity;
                        }
                    }
                    if self.diags.len() > before {
                        parse_failed = true;
                        prop.value = PropertyValue::Other;
                    } else if !matches!(t.value.as_str(), PROP_CSV_METADATA) {
                        prop.raw = serde_json::to_string(&v.to_json()).unwrap_or_default();
                    }
                }
            }
            b.properties.push(prop);
        }
        b.properties_invalid = parse_failed;
    }

    /// Shape of `olm.csv.metadata` (the CSV spec fields opm decodes).
    fn csv_metadata(&mut self, prefix: &str, v: &Node<'_>) {
        for f in ["description", "displayName", "maturity", "minKubeVersion"] {
            self.string(prefix, v, f, &format!("CSVMetadata.{f}"));
        }
        for f in ["annotations", "labels"] {
            if let Some(e) = v.field(f) {
                match &e.value.value {
                    Value::Object(o) => {
                        for kv in o {
                            if !matches!(kv.value.kind(), Kind::String | Kind::Null) {
                                self.type_error(
                                    prefix,
                                    &kv.value,
                                    &format!("CSVMetadata.{f}"),
                                    "string",
                                );
                            }
                        }
                    }
                    Value::Null => {}
                    _ => self.type_error(
                        prefix,
                        &e.value,
                        &format!("CSVMetadata.{f}"),
                        "map[string]string",
                    ),
                }
            }
        }
        if let Some(items) = self.array(prefix, v, "keywords", "CSVMetadata.keywords", "[]string") {
            for k in items {
                if !matches!(k.kind(), Kind::String | Kind::Null) {
                    self.type_error(prefix, k, "CSVMetadata.keywords", "string");
                }
            }
        }
        let lists: [(&str, &str, &[&str]); 4] = [
            ("installModes", "v1alpha1.InstallMode", &["type"]),
            ("links", "v1alpha1.AppLink", &["name", "url"]),
            ("maintainers", "v1alpha1.Maintainer", &["name", "email"]),
            (
                "nativeAPIs",
                "v1.GroupVersionKind",
                &["group", "version", "kind"],
            ),
        ];
        for (f, ty, strings) in lists {
            if let Some(items) = self.array(
                prefix,
                v,
                f,
                &format!("CSVMetadata.{f}"),
                &format!("[]{ty}"),
            ) {
                for it in items {
                    if self.is_struct(prefix, it, &format!("CSVMetadata.{f}"), ty) {
                        for s in strings {
                            self.string(prefix, it, s, &format!("CSVMetadata.{f}.{s}"));
                        }
                        if f == "installModes"
                            && let Some(e) = it.field("supported")
                            && !matches!(e.value.kind(), Kind::Bool | Kind::Null)
                        {
                            self.type_error(
                                prefix,
                                &e.value,
                                "CSVMetadata.installModes.supported",
                                "bool",
                            );
                        }
                    }
                }
            }
        }
        if let Some(e) = v.field("provider")
            && self.is_struct(prefix, &e.value, "CSVMetadata.provider", "v1alpha1.AppLink")
        {
            self.string(prefix, &e.value, "name", "CSVMetadata.provider.name");
            self.string(prefix, &e.value, "url", "CSVMetadata.provider.url");
        }
        for (f, ty) in [
            ("apiServiceDefinitions", "v1alpha1.APIServiceDefinitions"),
            ("crdDescriptions", "v1alpha1.CustomResourceDefinitions"),
        ] {
            if let Some(e) = v.field(f)
                && self.is_struct(prefix, &e.value, &format!("CSVMetadata.{f}"), ty)
            {
                for part in ["owned", "required"] {
                    if let Some(items) = self.array(
                        prefix,
                        &e.value,
                        part,
                        &format!("CSVMetadata.{f}.{part}"),
                        "[]",
                    ) {
                        for it in items {
                            if self.is_struct(
                                prefix,
                                it,
                                &format!("CSVMetadata.{f}.{part}"),
                                "struct",
                            ) {
                                for s in [
                                    "name",
                                    "version",
                                    "kind",
                                    "displayName",
                                    "description",
                                    "group",
                                ] {
                                    self.string(
                                        prefix,
                                        it,
                                        s,
                                        &format!("CSVMetadata.{f}.{part}.{s}"),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn deprecation(&mut self, doc: &Node<'_>, span: Span) -> Deprecation {
        let p = "parse deprecation: ";
        let mut dep = Deprecation {
            package: self.string(p, doc, "package", "Deprecation.package"),
            span: Some(span),
            entries: Vec::new(),
        };
        if let Some(items) = self.array(
            p,
            doc,
            "entries",
            "Deprecation.entries",
            "[]declcfg.DeprecationEntry",
        ) {
            for item in items {
                if !self.is_struct(p, item, "Deprecation.entries", "declcfg.DeprecationEntry") {
                    continue;
                }
                let mut entry = DeprecationEntry {
                    message: self.string(p, item, "message", "Deprecation.entries.message"),
                    span: Some(self.span(item)),
                    ..Default::default()
                };
                if let Some(r) = item.field("reference")
                    && self.is_struct(
                        p,
                        &r.value,
                        "Deprecation.entries.reference",
                        "declcfg.PackageScopedReference",
                    )
                {
                    entry.reference = PackageScopedReference {
                        schema: self.string(
                            p,
                            &r.value,
                            "schema",
                            "Deprecation.entries.reference.schema",
                        ),
                        name: self.string(
                            p,
                            &r.value,
                            "name",
                            "Deprecation.entries.reference.name",
                        ),
                    };
                    if entry.reference.schema.span.is_none() {
                        entry.reference.schema.span = Some(self.span(&r.value));
                    }
                }
                dep.entries.push(entry);
            }
        }
        self.unknown_fields(
            doc,
            &["schema", "package", "entries", "name"],
            "olm.deprecations",
        );
        dep
    }
}

/// Go's `encoding/base64.StdEncoding` as `encoding/json` uses it for
/// `[]byte`: padding required, `\r` and `\n` ignored.
pub fn go_base64(s: &str) -> Result<Vec<u8>, String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    );
    let cleaned;
    let input = if memchr::memchr2(b'\r', b'\n', s.as_bytes()).is_some() {
        cleaned = s.replace(['\r', '\n'], "");
        cleaned.as_str()
    } else {
        s
    };
    ENGINE.decode(input).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(i, _) => i,
            base64::DecodeError::InvalidLength(n) => n,
            base64::DecodeError::InvalidLastSymbol(i, _) => i,
            base64::DecodeError::InvalidPadding => input.len(),
        };
        format!("illegal base64 data at input byte {at}")
    })
}

/// `olm.bundle.object`: `{"data": <base64 of a YAML or JSON manifest>}`.
fn check_bundle_object(value: Option<&Node<'_>>) -> Result<(), String> {
    let prefix = "parse property at index {i} as bundle object: ";
    let Some(v) = value else {
        return Err(format!("{prefix}unexpected end of JSON input"));
    };
    let data = match &v.value {
        Value::Null => return Ok(()),
        Value::Object(_) => match v.field("data").map(|e| &e.value) {
            None => return Ok(()),
            Some(d) => match &d.value {
                Value::String(s) => s,
                Value::Null => return Ok(()),
                _ => {
                    return Err(format!(
                        "{prefix}json: cannot unmarshal {} into Go struct field BundleObject.data of type []uint8",
                        d.kind().go_name()
                    ));
                }
            },
        },
        _ => {
            return Err(format!(
                "{prefix}json: cannot unmarshal {} into Go value of type property.BundleObject",
                v.kind().go_name()
            ));
        }
    };
    let bytes = go_base64(data).map_err(|m| {
        format!("{prefix}json: cannot unmarshal string into Go struct field BundleObject.data of type []uint8: {m}")
    })?;
    let conv = "convert bundle object property at index {i} to JSON: ";
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format!("{conv}yaml: invalid leading UTF-8 octet"))?;
    // JSON manifests (what opm renders) are checked by a validating parser
    // that builds nothing; anything else goes through YAML like yaml.ToJSON.
    if text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        return Ok(());
    }
    parse::yaml::parse_document(text, 0)
        .map(|_| ())
        .map_err(|e| format!("{conv}{}", e.message))
}

/// Like [`load_file`], for raw bytes: text that is not UTF-8 is a YAML error
/// (as opm's YAML decoder reports it), not a crash or a silent replacement.
pub fn load_bytes(file: FileId, bytes: &[u8]) -> LoadedFile {
    match std::str::from_utf8(bytes) {
        Ok(text) => load_file(file, text),
        Err(e) => {
            let at = e.valid_up_to();
            let d = Diagnostic::new(Code::YamlSyntax, "yaml: invalid leading UTF-8 octet")
                .at(Span::new(file, at, at + 1))
                .with_help("this file is not UTF-8 text (a binary file in the catalog directory?): remove it or list it in .indexignore");
            LoadedFile {
                diagnostics: vec![d],
                ..Default::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(t: &str) -> LoadedFile {
        load_file(FileId(0), t)
    }

    fn codes(l: &LoadedFile) -> Vec<&'static str> {
        l.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn envelope_errors() {
        assert_eq!(
            codes(&load("# c\n---\nschema: olm.package\nname: foo\n")),
            ["FBC004"]
        );
        assert_eq!(
            codes(&load("Schema: olm.package\nschema: olm.package\n")),
            ["FBC005"]
        );
        assert_eq!(codes(&load("schema: 5\n")), ["FBC006"]);
        assert_eq!(codes(&load("schema: olm.package\nname: y\n")), ["FBC006"]);
        assert_eq!(codes(&load("- a\n- b\n")), ["FBC003"]);
        assert_eq!(
            codes(&load("schema: custom\nanything: [1, 2]\n")),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn typed_decoding_like_go() {
        let l = load("schema: olm.package\nName: foo\nDefaultChannel: stable\n");
        assert_eq!(l.config.packages[0].default_channel.value, "stable");
        assert!(l.diagnostics.is_empty());
        let l = load("schema: olm.package\nname: foo\ndefaultChannel: 5\n");
        assert_eq!(
            l.diagnostics[0].message,
            "parse package: json: cannot unmarshal number into Go struct field Package.defaultChannel of type string"
        );
        let l = load("schema: olm.channel\nname: a\npackage: foo\nentries: x\n");
        assert_eq!(codes(&l), ["FBC007"]);
        let l = load("schema: olm.package\nname: foo\nicon: {base64data: 'abc', mediatype: x}\n");
        assert_eq!(codes(&l), ["FBC107"]);
        assert!(
            l.diagnostics[0]
                .message
                .ends_with("illegal base64 data at input byte 3")
                || l.diagnostics[0].message.contains("illegal base64")
        );
    }

    #[test]
    fn properties() {
        let l = load(
            "schema: olm.bundle\nname: b\npackage: foo\nproperties:\n- type: olm.gvk\n  value: {group: g, kind: 5, version: v}\n- type: olm.package\n  value: {packageName: foo, version: 1.0}\n",
        );
        assert_eq!(codes(&l), ["FBC311"]);
        assert!(
            l.diagnostics[0]
                .message
                .contains("parse property[0] of type \"olm.gvk\"")
        );
        let l = load(
            "schema: olm.bundle\nname: b\npackage: foo\nproperties:\n- type: olm.bundle.object\n  value: {data: '!!!'}\n",
        );
        assert_eq!(codes(&l), ["FBC312"]);
        let l = load(
            "schema: olm.bundle\nname: b\npackage: foo\nproperties:\n- type: olm.bundle.object\n  value: {data: 'eyJhIjoxfQ=='}\n- type: olm.package\n  value: {packageName: foo, version: 0.1.0}\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let b = &l.config.bundles[0];
        assert!(b.has_bundle_objects());
        assert_eq!(
            b.package_properties().next().unwrap().1.version.value,
            "0.1.0"
        );
    }
}
