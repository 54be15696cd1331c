//! The file-based catalog documents, with opm's names (`DeclarativeConfig`,
//! `Package`, `Channel`, `ChannelEntry`, `Bundle`, `Property`,
//! `RelatedImage`, `Deprecation`), each remembering where it was written.

use crate::source::Span;

pub const SCHEMA_PACKAGE: &str = "olm.package";
pub const SCHEMA_CHANNEL: &str = "olm.channel";
pub const SCHEMA_BUNDLE: &str = "olm.bundle";
pub const SCHEMA_DEPRECATIONS: &str = "olm.deprecations";

pub const PROP_PACKAGE: &str = "olm.package";
pub const PROP_PACKAGE_REQUIRED: &str = "olm.package.required";
pub const PROP_GVK: &str = "olm.gvk";
pub const PROP_GVK_REQUIRED: &str = "olm.gvk.required";
pub const PROP_BUNDLE_OBJECT: &str = "olm.bundle.object";
pub const PROP_CSV_METADATA: &str = "olm.csv.metadata";
pub const PROP_CHANNEL: &str = "olm.channel";

/// A string field and where its value was written (`None` when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Option<Span>,
}

impl Str {
    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// The envelope every document has.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub schema: String,
    pub package: String,
    pub name: String,
    /// The whole document.
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Icon {
    pub base64data: Str,
    pub mediatype: Str,
}

#[derive(Debug, Clone, Default)]
pub struct Package {
    pub name: Str,
    pub default_channel: Str,
    pub icon: Option<Icon>,
    pub description: Str,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct ChannelEntry {
    pub name: Str,
    pub replaces: Str,
    pub skips: Vec<Str>,
    pub skip_range: Str,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Channel {
    pub name: Str,
    pub package: Str,
    pub entries: Vec<ChannelEntry>,
    pub span: Option<Span>,
    /// Where `entries` was written (or the blob when absent).
    pub entries_span: Option<Span>,
}

/// The decoded value of the `olm.package` property.
#[derive(Debug, Clone, Default)]
pub struct PackageProperty {
    pub package_name: Str,
    pub version: Str,
    pub release: Str,
}

/// What opm knows about one bundle property after `property.Parse`.
#[derive(Debug, Clone)]
pub enum PropertyValue {
    Package(PackageProperty),
    /// `olm.bundle.object`: the manifest decoded and well-formed.
    BundleObject,
    /// Any other type (its value was checked when loading).
    Other,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub type_: Str,
    pub value: PropertyValue,
    pub span: Option<Span>,
    /// The value as canonical compact JSON, for kinds rules compare
    /// (olm.gvk, olm.package.required...); empty for payload properties.
    pub raw: String,
}

#[derive(Debug, Clone, Default)]
pub struct RelatedImage {
    pub name: Str,
    pub image: Str,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub name: Str,
    pub package: Str,
    pub image: Str,
    pub properties: Vec<Property>,
    pub related_images: Vec<RelatedImage>,
    pub span: Option<Span>,
    /// Set when a property failed to parse: opm stops converting this bundle.
    pub properties_invalid: bool,
}

impl Bundle {
    /// The `olm.package` properties.
    pub fn package_properties(&self) -> impl Iterator<Item = (&Property, &PackageProperty)> {
        self.properties.iter().filter_map(|p| match &p.value {
            PropertyValue::Package(pp) => Some((p, pp)),
            _ => None,
        })
    }

    pub fn has_bundle_objects(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.type_.value == PROP_BUNDLE_OBJECT)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PackageScopedReference {
    pub schema: Str,
    pub name: Str,
}

#[derive(Debug, Clone, Default)]
pub struct DeprecationEntry {
    pub reference: PackageScopedReference,
    pub message: Str,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Deprecation {
    pub package: Str,
    pub entries: Vec<DeprecationEntry>,
    pub span: Option<Span>,
}

/// A document of a schema opm does not interpret.
#[derive(Debug, Clone, Default)]
pub struct Other {
    pub meta: Meta,
}

/// All documents of a catalog, in load order.
#[derive(Debug, Clone, Default)]
pub struct DeclarativeConfig {
    pub packages: Vec<Package>,
    pub channels: Vec<Channel>,
    pub bundles: Vec<Bundle>,
    pub deprecations: Vec<Deprecation>,
    pub others: Vec<Other>,
}

impl DeclarativeConfig {
    /// Every package name its documents declare or belong to (`olm.package`
    /// names and the `package` of channels, bundles and deprecations),
    /// sorted, without duplicates or empty names.
    pub fn package_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .packages
            .iter()
            .map(|p| p.name.as_str())
            .chain(self.channels.iter().map(|c| c.package.as_str()))
            .chain(self.bundles.iter().map(|b| b.package.as_str()))
            .chain(self.deprecations.iter().map(|d| d.package.as_str()))
            .filter(|n| !n.is_empty())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn extend(&mut self, other: DeclarativeConfig) {
        self.packages.extend(other.packages);
        self.channels.extend(other.channels);
        self.bundles.extend(other.bundles);
        self.deprecations.extend(other.deprecations);
        self.others.extend(other.others);
    }
}
