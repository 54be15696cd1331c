//! `template [basic|semver] [FILE]`: expand a catalog template, as
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
#[command(after_help = "\
Examples:
  oc catalog template semver catalog-template.yaml
  oc catalog template catalog-template.yaml          (type from the template's schema)
  oc catalog template basic < catalog-template.yaml  (template on standard input)
  oc catalog template basic - -o yaml                (same; YAML output)")]
pub struct TemplateArgs {
    /// Template type: `basic` (schema olm.template.basic) or `semver` (schema olm.semver).
    /// Optional: when left out, the template's `schema` decides.
    #[arg(value_name = "TYPE")]
    pub kind: Option<String>,
    /// Template file, YAML or JSON. `-` or no FILE reads the template from standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FbcFormat::Json)]
    pub output: FbcFormat,
    /// Migration to apply to rendered bundles: none, or bundle-object-to-csv-metadata.
    #[arg(long, value_name = "LEVEL", default_value = "none")]
    pub migrate_level: String,
}

/// `[TYPE] [FILE]`: a lone argument that is not a type is the file.
fn kind_and_file(
    kind: Option<String>,
    file: Option<String>,
) -> Result<(Option<TemplateKind>, String), String> {
    let parse = |k: &str| {
        TemplateKind::from_str(k, true)
            .map_err(|_| format!("unknown template type {k:?} (basic or semver)"))
    };
    Ok(match (kind, file) {
        (Some(k), Some(f)) => (Some(parse(&k)?), f),
        (Some(x), None) => match parse(&x) {
            Ok(k) => (Some(k), "-".to_string()),
            Err(_) => (None, x),
        },
        (None, _) => (None, "-".to_string()),
    })
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
    let (kind, file) = kind_and_file(a.kind, a.file)?;
    let stdin = file == "-";
    let file = PathBuf::from(if stdin { "<stdin>" } else { &file });
    let (text, base) = if stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("<stdin>: {e}"))?;
        (s, None)
    } else {
        let s = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        (s, file.parent().map(Path::to_path_buf))
    };
    let parsed = fbc_core::parse::parse_stream(&text);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("{}: {}", file.display(), e.message));
    }
    let doc = parsed
        .docs
        .iter()
        .find(|d| !d.is_null())
        .map(|d| d.to_json())
        .ok_or_else(|| format!("{}: empty template", file.display()))?;
    let Some(schema) = template::schema_of(&doc) else {
        return Err("template input missing required 'schema' field".into());
    };
    let kind = match kind {
        Some(k) => k,
        None => match schema.as_str() {
            "olm.template.basic" => TemplateKind::Basic,
            "olm.semver" => TemplateKind::Semver,
            other => return Err(format!("unknown template schema {other:?}")),
        },
    };
    let mut render =
        |r: &str| render_one(r, base.as_deref(), &opts).map_err(|e| format!("render: {e}"));
    let cfg = match kind {
        TemplateKind::Basic => template::basic(&doc, &mut render)?,
        TemplateKind::Semver => template::semver(&doc, &mut render)?,
    };
    std::io::stdout()
        .write_all(fbc::write(&cfg, a.output.into()).as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
