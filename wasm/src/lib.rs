//! fbc-wasm: `fbc-core` for JavaScript, in the browser and in Node.
//!
//! A thin shim: every rule, every message and every renderer is fbc-core's,
//! so findings are the ones `oc catalog validate` reports. This crate only
//! moves files in and plain data out (as JS objects, parsed from the same
//! JSON the CLI's `-o json` prints).
//!
//! ```js
//! import init, { Catalog, validate, explain, codes, version } from './fbc_wasm.js';
//! await init();
//! const cat = new Catalog();
//! cat.addFile('catalog/foo/index.yaml', text);       // or addBytes(path, Uint8Array)
//! const result = cat.validate({ strict: false });    // { passed, summary, diagnostics, files, … }
//! const pkgs = cat.packages();                       // packages, channels (heads), bundles
//! const graph = cat.graph('foo');                    // nodes + replaces/skips/skipRange edges
//! const text = cat.render('text', { command: 'oc catalog' });
//! const plan = planMirror(iscYaml, [{ catalog: 'quay.io/org/index:v1', files }], 'mirror.example.com/olm');
//! ```
//!
//! Files form one catalog: they are read in the order `opm` walks a
//! directory (by path, component by component) and `.indexignore` files in
//! the set are honoured (`fbc_core::layout`). Positions carry both a byte
//! offset and 1-based line/column, with `columnUtf16` for editors and JS
//! strings.

use fbc_core::codes::{self, Code};
use fbc_core::declcfg::DeclarativeConfig;
use fbc_core::report::{self, Format, RenderOptions};
use fbc_core::source::{FileId, LineIndex, SourceInfo, SourceMap};
use fbc_core::{Options, Validation, layout, load, model};
use js_sys::{Array, JSON, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One file of a catalog: its path (with `/`) and its content. */
export interface CatalogFile { path: string; text: string | Uint8Array }
export interface ValidateOptions {
  /** Report warnings (mirror-readiness lints) as errors, like `--strict`. */
  strict?: boolean;
  /** Only report these codes or names, like `--only`. */
  only?: string[];
  /** Do not report these codes or names, like `--ignore`. */
  ignore?: string[];
}
export interface RenderTextOptions extends ValidateOptions {
  /** ANSI colours (text format). */
  color?: boolean;
  /** How hints name the tool, e.g. `oc catalog explain FBC204`. */
  command?: string;
}
export interface Position { offset: number; line: number; column: number; columnUtf16: number }
export interface Location { path: string; start: Position; end: Position }
export interface Label { message: string; location: Location }
export interface Diagnostic {
  code: string; name: string; severity: 'error' | 'warning'; message: string;
  help?: string; location?: Location; labels: Label[];
}
export interface Summary {
  errors: number; warnings: number; files: number; packages: number; channels: number; bundles: number;
}
export interface ValidateResult {
  version: number; tool: { name: string; version: string }; passed: boolean;
  summary: Summary; diagnostics: Diagnostic[];
  /** The files read, in order, without `.indexignore` files and what they exclude. */
  files: string[];
}
export interface CodeInfo { code: string; name: string; severity: 'error' | 'warning'; opm: boolean; summary: string }
export interface ChannelSummary { name: string; head?: string; heads: string[]; entries: number; deprecated: boolean }
export interface BundleSummary { name: string; version?: string; image: string; channels: string[]; deprecated: boolean }
export interface PackageSummary {
  name: string; declared: boolean; defaultChannel: string; deprecated: boolean;
  channels: ChannelSummary[]; bundles: BundleSummary[];
}
export interface UpgradeNode { name: string; version?: string; head: boolean; inChannel: boolean; deprecated: boolean }
export interface UpgradeEdge { from: string; to: string; kind: 'replaces' | 'skips' | 'skipRange' }
export interface ChannelUpgradeGraph {
  name: string; heads: string[]; deprecated: boolean; nodes: UpgradeNode[]; edges: UpgradeEdge[];
}
export interface PackageGraph { package: string; defaultChannel: string; channels: ChannelUpgradeGraph[] }
/** One operator catalog of an ImageSetConfiguration, with its FBC files (fetched by the caller). */
export interface MirrorCatalogInput { catalog: string; files: CatalogFile[] }
export interface PlanMirrorOptions {
  /** `--max-components`: 0 or absent = no limit, else at least 2. */
  maxComponents?: number;
  /** `--with-dependencies`: add what olm.package.required / olm.gvk.required need. */
  withDependencies?: boolean;
  /** Path shown in ImageSetConfiguration errors (default `isc.yaml`). */
  iscPath?: string;
}
export interface ImageCopy { source: string; target: string; kind: 'Bundle' | 'Related' | 'Additional' | 'Catalog'; origins: string[] }
export interface MirrorSelection { catalog: string; notes: string[]; added: string[]; packages: string[]; bundles: number }
export interface MirrorPlan {
  /** Accepted-but-ignored parts of the configuration, as `file:line:col: …`. */
  warnings: string[];
  selections: MirrorSelection[];
  images: ImageCopy[];
  catalogs: { source: string; target: string }[];
  /** `oc image mirror -f` format. */
  mapping: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn error(s: &str);
}

/// Panics (bugs) show up in the console with their message.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| error(&format!("fbc-wasm: {info}"))));
}

/// The version of fbc-core this was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// What `oc catalog explain CODE` prints, for a code (`FBC204`, `204`) or a
/// name (`duplicate-channel-entry`); `undefined` for an unknown code.
#[wasm_bindgen]
pub fn explain(code: &str) -> Option<String> {
    Code::parse(code).map(codes::explain)
}

/// Every finding code with its name, default severity and summary.
#[wasm_bindgen(unchecked_return_type = "CodeInfo[]")]
pub fn codes() -> Result<JsValue, JsError> {
    let infos: Vec<_> = codes::ALL.iter().map(|c| c.info()).collect();
    to_js(&infos)
}

/// Validate `files` (an array of `{path, text}`) as one catalog.
#[wasm_bindgen(unchecked_return_type = "ValidateResult")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "CatalogFile[]")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ValidateOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    Catalog::from_files(files)?.validate(options)
}

/// Plan a mirror (`oc catalog mirror -c … --dry-run` without the network):
/// parse the ImageSetConfiguration, filter each given catalog to it, and
/// list the images to copy with their targets under `destination`
/// (`[docker://]host[:port][/namespace]`). Errors (with `file:line:col` for
/// the configuration) are thrown.
#[wasm_bindgen(js_name = planMirror, unchecked_return_type = "MirrorPlan")]
pub fn plan_mirror(
    isc_text: &str,
    #[wasm_bindgen(unchecked_param_type = "MirrorCatalogInput[]")] catalogs: JsValue,
    destination: &str,
    #[wasm_bindgen(unchecked_param_type = "PlanMirrorOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    use fbc_core::fbc::Fbc;
    use fbc_core::mirror::{isc, plan, select};
    let get = |k: &str| {
        Reflect::get(&options, &JsValue::from_str(k))
            .ok()
            .filter(|v| !v.is_undefined())
    };
    let isc_path = get("iscPath")
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "isc.yaml".into());
    let max = get("maxComponents")
        .and_then(|v| v.as_f64())
        .map(|f| f as usize);
    let opts = select::SelectOptions {
        with_dependencies: flag(&options, "withDependencies"),
        ..Default::default()
    };
    let cfg = isc::parse(&isc_path, isc_text).map_err(|e| JsError::new(&e.to_string()))?;
    let dest = plan::Destination::parse(destination, max).map_err(|e| JsError::new(&e))?;
    if !Array::is_array(&catalogs) {
        return Err(JsError::new(
            "catalogs must be an array of {catalog, files}",
        ));
    }
    let mut loaded: Vec<(String, Fbc)> = Vec::new();
    for (i, c) in Array::from(&catalogs).iter().enumerate() {
        let name = Reflect::get(&c, &JsValue::from_str("catalog"))
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| JsError::new(&format!("catalogs[{i}].catalog must be a string")))?;
        let files = Catalog::from_files(
            Reflect::get(&c, &JsValue::from_str("files")).unwrap_or(JsValue::UNDEFINED),
        )?
        .files;
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let order = layout::catalog_files(&paths, |i| std::str::from_utf8(&files[i].bytes).ok());
        let mut fbc = Fbc::default();
        for i in order {
            fbc.load_file(&files[i].path, &String::from_utf8_lossy(&files[i].bytes))
                .map_err(|e| JsError::new(&e))?;
        }
        loaded.push((name, fbc));
    }
    #[derive(Serialize)]
    struct Selection {
        catalog: String,
        notes: Vec<String>,
        added: Vec<String>,
        packages: Vec<String>,
        bundles: usize,
    }
    let mut selections = Vec::new();
    let mut filtered = Vec::new();
    for spec in &cfg.operators {
        let Some((_, fbc)) = loaded.iter().find(|(n, _)| *n == spec.catalog) else {
            return Err(JsError::new(&format!(
                "{}: no files given for catalog {}",
                spec.at, spec.catalog
            )));
        };
        let s = select::filter(fbc, spec, &opts).map_err(|e| JsError::new(&e.to_string()))?;
        selections.push(Selection {
            catalog: spec.catalog.clone(),
            notes: s.notes,
            added: s.added,
            packages: s.config.packages.iter().map(|p| p.name.clone()).collect(),
            bundles: s.config.bundles.len(),
        });
        filtered.push(s.config);
    }
    let pairs: Vec<_> = cfg.operators.iter().zip(filtered.iter()).collect();
    let p = plan::collect(&pairs, &cfg, &dest).map_err(|e| JsError::new(&e.to_string()))?;
    #[derive(Serialize)]
    struct Out {
        warnings: Vec<String>,
        selections: Vec<Selection>,
        images: Vec<plan::ImageCopy>,
        catalogs: Vec<plan::CatalogTarget>,
        mapping: String,
    }
    let mut warnings = cfg.warnings.clone();
    warnings.extend(p.warnings);
    to_js(&Out {
        warnings,
        selections,
        mapping: plan::mapping_txt(&p.images),
        images: p.images,
        catalogs: p.catalogs,
    })
}

/// The catalog root a changed file belongs to (`fbc_core::layout::catalog_root`):
/// the deepest of `roots` containing it (or `undefined` if none does); without
/// roots, the parent of the nearest ancestor directory named after a package
/// the file declares, else the file's directory. `""` is the current directory.
#[wasm_bindgen(js_name = catalogRoot)]
pub fn catalog_root(
    path: &str,
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] content: JsValue,
    roots: Vec<String>,
) -> Result<Option<String>, JsError> {
    let bytes = bytes_of(&content)
        .ok_or_else(|| JsError::new("content must be a string or a Uint8Array"))?;
    let loaded = load::load_bytes(FileId(0), &bytes);
    let packages = loaded.config.package_names();
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    Ok(layout::catalog_root(path, &packages, &roots))
}

struct File {
    path: String,
    bytes: Vec<u8>,
}

/// The result of loading and validating the files, kept until they change.
struct Loaded {
    strict: bool,
    validation: Validation,
    config: DeclarativeConfig,
    sources: SourceMap,
}

/// A catalog being assembled from files, then validated and inspected.
/// Loading happens once, on the first question asked after a change.
#[wasm_bindgen]
pub struct Catalog {
    files: Vec<File>,
    loaded: Option<Loaded>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Catalog {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Catalog {
        Catalog {
            files: Vec::new(),
            loaded: None,
        }
    }

    /// Add a file given as text. Paths use `/`; a path added twice keeps the last content.
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&mut self, path: String, text: String) {
        self.push(path, text.into_bytes());
    }

    /// Add a file given as bytes (what `File.arrayBuffer()` or `fs.readFile` give).
    #[wasm_bindgen(js_name = addBytes)]
    pub fn add_bytes(&mut self, path: String, bytes: Vec<u8>) {
        self.push(path, bytes);
    }

    /// How many files were added.
    #[wasm_bindgen(getter, js_name = fileCount)]
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Every finding, with the summary counts and the files read.
    #[wasm_bindgen(unchecked_return_type = "ValidateResult")]
    pub fn validate(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ValidateOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let ropts = render_options(&options);
        let (validation, l) = self.validation(&options)?;
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: report::json::Output<'a>,
            files: Vec<&'a str>,
        }
        to_js(&Out {
            report: report::json::output(&validation, &l.sources, &ropts),
            files: l.sources.iter().map(|(_, f)| f.path.as_str()).collect(),
        })
    }

    /// The findings rendered by the CLI's renderers: `text` (rustc-style, as
    /// `oc catalog validate` prints), `json`, `sarif` or `github`.
    pub fn render(
        &mut self,
        format: &str,
        #[wasm_bindgen(unchecked_param_type = "RenderTextOptions | undefined")] options: JsValue,
    ) -> Result<String, JsError> {
        let format: Format = format
            .parse()
            .map_err(|e: report::UnknownFormat| JsError::new(&e.to_string()))?;
        let ropts = render_options(&options);
        let (validation, l) = self.validation(&options)?;
        Ok(report::render(format, &validation, &l.sources, &ropts))
    }

    /// The packages, with their channels (default channel, heads) and bundles.
    #[wasm_bindgen(unchecked_return_type = "PackageSummary[]")]
    pub fn packages(&mut self) -> Result<JsValue, JsError> {
        let strict = self.loaded.as_ref().is_some_and(|l| l.strict);
        to_js(&model::overview(&self.load(strict).config))
    }

    /// A package's upgrade graph, one per channel; `null` for an unknown package.
    #[wasm_bindgen(unchecked_return_type = "PackageGraph | null")]
    pub fn graph(&mut self, package: &str) -> Result<JsValue, JsError> {
        let strict = self.loaded.as_ref().is_some_and(|l| l.strict);
        match model::package_graph(&self.load(strict).config, package) {
            Some(g) => to_js(&g),
            None => Ok(JsValue::NULL),
        }
    }
}

impl Catalog {
    fn from_files(files: JsValue) -> Result<Catalog, JsError> {
        if !Array::is_array(&files) {
            return Err(JsError::new("files must be an array of {path, text}"));
        }
        let mut c = Catalog::new();
        for (i, f) in Array::from(&files).iter().enumerate() {
            let path = Reflect::get(&f, &JsValue::from_str("path"))
                .ok()
                .and_then(|p| p.as_string())
                .ok_or_else(|| JsError::new(&format!("files[{i}].path must be a string")))?;
            let text = Reflect::get(&f, &JsValue::from_str("text")).unwrap_or(JsValue::UNDEFINED);
            let bytes = bytes_of(&text).ok_or_else(|| {
                JsError::new(&format!("files[{i}].text must be a string or a Uint8Array"))
            })?;
            c.push(path, bytes);
        }
        Ok(c)
    }

    fn push(&mut self, path: String, bytes: Vec<u8>) {
        self.loaded = None;
        match self.files.iter_mut().find(|f| f.path == path) {
            Some(f) => f.bytes = bytes,
            None => self.files.push(File { path, bytes }),
        }
    }

    /// The findings `options` ask for (strict, only, ignore).
    fn validation(&mut self, options: &JsValue) -> Result<(Validation, &Loaded), JsError> {
        let only = code_list(options, "only")?;
        let ignore = code_list(options, "ignore")?;
        let l = self.load(flag(options, "strict"));
        let mut v = l.validation.clone();
        v.retain_codes(&only, &ignore);
        Ok((v, l))
    }

    fn load(&mut self, strict: bool) -> &Loaded {
        if self.loaded.as_ref().is_none_or(|l| l.strict != strict) {
            self.loaded = Some(load_files(&self.files, strict));
        }
        self.loaded.as_ref().expect("loaded above")
    }
}

fn load_files(files: &[File], strict: bool) -> Loaded {
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let order = layout::catalog_files(&paths, |i| std::str::from_utf8(&files[i].bytes).ok());
    let mut sources = SourceMap::new();
    let mut loaded = Vec::with_capacity(order.len());
    for &i in &order {
        let f = &files[i];
        loaded.push(load::load_bytes(FileId(sources.len() as u32), &f.bytes));
        let text = String::from_utf8_lossy(&f.bytes).into_owned();
        sources.add(SourceInfo {
            path: f.path.clone(),
            lines: LineIndex::new(&text),
            text: Some(text),
        });
    }
    let (validation, config) = fbc_core::validate_catalog(loaded, &Options { strict });
    Loaded {
        strict,
        validation,
        config,
        sources,
    }
}

fn flag(options: &JsValue, name: &str) -> bool {
    options.is_object()
        && Reflect::get(options, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
}

/// A list of codes or names (`FBC204`, `204`, `duplicate-channel-entry`).
fn code_list(options: &JsValue, name: &str) -> Result<Vec<Code>, JsError> {
    if !options.is_object() {
        return Ok(Vec::new());
    }
    let v = Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(&v) {
        return Err(JsError::new(&format!("{name} must be an array of codes")));
    }
    Array::from(&v)
        .iter()
        .map(|c| {
            let s = c.as_string().unwrap_or_default();
            Code::parse(&s).ok_or_else(|| JsError::new(&format!("unknown code {s:?} in {name}")))
        })
        .collect()
}

fn render_options(options: &JsValue) -> RenderOptions {
    let command = options
        .is_object()
        .then(|| Reflect::get(options, &JsValue::from_str("command")).ok())
        .flatten()
        .and_then(|v| v.as_string());
    let mut r = RenderOptions {
        color: flag(options, "color"),
        tool_version: version(),
        ..RenderOptions::default()
    };
    if let Some(c) = command {
        r.command_name = c;
    }
    r
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(s) = v.as_string() {
        Some(s.into_bytes())
    } else if v.is_instance_of::<Uint8Array>() {
        Some(Uint8Array::from(v.clone()).to_vec())
    } else {
        None
    }
}

/// Plain data to a JS value, through the same JSON the CLI prints.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    JSON::parse(&json).map_err(|_| JsError::new("JSON.parse failed on fbc-wasm output"))
}
