//! `render REF...`: bundle directories, FBC directories, sqlite `index.db`
//! files and (through the registry layer) images → one FBC stream, as
//! `opm render`.

use crate::input::{self, RenderOptions};
use clap::{Args, ValueEnum};
use fbc_core::fbc::{self, Fbc, Format};
use fbc_core::render::MigrateLevel;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FbcFormat {
    Json,
    Yaml,
}

impl From<FbcFormat> for Format {
    fn from(f: FbcFormat) -> Format {
        match f {
            FbcFormat::Json => Format::Json,
            FbcFormat::Yaml => Format::Yaml,
        }
    }
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Bundle directories (manifests/ + metadata/), FBC directories, sqlite index.db files or images.
    #[arg(required = true, value_name = "REF")]
    pub refs: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FbcFormat::Json)]
    pub output: FbcFormat,
    /// Migration to apply: none, or bundle-object-to-csv-metadata.
    #[arg(long, value_name = "LEVEL", default_value = "none")]
    pub migrate_level: String,
    /// Image reference of bundles rendered from directories; {{.Package}}, {{.Name}} and {{.Version}} are replaced.
    #[arg(long = "alpha-image-ref-template", value_name = "TEMPLATE")]
    pub image_template: Option<String>,
}

pub fn render_all(refs: &[String], opts: &RenderOptions) -> Result<Fbc, String> {
    let source = input::image_source();
    let mut cfg = Fbc::default();
    for r in refs {
        let one =
            input::render_ref(r, opts, source.as_ref()).map_err(|e| format!("render: {e}"))?;
        cfg.extend(one);
    }
    Ok(cfg)
}

pub fn run(a: RenderArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let opts = RenderOptions {
        migrate: MigrateLevel::parse(&a.migrate_level)?,
        image_template: a.image_template,
    };
    let cfg = render_all(&a.refs, &opts)?;
    let text = fbc::write(&cfg, a.output.into());
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
