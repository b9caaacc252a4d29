//! Errors from hook-tool calls, mapped the way ops 2.1.1 maps them.
//!
//! ops raises `ModelError(stderr)` for any failing tool, `RelationNotFoundError` when the stderr of
//! a relation tool contains `relation not found`, `SecretNotFoundError` when the stderr of a secret
//! tool contains `not found`, and `ValueError`/`TypeError`/`ModelError` for arguments it rejects
//! before calling a tool. [`HookToolError`] carries the same distinctions, with enough context
//! (tool, argv, exit code, stderr) to debug a failure from the Juju debug log.
//!
//! Secret material never reaches an error: stdin (relation data, secret content, stored state) is
//! not kept at all, the `key=value` arguments of `secret-add`, `secret-set`, `action-set` and
//! `leader-set` are redacted to `key=<redacted>`, and the output of `secret-get`,
//! `credential-get` and `leader-get` is never kept in a [`HookToolError::Parse`].

use std::fmt;

use super::runner::RunError;

/// Placeholder that replaces redacted values.
pub const REDACTED: &str = "<redacted>";

/// Longest argument or output excerpt shown by `Display` (the fields keep everything).
const SHOWN_CHARS: usize = 200;

/// A failed hook-tool call, or arguments rejected before a call.
#[derive(Debug, thiserror::Error)]
pub enum HookToolError {
    /// The tool could not be run at all (e.g. it is not on `PATH`: [`RunError::NotFound`]).
    #[error(transparent)]
    Run(#[from] RunError),

    /// The tool ran and exited non-zero (ops: `ModelError(stderr)`).
    #[error("{}", show_failed(tool, args, *code, stderr))]
    Failed {
        /// The tool, e.g. `relation-get`.
        tool: String,
        /// Its arguments (secret values redacted, see the module docs).
        args: Vec<String>,
        /// Exit code (`None` when killed by a signal).
        code: Option<i32>,
        /// What it printed on stderr (e.g. `ERROR permission denied\n`).
        stderr: String,
    },

    /// The tool succeeded but its output could not be understood.
    #[error("{}", show_parse(tool, args, output, message))]
    Parse {
        /// The tool.
        tool: String,
        /// Its arguments (secret values redacted).
        args: Vec<String>,
        /// Its stdout ([`REDACTED`] for tools whose output is secret).
        output: String,
        /// What was wrong with it.
        message: String,
    },

    /// A relation tool reported `relation not found` (ops: `RelationNotFoundError`).
    #[error("{}", match id { Some(id) => format!("relation {id} not found"), None => "relation not found".to_string() })]
    RelationNotFound {
        /// The relation id asked for (`None` when the call named no relation, e.g. `network-get`
        /// without `-r`).
        id: Option<i64>,
    },

    /// A secret tool reported `not found` (ops: `SecretNotFoundError`).
    #[error("secret not found: {id_or_label}")]
    SecretNotFound {
        /// The secret id (or the label when no id was given).
        id_or_label: String,
    },

    /// `storage-get` reported that this unit has no such storage attached (Juju 3:
    /// `storage attachment <id>:<unit> not found`; ops raises a plain `ModelError`).
    #[error("storage {id} not found")]
    StorageNotFound {
        /// The storage instance asked for (`data/0`).
        id: String,
    },

    /// Arguments ops rejects before calling any tool (ops: `ValueError`, `TypeError`, `ModelError`),
    /// e.g. an invalid metric name, action result key or secret content key.
    #[error("{0}")]
    Invalid(String),

    /// The request needs a newer Juju (ops: `RuntimeError`), e.g. application relation data on
    /// Juju < 2.7.
    #[error("{0}")]
    Unsupported(String),

    /// Preparing the call failed locally (e.g. writing `pod-spec-set`'s temporary files).
    #[error("cannot prepare {tool} call: {source}")]
    Io {
        /// The tool the call was for.
        tool: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl HookToolError {
    /// The stderr of a [`HookToolError::Failed`] call, or `None` for other errors.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            HookToolError::Failed { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// Whether Juju said the relation does not exist ([`HookToolError::RelationNotFound`]).
    pub fn is_relation_not_found(&self) -> bool {
        matches!(self, HookToolError::RelationNotFound { .. })
    }

    /// Whether Juju said the secret does not exist or is not visible
    /// ([`HookToolError::SecretNotFound`]).
    pub fn is_secret_not_found(&self) -> bool {
        matches!(self, HookToolError::SecretNotFound { .. })
    }

    /// Whether Juju said the storage is not attached to this unit
    /// ([`HookToolError::StorageNotFound`]).
    pub fn is_storage_not_found(&self) -> bool {
        matches!(self, HookToolError::StorageNotFound { .. })
    }

    /// Whether this is [`HookToolError::Run`] with [`RunError::NotFound`] (tool missing from `PATH`).
    pub fn is_tool_missing(&self) -> bool {
        matches!(self, HookToolError::Run(RunError::NotFound(_)))
    }

    /// A [`HookToolError::Failed`] for `tool`, with `args` redacted as [`redact_args`] does.
    ///
    /// The stderr kept is at most [`KEPT_CHARS`] characters (a tool may print megabytes).
    pub fn failed(
        tool: &str,
        args: &[String],
        code: Option<i32>,
        stderr: impl Into<String>,
    ) -> Self {
        HookToolError::Failed {
            tool: tool.to_string(),
            args: redact_args(tool, args),
            code,
            stderr: excerpt(&stderr.into(), KEPT_CHARS),
        }
    }

    /// A [`HookToolError::Parse`] for `tool`, redacting `args` and, for tools whose output is
    /// secret ([`output_is_secret`]), the output.
    ///
    /// For those tools the message is also reduced to what is wrong and where (a JSON parser's
    /// message may quote the secret value it choked on). Otherwise the output and message kept are
    /// excerpts of at most [`KEPT_CHARS`] characters.
    pub fn parse(tool: &str, args: &[String], output: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let (output, message) = if output_is_secret(tool) {
            (REDACTED.to_string(), content_free(&message))
        } else {
            (excerpt(output, KEPT_CHARS), excerpt(&message, KEPT_CHARS))
        };
        HookToolError::Parse {
            tool: tool.to_string(),
            args: redact_args(tool, args),
            output,
            message,
        }
    }
}

/// Whether a tool's stdout may hold secret material and must not be kept in errors.
pub fn output_is_secret(tool: &str) -> bool {
    matches!(tool, "secret-get" | "credential-get" | "leader-get")
}

/// `args` as they may be shown: for `secret-add`/`secret-set` (content), `action-set` (results may
/// hold passwords) and `leader-set` (legacy charms keep passwords there), every `key=value`
/// argument becomes `key=<redacted>`. Values
/// of the secret tools' options (`--label x`, `--expire x`...) and the secret id are kept.
pub fn redact_args(tool: &str, args: &[String]) -> Vec<String> {
    match tool {
        "secret-add" | "secret-set" => {
            let mut out = Vec::with_capacity(args.len());
            let mut takes_value = false;
            let mut positional = 0usize;
            for arg in args {
                if takes_value {
                    out.push(arg.clone());
                    takes_value = false;
                    continue;
                }
                if arg.starts_with("--") && !arg.contains('=') {
                    takes_value = matches!(
                        arg.as_str(),
                        "--label"
                            | "--description"
                            | "--expire"
                            | "--rotate"
                            | "--owner"
                            | "--file"
                    );
                    out.push(arg.clone());
                    continue;
                }
                positional += 1;
                if tool == "secret-set" && positional == 1 && !arg.contains('=') {
                    out.push(arg.clone()); // the secret id
                } else {
                    out.push(redact_kv(arg));
                }
            }
            out
        }
        "action-set" | "leader-set" => args.iter().map(|a| redact_kv(a)).collect(),
        _ => args.to_vec(),
    }
}

fn redact_kv(arg: &str) -> String {
    match arg.split_once('=') {
        Some((key, _)) => format!("{key}={REDACTED}"),
        None => REDACTED.to_string(),
    }
}

/// The most characters of a tool's output or stderr (or of a parser's message) an error keeps.
pub const KEPT_CHARS: usize = 4096;

/// `text` cut to its first `max_chars` characters, saying how many more there were.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some((end, _)) => {
            let more = text[end..].chars().count();
            format!("{}…[{more} more chars]", &text[..end])
        }
    }
}

fn shorten(text: &str) -> String {
    excerpt(text, SHOWN_CHARS)
}

/// What a parser's `message` says about secret output, without any of its content: the kind of
/// problem and, when the message ends with one, serde_json's position (`at line L column C`).
fn content_free(message: &str) -> String {
    // serde_json's syntax errors (what `invalid JSON: ...` carries) are fixed texts ("EOF while
    // parsing a value", "trailing characters"...) and a position: they quote nothing.
    if message.starts_with("invalid JSON") {
        return message.to_string();
    }
    let kind = "output of an unexpected shape";
    let position = message
        .rfind(" at line ")
        .map(|i| &message[i..])
        .filter(|tail| {
            let words: Vec<&str> = tail.split_whitespace().collect();
            matches!(words.as_slice(), ["at", "line", l, "column", c]
            if l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit()))
        });
    format!(
        "{kind}{} (content not shown: it may be secret)",
        position.unwrap_or("")
    )
}

struct Argv<'a>(&'a str, &'a [String]);

impl fmt::Display for Argv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        for arg in self.1 {
            let shown = shorten(arg);
            if !shown.is_empty()
                && !shown.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            {
                write!(f, " {shown}")?;
            } else {
                write!(f, " {shown:?}")?;
            }
        }
        Ok(())
    }
}

fn show_failed(tool: &str, args: &[String], code: Option<i32>, stderr: &str) -> String {
    let status = match code {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    };
    let stderr = stderr.trim_end();
    if stderr.is_empty() {
        format!("hook tool `{}` failed ({status})", Argv(tool, args))
    } else {
        format!(
            "hook tool `{}` failed ({status}): {}",
            Argv(tool, args),
            shorten(stderr)
        )
    }
}

fn show_parse(tool: &str, args: &[String], output: &str, message: &str) -> String {
    format!(
        "cannot parse the output of hook tool `{}`: {message} (output: {:?})",
        Argv(tool, args),
        shorten(output)
    )
}

/// Result of a hook-tool call.
pub type Result<T, E = HookToolError> = std::result::Result<T, E>;
