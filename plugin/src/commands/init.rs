//! `init PACKAGE --default-channel C [--description FILE] [--icon FILE]`:
//! one `olm.package` document, as `opm init`.

use super::render::FbcFormat;
use base64::Engine;
use clap::Args;
use fbc_core::fbc::{self, Fbc, Icon, Package};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The package name.
    pub package: String,
    /// The channel subscriptions use by default.
    #[arg(short = 'c', long)]
    pub default_channel: String,
    /// A file whose text becomes the package description (e.g. README.md).
    #[arg(short, long, value_name = "FILE")]
    pub description: Option<PathBuf>,
    /// An image file (svg, png, jpeg, gif...) that becomes the package icon.
    #[arg(short, long, value_name = "FILE")]
    pub icon: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FbcFormat::Json)]
    pub output: FbcFormat,
}

/// The media type of an image, sniffed from its bytes as Go's
/// `http.DetectContentType` does (plus SVG, which opm recognises).
pub fn sniff_media_type(b: &[u8]) -> String {
    let starts = |p: &[u8]| b.starts_with(p);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return "image/png".into();
    }
    if starts(b"\xff\xd8\xff") {
        return "image/jpeg".into();
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return "image/gif".into();
    }
    if starts(b"BM") {
        return "image/bmp".into();
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return "image/webp".into();
    }
    if starts(b"\x00\x00\x01\x00") {
        return "image/x-icon".into();
    }
    let text = String::from_utf8_lossy(&b[..b.len().min(4096)]).to_ascii_lowercase();
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.contains("<svg")
        && (t.starts_with("<svg")
            || t.starts_with("<?xml")
            || t.starts_with("<!--")
            || t.starts_with("<!doctype svg"))
    {
        return "image/svg+xml".into();
    }
    if std::str::from_utf8(b).is_ok() {
        return "text/plain; charset=utf-8".into();
    }
    "application/octet-stream".into()
}

pub fn run(a: InitArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let description = match &a.description {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => String::new(),
    };
    let icon = match &a.icon {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(Icon {
                base64data: base64::engine::general_purpose::STANDARD.encode(&bytes),
                mediatype: sniff_media_type(&bytes),
            })
        }
        None => None,
    };
    let cfg = Fbc {
        packages: vec![Package {
            name: a.package,
            default_channel: a.default_channel,
            icon,
            description,
            properties: Vec::new(),
        }],
        ..Fbc::default()
    };
    std::io::stdout()
        .write_all(fbc::write(&cfg, a.output.into()).as_bytes())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
