//! Which blobs earlier pack runs shipped: one JSON file per run in
//! `DIR/.history/`, written after the run's tars are in place. Deleting the
//! directory (or `--full`) makes the next pack ship everything again; `--since`
//! forgets the runs made on or after a date, or from a given run on.

use super::format::BlobEntry;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const HISTORY_DIR: &str = ".history";

/// Which earlier runs count as shipped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Since {
    /// Every recorded run (the default: ship only what was never shipped).
    #[default]
    History,
    /// None: ship every blob of the layout.
    Full,
    /// Runs made before this day (`YYYY-MM-DD`, UTC); later ones are shipped again.
    Date(String),
    /// Runs made before this run; it and later ones are shipped again.
    Run(String),
}

impl Since {
    /// `YYYY-MM-DD` → a date, anything else → a run id.
    pub fn parse(s: &str) -> Since {
        if parse_date(s).is_some() {
            Since::Date(s.to_string())
        } else {
            Since::Run(s.to_string())
        }
    }
}

/// One run's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub run: String,
    pub created: String,
    /// Seconds since the epoch of `created`.
    pub created_unix: i64,
    pub chunks: Vec<String>,
    pub blobs: Vec<BlobEntry>,
}

pub fn history_dir(dir: &Path) -> PathBuf {
    dir.join(HISTORY_DIR)
}

/// Every run recorded in `DIR/.history`, oldest first.
pub fn load(dir: &Path) -> Result<Vec<RunRecord>, String> {
    let hdir = history_dir(dir);
    let rd = match std::fs::read_dir(&hdir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", hdir.display())),
    };
    let mut runs = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| format!("{}: {e}", hdir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        let p = entry.path();
        let text = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let rec: RunRecord = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "{}: not an archive history record ({e}); delete it to ship its blobs again",
                p.display()
            )
        })?;
        runs.push(rec);
    }
    runs.sort_by(|a, b| (a.created_unix, &a.run).cmp(&(b.created_unix, &b.run)));
    Ok(runs)
}

/// The blobs that count as shipped under `since`: digest → (run, created).
pub fn shipped(
    runs: &[RunRecord],
    since: &Since,
) -> Result<HashMap<String, (String, String)>, String> {
    let cutoff: Option<i64> = match since {
        Since::History => None,
        Since::Full => Some(i64::MIN),
        Since::Date(d) => Some(
            parse_date(d).ok_or_else(|| format!("--since {d}: not a date (YYYY-MM-DD)"))?,
        ),
        Since::Run(r) => Some(
            runs.iter()
                .find(|x| &x.run == r)
                .map(|x| x.created_unix)
                .ok_or_else(|| {
                    let known: Vec<&str> = runs.iter().map(|x| x.run.as_str()).collect();
                    format!(
                        "--since {r}: neither a date (YYYY-MM-DD) nor a recorded run; runs recorded: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    )
                })?,
        ),
    };
    let mut map = HashMap::new();
    for rec in runs {
        if cutoff.is_some_and(|c| rec.created_unix >= c) {
            continue;
        }
        for b in &rec.blobs {
            // Later runs overwrite: the newest run that shipped a blob is named.
            map.insert(b.digest.clone(), (rec.run.clone(), rec.created.clone()));
        }
    }
    Ok(map)
}

/// Record a run (atomically).
pub fn record(dir: &Path, rec: &RunRecord) -> Result<(), String> {
    let hdir = history_dir(dir);
    std::fs::create_dir_all(&hdir).map_err(|e| format!("{}: {e}", hdir.display()))?;
    let bytes = serde_json::to_vec(rec).map_err(|e| e.to_string())?;
    crate::registry::layout::write_atomic(&hdir.join(format!("{}.json", rec.run)), &bytes)
}

/// Seconds since the epoch of `YYYY-MM-DD` 00:00 UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

use crate::time::days_from_civil;
pub use crate::time::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-22"), Some(1_795_305_600));
        assert_eq!(rfc3339(1_795_305_600 + 3723), "2026-11-22T01:02:03Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(Since::parse("2026-11-22"), Since::Date("2026-11-22".into()));
        assert_eq!(
            Since::parse("20261122T0600Z-ab"),
            Since::Run("20261122T0600Z-ab".into())
        );
    }

    fn rec(run: &str, t: i64, digests: &[&str]) -> RunRecord {
        RunRecord {
            run: run.into(),
            created: rfc3339(t),
            created_unix: t,
            chunks: vec![],
            blobs: digests
                .iter()
                .map(|d| BlobEntry {
                    digest: d.to_string(),
                    size: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn since_forgets_later_runs() {
        let day = 86_400;
        let runs = vec![rec("r1", 10 * day, &["a"]), rec("r2", 12 * day, &["b"])];
        assert_eq!(shipped(&runs, &Since::History).unwrap().len(), 2);
        assert!(shipped(&runs, &Since::Full).unwrap().is_empty());
        let s = shipped(&runs, &Since::Run("r2".into())).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), vec!["a"]);
        let s = shipped(&runs, &Since::Date(rfc3339(11 * day)[..10].to_string())).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), vec!["a"]);
        let err = shipped(&runs, &Since::Run("nope".into())).unwrap_err();
        assert!(err.contains("r1, r2"), "{err}");
    }
}
