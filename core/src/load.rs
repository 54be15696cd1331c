//! Loading: one file's bytes → typed blobs and load-time findings.

use crate::diagnostic::Diagnostic;

/// One parsed file.
#[derive(Debug, Clone, Default)]
pub struct LoadedFile {
    pub diagnostics: Vec<Diagnostic>,
}
