//! The code catalogue: every finding has a stable code, a kebab-case name, a
//! default severity, a one-line summary and a document (`docs/codes/FBCnnn.md`)
//! that `oc catalog explain` prints.
//!
//! Numbering: `FBC0xx` parsing and documents, `FBC1xx` packages, `FBC2xx`
//! channels and the upgrade graph, `FBC3xx` bundles and properties, `FBC4xx`
//! deprecations, `FBC5xx` mirror-readiness lints (not checked by opm).
//! Codes are never renumbered or reused.

use crate::diagnostic::Severity;
use serde::Serialize;

/// Static facts about one code.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CodeInfo {
    /// `FBC204`
    pub code: &'static str,
    /// `duplicate-channel-entry`
    pub name: &'static str,
    pub severity: Severity,
    /// Whether `opm validate` (current upstream) rejects this too.
    pub opm: bool,
    /// One line.
    pub summary: &'static str,
    /// Markdown: what it means, why it matters, how to fix it.
    #[serde(skip)]
    pub doc: &'static str,
}

macro_rules! codes {
    ($( $variant:ident = ($code:literal, $name:literal, $sev:ident, $opm:literal, $summary:literal) ),* $(,)?) => {
        /// A finding's code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant ),* }

        /// Every code, in numeric order.
        pub const ALL: &[Code] = &[ $( Code::$variant ),* ];

        impl Code {
            pub fn info(self) -> &'static CodeInfo {
                match self {
                    $( Code::$variant => {
                        const INFO: CodeInfo = CodeInfo {
                            code: $code,
                            name: $name,
                            severity: Severity::$sev,
                            opm: $opm,
                            summary: $summary,
                            doc: include_str!(concat!("../../docs/codes/", $code, ".md")),
                        };
                        &INFO
                    } )*
                }
            }
        }
    };
}

codes! {
    // -- FBC0xx: reading files and documents
    JsonSyntax = ("FBC001", "invalid-json", Error, true, "The file starts with '{' but is neither a valid JSON stream nor valid YAML"),
    YamlSyntax = ("FBC002", "invalid-yaml", Error, true, "A YAML document cannot be parsed"),
    NotAnObject = ("FBC003", "document-not-an-object", Error, true, "A document is an array or a scalar; every catalog document must be an object"),
    MissingSchema = ("FBC004", "missing-schema", Error, true, "A document has no 'schema' field"),
    DuplicateKeys = ("FBC005", "duplicate-keys", Error, true, "Two top-level keys of a document differ only in letter case"),
    MetaKeyNotString = ("FBC006", "key-not-a-string", Error, true, "'schema', 'package' or 'name' is not a string"),
    WrongFieldType = ("FBC007", "wrong-field-type", Error, true, "A field of an olm.package, olm.channel, olm.bundle or olm.deprecations document has the wrong type"),
    UnknownField = ("FBC008", "unknown-field", Warning, false, "A field that opm ignores: probably a typo"),
    // -- FBC1xx: packages
    PackageNameEmpty = ("FBC101", "package-name-empty", Error, true, "An olm.package has no name"),
    DuplicatePackage = ("FBC102", "duplicate-package", Error, true, "Two olm.package documents have the same name"),
    PackageNameInvalid = ("FBC103", "package-name-invalid", Error, true, "A package name is not a lowercase RFC 1123 label"),
    DefaultChannelMissing = ("FBC104", "default-channel-missing", Error, true, "A package has no defaultChannel"),
    DefaultChannelNotFound = ("FBC105", "default-channel-not-found", Error, true, "A package's defaultChannel names a channel that does not exist"),
    PackageWithoutChannels = ("FBC106", "package-without-channels", Error, true, "A package has no channels"),
    IconInvalidBase64 = ("FBC107", "icon-invalid-base64", Error, true, "A package icon's base64data is not valid base64"),
    DuplicateVersions = ("FBC108", "duplicate-bundle-versions", Error, true, "Two bundles of a package have the same version (and release)"),
    // -- FBC2xx: channels and the upgrade graph
    ChannelUnknownPackage = ("FBC201", "channel-unknown-package", Error, true, "A channel belongs to a package that has no olm.package document"),
    ChannelNameEmpty = ("FBC202", "channel-name-empty", Error, true, "A channel has no name"),
    DuplicateChannel = ("FBC203", "duplicate-channel", Error, true, "A package has two channels with the same name"),
    DuplicateChannelEntry = ("FBC204", "duplicate-channel-entry", Error, true, "A channel lists the same bundle twice"),
    ChannelEmpty = ("FBC205", "channel-empty", Error, true, "A channel has no entries"),
    EntryWithoutBundle = ("FBC206", "entry-without-bundle", Error, true, "A channel entry names a bundle that has no olm.bundle document"),
    NoChannelHead = ("FBC207", "no-channel-head", Error, true, "Every entry of a channel is replaced or skipped by another: the graph has no head"),
    MultipleChannelHeads = ("FBC208", "multiple-channel-heads", Error, true, "A channel has more than one head"),
    ReplacesCycle = ("FBC209", "replaces-cycle", Error, true, "The replaces chain of a channel loops"),
    StrandedBundles = ("FBC210", "stranded-bundles", Error, true, "Entries that no upgrade path reaches from the channel head"),
    EmptySkip = ("FBC211", "empty-skip", Error, true, "An entry's skips list contains an empty string"),
    InvalidSkipRange = ("FBC212", "invalid-skip-range", Error, true, "A skipRange is not a valid semver range"),
    // -- FBC3xx: bundles and properties
    BundlePackageEmpty = ("FBC301", "bundle-package-empty", Error, true, "An olm.bundle has no package"),
    BundleUnknownPackage = ("FBC302", "bundle-unknown-package", Error, true, "A bundle belongs to a package that has no olm.package document"),
    DuplicateBundle = ("FBC303", "duplicate-bundle", Error, true, "A package has two bundles with the same name"),
    BundleNotInChannel = ("FBC304", "bundle-not-in-channel", Error, true, "A bundle is not an entry of any channel of its package"),
    PackagePropertyCount = ("FBC305", "olm-package-property-count", Error, true, "A bundle must have exactly one olm.package property"),
    PackagePropertyMismatch = ("FBC306", "olm-package-property-mismatch", Error, true, "A bundle's olm.package property names another package"),
    InvalidVersion = ("FBC307", "invalid-version", Error, true, "A bundle version is not strict semver"),
    InvalidRelease = ("FBC308", "invalid-release", Error, true, "A bundle's release is not valid"),
    NameNotNormalized = ("FBC309", "name-not-normalized", Error, true, "A bundle with a release must be named <package>-v<version>-<release>"),
    BuildMetadataWithRelease = ("FBC310", "build-metadata-with-release", Error, true, "A version with build metadata cannot also have a release"),
    InvalidProperty = ("FBC311", "invalid-property", Error, true, "A property value does not have the shape its type requires"),
    InvalidBundleObject = ("FBC312", "invalid-bundle-object", Error, true, "An olm.bundle.object property does not hold base64 of a YAML or JSON manifest"),
    BundleImageMissing = ("FBC313", "bundle-image-missing", Error, true, "A bundle has neither an image nor olm.bundle.object properties"),
    InvalidImageReference = ("FBC314", "invalid-image-reference", Error, true, "A bundle image or related image is not a valid image reference"),
    BundleNameEmpty = ("FBC315", "bundle-name-empty", Error, true, "An olm.bundle has no name"),
    // -- FBC4xx: deprecations
    DeprecationPackageEmpty = ("FBC401", "deprecation-package-empty", Error, true, "An olm.deprecations document has no package"),
    DeprecationUnknownPackage = ("FBC402", "deprecation-unknown-package", Error, true, "Deprecations for a package that does not exist"),
    DuplicateDeprecations = ("FBC403", "duplicate-deprecations", Error, true, "More than one olm.deprecations document for a package"),
    DeprecationEntrySchemaEmpty = ("FBC404", "deprecation-entry-schema-empty", Error, true, "A deprecation entry's reference has no schema"),
    DuplicateDeprecationEntry = ("FBC405", "duplicate-deprecation-entry", Error, true, "The same object is deprecated twice"),
    DeprecatedBundleNotFound = ("FBC406", "deprecated-bundle-not-found", Error, true, "A deprecation names a bundle that is not in the package"),
    DeprecatedChannelNotFound = ("FBC407", "deprecated-channel-not-found", Error, true, "A deprecation names a channel that is not in the package"),
    DeprecatedPackageWithName = ("FBC408", "deprecated-package-with-name", Error, true, "An olm.package deprecation reference must not have a name"),
    DeprecationUnknownSchema = ("FBC409", "deprecation-unknown-schema", Error, true, "A deprecation references a schema other than olm.package, olm.channel or olm.bundle"),
    DeprecationMessageEmpty = ("FBC410", "deprecation-message-empty", Error, true, "A deprecation entry has no message"),
    // -- FBC5xx: mirror readiness (beyond opm)
    ImageNotPinned = ("FBC501", "image-not-pinned", Warning, false, "An image is referenced by tag, not by digest: mirrors by digest then fail with 'manifest unknown'"),
    RelatedImageEmpty = ("FBC502", "related-image-empty", Warning, false, "A related image has an empty reference: mirroring fails with 'invalid reference format'"),
    DuplicateRelatedImage = ("FBC503", "duplicate-related-image", Warning, false, "A bundle lists the same related image twice, or one name for two images"),
    ChannelNameNotK8sName = ("FBC504", "channel-name-not-k8s-name", Warning, false, "A channel name cannot be used in a Kubernetes object name"),
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Look a code up by `FBC204`, `fbc204`, `204` or its name `duplicate-channel-entry`.
    pub fn parse(s: &str) -> Option<Code> {
        let s = s.trim();
        let upper = s.to_ascii_uppercase();
        let digits = upper.strip_prefix("FBC").unwrap_or(&upper);
        ALL.iter().copied().find(|c| {
            let i = c.info();
            i.code[3..] == *digits || i.name.eq_ignore_ascii_case(s)
        })
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The text `oc catalog explain CODE` prints.
pub fn explain(code: Code) -> String {
    let i = code.info();
    format!(
        "{} ({}) — default severity: {}{}\n\n{}",
        i.code,
        i.name,
        i.severity.as_str(),
        if i.opm {
            "; opm validate rejects this too"
        } else {
            "; a check opm does not make"
        },
        i.doc.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let mut prev = "";
        let mut names = std::collections::HashSet::new();
        for c in ALL {
            let i = c.info();
            assert!(i.code > prev, "{} out of order", i.code);
            prev = i.code;
            assert!(names.insert(i.name), "duplicate name {}", i.name);
            assert!(
                i.doc.starts_with(&format!("# {}", i.code)),
                "{} doc must start with '# {}'",
                i.code,
                i.code
            );
            assert!(
                i.doc.len() > 200,
                "{} doc is too short to be useful",
                i.code
            );
            assert_eq!(Code::parse(i.code), Some(*c));
            assert_eq!(Code::parse(i.name), Some(*c));
        }
    }
}
