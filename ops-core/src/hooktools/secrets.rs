//! Secret tools: `secret-get`, `secret-info-get`, `secret-add`, `secret-set`, `secret-grant`,
//! `secret-revoke`, `secret-remove`, `secret-ids`.
//!
//! Secret content never travels in arguments (ops 2.1.1 passed it there, readable by any local user
//! in `/proc/<pid>/cmdline`): `secret-add` and `secret-set` get `key#file=<path>` arguments naming
//! files in a private temporary directory, removed after the call, as current ops does. Content is
//! redacted from every error (see [`super::error`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::backend::{argv, secret_not_found, Backend};
use super::error::{HookToolError, Result};
use super::pyfmt::{py_dollar_match, py_repr_str};

/// Secret content: key → value.
pub type SecretContent = BTreeMap<String, String>;

/// How often Juju asks the owner to rotate a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretRotate {
    /// `never`
    Never,
    /// `hourly`
    Hourly,
    /// `daily`
    Daily,
    /// `weekly`
    Weekly,
    /// `monthly`
    Monthly,
    /// `quarterly`
    Quarterly,
    /// `yearly`
    Yearly,
}

impl SecretRotate {
    /// The policy as Juju spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretRotate::Never => "never",
            SecretRotate::Hourly => "hourly",
            SecretRotate::Daily => "daily",
            SecretRotate::Weekly => "weekly",
            SecretRotate::Monthly => "monthly",
            SecretRotate::Quarterly => "quarterly",
            SecretRotate::Yearly => "yearly",
        }
    }
}

impl fmt::Display for SecretRotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecretRotate {
    type Err = HookToolError;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "never" => SecretRotate::Never,
            "hourly" => SecretRotate::Hourly,
            "daily" => SecretRotate::Daily,
            "weekly" => SecretRotate::Weekly,
            "monthly" => SecretRotate::Monthly,
            "quarterly" => SecretRotate::Quarterly,
            "yearly" => SecretRotate::Yearly,
            other => {
                return Err(HookToolError::Invalid(format!(
                    "{other:?} is not a valid SecretRotate"
                )))
            }
        })
    }
}

/// Who owns a new secret (`secret-add --owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// `application`: shared by all units, managed by the leader.
    Application,
    /// `unit`: this unit only.
    Unit,
}

impl SecretOwner {
    /// The owner as Juju spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }
}

/// Optional metadata for `secret-add` and `secret-set`; `None` fields are not passed.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
/// use ops_core::model::SecretRotate;
///
/// let options = SecretOptions {
///     label: Some("db-password".into()),
///     rotate: Some(SecretRotate::Monthly),
///     ..SecretOptions::default()
/// };
/// // In a handler: `ctx.app().add_secret(&content, &options)?`.
/// assert_eq!(options.label.as_deref(), Some("db-password"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretOptions {
    /// `--label`
    pub label: Option<String>,
    /// `--description`
    pub description: Option<String>,
    /// `--expire`: an RFC 3339 time (ops passes `datetime.isoformat()`) or a Juju duration
    /// (`24h`); [`SecretOptions::expire_at`] fills it from a typed time.
    pub expire: Option<String>,
    /// `--rotate`
    pub rotate: Option<SecretRotate>,
}

impl SecretOptions {
    /// These options, expiring at `at` (`--expire <RFC 3339>`; ops 3's `expire=datetime`).
    pub fn expire_at(mut self, at: OffsetDateTime) -> Self {
        self.expire = Some(format_rfc3339(at));
        self
    }

    fn push_args(&self, args: &mut Vec<String>) {
        if let Some(label) = &self.label {
            args.extend(argv!["--label", label]);
        }
        if let Some(description) = &self.description {
            args.extend(argv!["--description", description]);
        }
        if let Some(expire) = &self.expire {
            args.extend(argv!["--expire", expire]);
        }
        if let Some(rotate) = self.rotate {
            args.extend(argv!["--rotate", rotate.as_str()]);
        }
    }
}

/// A point in time with its UTC offset (the [`time`] crate's `OffsetDateTime`), as Juju prints
/// secret expiry and rotation times.
pub use time::OffsetDateTime;

/// Secret metadata from `secret-info-get` (ops: `SecretInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The canonical id (`secret:` prefixed).
    pub id: String,
    /// The owner's label.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u64,
    /// When the latest revision expires (Juju's `expiry`, RFC 3339; ops 3: `expires`, a
    /// `datetime`). ops 2.1.1 read the key `expires`, which Juju never prints; it is still read
    /// when `expiry` is absent.
    pub expires: Option<OffsetDateTime>,
    /// The rotation policy (`None` when missing or not a known policy, as in ops).
    pub rotation: Option<SecretRotate>,
    /// When the secret is next due to rotate (Juju's `rotates`, RFC 3339).
    pub rotates: Option<OffsetDateTime>,
    /// The description (Juju prints it when set).
    pub description: Option<String>,
    /// The UUID of the model the hook runs in (`JUJU_MODEL_UUID`; ops 3's `model_uuid`), `None`
    /// when the environment does not say.
    pub model_uuid: Option<String>,
}

/// Parses an RFC 3339 time as Go's `time.Time` prints it in JSON (`2025-01-02T03:04:05Z`,
/// `2025-01-02T03:04:05.123456789+02:00`), strictly: anything else is an error naming the field
/// (ops 3's `timeconv.parse_rfc3339` raises `ValueError`).
pub fn parse_rfc3339(text: &str) -> std::result::Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
}

/// `t` in RFC 3339, as `--expire` takes it (e.g. `2025-01-02T03:04:05Z`).
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    // Formatting a valid OffsetDateTime as RFC 3339 fails only for years outside 0..=9999 or
    // offsets with seconds; fall back to the debug-free ISO form Juju also accepts.
    t.format(&time::format_description::well_known::Rfc3339)
        .or_else(|_| t.format(&time::format_description::well_known::Iso8601::DEFAULT))
        .unwrap_or_else(|_| t.to_string())
}

impl SecretInfo {
    /// Builds the info of secret `id` from its `secret-info-get` entry (ops: `SecretInfo.from_dict`),
    /// in model `model_uuid`.
    pub fn from_json(
        id: &str,
        d: &Value,
        model_uuid: Option<&str>,
    ) -> std::result::Result<Self, String> {
        let text = |key: &str| -> std::result::Result<Option<String>, String> {
            match d.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(format!("{key} must be a string, got {other}")),
            }
        };
        let when = |key: &str| -> std::result::Result<Option<OffsetDateTime>, String> {
            text(key)?
                .map(|t| parse_rfc3339(&t).map_err(|e| format!("{key}: {e}")))
                .transpose()
        };
        let revision = d
            .get("revision")
            .and_then(Value::as_u64)
            .ok_or_else(|| "missing integer \"revision\"".to_string())?;
        let expires = match when("expiry")? {
            Some(v) => Some(v),
            None => when("expires")?,
        };
        Ok(SecretInfo {
            id: canonicalize_secret_id(id),
            label: text("label")?,
            revision,
            expires,
            rotation: d
                .get("rotation")
                .and_then(Value::as_str)
                .and_then(|r| r.parse().ok()),
            rotates: when("rotates")?,
            description: text("description")?,
            model_uuid: model_uuid.map(str::to_string),
        })
    }
}

/// The canonical form of a secret id: stripped, with the `secret:` prefix.
pub fn canonicalize_secret_id(id: &str) -> String {
    let id = super::pyfmt::py_strip(id);
    if id.starts_with("secret:") {
        id.to_string()
    } else {
        format!("secret:{id}")
    }
}

/// ops' secret content key regex `^([a-z](?:-?[a-z0-9]){2,})$` (copied from Juju).
pub fn is_valid_secret_key(key: &str) -> bool {
    py_dollar_match(key, |k| {
        let b = k.as_bytes();
        if b.is_empty() || !b[0].is_ascii_lowercase() {
            return false;
        }
        let mut groups = 0;
        let mut i = 1;
        while i < b.len() {
            if b[i] == b'-' {
                i += 1;
            }
            match b.get(i) {
                Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {
                    groups += 1;
                    i += 1;
                }
                _ => return false,
            }
        }
        groups >= 2
    })
}

/// ops' `Secret._validate_content`: content must be non-empty and every key must match
/// [`is_valid_secret_key`]; errors are [`HookToolError::Invalid`] with ops' messages.
pub fn validate_secret_content(content: &SecretContent) -> Result<()> {
    if content.is_empty() {
        return Err(HookToolError::Invalid(
            "Secret content must not be empty".to_string(),
        ));
    }
    let invalid: Vec<String> = content
        .keys()
        .filter(|k| !is_valid_secret_key(k))
        .map(|k| py_repr_str(k))
        .collect();
    if !invalid.is_empty() {
        return Err(HookToolError::Invalid(format!(
            "Invalid secret keys: [{}]. Keys should be lowercase letters and digits, at least 3 \
             characters long, start with a letter, and not start or end with a hyphen.",
            invalid.join(", ")
        )));
    }
    Ok(())
}

/// Secret content written to files in a private temporary directory (mode `0700`, files `0600`),
/// removed (with the files) when dropped.
struct ContentFiles(#[allow(dead_code)] tempfile::TempDir);

/// Write each value of `content` to its own file and add `key#file=<path>` to `args` (as ops does
/// since it stopped passing content on the command line, where any local user can read it in
/// `/proc/<pid>/cmdline`). Juju's secret tools read `#file=` values since secrets exist (3.0).
/// The keys are validated secret keys (`[a-z0-9-]`), safe as file names.
fn content_args(
    tool: &str,
    content: &SecretContent,
    args: &mut Vec<String>,
) -> Result<ContentFiles> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io_error = |source: std::io::Error| HookToolError::Io {
        tool: tool.to_string(),
        source,
    };
    let dir = tempfile::Builder::new()
        .prefix("ops-secret-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(io_error)?;
    for (key, value) in content {
        let path = dir.path().join(key);
        let text = path.to_str().ok_or_else(|| {
            io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the temporary directory {} is not UTF-8",
                    dir.path().display()
                ),
            ))
        })?;
        let arg = format!("{key}#file={text}");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut file| file.write_all(value.as_bytes()))
            .map_err(io_error)?;
        args.push(arg);
    }
    Ok(ContentFiles(dir))
}

impl Backend {
    /// The content of a secret, by id and/or label
    /// (`secret-get [<id>] [--label <label>] [--refresh] [--peek] --format=json`).
    /// `not found` → [`HookToolError::SecretNotFound`].
    pub fn secret_get(
        &self,
        id: Option<&str>,
        label: Option<&str>,
        refresh: bool,
        peek: bool,
    ) -> Result<SecretContent> {
        let mut args = Vec::new();
        if let Some(id) = id {
            args.push(id.to_string());
        }
        if let Some(label) = label {
            args.extend(argv!["--label", label]);
        }
        if refresh {
            args.push("--refresh".to_string());
        }
        if peek {
            args.push("--peek".to_string());
        }
        self.call_json_as("secret-get", args)
            .map_err(|e| secret_not_found(e, id.or(label).unwrap_or_default()))
    }

    /// A secret's metadata (`secret-info-get <id> --format=json`, or only when there is no id
    /// `secret-info-get --label <label> --format=json`). Juju answers `{<id>: {…}}`; the first
    /// entry is used. `not found` → [`HookToolError::SecretNotFound`].
    pub fn secret_info_get(&self, id: Option<&str>, label: Option<&str>) -> Result<SecretInfo> {
        let mut args = Vec::new();
        if let Some(id) = id {
            args.push(id.to_string());
        } else if let Some(label) = label {
            args.extend(argv!["--label", label]);
        }
        self.call_json("secret-info-get", args, |v| {
            let (id, info) = v
                .as_object()
                .and_then(|m| m.iter().next())
                .ok_or_else(|| "expected a JSON object with one entry per secret".to_string())?;
            SecretInfo::from_json(id, info, self.model_uuid())
        })
        .map_err(|e| secret_not_found(e, id.or(label).unwrap_or_default()))
    }

    /// Creates a secret and returns its id (stdout stripped):
    /// `secret-add [--label l] [--description d] [--expire t] [--rotate p] [--owner o] k#file=path …`
    /// (each value in a private temporary file, never on the command line).
    /// The content is validated first ([`validate_secret_content`]). Errors are not mapped to
    /// [`HookToolError::SecretNotFound`].
    pub fn secret_add(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
        owner: Option<SecretOwner>,
    ) -> Result<String> {
        validate_secret_content(content)?;
        let mut args = Vec::new();
        options.push_args(&mut args);
        if let Some(owner) = owner {
            args.extend(argv!["--owner", owner.as_str()]);
        }
        let _files = content_args("secret-add", content, &mut args)?;
        // Not mapped to SecretNotFound (ops 2.1.1; ops 3 maps every `secret-*` tool, but no
        // secret is named here, and a "not found" from secret-add is about something else).
        let out = self.call_text("secret-add", &args, None)?;
        Ok(super::pyfmt::py_strip(&out).to_string())
    }

    /// Updates a secret's content and/or metadata:
    /// `secret-set <id> [--label l] [--description d] [--expire t] [--rotate p] [k#file=path …]`.
    /// Content, when given, is validated first. `not found` → [`HookToolError::SecretNotFound`].
    pub fn secret_set(
        &self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<()> {
        if let Some(content) = content {
            validate_secret_content(content)?;
        }
        let mut args = argv![id];
        options.push_args(&mut args);
        let _files = match content {
            Some(content) => Some(content_args("secret-set", content, &mut args)?),
            None => None,
        };
        self.call("secret-set", &args, None)
            .map(drop)
            .map_err(|e| secret_not_found(e, id))
    }

    /// Grants access to a secret over relation `relation_id`, optionally to one unit only
    /// (`secret-grant <id> --relation <rid> [--unit <unit>]`).
    pub fn secret_grant(&self, id: &str, relation_id: i64, unit: Option<&str>) -> Result<()> {
        self.grant_or_revoke("secret-grant", id, relation_id, unit)
    }

    /// Revokes access to a secret (`secret-revoke <id> --relation <rid> [--unit <unit>]`).
    pub fn secret_revoke(&self, id: &str, relation_id: i64, unit: Option<&str>) -> Result<()> {
        self.grant_or_revoke("secret-revoke", id, relation_id, unit)
    }

    fn grant_or_revoke(
        &self,
        tool: &str,
        id: &str,
        relation_id: i64,
        unit: Option<&str>,
    ) -> Result<()> {
        let mut args = argv![id, "--relation", relation_id.to_string()];
        if let Some(unit) = unit {
            args.extend(argv!["--unit", unit]);
        }
        self.call(tool, &args, None)
            .map(drop)
            .map_err(|e| secret_not_found(e, id))
    }

    /// Removes one revision of a secret, or the whole secret
    /// (`secret-remove <id> [--revision N]`).
    pub fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<()> {
        let mut args = argv![id];
        if let Some(revision) = revision {
            args.extend(argv!["--revision", revision.to_string()]);
        }
        self.call("secret-remove", &args, None)
            .map(drop)
            .map_err(|e| secret_not_found(e, id))
    }

    /// The ids of the secrets this unit (or its application) owns (`secret-ids --format=json`;
    /// not used by ops 2.1.1).
    pub fn secret_ids(&self) -> Result<Vec<String>> {
        self.call_json("secret-ids", Vec::new(), |v| match v {
            Value::Null => Ok(Vec::new()),
            other => serde_json::from_value(other).map_err(|e| e.to_string()),
        })
    }
}
