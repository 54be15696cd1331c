//! Differential check of the YAML fast path against the general parser on
//! every document of the files under the given paths (default: the shared
//! corpus and conformance cases). Prints mismatches and the hit rate.
//!
//! `cargo run --release -p fbc-core --example fastyaml_diff [PATH...]`

use fbc_core::parse::fastyaml::check;
use std::path::{Path, PathBuf};

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            walk(&e, out);
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
        roots = vec![shared.join("corpus"), shared.join("conformance/cases")];
    }
    let mut files = Vec::new();
    for r in &roots {
        walk(r, &mut files);
    }
    let (mut docs, mut hits, mut bytes, mut hit_bytes, mut bad) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let verbose = std::env::var_os("VERBOSE").is_some();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for (from, to) in check::yaml_chunks(&text) {
            let chunk = &text[from..to];
            docs += 1;
            bytes += chunk.len();
            match check::compare(chunk, from) {
                Ok(true) => {
                    hits += 1;
                    hit_bytes += chunk.len();
                }
                Ok(false) => {
                    if verbose {
                        println!("miss {} @{from} ({} bytes)", f.display(), chunk.len());
                    }
                }
                Err(e) => {
                    bad += 1;
                    println!("MISMATCH {} @{from}: {e}", f.display());
                }
            }
        }
    }
    println!(
        "{} files, {docs} documents: fast path took {hits} ({:.2}% of {bytes} bytes), {bad} mismatches",
        files.len(),
        100.0 * hit_bytes as f64 / bytes.max(1) as f64
    );
    if bad > 0 {
        std::process::exit(1);
    }
}
