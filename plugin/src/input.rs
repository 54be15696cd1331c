//! Reading render inputs: bundle directories, FBC directories, sqlite
//! `index.db` files, and images through the [`ImageSource`] seam (the
//! registry layer implements it; until it is wired in, [`NoRegistry`]
//! refuses image references with a clear error).

use fbc_core::fbc::Fbc;
use fbc_core::render::{self, MigrateLevel};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Label of a file-based catalog image: the directory of its catalog.
pub const LABEL_CONFIGS: &str = "operators.operatorframework.io.index.configs.v1";
/// Label of a sqlite index image: the path of its database.
pub const LABEL_DATABASE: &str = "operators.operatorframework.io.index.database.v1";
/// Label of a bundle image: its package.
pub const LABEL_BUNDLE_PACKAGE: &str = "operators.operatorframework.io.bundle.package.v1";

/// What a render needs of an image.
#[derive(Debug, Clone, Default)]
pub struct ImageFiles {
    /// The image config's labels.
    pub labels: BTreeMap<String, String>,
    /// For a catalog image (label [`LABEL_CONFIGS`] = DIR): the files under
    /// DIR, paths relative to DIR. For a bundle image
    /// ([`LABEL_BUNDLE_PACKAGE`]): the files under `manifests/` and
    /// `metadata/`, paths relative to the image root. For a sqlite index
    /// image ([`LABEL_DATABASE`] = PATH): the one file at PATH, under that
    /// path without its leading `/`.
    pub files: Vec<(String, Vec<u8>)>,
}

/// The seam to the registry layer: pull an image and hand over its labels
/// and the files render needs (see [`ImageFiles`]).
pub trait ImageSource {
    fn fetch(&self, reference: &str) -> Result<ImageFiles, String>;
}

/// Refuses every image (offline use and tests).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRegistry;

impl ImageSource for NoRegistry {
    fn fetch(&self, reference: &str) -> Result<ImageFiles, String> {
        Err(format!(
            "{reference}: image references need the registry layer (not built yet)"
        ))
    }
}

/// The image source the commands use.
pub fn image_source() -> Box<dyn ImageSource> {
    Box::new(crate::registry::source::RegistrySource)
}

/// Options of a render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub migrate: MigrateLevel,
    /// opm's `--alpha-image-ref-template`: the image of a bundle rendered
    /// from a directory, with `{{.Package}}`, `{{.Name}}`, `{{.Version}}`.
    pub image_template: Option<String>,
}

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    BundleDir,
    FbcDir,
    Sqlite,
    Image,
}

pub fn classify(reference: &str) -> Result<RefKind, String> {
    let p = Path::new(reference);
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {
            if p.join("manifests").is_dir() && p.join("metadata").is_dir() {
                Ok(RefKind::BundleDir)
            } else {
                Ok(RefKind::FbcDir)
            }
        }
        Ok(_) => {
            if is_sqlite(p) {
                Ok(RefKind::Sqlite)
            } else {
                Err(format!(
                    "ref {reference:?} is not a directory nor a sqlite database: not allowed"
                ))
            }
        }
        Err(e) if looks_like_path(reference) => Err(format!("{reference}: {e}")),
        Err(_) => Ok(RefKind::Image),
    }
}

/// A reference that can only be meant as a path (`/x`, `./x`, `../x`, `~/x`, `.`).
fn looks_like_path(reference: &str) -> bool {
    reference == "."
        || reference == ".."
        || ["/", "./", "../", "~/"]
            .iter()
            .any(|p| reference.starts_with(p))
}

pub fn is_sqlite(p: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

/// Every regular file below `root` (relative paths with `/`, sorted).
pub fn read_tree(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if path.is_dir() {
                walk(&path, &r, out)?;
            } else {
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push((r, bytes));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, "", &mut out)?;
    Ok(out)
}

/// Load an FBC directory (or file) as opm's `LoadFS`: no model validation.
pub fn load_fbc_dir(root: &Path) -> Result<Fbc, String> {
    let mut cfg = Fbc::default();
    for f in crate::fs::catalog_files(root)? {
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        cfg.load_file(&f.display().to_string(), &text)?;
    }
    Ok(cfg)
}

/// Load FBC files given as (path, bytes) in opm's order.
pub fn load_fbc_files(files: &[(String, Vec<u8>)]) -> Result<Fbc, String> {
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let texts: Vec<String> = files
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    let order = fbc_core::layout::catalog_files(&names, |i| texts.get(i).map(String::as_str));
    let mut cfg = Fbc::default();
    for i in order {
        cfg.load_file(names[i], &texts[i])?;
    }
    Ok(cfg)
}

fn image_from_template(t: &str, b: &fbc_core::fbc::Bundle) -> String {
    t.replace("{{.Package}}", &b.package)
        .replace("{{.Name}}", &b.name)
        .replace("{{.Version}}", &b.version().unwrap_or_default())
}

/// Render a bundle directory.
pub fn render_bundle_dir(
    dir: &Path,
    opts: &RenderOptions,
) -> Result<fbc_core::fbc::Bundle, String> {
    let files = read_tree(dir)?;
    let mut b = render::render_bundle(&files, "", MigrateLevel::None)?;
    if let Some(t) = &opts.image_template {
        let image = image_from_template(t, &b);
        b = render::render_bundle(&files, &image, opts.migrate)?;
    } else {
        b = render::render_bundle(&files, "", opts.migrate).unwrap_or(b);
    }
    Ok(b)
}

/// Render one reference to a catalog.
pub fn render_ref(
    reference: &str,
    opts: &RenderOptions,
    source: &dyn ImageSource,
) -> Result<Fbc, String> {
    let mut cfg = match classify(reference)? {
        RefKind::BundleDir => {
            let b = render_bundle_dir(Path::new(reference), opts)
                .map_err(|e| format!("{reference}: {e}"))?;
            Fbc {
                bundles: vec![b],
                ..Fbc::default()
            }
        }
        RefKind::FbcDir => load_fbc_dir(Path::new(reference))?,
        RefKind::Sqlite => {
            eprintln!(
                "warning: sqlite-based catalogs are deprecated; migrate to a file-based catalog ({reference})"
            );
            crate::sqlite::read_index(&PathBuf::from(reference))?
        }
        RefKind::Image => render_image(reference, opts, source)?,
    };
    post_process(&mut cfg, opts.migrate);
    Ok(cfg)
}

/// What opm's render does to every input's bundles.
fn post_process(cfg: &mut Fbc, migrate: MigrateLevel) {
    for b in &mut cfg.bundles {
        render::migrate_bundle(b, migrate);
        render::move_objects_last(&mut b.properties);
        b.related_images.sort_by(|x, y| x.image.cmp(&y.image));
    }
}

fn render_image(
    reference: &str,
    opts: &RenderOptions,
    source: &dyn ImageSource,
) -> Result<Fbc, String> {
    let img = source.fetch(reference)?;
    render_image_files(reference, img, opts)
}

/// The files of a catalog image in opm's order (`.indexignore` applied), moved out.
fn catalog_blobs(mut files: Vec<(String, Vec<u8>)>) -> Vec<Vec<u8>> {
    let order = {
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        fbc_core::layout::catalog_files(&names, |i| {
            files.get(i).and_then(|(_, b)| std::str::from_utf8(b).ok())
        })
    };
    order
        .into_iter()
        .map(|i| std::mem::take(&mut files[i].1))
        .collect()
}

fn render_image_files(
    reference: &str,
    img: ImageFiles,
    opts: &RenderOptions,
) -> Result<Fbc, String> {
    if img.labels.contains_key(LABEL_CONFIGS) {
        load_fbc_files(&img.files)
    } else if img.labels.contains_key(LABEL_BUNDLE_PACKAGE) {
        let mut files = img.files.clone();
        if !files.iter().any(|(p, _)| p.starts_with("metadata/")) {
            // No metadata directory: the bundle labels carry the annotations.
            let mut text = String::from("annotations:\n");
            for (k, v) in img
                .labels
                .iter()
                .filter(|(k, _)| k.starts_with("operators.operatorframework.io.bundle."))
            {
                text.push_str(&format!(
                    "  {}: {}\n",
                    fbc_core::gojson::quote(k, false),
                    fbc_core::gojson::quote(v, false)
                ));
            }
            files.push(("metadata/annotations.yaml".into(), text.into_bytes()));
        }
        let b = render::render_bundle(&files, reference, opts.migrate)?;
        Ok(Fbc {
            bundles: vec![b],
            ..Fbc::default()
        })
    } else if let Some(db) = img.labels.get(LABEL_DATABASE) {
        eprintln!(
            "warning: sqlite-based catalogs are deprecated; migrate to a file-based catalog ({reference})"
        );
        let want = db.trim_start_matches('/');
        let (_, bytes) = img
            .files
            .iter()
            .find(|(p, _)| p == want)
            .ok_or_else(|| format!("{reference}: database {db} not found in the image"))?;
        let tmp = tempfile_in_temp(bytes)?;
        crate::sqlite::read_index(tmp.path())
    } else if img.labels.is_empty() {
        Err(format!(
            "{reference}: image type could not be determined: image has no labels"
        ))
    } else {
        let list: Vec<String> = img
            .labels
            .iter()
            .map(|(k, v)| format!("  {k}={v}"))
            .collect();
        Err(format!(
            "{reference}: image type could not be determined, found labels\n{}",
            list.join("\n")
        ))
    }
}

/// A temporary file removed on drop.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_in_temp(bytes: &[u8]) -> Result<TempFile, String> {
    let p = std::env::temp_dir().join(format!(
        "oc-catalog-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(TempFile(p))
}

/// Write `text` to `path` atomically: a temporary file in the same directory,
/// then a rename. Nothing is half-written.
pub fn write_atomic(path: &Path, text: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{}: {e}", path.display()));
    }
    Ok(())
}

/// A catalog as the validator's model (for `list` and `graph`): an FBC
/// directory is read directly; anything else (images, sqlite, bundle
/// directories) is rendered first.
pub fn load_declcfg(
    reference: &str,
    source: &dyn ImageSource,
) -> Result<fbc_core::declcfg::DeclarativeConfig, String> {
    use fbc_core::source::FileId;
    let blobs: Vec<Vec<u8>> = match classify(reference)? {
        RefKind::FbcDir => crate::fs::catalog_files(Path::new(reference))?
            .iter()
            .map(|p| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())))
            .collect::<Result<_, _>>()?,
        RefKind::Image => {
            let img = source.fetch(reference)?;
            if img.labels.contains_key(LABEL_CONFIGS) {
                // A catalog image: its files go to the validator's loader as a
                // directory's would (no render, write and re-read in between).
                catalog_blobs(img.files)
            } else {
                let mut cfg = render_image_files(reference, img, &RenderOptions::default())?;
                post_process(&mut cfg, MigrateLevel::None);
                vec![fbc_core::fbc::write(&cfg, fbc_core::fbc::Format::Json).into_bytes()]
            }
        }
        _ => {
            let cfg = render_ref(reference, &RenderOptions::default(), source)?;
            vec![fbc_core::fbc::write(&cfg, fbc_core::fbc::Format::Json).into_bytes()]
        }
    };
    let loaded = blobs
        .iter()
        .enumerate()
        .map(|(i, b)| fbc_core::load::load_bytes(FileId(i as u32), b))
        .collect();
    let (_, cfg) = fbc_core::validate_catalog(loaded, &fbc_core::Options::default());
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image source serving canned images, as the registry layer would.
    struct Fake(BTreeMap<String, ImageFiles>);

    impl ImageSource for Fake {
        fn fetch(&self, reference: &str) -> Result<ImageFiles, String> {
            self.0
                .get(reference)
                .cloned()
                .ok_or_else(|| format!("{reference}: manifest unknown"))
        }
    }

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn fake() -> Fake {
        let csv = b"apiVersion: operators.coreos.com/v1alpha1\nkind: ClusterServiceVersion\nmetadata:\n  name: op.v1.0.0\nspec:\n  version: 1.0.0\n".to_vec();
        let mut m = BTreeMap::new();
        m.insert(
            "reg/catalog:1".to_string(),
            ImageFiles {
                labels: labels(&[(LABEL_CONFIGS, "/configs")]),
                files: vec![(
                    "op/catalog.yaml".into(),
                    b"schema: olm.package\nname: op\ndefaultChannel: stable\n".to_vec(),
                )],
            },
        );
        m.insert(
            "reg/bundle:1".to_string(),
            ImageFiles {
                labels: labels(&[(LABEL_BUNDLE_PACKAGE, "op")]),
                files: vec![("manifests/csv.yaml".into(), csv)],
            },
        );
        m.insert("reg/plain:1".to_string(), ImageFiles::default());
        m.insert(
            "reg/other:1".to_string(),
            ImageFiles {
                labels: labels(&[("a", "b")]),
                files: vec![],
            },
        );
        Fake(m)
    }

    #[test]
    fn images_are_dispatched_by_label() {
        let f = fake();
        let o = RenderOptions::default();
        let c = render_ref("reg/catalog:1", &o, &f).unwrap();
        assert_eq!(c.packages[0].name, "op");
        let b = render_ref("reg/bundle:1", &o, &f).unwrap();
        assert_eq!(b.bundles[0].name, "op.v1.0.0");
        assert_eq!(
            b.bundles[0].package, "op",
            "annotations taken from the labels"
        );
        assert_eq!(b.bundles[0].image, "reg/bundle:1");
        assert_eq!(
            render_ref("reg/plain:1", &o, &f).unwrap_err(),
            "reg/plain:1: image type could not be determined: image has no labels"
        );
        assert_eq!(
            render_ref("reg/other:1", &o, &f).unwrap_err(),
            "reg/other:1: image type could not be determined, found labels\n  a=b"
        );
        assert_eq!(
            render_ref("reg/missing:1", &o, &f).unwrap_err(),
            "reg/missing:1: manifest unknown"
        );
        assert_eq!(
            render_ref("reg/x:1", &o, &NoRegistry).unwrap_err(),
            "reg/x:1: image references need the registry layer (not built yet)"
        );
    }
}
