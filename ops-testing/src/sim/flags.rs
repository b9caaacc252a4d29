//! Hook-tool argument parsing with Go's `gnuflag` semantics, as juju-sim does: flags and
//! positional arguments interleaved, `--` ends flags, `--flag=value` or `--flag value`, boolean
//! flags without a value, `-h`/`--help`, and `ERROR option provided but not defined: --x` (exit 2)
//! for anything else.

use super::state::JujuState;
use super::ToolError;

/// The type of a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Str,
    /// A relation id (`3` or `db:3`) that must exist.
    Rel,
    /// A storage id (`data/0`) that must exist.
    Storage,
    Int,
    /// `json`, `yaml` or `smart`.
    Format,
}

/// One flag: `r|relation:rel` → names `r`, `relation`; key `relation`; kind `Rel`.
#[derive(Debug, Clone)]
pub(crate) struct FlagSpec {
    pub names: Vec<&'static str>,
    pub key: &'static str,
    pub kind: Kind,
    pub default: &'static str,
}

impl FlagSpec {
    pub fn parse(spec: &'static str) -> FlagSpec {
        let (names, rest) = spec.split_once(':').unwrap_or((spec, "bool"));
        let (kind, default) = rest.split_once('=').unwrap_or((rest, ""));
        let names: Vec<&'static str> = names.split('|').collect();
        let key = names.last().copied().unwrap_or_default();
        let kind = match kind {
            "str" => Kind::Str,
            "rel" => Kind::Rel,
            "storage" => Kind::Storage,
            "int" => Kind::Int,
            "format" => Kind::Format,
            _ => Kind::Bool,
        };
        FlagSpec {
            names,
            key,
            kind,
            default,
        }
    }

    pub fn shown(&self) -> String {
        self.names
            .iter()
            .map(|n| format!("{}{n}", if n.len() == 1 { "-" } else { "--" }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A parsed flag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlagValue {
    Bool(bool),
    Str(String),
    Rel(Option<i64>),
    Storage(Option<String>),
    Int(Option<i64>),
}

/// The flags of one call, by key.
#[derive(Debug, Default)]
pub(crate) struct Flags {
    values: FlagMap,
}

/// A few flags by key: a short list beats hashing here (a tool has at most a dozen flags).
#[derive(Debug, Default)]
struct FlagMap(Vec<(&'static str, FlagValue)>);

impl FlagMap {
    fn get(&self, key: &str) -> Option<&FlagValue> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn insert(&mut self, key: &'static str, value: FlagValue) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl Flags {
    pub fn bool(&self, key: &str) -> bool {
        matches!(self.values.get(key), Some(FlagValue::Bool(true)))
    }

    pub fn str(&self, key: &str) -> &str {
        match self.values.get(key) {
            Some(FlagValue::Str(s)) => s,
            _ => "",
        }
    }

    pub fn rel(&self) -> Option<i64> {
        match self.values.get("relation") {
            Some(FlagValue::Rel(r)) => *r,
            _ => None,
        }
    }

    pub fn storage(&self, key: &str) -> Option<&str> {
        match self.values.get(key) {
            Some(FlagValue::Storage(s)) => s.as_deref(),
            _ => None,
        }
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        match self.values.get(key) {
            Some(FlagValue::Int(i)) => *i,
            _ => None,
        }
    }

    pub fn set_bool(&mut self, key: &'static str, value: bool) {
        self.values.insert(key, FlagValue::Bool(value));
    }
}

/// What parsing found: the flags and positional arguments, or a help request.
pub(crate) enum Parsed {
    Args(Flags, Vec<String>),
    Help,
}

fn parse_bool(value: &str, shown: &dyn Fn() -> String) -> Result<bool, ToolError> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(ToolError::usage(format!(
            "invalid value \"{value}\" for option {}: parse error",
            shown()
        ))),
    }
}

fn convert(
    spec: &FlagSpec,
    value: &str,
    shown: &dyn Fn() -> String,
    state: &JujuState,
) -> Result<FlagValue, ToolError> {
    let invalid = |why: &str| {
        ToolError::usage(format!(
            "invalid value \"{value}\" for option {}: {why}",
            shown()
        ))
    };
    Ok(match spec.kind {
        Kind::Rel => {
            let id: i64 = value
                .rsplit(':')
                .next()
                .map(str::trim)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| invalid("invalid relation id"))?;
            if state.relation(id).is_none() {
                return Err(invalid("relation not found"));
            }
            FlagValue::Rel(Some(id))
        }
        Kind::Storage => {
            // Juju's `-s` parser (worker/uniter/runner/jujuc/storage-id.go `Set`): a malformed
            // id is refused as such (`names.IsValidStorage`), an unknown one with the
            // controller's error for the unit's attachment (state/storage.go
            // `storageAttachment`: `errors.NotFoundf("storage attachment %s:%s", ...)`).
            // (juju-sim prints `storage "<id>" not found` instead; ops' Harness `storage not
            // found`.)
            if !valid_storage_id(value) {
                return Err(invalid(&format!("invalid storage ID \"{value}\"")));
            }
            if state.storage(value).is_none_or(|s| !s.attached) {
                return Err(invalid(&format!(
                    "storage attachment {value}:{} not found",
                    state.unit
                )));
            }
            FlagValue::Storage(Some(value.to_string()))
        }
        Kind::Int => FlagValue::Int(Some(
            value.trim().parse().map_err(|_| invalid("parse error"))?,
        )),
        Kind::Format => {
            if !matches!(value, "json" | "yaml" | "smart") {
                return Err(invalid(&format!("unknown format \"{value}\"")));
            }
            FlagValue::Str(value.to_string())
        }
        Kind::Str | Kind::Bool => FlagValue::Str(value.to_string()),
    })
}

/// `names.IsValidStorage` (juju/names storage.go): `^([a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*)/
/// (0|[1-9][0-9]*)$`, a storage name (words joined by `-`, each after the first holding a
/// letter), `/`, and an index without leading zeros.
fn valid_storage_id(id: &str) -> bool {
    let Some((name, index)) = id.split_once('/') else {
        return false;
    };
    let lower_or_digit = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let name_ok = name.split('-').enumerate().all(|(i, word)| {
        word.chars().all(lower_or_digit)
            && if i == 0 {
                word.starts_with(|c: char| c.is_ascii_lowercase())
            } else {
                word.chars().any(|c| c.is_ascii_lowercase())
            }
    });
    let index_ok = index == "0"
        || (index.starts_with(|c: char| ('1'..='9').contains(&c))
            && index.chars().all(|c| c.is_ascii_digit()));
    name_ok && index_ok
}

fn default_value(spec: &FlagSpec) -> FlagValue {
    match spec.kind {
        Kind::Bool => FlagValue::Bool(false),
        Kind::Str | Kind::Format => FlagValue::Str(spec.default.to_string()),
        Kind::Rel => FlagValue::Rel(None),
        Kind::Storage => FlagValue::Storage(None),
        Kind::Int => FlagValue::Int(None),
    }
}

/// Parse `argv` against `specs`.
pub(crate) fn parse_argv(
    specs: &[FlagSpec],
    argv: &[String],
    state: &JujuState,
) -> Result<Parsed, ToolError> {
    let mut flags = Flags {
        values: FlagMap(Vec::with_capacity(specs.len())),
    };
    for spec in specs {
        // The `format` flag's default is the tool's format: an explicit value overrides it below.
        let value = if spec.kind == Kind::Format {
            FlagValue::Str(String::new())
        } else {
            default_value(spec)
        };
        flags.values.insert(spec.key, value);
    }
    let mut positional = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        i += 1;
        if arg == "--" {
            positional.extend(argv[i..].iter().cloned());
            break;
        }
        // A lone `-` (or anything not starting with `-`) is positional.
        if arg.len() < 2 || !arg.starts_with('-') {
            positional.push(arg.clone());
            continue;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if name == "h" || name == "help" {
            return Ok(Parsed::Help);
        }
        let shown = || {
            format!(
                "{}{name}",
                if name.chars().count() == 1 { "-" } else { "--" }
            )
        };
        let Some(spec) = specs.iter().find(|s| s.names.contains(&name)) else {
            return Err(ToolError::usage(format!(
                "option provided but not defined: {}",
                shown()
            )));
        };
        if spec.kind == Kind::Bool {
            let b = match value {
                Some(v) => parse_bool(v, &shown)?,
                None => true,
            };
            flags.values.insert(spec.key, FlagValue::Bool(b));
            continue;
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => {
                let Some(v) = argv.get(i) else {
                    return Err(ToolError::usage(format!(
                        "option needs an argument: {}",
                        shown()
                    )));
                };
                i += 1;
                v.clone()
            }
        };
        let converted = convert(spec, &value, &shown, state)?;
        flags.values.insert(spec.key, converted);
    }
    Ok(Parsed::Args(flags, positional))
}

#[cfg(test)]
mod tests {
    use super::valid_storage_id;

    #[test]
    fn storage_ids_as_juju_names_accepts_them() {
        for ok in ["data/0", "data/12", "my-data/1", "a1-2b/3", "x-y-z/0"] {
            assert!(valid_storage_id(ok), "{ok}");
        }
        for bad in [
            "data", "data/", "/0", "Data/0", "1data/0", "data-/0", "data-1/0", "data/01",
            "data/-1", "da_ta/0", "data/0/1",
        ] {
            assert!(!valid_storage_id(bad), "{bad}");
        }
    }
}
