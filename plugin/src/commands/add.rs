//! `add CATALOG_DIR BUNDLE_REF --channel C`: render a bundle and place it in
//! a catalog so the catalog stays valid. The file that holds the channel (or
//! the package, for a new channel; a new `<package>/catalog.json` for a new
//! package) is rewritten in opm's format with the bundle and the new channel
//! entry; the whole catalog is validated in memory first, and nothing is
//! written when it would be invalid. The write is atomic (temporary file,
//! then rename).

use crate::input::{self, RenderOptions};
use clap::Args;
use fbc_core::fbc::{self, Channel, ChannelEntry, Fbc, Format, Package};
use fbc_core::render::MigrateLevel;
use fbc_core::source::FileId;
use fbc_core::{Options, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The catalog directory.
    pub catalog: PathBuf,
    /// The bundle: a bundle directory or a bundle image.
    pub bundle: String,
    /// The channel to add the bundle to (created when new).
    #[arg(short, long)]
    pub channel: String,
    /// The entry the bundle replaces (default: the channel's current head).
    #[arg(long, value_name = "BUNDLE")]
    pub replaces: Option<String>,
    /// Entries the bundle skips (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "BUNDLES")]
    pub skips: Vec<String>,
    /// The versions the bundle skips, as a semver range (e.g. '>=1.0.0 <1.2.0').
    #[arg(long, value_name = "RANGE")]
    pub skip_range: Option<String>,
    /// Image reference recorded for a bundle rendered from a directory
    /// ({{.Package}}, {{.Name}}, {{.Version}} are replaced).
    #[arg(long = "image", value_name = "REF")]
    pub image: Option<String>,
    /// Migration to apply to the rendered bundle: none, or bundle-object-to-csv-metadata.
    #[arg(long, value_name = "LEVEL", default_value = "none")]
    pub migrate_level: String,
}

fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml") | Some("yml") => Format::Yaml,
        _ => Format::Json,
    }
}

/// Entries of a channel nothing replaces or skips.
fn heads(entries: &[ChannelEntry]) -> Vec<String> {
    let mut pointed: BTreeSet<&str> = BTreeSet::new();
    for e in entries {
        if !e.replaces.is_empty() {
            pointed.insert(&e.replaces);
        }
        for s in &e.skips {
            pointed.insert(s);
        }
    }
    entries
        .iter()
        .filter(|e| !pointed.contains(e.name.as_str()))
        .map(|e| e.name.clone())
        .collect()
}

pub fn run(a: AddArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let opts = RenderOptions {
        migrate: MigrateLevel::parse(&a.migrate_level)?,
        image_template: a.image.clone(),
    };
    if !a.catalog.is_dir() {
        return Err(format!("{}: not a directory", a.catalog.display()));
    }
    let source = input::image_source();
    let rendered =
        input::render_ref(&a.bundle, &opts, source.as_ref()).map_err(|e| format!("render: {e}"))?;
    if rendered.bundles.len() != 1 || !rendered.packages.is_empty() || !rendered.channels.is_empty()
    {
        return Err(format!("{}: not a bundle", a.bundle));
    }
    let bundle = rendered.bundles.into_iter().next().expect("one bundle");
    let pkg = bundle.package.clone();
    if pkg.is_empty() {
        return Err(format!("{}: the bundle names no package", a.bundle));
    }

    // Every file, loaded on its own so the changed one can be rewritten.
    let paths = crate::fs::catalog_files(&a.catalog)?;
    let mut files: Vec<(PathBuf, Vec<u8>, Fbc)> = Vec::new();
    for p in &paths {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let mut cfg = Fbc::default();
        cfg.load_file(&p.display().to_string(), &String::from_utf8_lossy(&bytes))?;
        files.push((p.clone(), bytes, cfg));
    }
    if files.iter().any(|(_, _, c)| {
        c.bundles
            .iter()
            .any(|b| b.package == pkg && b.name == bundle.name)
    }) {
        return Err(format!(
            "bundle {:?} is already in package {pkg:?}: nothing added",
            bundle.name
        ));
    }

    let chan_file = files.iter().position(|(_, _, c)| {
        c.channels
            .iter()
            .any(|ch| ch.package == pkg && ch.name == a.channel)
    });
    let pkg_file = files
        .iter()
        .position(|(_, _, c)| c.packages.iter().any(|p| p.name == pkg));
    let (target, created) = match (chan_file, pkg_file) {
        (Some(i), _) | (None, Some(i)) => (i, false),
        (None, None) => {
            let dir = a.catalog.join(&pkg);
            let path = dir.join("catalog.json");
            if path.exists() {
                return Err(format!(
                    "{}: exists but holds no package {pkg:?}",
                    path.display()
                ));
            }
            files.push((path, Vec::new(), Fbc::default()));
            (files.len() - 1, true)
        }
    };
    let target_format = format_of(&files[target].0);
    let cfg = &mut files[target].2;
    if created {
        cfg.packages.push(Package {
            name: pkg.clone(),
            default_channel: a.channel.clone(),
            ..Package::default()
        });
    }
    if !cfg
        .channels
        .iter()
        .any(|c| c.package == pkg && c.name == a.channel)
    {
        cfg.channels.push(Channel {
            name: a.channel.clone(),
            package: pkg.clone(),
            ..Channel::default()
        });
    }
    let ch = cfg
        .channels
        .iter_mut()
        .find(|c| c.package == pkg && c.name == a.channel)
        .expect("channel");
    let replaces = match &a.replaces {
        Some(r) => {
            if !ch.entries.iter().any(|e| &e.name == r) {
                return Err(format!(
                    "--replaces {r:?}: channel {:?} of package {pkg:?} has no such entry",
                    a.channel
                ));
            }
            r.clone()
        }
        None => {
            let h = heads(&ch.entries);
            match h.len() {
                0 if ch.entries.is_empty() => String::new(),
                1 => h[0].clone(),
                _ => {
                    return Err(format!(
                        "channel {:?} of package {pkg:?} has no single head ({}): give --replaces",
                        a.channel,
                        if h.is_empty() {
                            "none".to_string()
                        } else {
                            h.join(", ")
                        }
                    ));
                }
            }
        }
    };
    ch.entries.push(ChannelEntry {
        name: bundle.name.clone(),
        replaces,
        skips: a.skips.iter().filter(|s| !s.is_empty()).cloned().collect(),
        skip_range: a.skip_range.clone().unwrap_or_default(),
    });
    cfg.bundles.push(bundle.clone());
    let text = fbc::write(cfg, target_format);
    files[target].1 = text.clone().into_bytes();

    // Validate the catalog as it would be.
    let loaded: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, (_, bytes, _))| fbc_core::load::load_bytes(FileId(i as u32), bytes))
        .collect();
    let v = fbc_core::validate(loaded, &Options::default());
    let errors: Vec<String> = v
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("  {} {}", d.code.as_str(), d.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "adding {:?} to channel {:?} would make the catalog invalid; nothing was written:\n{}",
            bundle.name,
            a.channel,
            errors.join("\n")
        ));
    }

    let path = files[target].0.clone();
    if created && let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    input::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "added {} to channel {} of package {} ({})",
        bundle.name,
        a.channel,
        pkg,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
