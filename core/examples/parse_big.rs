//! Time parsing every file of the big catalog (all documents, parse only)
//! on two threads, as `validate` would.
//!
//! `cargo run --release -p fbc-core --example parse_big [DIR] [ROUNDS]`
//! (default: `../shared/corpus/big/union-catalog`, 5 rounds).

use fbc_core::parse::parse_stream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
    } else if matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    ) {
        out.push(p.to_path_buf());
    }
}

/// Parse every text on `threads` threads (largest first, work stealing by
/// an atomic index); returns the number of documents and errors.
fn parse_all(texts: &[String], threads: usize) -> (usize, usize) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let (mut docs, mut errors) = (0, 0);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(t) = texts.get(i) else { break };
                        let parsed = parse_stream(t);
                        docs += parsed.docs.len();
                        errors += parsed.errors.len();
                    }
                    (docs, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/big/union-catalog")
    });
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{} files, {:.1} MB in {}",
        texts.len(),
        bytes as f64 / 1e6,
        dir.display()
    );
    for threads in [1, 2] {
        let mut times: Vec<Duration> = Vec::new();
        let mut counts = (0, 0);
        for _ in 0..rounds {
            let t0 = Instant::now();
            counts = parse_all(&texts, threads);
            times.push(t0.elapsed());
        }
        times.sort();
        println!(
            "{threads} thread(s): min {:.3} s, median {:.3} s ({} documents, {} errors)",
            times[0].as_secs_f64(),
            times[times.len() / 2].as_secs_f64(),
            counts.0,
            counts.1
        );
    }
}
