//! fbc-core: the file-based catalog (FBC) domain of oc-catalog.
//!
//! Pure code: no filesystem, network, threads or CLI. It builds for
//! `wasm32-unknown-unknown`, so the same validator runs in the browser.
//!
//! Data flow: bytes of each file → [`load::load_file`] (parse JSON streams or
//! YAML documents into [`declcfg`] blobs, with spans) → [`validate`] (merge in
//! walk order, convert to the [`model`], run every [`rules`] check) →
//! [`diagnostic::Diagnostic`]s → [`report`] renderers.

pub mod codes;
pub mod declcfg;
pub mod diagnostic;
pub mod diff;
pub mod draw;
pub mod fbc;
pub mod gojson;
pub mod goyaml;
pub mod imageref;
pub mod k8sname;
pub mod layout;
pub mod load;
pub mod mirror;
pub mod model;
pub mod parse;
pub mod render;
pub mod report;
pub mod rules;
pub mod semver;
pub mod source;
pub mod template;
pub mod value;

pub use codes::Code;
pub use diagnostic::{Diagnostic, Severity};
pub use rules::{Options, Validation, validate, validate_catalog};
pub use source::{FileId, SourceInfo, SourceMap, Span};
