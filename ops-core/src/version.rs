//! The Juju version the charm runs under (ops: `ops.jujuversion.JujuVersion`).
//!
//! Parsing follows ops' regex exactly:
//! `^(?P<major>\d{1,9})\.(?P<minor>\d{1,9})((?:\.|-(?P<tag>[a-z]+))(?P<patch>\d{1,9}))?(\.(?P<build>\d{1,9}))?$`
//! (including Python's `$`, which also accepts one trailing newline). `"2.7"` is `2.7.0`,
//! `"1.21-alpha1.34"` has tag `alpha`, patch 1 and build 34.
//!
//! Ordering compares major, minor, tag (a tagged version sorts before the untagged one, tags
//! compare lexically), patch, then build. The feature predicates compare only
//! `(major, minor, patch)`, as ops does.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The version used when `JUJU_VERSION` is not set.
pub const DEFAULT_VERSION: &str = "0.0.0";

/// A string that is not a valid Juju version.
///
/// Displays as ops' `RuntimeError`: `"x" is not a valid Juju version string`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{version}\" is not a valid Juju version string")]
pub struct VersionError {
    /// The rejected string.
    pub version: String,
}

/// A parsed Juju version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct JujuVersion {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// Tag such as `beta` (`""` for a release).
    pub tag: String,
    /// Patch number (0 when absent).
    pub patch: u32,
    /// Build number (0 when absent).
    pub build: u32,
}

/// Reads 1 to 9 ASCII digits at the start of `s` (no more digits may follow): `(value, rest)`.
fn number(s: &str) -> Option<(u32, &str)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=9).contains(&len) {
        return None;
    }
    let value = s[..len].parse().ok()?;
    Some((value, &s[len..]))
}

fn parse_exact(s: &str) -> Option<JujuVersion> {
    let (major, rest) = number(s)?;
    let rest = rest.strip_prefix('.')?;
    let (minor, mut rest) = number(rest)?;
    let mut version = JujuVersion {
        major,
        minor,
        ..JujuVersion::default()
    };
    // Optional `.<patch>` or `-<tag><patch>`.
    if let Some(after) = rest.strip_prefix('-') {
        let tag_len = after.bytes().take_while(u8::is_ascii_lowercase).count();
        if tag_len > 0 {
            if let Some((patch, tail)) = number(&after[tag_len..]) {
                version.tag = after[..tag_len].to_string();
                version.patch = patch;
                rest = tail;
            }
        }
    } else if let Some(after) = rest.strip_prefix('.') {
        if let Some((patch, after)) = number(after) {
            version.patch = patch;
            rest = after;
        }
    }
    // Optional `.<build>`.
    if let Some(after) = rest.strip_prefix('.') {
        let (build, after) = number(after)?;
        version.build = build;
        rest = after;
    }
    rest.is_empty().then_some(version)
}

impl JujuVersion {
    /// Parses a version string as ops does; see the module docs.
    pub fn parse(version: &str) -> Result<Self, VersionError> {
        parse_exact(version)
            .or_else(|| version.strip_suffix('\n').and_then(parse_exact))
            .ok_or_else(|| VersionError {
                version: version.to_string(),
            })
    }

    /// A release version `major.minor.patch`.
    pub fn new(major: u32, minor: u32, patch: u32) -> Self {
        JujuVersion {
            major,
            minor,
            patch,
            ..JujuVersion::default()
        }
    }

    /// The version in `JUJU_VERSION` of the process environment, `0.0.0` when unset
    /// (ops: `JujuVersion.from_environ()`).
    pub fn from_env() -> Result<Self, VersionError> {
        match std::env::var_os("JUJU_VERSION") {
            None => Self::parse(DEFAULT_VERSION),
            Some(v) => Self::parse(&v.to_string_lossy()),
        }
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// Juju >= 2.7.0 knows about application relation data.
    pub fn has_app_data(&self) -> bool {
        self.at_least(2, 7, 0)
    }

    /// Juju >= 2.8.0 runs the charm's `dispatch` script.
    pub fn is_dispatch_aware(&self) -> bool {
        self.at_least(2, 8, 0)
    }

    /// Juju >= 2.8.0 supports controller-side storage (`state-get`/`state-set`).
    pub fn has_controller_storage(&self) -> bool {
        self.at_least(2, 8, 0)
    }

    /// Juju >= 3.0.2 supports secrets as ops 2.1.1 uses them (a property in ops, not a method).
    pub fn has_secrets(&self) -> bool {
        self.at_least(3, 0, 2)
    }

    /// Juju >= 3.0.3 supports `open-port` on Kubernetes (ops 2.x
    /// `supports_open_port_on_k8s`).
    pub fn supports_open_port_on_k8s(&self) -> bool {
        self.at_least(3, 0, 3)
    }

    /// Pebble's exec `service_context` option is available: Juju >= 3.1.6 except 3.2.0
    /// (ops 2.x `supports_exec_service_context`).
    pub fn supports_exec_service_context(&self) -> bool {
        self.at_least(3, 1, 6) && (self.major, self.minor, self.patch) != (3, 2, 0)
    }

    /// The bundled Pebble supports log forwarding with labels: Juju >= 3.4.0
    /// (ops 2.x `supports_pebble_log_forwarding`).
    pub fn supports_pebble_log_forwarding(&self) -> bool {
        self.at_least(3, 4, 0)
    }
}

impl fmt::Display for JujuVersion {
    /// ops' `repr`: `M.m.p[.b]` or `M.m-tagP[.b]` (the build only when > 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tag.is_empty() {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        } else {
            write!(
                f,
                "{}.{}-{}{}",
                self.major, self.minor, self.tag, self.patch
            )?;
        }
        if self.build > 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

impl FromStr for JujuVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for JujuVersion {
    type Error = VersionError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Ord for JujuVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then_with(|| match (self.tag.is_empty(), other.tag.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.tag.cmp(&other.tag),
            })
            .then(self.patch.cmp(&other.patch))
            .then(self.build.cmp(&other.build))
    }
}

/// Compares with a version string, as ops accepts `JujuVersion('2.8.0') == '2.8.0'`; a string
/// that is not a valid version is never equal (ops would raise).
impl PartialEq<&str> for JujuVersion {
    fn eq(&self, other: &&str) -> bool {
        JujuVersion::parse(other).is_ok_and(|v| *self == v)
    }
}

/// Orders against a version string (`version >= "2.8.0"`); an invalid string is unordered (every
/// comparison is false).
impl PartialOrd<&str> for JujuVersion {
    fn partial_cmp(&self, other: &&str) -> Option<Ordering> {
        JujuVersion::parse(other).ok().map(|v| self.cmp(&v))
    }
}

impl PartialOrd for JujuVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
