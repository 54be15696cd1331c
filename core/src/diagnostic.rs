//! Findings: what a rule reports. A finding is data, not an error.

use crate::codes::Code;
use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the catalog invalid (opm would reject it, or `--strict` says so).
    Error,
    /// Worth fixing; does not fail validation unless `--strict`.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary location with its own short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One line, with the package/channel/bundle names opm users know.
    pub message: String,
    /// Where it is. `None` only for findings about the catalog as a whole.
    pub span: Option<Span>,
    /// Other places that explain it (the first definition of a duplicate...).
    pub labels: Vec<Label>,
    /// What to do about it, for this occurrence.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.info().severity,
            message: message.into(),
            span: None,
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Self {
        self.span = span.or(self.span);
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sort findings for stable output: by file, position, then code.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.span.map(|s| (0, s.file, s.start, s.end)).unwrap_or((
            1,
            crate::source::FileId(0),
            0,
            0,
        ));
        let kb = b.span.map(|s| (0, s.file, s.start, s.end)).unwrap_or((
            1,
            crate::source::FileId(0),
            0,
            0,
        ));
        ka.cmp(&kb)
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}
