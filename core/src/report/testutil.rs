//! Hand-built inputs shared by the renderers' tests.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, sort};
use crate::rules::Validation;
use crate::source::{FileId, LineIndex, SourceInfo, SourceMap, Span};

use super::RenderOptions;

pub const YAML: &str = "---
schema: olm.package
name: foo
defaultChannel: stable
---
schema: olm.channel
package: foo
name: stable
entries:
  - name: foo.v1.0.0
  - name: foo.v1.0.0
";

/// Multi-byte UTF-8 before the spans: accents, wide CJK, an emoji outside the BMP.
pub const JSON: &str = r#"{
  "schema": "olm.bundle",
  "name": "café.v1.0.0",
  "package": "café",
  "image": "quay.io/ns/op:v1",
  "relatedImages": [{"name": "日本語🚀", "image": "quay.io/ns/日本:latest"}]
}
"#;

/// A file whose text the CLI dropped: only its line index is kept.
pub const DROPPED: &str = "{\"schema\":\"olm.package\",\"name\":\"big\"}\n{\"schema\":\"olm.bundle\",\"image\":\"not a ref\"}\n";

/// The span of the `nth` (0-based) occurrence of `needle` in `text`.
pub fn span_of(file: FileId, text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"))
        .0;
    Span::new(file, start, start + needle.len())
}

/// A source map with text kept for `files`.
pub fn map(files: &[(&str, &str)]) -> (SourceMap, Vec<FileId>) {
    let mut m = SourceMap::new();
    let ids = files
        .iter()
        .map(|(path, text)| {
            m.add(SourceInfo {
                path: path.to_string(),
                lines: LineIndex::new(text),
                text: Some(text.to_string()),
            })
        })
        .collect();
    (m, ids)
}

/// Options with a fixed version, so snapshots survive releases.
pub fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        tool_version: "0.0.0-test".into(),
        command_name: "oc catalog".into(),
    }
}

/// A catalog with one finding of every shape the renderers handle.
pub fn sample() -> (Validation, SourceMap) {
    let (mut sources, ids) = map(&[
        ("catalog/foo/catalog.yaml", YAML),
        ("./catalog/café/index.json", JSON),
    ]);
    let (yaml, json) = (ids[0], ids[1]);
    let dropped = sources.add(SourceInfo {
        path: "big/catalog.json".into(),
        lines: LineIndex::new(DROPPED),
        text: None,
    });

    let entries = YAML.find("entries:").unwrap();
    let mut diagnostics = vec![
        Diagnostic::new(
            Code::DuplicateChannelEntry,
            "channel \"stable\" of package \"foo\" lists bundle \"foo.v1.0.0\" twice",
        )
        .at(span_of(yaml, YAML, "foo.v1.0.0", 1))
        .with_label(span_of(yaml, YAML, "foo.v1.0.0", 0), "first listed here")
        .with_help("remove one of the two entries"),
        // A span over several lines: shown on its first line.
        Diagnostic::new(
            Code::WrongFieldType,
            "entries of channel \"stable\" must be a list of objects",
        )
        .at(Span::new(yaml, entries, YAML.len())),
        Diagnostic::new(
            Code::ImageNotPinned,
            "image \"quay.io/ns/op:v1\" of bundle \"café.v1.0.0\" is a tag",
        )
        .at(span_of(json, JSON, "\"quay.io/ns/op:v1\"", 0))
        .with_help("pin it by digest: quay.io/ns/op@sha256:…"),
        Diagnostic::new(
            Code::ImageNotPinned,
            "related image \"日本語🚀\" of bundle \"café.v1.0.0\" is a tag",
        )
        .at(span_of(json, JSON, "\"quay.io/ns/日本:latest\"", 0))
        .with_label(span_of(json, JSON, "\"日本語🚀\"", 0), "named here")
        .with_help("pin it by digest"),
        // Text dropped: location without snippet; characters every format must escape.
        Diagnostic::new(
            Code::InvalidImageReference,
            "image \"not a ref\": invalid reference format, 100% sure",
        )
        .at(span_of(dropped, DROPPED, "\"not a ref\"", 0))
        .with_label(
            span_of(dropped, DROPPED, "\"big\"", 0),
            "in package \"big\"",
        )
        .with_help(
            "a reference looks like registry/namespace/name@sha256:digest,\nor registry/name:tag\r",
        ),
        // About the catalog as a whole: no span.
        Diagnostic::new(
            Code::PackageWithoutChannels,
            "package \"bar\" has no channels",
        )
        .with_help("add an olm.channel with package: bar"),
    ];
    sort(&mut diagnostics);
    let v = Validation {
        diagnostics,
        files: 3,
        packages: 2,
        channels: 1,
        bundles: 2,
    };
    (v, sources)
}

/// A clean catalog.
pub fn clean() -> (Validation, SourceMap) {
    let (sources, _) = map(&[("catalog/foo/catalog.yaml", YAML)]);
    (
        Validation {
            diagnostics: vec![],
            files: 1,
            packages: 1,
            channels: 1,
            bundles: 1,
        },
        sources,
    )
}
