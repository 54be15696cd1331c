//! Time parsing every file of the big catalog (all documents, parse only)
//! on one and two threads, as `validate` would: first with the general YAML
//! parser alone (saphyr, as before the fast path), then as `parse_stream`
//! does it (fast path first).
//!
//! `cargo run --release -p fbc-core --example parse_big [DIR] [ROUNDS]`
//! (default: `../shared/corpus/big/union-catalog`, 5 rounds).
//!
//! Wall times suffer when other processes share the cores, so the process
//! CPU time per round is printed too (Linux only).

use fbc_core::parse::fastyaml::check::yaml_chunks;
use fbc_core::parse::parse_stream;
use fbc_core::parse::yaml::parse_document_general;
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

/// Parse one file; returns the number of documents and errors.
fn parse_one(text: &str, general: bool) -> (usize, usize) {
    let chunks = yaml_chunks(text);
    if !general || chunks.is_empty() {
        let parsed = parse_stream(text);
        return (parsed.docs.len(), parsed.errors.len());
    }
    let ok = chunks
        .iter()
        .filter(|&&(from, to)| parse_document_general(&text[from..to], from).is_ok())
        .count();
    (ok, chunks.len() - ok)
}

/// CPU time of this process so far (user + system), from /proc.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// Parse every text on `threads` threads (largest first, work stealing by
/// an atomic index); returns the number of documents and errors.
fn parse_all(texts: &[String], threads: usize, general: bool) -> (usize, usize) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let (mut docs, mut errors) = (0, 0);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(t) = texts.get(i) else { break };
                        let (d, e) = parse_one(t, general);
                        docs += d;
                        errors += e;
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
    for (label, general) in [
        ("general parser only (before)", true),
        ("with the fast path", false),
    ] {
        println!("{label}:");
        for threads in [1, 2] {
            let mut times: Vec<(Duration, Duration)> = Vec::new();
            let mut counts = (0, 0);
            for _ in 0..rounds {
                let (t0, c0) = (Instant::now(), cpu_time());
                counts = parse_all(&texts, threads, general);
                let cpu = cpu_time()
                    .zip(c0)
                    .map(|(c1, c0)| c1 - c0)
                    .unwrap_or_default();
                times.push((t0.elapsed(), cpu));
            }
            times.sort();
            let cpu: Vec<f64> = times.iter().map(|t| t.1.as_secs_f64()).collect();
            println!(
                "  {threads} thread(s): wall min {:.3} s, median {:.3} s; CPU median {:.2} s \
                 ({} documents, {} errors)",
                times[0].0.as_secs_f64(),
                times[times.len() / 2].0.as_secs_f64(),
                cpu[cpu.len() / 2],
                counts.0,
                counts.1
            );
        }
    }
}
