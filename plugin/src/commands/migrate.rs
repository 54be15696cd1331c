//! `migrate index.db OUT_DIR`: a sqlite catalog → one `<package>/catalog.json`
//! (or `.yaml`) per package, as `opm migrate` (v1.26.5).

use super::render::FbcFormat;
use crate::input::{self, RenderOptions};
use clap::Args;
use fbc_core::fbc::{self, Format};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The sqlite index.db (or another render reference).
    pub source: String,
    /// Output directory; must be absent or empty.
    pub out_dir: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FbcFormat::Json)]
    pub output: FbcFormat,
}

pub fn run(a: MigrateArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    if let Ok(mut rd) = std::fs::read_dir(&a.out_dir)
        && rd.next().is_some()
    {
        return Err(format!(
            "output dir {:?} must be empty",
            a.out_dir.display().to_string()
        ));
    }
    let cfg =
        super::render::render_all(std::slice::from_ref(&a.source), &RenderOptions::default())?;
    let format: Format = a.output.into();
    let ext = match format {
        Format::Json => "json",
        Format::Yaml => "yaml",
    };
    // Write everything under a temporary sibling, then rename it into place.
    let parent = a
        .out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        a.out_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let res = (|| {
        std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        for (pkg, text) in fbc::write_by_package(&cfg, format) {
            let dir = tmp.join(&pkg);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let f = dir.join(format!("catalog.{ext}"));
            std::fs::write(&f, text).map_err(|e| format!("{}: {e}", f.display()))?;
        }
        if a.out_dir.exists() {
            std::fs::remove_dir(&a.out_dir).map_err(|e| format!("{}: {e}", a.out_dir.display()))?;
        }
        std::fs::rename(&tmp, &a.out_dir).map_err(|e| format!("{}: {e}", a.out_dir.display()))
    })();
    if res.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    res?;
    let _ = input::is_sqlite;
    Ok(ExitCode::SUCCESS)
}
