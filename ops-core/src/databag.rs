//! Typed relation databags: `#[derive(RelationData)]`.
//!
//! Each field is a databag key. As Python ops' `Relation.save` / `load` do for text, a `String` is
//! stored as it is; every other type is JSON-encoded. `Option` fields may be absent; a missing
//! required key, or a value that does not decode, is a typed [`DatabagError`]. Unknown keys are
//! ignored, so the remote side may publish more than this charm reads.

use std::collections::BTreeMap;

/// A struct whose fields are the keys of a relation databag.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
/// use ops_core::databag::RelationData;
/// use std::collections::BTreeMap;
///
/// /// What a database provider publishes: `host` as text, `port` JSON-encoded.
/// #[derive(Debug, PartialEq, RelationData)]
/// struct DbInfo {
///     host: String,
///     port: u16,
///     user: Option<String>,
/// }
///
/// let info = DbInfo { host: "10.0.0.7".into(), port: 5432, user: None };
/// let written: BTreeMap<String, String> = info
///     .to_databag()?
///     .into_iter()
///     .filter_map(|(k, v)| Some((k, v?)))
///     .collect();
/// assert_eq!(written["host"], "10.0.0.7");
/// assert_eq!(DbInfo::from_databag(&written)?, info);
/// // In a handler: `relation.remote_app_data()?` then `.load::<DbInfo>()?` / `.save(&info)?`.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RelationData: Sized {
    /// The keys it reads and writes.
    const KEYS: &'static [&'static str];
    /// Decode from a databag.
    fn from_databag(bag: &BTreeMap<String, String>) -> Result<Self, DatabagError>;
    /// Encode: every key with its value (`None`: remove the key).
    fn to_databag(&self) -> Result<Vec<(String, Option<String>)>, DatabagError>;
}

/// Errors decoding or encoding a typed databag.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum DatabagError {
    /// A required key is missing.
    #[error("relation data has no `{key}`")]
    Missing {
        /// The key.
        key: String,
    },
    /// A value is not valid JSON for the field's type.
    #[error("relation data `{key}` = {value:?} is not valid: {message}")]
    Invalid {
        /// The key.
        key: String,
        /// The raw value (its first 200 characters, when longer).
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A field does not encode to JSON.
    #[error("relation data `{key}` does not encode: {message}")]
    Encode {
        /// The key.
        key: String,
        /// What went wrong.
        message: String,
    },
}

#[doc(hidden)]
pub fn get_raw(bag: &BTreeMap<String, String>, key: &str) -> Result<String, DatabagError> {
    bag.get(key).cloned().ok_or_else(|| DatabagError::Missing {
        key: key.to_string(),
    })
}

#[doc(hidden)]
pub fn get_opt_raw(bag: &BTreeMap<String, String>, key: &str) -> Option<String> {
    bag.get(key).cloned()
}

#[doc(hidden)]
pub fn get_json<T: serde::de::DeserializeOwned>(
    bag: &BTreeMap<String, String>,
    key: &str,
) -> Result<T, DatabagError> {
    let raw = bag.get(key).ok_or_else(|| DatabagError::Missing {
        key: key.to_string(),
    })?;
    decode(key, raw)
}

#[doc(hidden)]
pub fn get_opt_json<T: serde::de::DeserializeOwned>(
    bag: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<T>, DatabagError> {
    bag.get(key).map(|raw| decode(key, raw)).transpose()
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, raw: &str) -> Result<T, DatabagError> {
    // Remote data can be megabytes: errors quote excerpts (serde's message may quote it too).
    serde_json::from_str(raw).map_err(|e| DatabagError::Invalid {
        key: key.to_string(),
        value: crate::hooktools::error::excerpt(raw, 200),
        message: crate::hooktools::error::excerpt(&e.to_string(), 500),
    })
}

#[doc(hidden)]
pub fn to_json<T: serde::Serialize>(key: &str, value: &T) -> Result<String, DatabagError> {
    serde_json::to_string(value).map_err(|e| DatabagError::Encode {
        key: key.to_string(),
        message: e.to_string(),
    })
}
