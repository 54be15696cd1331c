//! `template basic|semver FILE`: expand a catalog template, as
//! `opm alpha render-template`. Bundle references are rendered through the
//! registry layer; as an offline extension, a reference that names an
//! existing bundle directory (relative to the working directory or to the
//! template file) is rendered from that directory, with an empty image.

use super::render::FbcFormat;
use crate::input::{self, RenderOptions};
use clap::{Args, ValueEnum};
use fbc_core::fbc::{self, Bundle};
use fbc_core::render::MigrateLevel;
use fbc_core::template;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateKind {
    /// `olm.template.basic`: an FBC whose bundles are given by image only.
    Basic,
    /// `olm.semver`: channels generated from the bundles' versions.
    Semver,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The template type.
    #[arg(value_enum)]
    pub kind: TemplateKind,
    /// The template file (`-` reads standard input).
    pub file: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FbcFormat::Json)]
    pub output: FbcFormat,
    /// Migration to apply to rendered bundles: none, or bundle-object-to-csv-metadata.
    #[arg(long, value_name = "LEVEL", default_value = "none")]
    pub migrate_level: String,
}

fn render_one(
    reference: &str,
    base: Option<&Path>,
    opts: &RenderOptions,
) -> Result<Vec<Bundle>, String> {
    let mut r = reference.to_string();
    if !Path::new(&r).exists()
        && let Some(b) = base
        && b.join(reference).is_dir()
    {
        r = b.join(reference).display().to_string();
    }
    let source = input::image_source();
    let cfg = input::render_ref(&r, opts, source.as_ref())?;
    if !cfg.packages.is_empty() || !cfg.channels.is_empty() {
        return Err(format!("{reference}: not a bundle"));
    }
    Ok(cfg.bundles)
}

pub fn run(a: TemplateArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let opts = RenderOptions {
        migrate: MigrateLevel::parse(&a.migrate_level)?,
        image_template: None,
    };
    let (text, base) = if a.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("<stdin>: {e}"))?;
        (s, None)
    } else {
        let s =
            std::fs::read_to_string(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?;
        (s, a.file.parent().map(Path::to_path_buf))
    };
    let parsed = fbc_core::parse::parse_stream(&text);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("{}: {}", a.file.display(), e.message));
    }
    let doc = parsed
        .docs
        .iter()
        .find(|d| !d.is_null())
        .map(|d| d.to_json())
        .ok_or_else(|| format!("{}: empty template", a.file.display()))?;
    if template::schema_of(&doc).is_none() {
        return Err("template input missing required 'schema' field".into());
    }
    let mut render =
        |r: &str| render_one(r, base.as_deref(), &opts).map_err(|e| format!("render: {e}"));
    let cfg = match a.kind {
        TemplateKind::Basic => template::basic(&doc, &mut render)?,
        TemplateKind::Semver => template::semver(&doc, &mut render)?,
    };
    std::io::stdout()
        .write_all(fbc::write(&cfg, a.output.into()).as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
