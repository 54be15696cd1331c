//! What a run shows while it works: on a terminal two bars (images; bytes with
//! throughput and ETA), otherwise one plain line per image and per retry on
//! standard error, in a stable format:
//!
//! ```text
//! [3/48] copied quay.io/a/b:1 -> reg.local/a/b:1 (sha256:…, 2 blobs, 33.6 MB)
//! [4/48] present quay.io/a/c:1 -> reg.local/a/c:1 (sha256:…)
//! [5/48] FAILED quay.io/a/d:1 -> reg.local/a/d:1: <why>
//! retry 1/5 in 0.5s: <why>
//! ```

use super::copy::{Report, Status};
use super::http::Error;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Bars on a terminal, plain lines otherwise.
    Auto,
    Bar,
    Plain,
}

pub struct Progress {
    bars: Option<(MultiProgress, ProgressBar, ProgressBar)>,
    total: usize,
    done: AtomicUsize,
    bytes: AtomicU64,
    quiet: bool,
}

/// `12.3 MB` (decimal units, as registries and skopeo print sizes).
pub fn human(n: u64) -> String {
    const U: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

impl Progress {
    pub fn new(mode: Mode, total: usize) -> Self {
        use std::io::IsTerminal;
        let bar = match mode {
            Mode::Bar => true,
            Mode::Plain => false,
            Mode::Auto => std::io::stderr().is_terminal(),
        };
        let bars = bar.then(|| {
            let mp = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let images = mp.add(ProgressBar::new(total as u64));
            images.set_style(
                ProgressStyle::with_template("images {bar:30} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let bytes = mp.add(ProgressBar::new(0));
            bytes.set_style(
                ProgressStyle::with_template(
                    "bytes  {bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            images.enable_steady_tick(Duration::from_millis(200));
            (mp, images, bytes)
        });
        Progress {
            bars,
            total,
            done: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            quiet: false,
        }
    }

    /// No output at all (dry runs print their own summary).
    pub fn silent() -> Self {
        Progress {
            bars: None,
            total: 0,
            done: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            quiet: true,
        }
    }

    fn line(&self, s: &str) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some((mp, _, _)) => {
                let _ = mp.println(s);
            }
            None => eprintln!("{s}"),
        }
    }

    /// Bytes of blobs about to be looked at (grows the bytes bar).
    pub fn add_expected(&self, n: u64) {
        if let Some((_, _, b)) = &self.bars {
            b.inc_length(n);
        }
    }

    /// Blob bytes that did not need sending (present or mounted).
    pub fn add_skipped(&self, n: u64) {
        if let Some((_, _, b)) = &self.bars {
            b.set_length(b.length().unwrap_or(0).saturating_sub(n));
        }
    }

    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        if let Some((_, _, b)) = &self.bars {
            b.inc(n);
        }
    }

    pub fn sub_bytes(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.bytes.fetch_sub(n, Ordering::Relaxed);
        if let Some((_, _, b)) = &self.bars {
            b.set_position(b.position().saturating_sub(n));
        }
    }

    pub fn retrying(&self, attempt: u32, of: u32, wait: Duration, e: &Error) {
        self.line(&format!(
            "retry {attempt}/{of} in {:.1}s: {}",
            wait.as_secs_f64(),
            e.message
        ));
    }

    pub fn image_done(&self, r: &Report) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let j = &r.job;
        let digest = r.digest.as_deref().unwrap_or("");
        let text = match &r.status {
            Status::Copied => format!(
                "[{n}/{}] copied {} -> {} ({digest}, {} blobs, {})",
                self.total,
                j.source_text,
                j.target_text,
                r.counts.uploaded,
                human(r.counts.bytes)
            ),
            Status::Present => format!(
                "[{n}/{}] present {} -> {} ({digest})",
                self.total, j.source_text, j.target_text
            ),
            Status::Failed(e) => format!(
                "[{n}/{}] FAILED {} -> {}: {}",
                self.total, j.source_text, j.target_text, e.message
            ),
        };
        match &self.bars {
            Some((_, images, _)) => {
                images.inc(1);
                if matches!(r.status, Status::Failed(_)) {
                    self.line(&text);
                }
            }
            None => self.line(&text),
        }
    }

    pub fn finish(&self) {
        if let Some((_, i, b)) = &self.bars {
            i.finish_and_clear();
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn sizes() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(999), "999 B");
        assert_eq!(human(33_554_432), "33.6 MB");
        assert_eq!(human(822_083_584), "822.1 MB");
    }
}
