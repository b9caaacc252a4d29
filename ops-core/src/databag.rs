//! Typed relation databags: `#[derive(RelationData)]`.
//!
//! Each field is a databag key (the field's name, as ops 3's `Relation.save` / `load` use a
//! dataclass field's name; `#[databag(rename = "...")]` plays the part of ops' `alias`). Values are
//! encoded as the struct's [`Encoding`] says:
//!
//! * [`Encoding::Raw`] (the default), as most interfaces document their data: a `String` is stored
//!   as it is, any other type as compact JSON (so a number is its decimal text); an `Option` field
//!   that is `None` removes its key.
//! * [`Encoding::Json`] (`#[databag(encoding = "json")]`), as ops 3's `Relation.save` / `load`:
//!   every field is JSON-encoded, a `String` `x` included (stored as `"x"`), with the bytes Python's
//!   `json.dumps` writes, so a Python unit using `save` / `load` and a Rust unit read each other's
//!   data. `None` is stored as `null`, as `save` stores a dataclass's `None`.
//!
//! On reading, an `Option` field may be absent; a missing required key, or a value that does not
//! decode, is a typed [`DatabagError`] naming the key. Unknown keys are ignored, so the remote side
//! may publish more than this charm reads.

use std::collections::BTreeMap;
use std::io;

/// How a `#[derive(RelationData)]` struct encodes its fields (`#[databag(encoding = "...")]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// `"raw"`, the default: `String` fields as they are, other types as compact JSON, `None`
    /// removes the key.
    Raw,
    /// `"json"`: every field JSON-encoded as Python's `json.dumps` does (ops 3's
    /// `Relation.save` / `load`), `None` as `null`.
    Json,
}

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
    /// How its values are encoded.
    const ENCODING: Encoding = Encoding::Raw;
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

/// JSON with the bytes Python's `json.dumps(value)` writes (ops 3's `Relation.save` encoder):
/// `", "` and `": "` separators, every character outside printable ASCII escaped as `\uXXXX`
/// (`ensure_ascii`), floats as Python's `repr`. Maps keep the order the Rust type gives them.
#[doc(hidden)]
pub fn to_py_json<T: serde::Serialize + ?Sized>(
    key: &str,
    value: &T,
) -> Result<String, DatabagError> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyJsonFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| DatabagError::Encode {
            key: key.to_string(),
            message: e.to_string(),
        })?;
    // The formatter writes ASCII only.
    String::from_utf8(out).map_err(|e| DatabagError::Encode {
        key: key.to_string(),
        message: e.to_string(),
    })
}

/// serde_json's formatter, changed where Python's `json.dumps` writes other bytes.
struct PyJsonFormatter;

impl serde_json::ser::Formatter for PyJsonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(py_float_repr(&format!("{value:e}")).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(py_float_repr(&format!("{value:e}")).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json escapes `"`, `\` and C0 controls itself (as Python does); Python also
        // escapes DEL and everything beyond ASCII, in UTF-16 code units.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '\x7f' {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Python's `repr(float)` from Rust's shortest round-trip digits in `{:e}` form (`-1.25e-7`):
/// positional for decimal exponents -4..=15 (always with a fraction, `3.0`), otherwise
/// `d.ddde+XX` with a sign and at least two exponent digits.
fn py_float_repr(sci: &str) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            let zeros = "0".repeat((-exp - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                let zeros = "0".repeat(int_len - digits.len());
                format!("{sign}{digits}{zeros}.0")
            } else {
                format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
            }
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}{rest}e{exp_sign}{:02}", exp.abs())
    }
}
