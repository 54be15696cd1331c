//! `mirror`: execute a list of image copies between registries and OCI image
//! layouts (see docs/mirror.md). `mapping` reads the `oc image mirror -f`
//! format and names targets; `store` reads and writes registries and layouts;
//! `copy` is the engine; `plan` is the dry run; `progress` what the user sees;
//! `archive` packs a layout into tar chunks and unpacks them.

pub mod archive;
pub mod copy;
pub mod http;
pub mod mapping;
pub mod plan;
pub mod progress;
pub mod store;

use copy::{Job, Report, Status};
use http::Category;
use std::path::Path;

/// Exit status when some images failed: 16 plus one bit per category.
pub const EXIT_PARTIAL: u8 = 16;

/// The bit of a failure category in the exit status.
pub fn category_bit(c: Category) -> u8 {
    match c {
        Category::NotFound => 1,
        Category::Auth => 2,
        Category::Corrupt => 4,
        Category::Transient | Category::Other => 8,
    }
}

/// 0 when every image is at the destination, else 16 + the categories' bits.
pub fn exit_status(reports: &[Report]) -> u8 {
    let mut bits = 0;
    for r in reports {
        if let Status::Failed(e) = &r.status {
            bits |= category_bit(e.category);
        }
    }
    if bits == 0 { 0 } else { EXIT_PARTIAL | bits }
}

/// Seconds since the epoch as `YYYYMMDDTHHMMSSZ` and RFC 3339.
pub fn utc_stamp(secs: u64) -> (String, String) {
    let secs = secs as i64;
    (crate::time::compact(secs), crate::time::rfc3339(secs))
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The retry file's text: a comment per failure (category and message), then its mapping line.
pub fn retry_text(reports: &[Report], when: &str) -> String {
    let failed: Vec<&Report> = reports
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .collect();
    let mut out = format!(
        "# oc-catalog mirror: {} image(s) failed at {when}.\n# Rerun them with: oc catalog mirror --retry <this file>\n",
        failed.len()
    );
    for r in failed {
        if let Status::Failed(e) = &r.status {
            let msg = e.message.replace('\n', " ");
            out.push_str(&format!("# {}: {msg}\n", e.category.name()));
            out.push_str(&format!("{}={}\n", r.job.source_text, r.job.target_text));
        }
    }
    out
}

/// Write the retry file into `workdir` (temporary file + rename); its path.
pub fn write_retry_file(workdir: &Path, reports: &[Report]) -> Result<std::path::PathBuf, String> {
    let (stamp, when) = utc_stamp(now_secs());
    std::fs::create_dir_all(workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let mut path = workdir.join(format!("retry-{stamp}.txt"));
    let mut n = 1;
    while path.exists() {
        path = workdir.join(format!("retry-{stamp}-{n}.txt"));
        n += 1;
    }
    crate::registry::layout::write_atomic(&path, retry_text(reports, &when).as_bytes())?;
    Ok(path)
}

/// The jobs' mapping lines (`source=target`).
pub fn mapping_text(jobs: &[Job]) -> String {
    jobs.iter()
        .map(|j| format!("{}={}\n", j.source_text, j.target_text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(
            utc_stamp(0),
            ("19700101T000000Z".into(), "1970-01-01T00:00:00Z".into())
        );
        assert_eq!(utc_stamp(1_795_334_400).1, "2026-11-22T08:00:00Z");
    }

    #[test]
    fn exit_bits() {
        assert_eq!(category_bit(Category::NotFound), 1);
        assert_eq!(category_bit(Category::Corrupt), 4);
        assert_eq!(exit_status(&[]), 0);
    }
}
