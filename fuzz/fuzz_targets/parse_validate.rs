//! Whole pipeline: bytes of 1–3 files → `load_bytes` → `validate` → every
//! report format (sarif for one input length in three, see [`render_all`]),
//! with and without the file texts, in strict mode for odd lengths. Nothing
//! may panic; every span must point into its file; json and sarif output
//! must be JSON.
//!
//! The input is cut into files at 0xFF bytes (a byte that never occurs in
//! UTF-8 text); pieces after the third stay in the third file.

#![no_main]

use fbc_core::load::{self, LoadedFile};
use fbc_core::report::{self, Format, RenderOptions};
use fbc_core::source::{FileId, LineIndex, SourceInfo, SourceMap, Span};
use fbc_core::{Options, Validation};
use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;

/// Separates the files of one input.
const FILE_SEPARATOR: u8 = 0xFF;

fuzz_target!(|data: &[u8]| {
    let files: Vec<&[u8]> = data.splitn(3, |b| *b == FILE_SEPARATOR).collect();
    let mut sources = SourceMap::new();
    let mut loaded: Vec<LoadedFile> = Vec::with_capacity(files.len());
    for (i, bytes) in files.iter().enumerate() {
        let id = FileId(i as u32);
        let lf = load::load_bytes(id, bytes);
        // As the CLI does: a lossy text for the line index and snippets.
        let text = String::from_utf8_lossy(bytes).into_owned();
        let lines = LineIndex::new(&text);
        let got = sources.add(SourceInfo {
            path: format!("dir/file{i}.yaml"),
            lines,
            text: Some(text),
        });
        assert_eq!(got, id);
        loaded.push(lf);
    }

    let lens: Vec<usize> = files.iter().map(|f| f.len()).collect();
    let strict = data.len() % 2 == 1;
    let v = fbc_core::validate(loaded, &Options { strict });
    assert_eq!(v.files, files.len());
    for d in &v.diagnostics {
        let spans = d.span.iter().chain(d.labels.iter().map(|l| &l.span));
        for s in spans {
            check_span(s, &lens, &d.message);
        }
    }

    let sarif = data.len().is_multiple_of(3);
    render_all(&v, &sources, sarif);
    // Big files' texts are dropped by the CLI: render without snippets too.
    let mut dropped = SourceMap::new();
    for (_, info) in sources.iter() {
        dropped.add(SourceInfo {
            path: info.path.clone(),
            lines: info.lines.clone(),
            text: None,
        });
    }
    render_all(&v, &dropped, sarif);
    // A span into a file the map does not hold must not panic either.
    let _ = report::render(
        Format::Text,
        &v,
        &SourceMap::new(),
        &RenderOptions::default(),
    );
});

fn check_span(s: &Span, lens: &[usize], message: &str) {
    let len = *lens
        .get(s.file.0 as usize)
        .unwrap_or_else(|| panic!("span into unknown file {:?}: {message}", s.file));
    assert!(
        s.start <= s.end && s.end as usize <= len.max(1),
        "span {}..{} outside file of {len} bytes: {message}",
        s.start,
        s.end
    );
}

/// Every format, with and without colour. The json and sarif documents must
/// parse as JSON. Colour only changes text and github output. SARIF output
/// carries ~200 KB of rule metadata that is the same for every input, and
/// rendering it costs several times the rest of an execution, so it is
/// rendered for one input length in three (chosen by length so that a crash
/// reproduces from its input alone).
fn render_all(v: &Validation, sources: &SourceMap, sarif: bool) {
    let plain = RenderOptions::default();
    let color = RenderOptions {
        color: true,
        ..RenderOptions::default()
    };
    for format in Format::ALL {
        if format == Format::Sarif && !sarif {
            continue;
        }
        let out = report::render(format, v, sources, &plain);
        if matches!(format, Format::Json | Format::Sarif)
            && let Err(e) = serde_json::from_str::<IgnoredAny>(&out)
        {
            panic!("{format} output is not JSON ({e}):\n{out}");
        }
    }
    for format in [Format::Text, Format::Github] {
        let _ = report::render(format, v, sources, &color);
    }
}
