//! [`ControllerStore`]: unit state kept by the Juju controller (`state-get`, `state-set`,
//! `state-delete`), the counterpart of ops' `JujuStorage`.

use std::collections::BTreeMap;

use super::{check_key, Changes, Store, StoreError, SCHEMA_VERSION};
use crate::hooktools::yamlfmt::push_yaml_entry;
use crate::hooktools::{ProcessRunner, ToolRunner};

/// The key under which [`ControllerStore`] keeps the [`SCHEMA_VERSION`] it wrote.
///
/// Juju keys cannot hold NUL, so this store cannot use [`SCHEMA_KEY`](super::SCHEMA_KEY); it refuses
/// this key from the framework instead.
pub const CONTROLLER_SCHEMA_KEY: &str = "#schema#";

/// Values that cannot travel as they are get this prefix followed by their standard base64 (padded).
const BASE64_PREFIX: &str = "b64:";

/// Whether the schema version is known to be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    Unknown,
    Absent,
    Present,
}

/// Unit state kept by the Juju controller, through the `state-get`, `state-set` and `state-delete` hook
/// tools (ops' `JujuStorage`): for charms whose local disk does not outlive the unit's pod.
///
/// # Protocol
///
/// * [`Store::load_all`]: one `state-get` with no key, which prints the whole state as a YAML mapping of
///   strings (Juju has no tool to list keys; this is cheaper than an index key plus one call per key).
/// * [`Store::commit`]: one `state-set --file -` with every set key in one YAML mapping on standard
///   input, then one `state-delete <key>` per deleted key. A commit that is not preceded by a load first
///   checks the schema version with `state-get #schema#`.
///
/// # Atomicity
///
/// The calls are separate, so this is not atomic by itself (like ops): if a `state-delete` fails after
/// the `state-set` succeeded, the hook sees an error with part of the commit done. Juju, however,
/// applies a hook's state changes only when the hook exits successfully, so a hook that fails (as it
/// should after a commit error) leaves the previous state in place.
///
/// # Encoding
///
/// Juju keeps strings. A value that is non-empty UTF-8 text made of YAML-printable characters (the
/// framework's JSON always is, unless it holds exotic control characters) is stored as that very text;
/// any other value (empty, not UTF-8, holding a character that YAML emitters may fold or refuse, such as
/// U+0085, U+2028, U+FEFF, DEL, CR, or starting with `b64:` itself) is stored as `b64:` followed by its
/// standard base64. So every byte string round-trips exactly. On the way in, keys and values are
/// written as double-quoted YAML scalars in pure ASCII (every other character escaped).
///
/// Juju limits keys to 256 bytes and values to 64 KiB; larger ones fail at `state-set` with
/// [`StoreError::Controller`].
#[derive(Debug)]
pub struct ControllerStore<R: ToolRunner = ProcessRunner> {
    runner: R,
    schema: Schema,
    /// The last load found entries but no schema key: Python ops wrote them.
    python_ops: bool,
}

impl ControllerStore<ProcessRunner> {
    /// A store that runs the real hook tools found on `PATH`.
    pub fn from_path() -> Self {
        Self::new(ProcessRunner)
    }
}

impl<R: ToolRunner> ControllerStore<R> {
    /// A store that calls the hook tools through `runner`.
    pub fn new(runner: R) -> Self {
        ControllerStore {
            runner,
            schema: Schema::Unknown,
            python_ops: false,
        }
    }

    /// The runner the hook tools go through.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Give the runner back.
    pub fn into_runner(self) -> R {
        self.runner
    }

    /// Run `tool args` (feeding `stdin`) and return its standard output, or a typed error.
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Vec<u8>, StoreError> {
        let output = self
            .runner
            .run(tool, args, stdin)
            .map_err(|source| StoreError::ToolRun {
                tool: tool.to_string(),
                args: args.to_vec(),
                source,
            })?;
        if !output.success() {
            return Err(StoreError::Controller {
                tool: tool.to_string(),
                args: args.to_vec(),
                code: output.code,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(output.stdout)
    }

    /// Record the stored schema version (`None`: not stored), refusing a newer one.
    fn note_schema(
        &mut self,
        stored: Option<&str>,
        tool: &str,
        args: &[String],
    ) -> Result<(), StoreError> {
        let Some(text) = stored else {
            self.schema = Schema::Absent;
            return Ok(());
        };
        let found = text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&version| version > 0)
            .ok_or_else(|| StoreError::ControllerOutput {
                tool: tool.to_string(),
                args: args.to_vec(),
                reason: format!(
                    "unreadable schema version {text:?} under {CONTROLLER_SCHEMA_KEY:?}"
                ),
            })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        self.schema = Schema::Present;
        Ok(())
    }

    /// Find out whether the schema version is stored, with `state-get #schema#`.
    fn fetch_schema(&mut self) -> Result<(), StoreError> {
        let args = vec![CONTROLLER_SCHEMA_KEY.to_string()];
        let stdout = self.run("state-get", &args, None)?;
        let text = String::from_utf8(stdout).map_err(|_| StoreError::ControllerOutput {
            tool: "state-get".to_string(),
            args: args.clone(),
            reason: "the output is not UTF-8".to_string(),
        })?;
        // The default ("smart") format prints a string as it is plus a newline; missing prints nothing.
        let value = text.strip_suffix('\n').unwrap_or(&text);
        let stored = (!value.is_empty()).then_some(value);
        self.note_schema(stored, "state-get", &args)
    }
}

impl<R: ToolRunner> Store for ControllerStore<R> {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let stdout = self.run("state-get", &[], None)?;
        let mut map = parse_state_map(&stdout)?;
        let schema = map.remove(CONTROLLER_SCHEMA_KEY);
        self.note_schema(schema.as_deref(), "state-get", &[])?;
        // This store writes its schema key with its first commit: entries without one are
        // Python ops' (YAML documents under its handle paths), returned as they are.
        self.python_ops = schema.is_none() && !map.is_empty();
        if self.python_ops {
            return Ok(map
                .into_iter()
                .map(|(key, value)| (key, value.into_bytes()))
                .collect());
        }
        map.into_iter()
            .map(|(key, value)| {
                let bytes = decode_value(&key, value)?;
                Ok((key, bytes))
            })
            .collect()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        for key in changes.keys() {
            check_controller_key(key)?;
        }
        if changes.is_empty() {
            return Ok(());
        }
        if self.schema == Schema::Unknown {
            self.fetch_schema()?;
        }
        let mut yaml = String::new();
        if self.schema == Schema::Absent {
            push_yaml_entry(
                &mut yaml,
                CONTROLLER_SCHEMA_KEY,
                &SCHEMA_VERSION.to_string(),
            );
        }
        for (key, value) in changes {
            if let Some(value) = value {
                push_yaml_entry(&mut yaml, key, &encode_value(value));
            }
        }
        if !yaml.is_empty() {
            let args = vec!["--file".to_string(), "-".to_string()];
            self.run("state-set", &args, Some(yaml.as_bytes()))?;
            self.schema = Schema::Present;
        }
        for (key, value) in changes {
            if value.is_none() {
                self.run("state-delete", std::slice::from_ref(key), None)?;
            }
        }
        Ok(())
    }

    fn written_by_python_ops(&self) -> bool {
        self.python_ops
    }
}

fn check_controller_key(key: &str) -> Result<(), StoreError> {
    check_key(key)?;
    let reason = if key == CONTROLLER_SCHEMA_KEY {
        "it is reserved for the store's schema version"
    } else if key.is_empty() {
        "Juju does not store empty keys"
    } else if key.contains('\0') {
        "a key cannot hold NUL"
    } else if key.starts_with('-') {
        "a key starting with '-' would be read as an option by the hook tools"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidKey {
        key: key.to_string(),
        reason,
    })
}

/// Parse `state-get`'s output (no key): a YAML mapping of strings, or nothing when the state is empty.
fn parse_state_map(stdout: &[u8]) -> Result<BTreeMap<String, String>, StoreError> {
    let garbage = |reason: String| StoreError::ControllerOutput {
        tool: "state-get".to_string(),
        args: Vec::new(),
        reason,
    };
    let text =
        std::str::from_utf8(stdout).map_err(|_| garbage("the output is not UTF-8".to_string()))?;
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| garbage(format!("not YAML: {e}")))?;
    let mapping = match value {
        serde_yaml::Value::Null => return Ok(BTreeMap::new()),
        serde_yaml::Value::Mapping(mapping) => mapping,
        other => {
            return Err(garbage(format!(
                "expected a mapping, got {}",
                yaml_kind(&other)
            )))
        }
    };
    let mut map = BTreeMap::new();
    for (key, value) in mapping {
        let serde_yaml::Value::String(key) = key else {
            return Err(garbage(format!(
                "expected string keys, got {}",
                yaml_kind(&key)
            )));
        };
        let serde_yaml::Value::String(value) = value else {
            return Err(garbage(format!(
                "expected a string value for {key:?}, got {}",
                yaml_kind(&value)
            )));
        };
        map.insert(key, value);
    }
    Ok(map)
}

fn yaml_kind(value: &serde_yaml::Value) -> &'static str {
    match value {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "a string",
        serde_yaml::Value::Sequence(_) => "a sequence",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

/// Whether `c` survives any YAML emitter and parser unchanged (printable, not a YAML line break, no BOM).
fn is_plain_safe(c: char) -> bool {
    matches!(c, '\n' | '\t' | ' '..='~')
        || (c >= '\u{a0}'
            && !matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            ))
}

/// The string Juju stores for `value` (see [`ControllerStore`]'s encoding notes).
fn encode_value(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text)
            if !text.is_empty()
                && !text.starts_with(BASE64_PREFIX)
                && text.chars().all(is_plain_safe) =>
        {
            text.to_string()
        }
        _ => format!("{BASE64_PREFIX}{}", base64_encode(value)),
    }
}

/// The bytes of a value that [`encode_value`] stored as `stored`.
fn decode_value(key: &str, stored: String) -> Result<Vec<u8>, StoreError> {
    match stored.strip_prefix(BASE64_PREFIX) {
        Some(encoded) => base64_decode(encoded).ok_or_else(|| StoreError::Encoding {
            key: key.to_string(),
            reason: format!("invalid base64 after {BASE64_PREFIX:?}"),
        }),
        None => Ok(stored.into_bytes()),
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let sextet = |c: u8| {
        BASE64_ALPHABET
            .iter()
            .position(|&a| a == c)
            .map(|p| p as u32)
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let padding = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && index + 1 != chunks) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - padding] {
            n = (n << 6) | sextet(c)?;
        }
        n <<= 6 * padding as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Non-canonical encodings (stray bits under the padding) are refused.
        if (padding == 1 && decoded[2] != 0)
            || (padding == 2 && (decoded[1] != 0 || decoded[2] != 0))
        {
            return None;
        }
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64_decode(&base64_encode(&all)), Some(all));
        for bad in [
            "Zg=", "Zg===", "Z===", "Zh==", "Zm9=Yg==", "Zm9v!A==", "====",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }
}
