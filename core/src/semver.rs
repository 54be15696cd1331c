//! Semantic versions, ranges and releases exactly as opm sees them.
//!
//! * [`parse_version`] is blang/semver v4 `Parse` (strict, no `v` prefix),
//!   with its error strings byte for byte.
//! * [`parse_range`] is blang/semver v4 `ParseRange`, quirks included: a
//!   one-character word is silently dropped, any word containing `x` goes
//!   through wildcard expansion (which also swallows unknown operators such
//!   as `~1.x`), `1.x.x` expands like `1.0.x`, and so on.
//! * [`parse_release`] is operator-registry's `model.NewRelease` (v1.62+).
//! * [`VersionRelease`] orders bundles the way opm's `Bundle.Compare` does and
//!   builds the strings opm derives from a version and release.
//!
//! Messages quote values the way Go's `%q` does ([`go_quote`]).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// One dot-separated prerelease identifier (also a release segment).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Prerelease {
    /// All digits, no leading zero; compared numerically.
    Numeric(u64),
    /// Contains a letter or `-`; compared as bytes.
    Alphanumeric(String),
}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Prerelease::Numeric(a), Prerelease::Numeric(b)) => a.cmp(b),
            (Prerelease::Numeric(_), Prerelease::Alphanumeric(_)) => Ordering::Less,
            (Prerelease::Alphanumeric(_), Prerelease::Numeric(_)) => Ordering::Greater,
            (Prerelease::Alphanumeric(a), Prerelease::Alphanumeric(b)) => {
                a.as_bytes().cmp(b.as_bytes())
            }
        }
    }
}

impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Prerelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prerelease::Numeric(n) => write!(f, "{n}"),
            Prerelease::Alphanumeric(s) => f.write_str(s),
        }
    }
}

/// blang `NewPRVersion`: parse one prerelease identifier.
pub fn parse_prerelease(s: &str) -> Result<Prerelease, String> {
    if s.is_empty() {
        return Err("Prerelease is empty".to_string());
    }
    if contains_only_numbers(s) {
        if has_leading_zeroes(s) {
            return Err(format!(
                "Numeric PreRelease version must not contain leading zeroes {}",
                go_quote(s)
            ));
        }
        return parse_uint(s).map(Prerelease::Numeric);
    }
    if contains_only_alphanum(s) {
        return Ok(Prerelease::Alphanumeric(s.to_string()));
    }
    Err(format!(
        "Invalid character(s) found in prerelease {}",
        go_quote(s)
    ))
}

/// A semantic version (blang/semver v4 `Version`).
///
/// Equality, ordering and hashing follow semver precedence: build metadata
/// is ignored, so `1.0.0+a == 1.0.0+b` (as blang's `Equals`).
#[derive(Debug, Clone, Default)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Prerelease identifiers (after `-`).
    pub pre: Vec<Prerelease>,
    /// Build metadata identifiers (after `+`); no precedence.
    pub build: Vec<String>,
}

impl Version {
    /// A version with no prerelease or build metadata.
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
            build: Vec::new(),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.major.hash(state);
        self.minor.hash(state);
        self.patch.hash(state);
        self.pre.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, p) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            write!(f, "{p}")?;
        }
        for (i, b) in self.build.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            f.write_str(b)?;
        }
        Ok(())
    }
}

fn contains_only_numbers(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn contains_only_alphanum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn has_leading_zeroes(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0')
}

/// Go `strconv.ParseUint(s, 10, 64)` for a string of ASCII digits (or empty).
fn parse_uint(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err(format!(
            "strconv.ParseUint: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<u64>().map_err(|_| {
        format!(
            "strconv.ParseUint: parsing {}: value out of range",
            go_quote(s)
        )
    })
}

/// blang/semver v4 `Parse`: strict `MAJOR.MINOR.PATCH[-pre][+build]`.
pub fn parse_version(s: &str) -> Result<Version, String> {
    if s.is_empty() {
        return Err("Version string empty".to_string());
    }
    let mut parts = s.splitn(3, '.');
    let (Some(major_s), Some(minor_s), Some(rest)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("No Major.Minor.Patch elements found".to_string());
    };

    if !contains_only_numbers(major_s) {
        return Err(format!(
            "Invalid character(s) found in major number {}",
            go_quote(major_s)
        ));
    }
    if has_leading_zeroes(major_s) {
        return Err(format!(
            "Major number must not contain leading zeroes {}",
            go_quote(major_s)
        ));
    }
    let major = parse_uint(major_s)?;

    if !contains_only_numbers(minor_s) {
        return Err(format!(
            "Invalid character(s) found in minor number {}",
            go_quote(minor_s)
        ));
    }
    if has_leading_zeroes(minor_s) {
        return Err(format!(
            "Minor number must not contain leading zeroes {}",
            go_quote(minor_s)
        ));
    }
    let minor = parse_uint(minor_s)?;

    let (patch_and_pre, build) = match rest.split_once('+') {
        Some((p, b)) => (p, Some(b)),
        None => (rest, None),
    };
    let (patch_s, pre) = match patch_and_pre.split_once('-') {
        Some((p, pr)) => (p, Some(pr)),
        None => (patch_and_pre, None),
    };

    if !contains_only_numbers(patch_s) {
        return Err(format!(
            "Invalid character(s) found in patch number {}",
            go_quote(patch_s)
        ));
    }
    if has_leading_zeroes(patch_s) {
        return Err(format!(
            "Patch number must not contain leading zeroes {}",
            go_quote(patch_s)
        ));
    }
    let patch = parse_uint(patch_s)?;

    let mut v = Version::new(major, minor, patch);
    if let Some(pre) = pre {
        for id in pre.split('.') {
            v.pre.push(parse_prerelease(id)?);
        }
    }
    if let Some(build) = build {
        for id in build.split('.') {
            if id.is_empty() {
                return Err("Build meta data is empty".to_string());
            }
            if !contains_only_alphanum(id) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {}",
                    go_quote(id)
                ));
            }
            v.build.push(id.to_string());
        }
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// Ranges

/// A range comparator's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`, `==` or no operator.
    Eq,
    /// `!` or `!=`.
    Ne,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
}

impl Op {
    fn from_go(s: &str) -> Option<Op> {
        Some(match s {
            "" | "=" | "==" => Op::Eq,
            "!" | "!=" => Op::Ne,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => return None,
        })
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
        }
    }
}

/// One comparator of a range, e.g. `>=1.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    /// The operator.
    pub op: Op,
    /// The version compared against.
    pub version: Version,
}

impl Comparator {
    /// Whether `v` satisfies this comparator.
    pub fn matches(&self, v: &Version) -> bool {
        self.op.holds(v.cmp(&self.version))
    }
}

/// A parsed blang range: alternatives (`||`) of conjunctions (spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    alternatives: Vec<Vec<Comparator>>,
}

impl Range {
    /// The `||` alternatives, each a list of comparators that must all hold.
    pub fn alternatives(&self) -> &[Vec<Comparator>] {
        &self.alternatives
    }

    /// Whether `v` is in the range. An empty alternative (from `a || || b`)
    /// never matches here; blang would call a nil func (panic) on reaching it.
    pub fn contains(&self, v: &Version) -> bool {
        self.alternatives
            .iter()
            .any(|alt| !alt.is_empty() && alt.iter().all(|c| c.matches(v)))
    }

    /// True when an empty alternative exists (`a || || b`): blang accepts the
    /// range but evaluating it panics once the alternatives before it fail.
    pub fn has_empty_alternative(&self) -> bool {
        self.alternatives.iter().any(Vec::is_empty)
    }
}

/// blang/semver v4 `ParseRange`, with its error strings.
pub fn parse_range(s: &str) -> Result<Range, String> {
    let parts = split_and_trim(s);
    let or_parts = split_or_parts(parts)?;
    let expanded = expand_wildcard_version(or_parts)?;
    let mut alternatives = Vec::with_capacity(expanded.len());
    for group in expanded {
        let mut alt = Vec::with_capacity(group.len());
        for ap in group {
            let (op_s, v_s) = split_comparator_version(&ap)?;
            let op = Op::from_go(op_s).ok_or_else(|| {
                format!(
                    "Could not parse Range {}: Could not parse comparator {} in {}",
                    go_quote(&ap),
                    go_quote(op_s),
                    go_quote(&format!("{op_s}{v_s}"))
                )
            })?;
            let version = parse_version(v_s).map_err(|e| {
                format!(
                    "Could not parse Range {}: Could not parse version {} in {}: {e}",
                    go_quote(&ap),
                    go_quote(v_s),
                    go_quote(&format!("{op_s}{v_s}"))
                )
            })?;
            alt.push(Comparator { op, version });
        }
        alternatives.push(alt);
    }
    Ok(Range { alternatives })
}

/// blang `splitAndTrim`: split on spaces, except right after `>`, `<`, `=`;
/// words of one byte are dropped; spaces inside a word are then removed.
fn split_and_trim(s: &str) -> Vec<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            // Go: `last < i-1` (so a one-byte word is skipped).
            if last + 1 < i {
                out.push(s.get(last..i).unwrap_or_default());
            }
            last = i + 1;
        } else if c != b' ' {
            last_char = c;
        }
    }
    if last + 1 < bytes.len() {
        out.push(s.get(last..).unwrap_or_default());
    }
    out.into_iter().map(|w| w.replace(' ', "")).collect()
}

fn split_or_parts(parts: Vec<String>) -> Result<Vec<Vec<String>>, String> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let n = parts.len();
    let mut last = 0usize;
    for (i, p) in parts.into_iter().enumerate() {
        if p == "||" {
            if i == 0 {
                return Err("First element in range is '||'".to_string());
            }
            groups.push(std::mem::take(&mut current));
            last = i + 1;
        } else {
            current.push(p);
        }
    }
    if last == n {
        return Err("Last element in range is '||'".to_string());
    }
    groups.push(current);
    Ok(groups)
}

/// blang `splitComparatorVersion`: the operator is everything before the
/// first Unicode decimal digit (trimmed), the version the rest.
fn split_comparator_version(s: &str) -> Result<(&str, &str), String> {
    match s.char_indices().find(|&(_, c)| is_go_digit(c)) {
        Some((i, _)) => {
            let (op, v) = s.split_at(i);
            Ok((op.trim(), v))
        }
        None => Err(format!(
            "Could not get version from string: {}",
            go_quote(s)
        )),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wildcard {
    None,
    Minor,
    Patch,
}

fn wildcard_type(v: &str) -> Wildcard {
    let parts: Vec<&str> = v.split('.').collect();
    if parts.last() != Some(&"x") {
        return Wildcard::None;
    }
    match parts.len() {
        2 => Wildcard::Minor,
        3 => Wildcard::Patch,
        // 1 part ("x") cannot happen: the version starts with a digit.
        _ => Wildcard::None,
    }
}

fn version_from_wildcard(v: &str) -> String {
    let v2 = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
    if v2.split('.').count() == 2 {
        format!("{v2}.0")
    } else {
        v2
    }
}

/// Go `strconv.Atoi` on a 64-bit platform.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// blang `incrementMajorVersion` / `incrementMinorVersion`; `None` = error.
fn increment_part(v: &str, index: usize) -> Option<String> {
    let mut parts: Vec<String> = v.split('.').map(str::to_string).collect();
    let n = go_atoi(parts.get(index)?)?;
    let slot = parts.get_mut(index)?;
    *slot = n.wrapping_add(1).to_string();
    Some(parts.join("."))
}

fn expand_wildcard_version(groups: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, String> {
    let mut expanded = Vec::with_capacity(groups.len());
    for group in groups {
        let mut new_parts = Vec::with_capacity(group.len());
        for ap in group {
            if !ap.contains('x') {
                new_parts.push(ap);
                continue;
            }
            let (op, v) = split_comparator_version(&ap)?;
            let wildcard = wildcard_type(v);
            let flat = version_from_wildcard(v);
            let (result_op, increment) = match op {
                ">" => (">=", true),
                ">=" => (">=", false),
                "<" => ("<", false),
                "<=" => ("<", true),
                "" | "=" | "==" => {
                    new_parts.push(format!(">={flat}"));
                    ("<", true)
                }
                "!=" | "!" => {
                    new_parts.push(format!("<{flat}"));
                    (">=", true)
                }
                // blang drops an unknown operator here: `~1.x` means `1.0.0`.
                _ => ("", false),
            };
            let result_version = if increment {
                match wildcard {
                    Wildcard::Patch => increment_part(&flat, 1).unwrap_or_default(),
                    Wildcard::Minor => increment_part(&flat, 0).unwrap_or_default(),
                    Wildcard::None => String::new(),
                }
            } else {
                flat
            };
            new_parts.push(format!("{result_op}{result_version}"));
        }
        expanded.push(new_parts);
    }
    Ok(expanded)
}

/// Unicode 15.0 `Nd` ranges (Go's `unicode.IsDigit`).
const ND_RANGES: &[(u32, u32)] = &[
    (0x30, 0x39),
    (0x660, 0x669),
    (0x6F0, 0x6F9),
    (0x7C0, 0x7C9),
    (0x966, 0x96F),
    (0x9E6, 0x9EF),
    (0xA66, 0xA6F),
    (0xAE6, 0xAEF),
    (0xB66, 0xB6F),
    (0xBE6, 0xBEF),
    (0xC66, 0xC6F),
    (0xCE6, 0xCEF),
    (0xD66, 0xD6F),
    (0xDE6, 0xDEF),
    (0xE50, 0xE59),
    (0xED0, 0xED9),
    (0xF20, 0xF29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
    (0x104A0, 0x104A9),
    (0x10D30, 0x10D39),
    (0x11066, 0x1106F),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x11F50, 0x11F59),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E4F0, 0x1E4F9),
    (0x1E950, 0x1E959),
    (0x1FBF0, 0x1FBF9),
];

fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
    let c = c as u32;
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// Go `unicode.IsDigit`: any Unicode decimal digit (`Nd`), not just ASCII.
fn is_go_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_ranges(c, ND_RANGES))
}

// ---------------------------------------------------------------------------
// Releases and version+release pairs

/// operator-registry `model.Release` (v1.62+): a non-empty list of
/// prerelease-style segments, e.g. `1`, `rc.2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Release(Vec<Prerelease>);

impl Release {
    /// The segments (never empty).
    pub fn segments(&self) -> &[Prerelease] {
        &self.0
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Longest release string opm accepts, in bytes.
pub const RELEASE_MAX_LENGTH: usize = 20;

/// operator-registry `model.NewRelease`: `""` is no release (`Ok(None)`).
pub fn parse_release(s: &str) -> Result<Option<Release>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > RELEASE_MAX_LENGTH {
        return Err(format!(
            "invalid release {}: exceeds maximum length of {RELEASE_MAX_LENGTH} characters",
            go_quote(s)
        ));
    }
    let mut segments = Vec::new();
    let mut errs = Vec::new();
    for (i, seg) in s.split('.').enumerate() {
        match parse_prerelease(seg) {
            Ok(p) => segments.push(p),
            Err(e) => errs.push(format!("segment {i}: {e}")),
        }
    }
    if !errs.is_empty() {
        return Err(format!(
            "invalid release {}: {}",
            go_quote(s),
            errs.join("\n")
        ));
    }
    Ok(Some(Release(segments)))
}

/// A bundle's version plus optional release, ordered as opm's `Bundle.Compare`
/// (version first; then a bundle with a release sorts after one without).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionRelease {
    /// The `olm.package` version.
    pub version: Version,
    /// The `olm.package` release, if any.
    pub release: Option<Release>,
}

impl VersionRelease {
    /// opm `Bundle.VersionString`: `1.2.3` or `1.2.3-<release>` (build kept);
    /// the key opm uses to find duplicate versions in a package.
    pub fn version_string(&self) -> String {
        match &self.release {
            Some(r) => format!("{}-{}", self.version, r),
            None => self.version.to_string(),
        }
    }

    /// opm `VersionRelease.KubernetesSafeString`: `+` → `-`, lowercased.
    pub fn kubernetes_safe_string(&self) -> String {
        self.version_string().replace('+', "-").to_lowercase()
    }
}

/// opm `Bundle.normalizeName`: with a release, `<package>-v<version>-<release>`
/// (build metadata kept); without one, the bundle's own name.
pub fn normalized_bundle_name(bundle_name: &str, package: &str, vr: &VersionRelease) -> String {
    match vr.release {
        Some(_) => format!("{package}-v{}", vr.version_string()),
        None => bundle_name.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Go %q

/// Go's `%q` / `strconv.Quote` of a string (non-printable runes escaped).
///
/// Printability follows Go for ASCII, Latin-1, controls, spaces, format
/// characters and private use; unassigned code points are kept as is
/// (Go would escape them).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_go_printable(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Code points Go's `strconv.IsPrint` rejects besides controls and spaces:
/// format characters (Cf), private use (Co) and noncharacters.
const NOT_PRINT: &[(u32, u32)] = &[
    (0xAD, 0xAD),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0xE000, 0xF8FF),
    (0xFDD0, 0xFDEF),
    (0xFEFF, 0xFEFF),
    (0xFFF0, 0xFFFB),
    (0xFFFE, 0xFFFF),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE00FF),
    (0xE01F0, 0xE0FFF),
    (0xF0000, 0x10FFFF),
];

fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    if c.is_ascii() {
        return true;
    }
    let cp = c as u32;
    // Noncharacters U+nFFFE / U+nFFFF in every plane.
    if cp & 0xFFFE == 0xFFFE {
        return false;
    }
    !in_ranges(c, NOT_PRINT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        parse_version(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn verr(s: &str) -> String {
        parse_version(s).expect_err(s)
    }

    fn rerr(s: &str) -> String {
        parse_range(s).expect_err(s)
    }

    fn r(s: &str) -> Range {
        parse_range(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_full_versions() {
        let x = v("1.2.3-rc.1+build.5");
        assert_eq!((x.major, x.minor, x.patch), (1, 2, 3));
        assert_eq!(
            x.pre,
            vec![
                Prerelease::Alphanumeric("rc".into()),
                Prerelease::Numeric(1)
            ]
        );
        assert_eq!(x.build, vec!["build".to_string(), "5".to_string()]);
        assert_eq!(x.to_string(), "1.2.3-rc.1+build.5");
        assert_eq!(v("0.0.0").to_string(), "0.0.0");
        assert_eq!(v("1.0.0-0.3.7").to_string(), "1.0.0-0.3.7");
        assert_eq!(v("1.0.0-x-y-z.--").to_string(), "1.0.0-x-y-z.--");
        assert_eq!(v("1.0.0+001").build, vec!["001".to_string()]);
        assert_eq!(v("1.0.0+-").build, vec!["-".to_string()]);
        // `-` inside build metadata is not a prerelease separator.
        let b = v("1.0.0+a-b");
        assert!(b.pre.is_empty());
        assert_eq!(b.to_string(), "1.0.0+a-b");
        assert_eq!(v("18446744073709551615.0.0").major, u64::MAX);
    }

    #[test]
    fn version_error_strings() {
        assert_eq!(verr(""), "Version string empty");
        assert_eq!(verr("1"), "No Major.Minor.Patch elements found");
        assert_eq!(verr("1.2"), "No Major.Minor.Patch elements found");
        assert_eq!(
            verr("v0.2.0"),
            r#"Invalid character(s) found in major number "v0""#
        );
        assert_eq!(
            verr("not.a.version"),
            r#"Invalid character(s) found in major number "not""#
        );
        assert_eq!(
            verr("01.0.0"),
            r#"Major number must not contain leading zeroes "01""#
        );
        assert_eq!(
            verr("1.a.0"),
            r#"Invalid character(s) found in minor number "a""#
        );
        assert_eq!(
            verr("1.00.0"),
            r#"Minor number must not contain leading zeroes "00""#
        );
        assert_eq!(
            verr("1.0.a"),
            r#"Invalid character(s) found in patch number "a""#
        );
        assert_eq!(
            verr("1.0.01"),
            r#"Patch number must not contain leading zeroes "01""#
        );
        assert_eq!(
            verr("1.0.0.0"),
            r#"Invalid character(s) found in patch number "0.0""#
        );
        assert_eq!(verr("1.0.0-"), "Prerelease is empty");
        assert_eq!(verr("1.0.0-a..b"), "Prerelease is empty");
        assert_eq!(
            verr("1.0.0-01"),
            r#"Numeric PreRelease version must not contain leading zeroes "01""#
        );
        assert_eq!(
            verr("1.0.0-a_b"),
            r#"Invalid character(s) found in prerelease "a_b""#
        );
        assert_eq!(verr("1.0.0+"), "Build meta data is empty");
        assert_eq!(verr("1.0.0+a..b"), "Build meta data is empty");
        assert_eq!(
            verr("1.0.0+a_b"),
            r#"Invalid character(s) found in build meta data "a_b""#
        );
        assert_eq!(
            verr("1..0"),
            r#"strconv.ParseUint: parsing "": invalid syntax"#
        );
        assert_eq!(
            verr(".1.0"),
            r#"strconv.ParseUint: parsing "": invalid syntax"#
        );
        assert_eq!(
            verr("1.0."),
            r#"strconv.ParseUint: parsing "": invalid syntax"#
        );
        assert_eq!(
            verr("1.0.-rc"),
            r#"strconv.ParseUint: parsing "": invalid syntax"#
        );
        assert_eq!(
            verr("18446744073709551616.0.0"),
            r#"strconv.ParseUint: parsing "18446744073709551616": value out of range"#
        );
        assert_eq!(
            verr("1.0.0-18446744073709551616"),
            r#"strconv.ParseUint: parsing "18446744073709551616": value out of range"#
        );
        assert_eq!(
            verr(" 1.0.0"),
            r#"Invalid character(s) found in major number " 1""#
        );
        assert_eq!(
            verr("1.0.0 "),
            r#"Invalid character(s) found in patch number "0 ""#
        );
        // The patch number is checked before the prerelease.
        assert_eq!(
            verr("1.0.x-"),
            r#"Invalid character(s) found in patch number "x""#
        );
        // Non-ASCII digits are not numbers; quoting follows Go's %q.
        assert_eq!(
            verr("١.0.0"),
            "Invalid character(s) found in major number \"١\""
        );
        assert_eq!(
            verr("1\t.0.0"),
            r#"Invalid character(s) found in major number "1\t""#
        );
        assert_eq!(
            verr("1.0.0-é"),
            "Invalid character(s) found in prerelease \"é\""
        );
    }

    #[test]
    fn version_ordering() {
        let order = [
            "1.0.0-0",
            "1.0.0-1",
            "1.0.0-2",
            "1.0.0-10",
            "1.0.0-a",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("1.0.0+a").cmp(&v("1.0.0")), Ordering::Equal);
        // Alphanumeric identifiers compare as bytes: uppercase first.
        assert!(v("1.0.0-Z") < v("1.0.0-a"));
    }

    #[test]
    fn range_basics() {
        let x = r(">=1.0.0 <2.0.0 || 3.x");
        assert!(x.contains(&v("1.0.0")));
        assert!(x.contains(&v("1.9.9")));
        assert!(!x.contains(&v("2.0.0")));
        assert!(x.contains(&v("3.0.0")));
        assert!(x.contains(&v("3.99.0")));
        assert!(!x.contains(&v("4.0.0")));
        assert!(!x.contains(&v("0.9.0")));
        assert_eq!(x.alternatives().len(), 2);
        assert_eq!(x.alternatives()[1].len(), 2);

        let sp = r(">= 1.0.0");
        assert_eq!(
            sp.alternatives(),
            &[vec![Comparator {
                op: Op::Ge,
                version: v("1.0.0")
            }]]
        );
        let sp2 = r(">=  1.0.0   <   2.0.0");
        assert!(sp2.contains(&v("1.5.0")));
        assert!(!sp2.contains(&v("2.0.0")));

        for (range, yes, no) in [
            ("1.0.0", "1.0.0", "1.0.1"),
            ("=1.0.0", "1.0.0", "1.0.1"),
            ("==1.0.0", "1.0.0+b", "1.0.1"),
            ("!1.0.0", "1.0.1", "1.0.0"),
            ("!=1.0.0", "1.0.1", "1.0.0"),
            (">1.0.0", "1.0.1", "1.0.0"),
            ("<1.0.0", "1.0.0-rc.1", "1.0.0"),
            ("<=1.0.0", "1.0.0", "1.0.1"),
            (
                ">1.0.0 <3.0.0 !2.0.3-beta.2",
                "2.0.3-beta.1",
                "2.0.3-beta.2",
            ),
        ] {
            assert!(r(range).contains(&v(yes)), "{range} ∋ {yes}");
            assert!(!r(range).contains(&v(no)), "{range} ∌ {no}");
        }
    }

    #[test]
    fn range_wildcards() {
        let check = |range: &str, yes: &[&str], no: &[&str]| {
            let x = r(range);
            for y in yes {
                assert!(x.contains(&v(y)), "{range} should contain {y}");
            }
            for n in no {
                assert!(!x.contains(&v(n)), "{range} should not contain {n}");
            }
        };
        // No prerelease exclusion: 2.0.0-rc.1 < 2.0.0, so it is inside.
        check(
            "1.x",
            &["1.0.0", "1.9.9", "2.0.0-rc.1"],
            &["2.0.0", "0.9.9", "1.0.0-rc.1"],
        );
        check("1.2.x", &["1.2.0", "1.2.9"], &["1.3.0", "1.1.9"]);
        // blang quirk: 1.x.x behaves like 1.0.x.
        check("1.x.x", &["1.0.0", "1.0.9"], &["1.1.0", "2.0.0"]);
        check(">=1.2.x", &["1.2.0", "5.0.0"], &["1.1.9"]);
        check("<=1.2.x", &["1.2.9"], &["1.3.0"]);
        check(">1.2.x", &["1.3.0"], &["1.2.9"]);
        check("<1.2.x", &["1.1.9"], &["1.2.0"]);
        // blang quirk: `!=1.2.x` is `<1.2.0 >=1.3.0` ANDed, so nothing matches.
        check("!=1.2.x", &[], &["1.1.9", "1.2.0", "1.2.5", "1.3.0"]);
        check("!1.x", &[], &["0.9.0", "1.0.0", "2.0.0"]);
        check(">1.x", &["2.0.0"], &["1.9.0"]);
        check("<=1.x", &["1.9.0"], &["2.0.0"]);
        // Unknown operators vanish in wildcard expansion: exact match.
        check("~1.x", &["1.0.0"], &["1.0.1"]);
        check("^1.2.x", &["1.2.0"], &["1.2.1"]);
        check("x1.0.0", &["1.0.0"], &["1.0.1"]);
        assert_eq!(
            rerr("~1.2.3"),
            r#"Could not parse Range "~1.2.3": Could not parse comparator "~" in "~1.2.3""#
        );
    }

    #[test]
    fn range_error_strings() {
        assert_eq!(
            rerr("garbage"),
            r#"Could not get version from string: "garbage""#
        );
        assert_eq!(
            rerr("not-a-range!!"),
            r#"Could not get version from string: "not-a-range!!""#
        );
        assert_eq!(
            rerr("~0.1.0"),
            r#"Could not parse Range "~0.1.0": Could not parse comparator "~" in "~0.1.0""#
        );
        assert_eq!(
            rerr(">=v0.1.0"),
            r#"Could not parse Range ">=v0.1.0": Could not parse comparator ">=v" in ">=v0.1.0""#
        );
        assert_eq!(
            rerr(">=1.0"),
            r#"Could not parse Range ">=1.0": Could not parse version "1.0" in ">=1.0": No Major.Minor.Patch elements found"#
        );
        assert_eq!(
            rerr(">= 01.0.0"),
            r#"Could not parse Range ">=01.0.0": Could not parse version "01.0.0" in ">=01.0.0": Major number must not contain leading zeroes "01""#
        );
        assert_eq!(rerr(""), "Last element in range is '||'");
        assert_eq!(rerr("   "), "Last element in range is '||'");
        // One-character words are dropped by blang's splitter.
        assert_eq!(rerr("5"), "Last element in range is '||'");
        assert_eq!(rerr("|| 1.0.0"), "First element in range is '||'");
        assert_eq!(rerr("1.0.0 ||"), "Last element in range is '||'");
        assert_eq!(rerr("1.0.0 || "), "Last element in range is '||'");
        // 'X' and '*' are not wildcards.
        assert_eq!(
            rerr("1.X"),
            r#"Could not parse Range "1.X": Could not parse version "1.X" in "1.X": No Major.Minor.Patch elements found"#
        );
        assert_eq!(rerr("*"), "Last element in range is '||'");
        assert_eq!(rerr("**"), r#"Could not get version from string: "**""#);
        // Wildcard expansion errors come before any other part's errors.
        assert_eq!(
            rerr("~1.0.0 xyz"),
            r#"Could not get version from string: "xyz""#
        );
        // A wildcard that is not trailing cannot be incremented.
        assert_eq!(rerr("1.0.0-x"), r#"Could not get version from string: "<""#);
        assert_eq!(
            rerr(">1.0.0-x"),
            r#"Could not get version from string: ">=""#
        );
        assert_eq!(rerr("1.x.0"), r#"Could not get version from string: "<""#);
        // A non-trailing x is still replaced: `>=1.x.0` means `>=1.0.0`.
        assert!(r(">=1.x.0").contains(&v("1.0.0")));
        // A '>' glued to the version is part of the version.
        assert_eq!(
            rerr("1.0.0> 2.0.0"),
            r#"Could not parse Range "1.0.0>2.0.0": Could not parse version "1.0.0>2.0.0" in "1.0.0>2.0.0": Invalid character(s) found in patch number "0>2.0.0""#
        );
        // Tabs are not separators.
        assert_eq!(
            rerr("1.0.0\t2.0.0"),
            r#"Could not parse Range "1.0.0\t2.0.0": Could not parse version "1.0.0\t2.0.0" in "1.0.0\t2.0.0": Invalid character(s) found in patch number "0\t2.0.0""#
        );
    }

    #[test]
    fn range_quirks_accepted() {
        // Words of one byte are skipped: `-` and `|` vanish.
        let hy = r("1.0.0 - 2.0.0");
        assert_eq!(hy.alternatives().len(), 1);
        assert_eq!(hy.alternatives()[0].len(), 2);
        assert!(!hy.contains(&v("1.5.0")));
        let bar = r(">=1.0.0 | <0.5.0");
        assert_eq!(bar.alternatives().len(), 1);
        assert!(!bar.contains(&v("1.0.0")));
        // Consecutive `||` leave an empty alternative; blang accepts it.
        let e = r(">=2.0.0 || || <1.0.0");
        assert!(e.has_empty_alternative());
        assert!(e.contains(&v("2.0.0")));
        assert!(e.contains(&v("0.5.0")));
        assert!(!e.contains(&v("1.5.0")));
        assert!(!r("1.x").has_empty_alternative());
        // Operator with space then wildcard.
        assert!(r(">= 1.x").contains(&v("1.0.0")));
        // Leading/trailing spaces and mixed spacing.
        assert!(r("  >=1.0.0   ").contains(&v("1.0.0")));
        // Non-ASCII decimal digits are found by the splitter, then rejected.
        assert_eq!(
            rerr(">=١.0.0"),
            "Could not parse Range \">=١.0.0\": Could not parse version \"١.0.0\" in \">=١.0.0\": Invalid character(s) found in major number \"١\""
        );
        // `+5` is accepted by Go's Atoi when incrementing a wildcard.
        assert!(r(">1.+5.x").contains(&v("1.6.0")));
        assert!(!r(">1.+5.x").contains(&v("1.5.9")));
    }

    #[test]
    fn release_parsing() {
        assert_eq!(parse_release("").unwrap(), None);
        let rel = parse_release("1").unwrap().unwrap();
        assert_eq!(rel.segments(), &[Prerelease::Numeric(1)]);
        assert_eq!(rel.to_string(), "1");
        assert_eq!(
            parse_release("rc.2-a").unwrap().unwrap().to_string(),
            "rc.2-a"
        );
        assert_eq!(
            parse_release("01..x").unwrap_err(),
            "invalid release \"01..x\": segment 0: Numeric PreRelease version must not contain leading zeroes \"01\"\nsegment 1: Prerelease is empty"
        );
        assert_eq!(
            parse_release("a_b").unwrap_err(),
            r#"invalid release "a_b": segment 0: Invalid character(s) found in prerelease "a_b""#
        );
        assert_eq!(
            parse_release(".").unwrap_err(),
            "invalid release \".\": segment 0: Prerelease is empty\nsegment 1: Prerelease is empty"
        );
        assert!(parse_release("12345678901234567890").is_ok());
        assert_eq!(
            parse_release("123456789012345678901").unwrap_err(),
            r#"invalid release "123456789012345678901": exceeds maximum length of 20 characters"#
        );
        // The limit counts bytes, as Go's len.
        assert!(parse_release("éééééééééé").is_err());
        assert_eq!(
            parse_release("99999999999999999999").unwrap_err(),
            r#"invalid release "99999999999999999999": segment 0: strconv.ParseUint: parsing "99999999999999999999": value out of range"#
        );
    }

    fn vr(version: &str, release: &str) -> VersionRelease {
        VersionRelease {
            version: v(version),
            release: parse_release(release).unwrap(),
        }
    }

    #[test]
    fn version_release_ordering_and_names() {
        let order = [
            vr("1.0.0-rc.1", "5"),
            vr("1.0.0", ""),
            vr("1.0.0", "0"),
            vr("1.0.0", "1"),
            vr("1.0.0", "1.1"),
            vr("1.0.0", "2"),
            vr("1.0.0", "alpha"),
            vr("1.0.1", ""),
        ];
        for w in order.windows(2) {
            assert!(w[0] < w[1], "{:?} < {:?}", w[0], w[1]);
        }
        let a = vr("0.2.0", "1");
        assert_eq!(a.version_string(), "0.2.0-1");
        assert_eq!(
            normalized_bundle_name("foo.v0.2.0", "foo", &a),
            "foo-v0.2.0-1"
        );
        assert_eq!(
            normalized_bundle_name("foo.v0.2.0", "foo", &vr("0.2.0", "")),
            "foo.v0.2.0"
        );
        let b = vr("1.0.0-RC.1+Build", "x.2");
        assert_eq!(b.version_string(), "1.0.0-RC.1+Build-x.2");
        assert_eq!(
            normalized_bundle_name("", "p", &b),
            "p-v1.0.0-RC.1+Build-x.2"
        );
        assert_eq!(b.kubernetes_safe_string(), "1.0.0-rc.1-build-x.2");
        assert_eq!(vr("1.0.0+b", "").version_string(), "1.0.0+b");
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            go_quote("\u{7}\u{8}\u{c}\n\r\t\u{b}"),
            r#""\a\b\f\n\r\t\v""#
        );
        assert_eq!(go_quote("\u{0}\u{1f}\u{7f}"), r#""\x00\x1f\x7f""#);
        assert_eq!(go_quote("\u{80}\u{a0}\u{ad}"), r#""\u0080\u00a0\u00ad""#);
        assert_eq!(go_quote("é日本\u{1F600}"), "\"é日本\u{1F600}\"");
        assert_eq!(go_quote("\u{feff}\u{200b}"), r#""\ufeff\u200b""#);
        assert_eq!(go_quote("\u{e0001}\u{10ffff}"), r#""\U000e0001\U0010ffff""#);
        assert_eq!(go_quote(" "), "\" \"");
    }

    #[test]
    fn no_panics_on_odd_input() {
        let samples = [
            "",
            " ",
            "|",
            "||",
            "|| ||",
            "x",
            "xx",
            ".x",
            "1.x.x.x",
            "1..x",
            "1.x.",
            ">",
            ">=",
            "> ",
            "=x",
            "!x",
            "!=1.x.x",
            "\u{0}",
            "é x é",
            "١x",
            "1.9223372036854775807.x",
            ">1.9223372036854775807.x",
            ">9223372036854775807.x",
            "1.0.0-é.x",
            "🙂🙂 || 🙂🙂",
            "1.x 2.x || x || 3.x.x",
            ".x.x.x",
            "9.x.x.x.x",
            "1.+.x",
            ">1.-1.x",
        ];
        for s in samples {
            let _ = parse_range(s);
            let _ = parse_version(s);
            let _ = parse_release(s);
            let _ = go_quote(s);
        }
        // Go wraps on overflow when incrementing a wildcard.
        assert_eq!(
            rerr(">1.9223372036854775807.x"),
            r#"Could not parse Range ">=1.-9223372036854775808.0": Could not parse version "1.-9223372036854775808.0" in ">=1.-9223372036854775808.0": Invalid character(s) found in minor number "-9223372036854775808""#
        );
    }
}
