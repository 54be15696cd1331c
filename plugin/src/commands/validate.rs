//! `validate CATALOG...`: every check of `opm validate` plus mirror-readiness
//! lints, all findings at once.

use super::EXIT_FINDINGS;
use crate::cli::{OutputFormat, ValidateArgs};
use crate::fs::{catalog_files, changed_catalog_roots};
use fbc_core::codes::Code;
use fbc_core::load::{self, LoadedFile};
use fbc_core::report::{self, Format, RenderOptions};
use fbc_core::source::{FileId, LineIndex, SourceInfo, SourceMap};
use fbc_core::{Options, Validation};
use rayon::prelude::*;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Texts up to this size stay in memory for snippets; bigger ones are read
/// again only if they have findings.
const KEEP_TEXT_BYTES: usize = 256 * 1024;

pub fn run(a: ValidateArgs, invoked_as: &str) -> Result<ExitCode, String> {
    let only = parse_codes(&a.only)?;
    let ignore = parse_codes(&a.ignore)?;
    let opts = Options { strict: a.strict };
    let mut sources = SourceMap::new();
    let mut total = Validation::default();
    let catalogs = if a.changed && a.paths.is_empty() {
        a.roots.clone()
    } else if a.changed {
        changed_catalog_roots(&a.paths, &a.roots)?
    } else {
        a.paths.clone()
    };
    for root in &catalogs {
        let loaded = if root.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("<stdin>: {e}"))?;
            let id = FileId(sources.len() as u32);
            let (lf, info) = load_one(id, "<stdin>".into(), &bytes, true);
            sources.add(info);
            vec![lf]
        } else {
            load_root(root, &mut sources)?
        };
        let v = fbc_core::validate(loaded, &opts);
        total.files += v.files;
        total.packages += v.packages;
        total.channels += v.channels;
        total.bundles += v.bundles;
        total.diagnostics.extend(v.diagnostics);
    }
    total.retain_codes(&only, &ignore);
    fbc_core::diagnostic::sort(&mut total.diagnostics);

    let format = match a.output {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    };
    let quiet = a.quiet && format == Format::Text;
    if format == Format::Text && !quiet {
        reload_texts(&total, &mut sources);
    }
    let color = format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let ropts = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command_name: invoked_as.to_string(),
    };
    let text = if quiet {
        report::text::render_summary(&total, &ropts)
    } else {
        report::render(format, &total, &sources, &ropts)
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not a tool failure.
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    Ok(if total.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}

fn parse_codes(list: &[String]) -> Result<Vec<Code>, String> {
    list.iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Code::parse(s).ok_or_else(|| format!("unknown code {s:?} (see `explain --list`)")))
        .collect()
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn load_one(id: FileId, path: String, bytes: &[u8], keep: bool) -> (LoadedFile, SourceInfo) {
    let lf = load::load_bytes(id, bytes);
    // Decode once: valid UTF-8 (the usual case) is borrowed, not copied.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let lines = LineIndex::new(&text);
    let text = (keep || bytes.len() <= KEEP_TEXT_BYTES).then(|| text.into_owned());
    (lf, SourceInfo { path, lines, text })
}

/// Read and parse every file of a catalog root, in parallel, keeping opm's order.
fn load_root(root: &Path, sources: &mut SourceMap) -> Result<Vec<LoadedFile>, String> {
    let files: Vec<PathBuf> = catalog_files(root)?;
    let base = sources.len() as u32;
    let results: Vec<Result<(LoadedFile, SourceInfo), String>> = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(load_one(
                FileId(base + i as u32),
                display(path),
                &bytes,
                false,
            ))
        })
        .collect();
    let mut loaded = Vec::with_capacity(results.len());
    for r in results {
        let (lf, info) = r?;
        sources.add(info);
        loaded.push(lf);
    }
    Ok(loaded)
}

/// Snippets need the text of files with findings: read those again.
fn reload_texts(v: &Validation, sources: &mut SourceMap) {
    let mut ids: Vec<FileId> = v
        .diagnostics
        .iter()
        .flat_map(|d| d.span.iter().chain(d.labels.iter().map(|l| &l.span)))
        .map(|s| s.file)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let texts: Vec<(FileId, Option<String>)> = ids
        .into_par_iter()
        .filter(|id| sources.get(*id).text.is_none())
        .map(|id| {
            let text = std::fs::read(&sources.get(id).path)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            (id, text)
        })
        .collect();
    for (id, text) in texts {
        sources.get_mut(id).text = text;
    }
}
