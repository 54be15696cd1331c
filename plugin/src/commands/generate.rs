//! `generate dockerfile DIR`: a Dockerfile that builds a catalog image from
//! an FBC directory, exactly as current `opm generate dockerfile`.

use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const DEFAULT_IMAGE: &str = "quay.io/operator-framework/opm:latest";

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: GenerateWhat,
}

#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Write <parent>/<dir>.Dockerfile for the catalog directory DIR (never overwrites).
    Dockerfile(DockerfileArgs),
}

#[derive(Debug, Args)]
pub struct DockerfileArgs {
    /// The catalog directory.
    pub dir: PathBuf,
    /// Image of the final stage (`scratch` for a binary-less catalog image).
    #[arg(short = 'i', long = "base-image", visible_alias = "binary-image", default_value = DEFAULT_IMAGE)]
    pub base_image: String,
    /// Image that pre-populates the serve cache (must contain /bin/opm).
    #[arg(short = 'b', long = "builder-image", default_value = DEFAULT_IMAGE)]
    pub builder_image: String,
    /// Extra labels, key=value (repeatable).
    #[arg(short = 'l', long = "extra-labels", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
}

/// The Dockerfile text for a catalog directory named `dir_name`.
pub fn dockerfile(
    dir_name: &str,
    base: &str,
    builder: &str,
    labels: &BTreeMap<String, String>,
) -> String {
    let mut s = String::new();
    s.push_str("# The builder image is expected to contain\n# /bin/opm (with serve subcommand)\n");
    s.push_str(&format!("FROM {builder} as builder\n\n"));
    s.push_str("# Copy FBC root into image at /configs and pre-populate serve cache\n");
    s.push_str(&format!("ADD {dir_name} /configs\n"));
    s.push_str("RUN [\"/bin/opm\", \"serve\", \"/configs\", \"--cache-dir=/tmp/cache\", \"--cache-only\"]\n\n");
    s.push_str(&format!("FROM {base}\n"));
    if base == "scratch" {
        s.push_str("# OLMv0 CatalogSources that use binary-less images must set:\n# spec:\n#   grpcPodConfig:\n#     extractContent:\n#       catalogDir: /configs\n#       cacheDir: /tmp/cache\n\n");
    } else {
        s.push_str("# The base image is expected to contain\n# /bin/opm (with serve subcommand) and /bin/grpc_health_probe\n\n");
        s.push_str("# Configure the entrypoint and command\nENTRYPOINT [\"/bin/opm\"]\nCMD [\"serve\", \"/configs\", \"--cache-dir=/tmp/cache\"]\n\n");
    }
    s.push_str(
        "COPY --from=builder /configs /configs\nCOPY --from=builder /tmp/cache /tmp/cache\n\n",
    );
    s.push_str("# Set FBC-specific label for the location of the FBC root directory\n# in the image\nLABEL operators.operatorframework.io.index.configs.v1=/configs\n");
    if !labels.is_empty() {
        s.push_str("\n# Set other custom labels\n");
        for (k, v) in labels {
            s.push_str(&format!("LABEL \"{k}\"=\"{v}\"\n"));
        }
    }
    s
}

pub fn run(a: GenerateArgs, _invoked_as: &str) -> Result<ExitCode, String> {
    let GenerateWhat::Dockerfile(d) = a.what;
    if d.builder_image == "scratch" {
        return Err("invalid builder image: scratch (it must contain /bin/opm)".into());
    }
    let mut labels = BTreeMap::new();
    for l in &d.labels {
        let (k, v) = l
            .split_once('=')
            .ok_or_else(|| format!("invalid label {l:?}"))?;
        labels.insert(k.to_string(), v.to_string());
    }
    let meta = std::fs::metadata(&d.dir).map_err(|e| format!("{}: {e}", d.dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a directory", d.dir.display()));
    }
    let abs = std::path::absolute(&d.dir).map_err(|e| format!("{}: {e}", d.dir.display()))?;
    let name = abs
        .components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = abs.parent().unwrap_or(Path::new("/"));
    let out = parent.join(format!("{name}.Dockerfile"));
    let text = dockerfile(&name, &d.base_image, &d.builder_image, &labels);
    // create_new: refuse to overwrite, atomically.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "path {:?}: file already exists",
                format!("{name}.Dockerfile")
            ),
            _ => format!("{}: {e}", out.display()),
        })?;
    if let Err(e) = f.write_all(text.as_bytes()) {
        let _ = std::fs::remove_file(&out);
        return Err(format!("{}: {e}", out.display()));
    }
    Ok(ExitCode::SUCCESS)
}
