//! Upgrading a unit in place from a Python ops charm to its Rust rewrite, keeping its state.
//!
//! A unit that ran a Python ops charm has its state in `.unit-state.db`, an SQLite file: snapshots
//! pickled by handle path (the charm's `StoredStateData[_stored]`, the framework's event counter,
//! deferred events' arguments) and a `notice` table of deferred events. ops for Rust keeps a sled
//! directory at that path. When the first Rust hook finds no state of its own, the runtime:
//!
//! 1. renames the SQLite file to `.unit-state.db.python-ops` ([`PYTHON_BACKUP`], mode 0600; the
//!    directory is fsynced), freeing the path, together with its `-journal`/`-wal`/`-shm` files
//!    (moved first: SQLite finds them by name); the files are kept, never written. Only a regular
//!    file is considered: a symbolic link or a FIFO at the path is never opened;
//! 2. reads it with the unit's `python3` (`python3 -I -c <reader> <file> ...`, by argv): a reader
//!    that refuses to unpickle anything but plain data (no class is ever loaded), reads a private
//!    copy of the database and its journal (so an interrupted Python transaction is rolled back as
//!    SQLite would), and prints JSON. It runs within [`ReaderLimits`]: memory and CPU time (set by
//!    the reader itself with `setrlimit`), wall-clock time and output size (enforced from Rust, which
//!    kills it); a state that breaks them fails the hook with [`MigrationError::Read`];
//! 3. converts it ([`convert`]): the charm-level stored state (every `<Charm>/StoredStateData[..]`,
//!    merged) becomes the charm's stored state (decoded by the charm's own `serde` type, so a
//!    field it retyped fails the hook with a clear error, and so does a field it does not declare
//!    ([`check_fields_kept`]), rather than losing data), the
//!    framework's `event_count` the event counter, and each deferred Juju event a deferred notice
//!    for the Rust handler of that event (the one named as the Python method without its leading
//!    `_`, else every handler of the event: they replace the Python observer that deferred);
//! 4. hands the result to the hook as if it had been loaded, and writes it with the hook's own
//!    commit, together with the key [`MIGRATED_KEY`]: atomically, and only if the hook succeeds.
//!
//! A hook that fails (or a missing `python3`, or unreadable data) commits nothing: the next hook
//! migrates again from the kept file. After the first successful commit the state is the Rust
//! charm's and the file is not read again.
//!
//! A charm that kept its state on the controller (`use_juju_for_storage`, `state-get`/`state-set`)
//! is migrated the same way from there ([`from_controller`]): the controller store reports entries
//! without its schema key as Python ops' ([`Store::written_by_python_ops`]); they are YAML
//! documents, read in Rust. Python ops' own entries stay on the controller, except `#notices#`,
//! which the migration replaces.
//!
//! Not migrated: deferred custom events and events the Rust charm does not define (dropped with a
//! warning, as ops drops a notice whose observer is gone), and stored state of objects other than
//! the charm (a library's, for example: kept in the backup file, or on the controller, only).
//!
//! [`Store::written_by_python_ops`]: crate::storage::Store::written_by_python_ops

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::charm::Handler;
use crate::dispatch::{Notice, EVENT_COUNT_KEY, NOTICES_KEY};
use crate::events::{EventSnapshot, SecretRef};
use crate::hooktools::runner::run_command;
use crate::hooktools::RunError;
use crate::storage::Changes;
use ops_metadata::{CharmMeta, EventKind};

/// Where the Python ops database is kept once set aside, next to `.unit-state.db`.
pub const PYTHON_BACKUP: &str = ".unit-state.db.python-ops";
/// The store key recording that the unit's state was migrated (its value: `python-ops`).
pub const MIGRATED_KEY: &str = "#migrated-from#";

/// The interpreter that reads a Python ops database (found on `PATH`).
pub const PYTHON: &str = "python3";

/// The first 16 bytes of an SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Why a Python ops state could not be migrated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// Setting the SQLite file aside failed.
    #[error("cannot move the Python ops database {from} to {to}: {source}")]
    SetAside {
        /// The database.
        from: PathBuf,
        /// Where it was to go.
        to: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The Python interpreter could not be run.
    #[error(
        "the unit's state is a Python ops database ({db}); reading it needs {program}: {source}"
    )]
    Interpreter {
        /// The database.
        db: PathBuf,
        /// The interpreter tried.
        program: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The reader failed (not an ops database, data that is not plain, a float that JSON cannot
    /// hold...).
    #[error("cannot read the Python ops database {db}: {message}")]
    Read {
        /// The database.
        db: PathBuf,
        /// What the reader said.
        message: String,
    },
    /// The state does not fit the Rust charm.
    #[error("cannot migrate the Python ops state: {0}")]
    Convert(String),
}

/// The state of a Python ops unit: snapshots by handle path, and the deferred-event notices
/// (event path, observer path, method name) in order.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct PythonState {
    /// Unpickled snapshots, as JSON.
    pub snapshots: BTreeMap<String, Value>,
    /// The `notice` table, in sequence order.
    pub notices: Vec<(String, String, String)>,
}

/// What the Rust charm needs from a migration.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The charm type's name: the first element of its handle paths.
    pub type_name: &'static str,
    /// The key of its stored state.
    pub key: &'static str,
    /// Whether it stores any state.
    pub stateful: bool,
    /// Its handlers.
    pub handlers: &'static [Handler],
    /// Its metadata.
    pub meta: &'static CharmMeta,
}

/// The reader run with `python3 -I -c`: plain data only (the pickles of ops' snapshots are dicts,
/// lists, sets, strings, numbers, bytes, `None`), never a class.
///
/// It first bounds itself (`resource.setrlimit`: address space, CPU time, no core file; the limits
/// are its arguments 2 and 3), then reads a private copy of the database and its `-journal` /
/// `-wal` files (so SQLite rolls back an interrupted transaction, or replays its WAL, as it would
/// on the original, while the backup itself is never written), opened as a path, never as a URI.
const READER: &str = r#"
import io, json, os, pickle, resource, shutil, sqlite3, sys, tempfile

def limit(which, value):
    try:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError) as e:
        sys.stderr.write("cannot limit the reader: %s\n" % e)
        sys.exit(1)

limit(resource.RLIMIT_AS, int(sys.argv[2]))
limit(resource.RLIMIT_CPU, int(sys.argv[3]))
limit(resource.RLIMIT_CORE, 0)

class PlainData(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError("refusing to load %s.%s: not plain data" % (module, name))

def plain(value):
    if isinstance(value, (set, frozenset)):
        items = list(value)
        try:
            items.sort()
        except TypeError:
            pass
        return items
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    raise TypeError("cannot convert %r to JSON" % type(value).__name__)

def check_size(value, budget):
    # Count the values as JSON would expand them (shared and cyclic structures included) before
    # encoding anything: a tiny pickle can describe an enormous document.
    stack = [value]
    while stack:
        item = stack.pop()
        budget -= 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, (str, bytes, bytearray)):
            budget -= len(item) // 16
        if budget < 0:
            raise ValueError("the state is larger than the reader's output limit once expanded")
    return budget

try:
    max_output = int(sys.argv[4])
    budget = max(max_output // 8, 1)
    with tempfile.TemporaryDirectory() as work:
        copy = os.path.join(work, "state.db")
        for suffix in ("", "-journal", "-wal"):
            try:
                shutil.copyfile(sys.argv[1] + suffix, copy + suffix)
            except FileNotFoundError:
                if not suffix:
                    raise
        db = sqlite3.connect(copy)
        snapshots = {}
        for handle, data in db.execute("SELECT handle, data FROM snapshot"):
            snapshots[handle] = PlainData(io.BytesIO(data)).load()
            budget = check_size(snapshots[handle], budget)
        try:
            notices = db.execute(
                "SELECT event_path, observer_path, method_name FROM notice ORDER BY sequence"
            ).fetchall()
        except sqlite3.OperationalError:
            notices = []
        db.close()
    text = json.dumps({"snapshots": snapshots, "notices": notices}, default=plain,
                      allow_nan=False)
    if len(text) > max_output:
        raise ValueError("the state is larger than the reader's output limit")
    sys.stdout.write(text)
except MemoryError:
    sys.stderr.write("MemoryError: the state needs more memory than the reader's limit\n")
    sys.exit(1)
except RecursionError:
    sys.stderr.write("RecursionError: the state is nested too deeply\n")
    sys.exit(1)
except Exception as e:
    sys.stderr.write("%s: %s\n" % (type(e).__name__, str(e)[:500]))
    sys.exit(1)
"#;

/// Bounds on the Python reader of [`read_python_state_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Address space (`RLIMIT_AS`, set by the reader itself). Default 1 GiB.
    pub memory_bytes: u64,
    /// CPU time (`RLIMIT_CPU`, set by the reader itself). Default 60 s.
    pub cpu_seconds: u64,
    /// Wall-clock time, after which the reader is killed. Default 120 s.
    pub wall_clock: Duration,
    /// The most JSON the reader may print; it is killed when it prints more. The reader also
    /// refuses, before encoding anything, a state that expands to more than one value per 8 bytes
    /// of this (a tiny pickle can describe a huge document). Default 64 MiB.
    pub output_bytes: usize,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        ReaderLimits {
            memory_bytes: 1 << 30,
            cpu_seconds: 60,
            wall_clock: Duration::from_secs(120),
            output_bytes: 64 << 20,
        }
    }
}

/// The suffixes of the files SQLite keeps next to a database, associated with it by name.
const SQLITE_COMPANIONS: [&str; 3] = ["-journal", "-wal", "-shm"];

/// Whether `path` is an SQLite database file (what Python ops keeps at `.unit-state.db`).
///
/// Only a regular file qualifies: a symbolic link is not followed and a FIFO is not opened for
/// reading (which would block the hook until a writer comes).
pub fn is_python_state(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 16];
    crate::storage::private::open_private(path, crate::storage::private::Create::No)
        .is_ok_and(|mut f| f.read_exact(&mut magic).is_ok() && &magic == SQLITE_MAGIC)
}

/// The backup path of the database at `state_path` (`.unit-state.db` → `.unit-state.db.python-ops`).
pub fn backup_path(state_path: &Path) -> PathBuf {
    state_path.with_file_name(PYTHON_BACKUP)
}

/// Step 1: if `state_path` is a Python ops database, rename it to its backup path, durably, with its
/// `-journal`, `-wal` and `-shm` files (moved first: SQLite finds them by the database's name, and a
/// hot journal separated from its database would leave it malformed).
/// Returns the backup path when there is one (set aside now or by an earlier hook).
pub fn set_aside(state_path: &Path) -> Result<Option<PathBuf>, MigrationError> {
    let backup = backup_path(state_path);
    if is_python_state(state_path) {
        let companion = |path: &Path, suffix: &str| {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        let moved = SQLITE_COMPANIONS
            .iter()
            .try_for_each(|suffix| {
                let from = companion(state_path, suffix);
                match std::fs::symlink_metadata(&from) {
                    Ok(meta) if meta.is_file() => {
                        std::fs::set_permissions(&from, std::fs::Permissions::from_mode(0o600))?;
                        std::fs::rename(&from, companion(&backup, suffix))
                    }
                    _ => Ok(()),
                }
            })
            // The unit's state is private to it (Python ops left the file as its umask made it).
            .and_then(|()| {
                std::fs::set_permissions(state_path, std::fs::Permissions::from_mode(0o600))
            })
            .and_then(|()| std::fs::rename(state_path, &backup))
            .and_then(|()| match state_path.parent() {
                Some(dir) => std::fs::File::open(dir).and_then(|d| d.sync_all()),
                None => Ok(()),
            });
        moved.map_err(|source| MigrationError::SetAside {
            from: state_path.to_path_buf(),
            to: backup.clone(),
            source,
        })?;
        log::info!(
            "Migrating the unit's Python ops state: {} moved to {}.",
            state_path.display(),
            backup.display()
        );
    }
    let kept = std::fs::symlink_metadata(&backup).is_ok_and(|m| m.is_file());
    Ok(kept.then_some(backup))
}

/// Step 2: read the Python ops database `db` with the interpreter `program` (`python3`), within
/// the default [`ReaderLimits`].
pub fn read_python_state(program: &str, db: &Path) -> Result<PythonState, MigrationError> {
    read_python_state_with(program, db, &ReaderLimits::default())
}

/// Step 2 within `limits`: a reader that needs more memory, CPU or wall-clock time, or prints more,
/// fails with [`MigrationError::Read`] (nothing is committed; the backup is kept).
pub fn read_python_state_with(
    program: &str,
    db: &Path,
    limits: &ReaderLimits,
) -> Result<PythonState, MigrationError> {
    let mut cmd = Command::new(program);
    cmd.arg("-I")
        .arg("-c")
        .arg(READER)
        .arg(db)
        .arg(limits.memory_bytes.to_string())
        .arg(limits.cpu_seconds.max(1).to_string())
        .arg(limits.output_bytes.to_string());
    let read_error = |message: String| MigrationError::Read {
        db: db.to_path_buf(),
        message,
    };
    let out = match run_command(
        program,
        cmd,
        None,
        Some(limits.wall_clock),
        Some(limits.output_bytes),
    ) {
        Ok(out) => out,
        Err(RunError::NotFound(_)) => {
            return Err(MigrationError::Interpreter {
                db: db.to_path_buf(),
                program: program.to_string(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
        }
        Err(RunError::Io { source, .. }) => {
            return Err(MigrationError::Interpreter {
                db: db.to_path_buf(),
                program: program.to_string(),
                source,
            })
        }
        Err(e @ RunError::TimedOut { .. }) => {
            return Err(read_error(format!("{e} (wall-clock limit)")))
        }
        Err(e @ RunError::OutputTooLarge { .. }) => {
            return Err(read_error(format!("{e} (output limit)")))
        }
    };
    if !out.success() {
        let mut message = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if out.code.is_none() {
            message.push_str(" (killed by a signal: out of its CPU-time or memory limit)");
        }
        message.truncate(message.floor_char_boundary_compat(2000));
        return Err(read_error(message));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| read_error(format!("unexpected output: {e}")))
}

/// `str::floor_char_boundary` (unstable) for the crate's MSRV.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for String {
    fn floor_char_boundary_compat(&self, index: usize) -> usize {
        let mut i = index.min(self.len());
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// Step 2, for state Python ops kept on the controller (`use_juju_for_storage`): its entries as
/// `state-get` returns them, each a YAML document (ops' `_SimpleDumper`: plain data, tuples tagged
/// `!!python/tuple`), the notices under `#notices#`.
pub fn from_controller(entries: &BTreeMap<String, Vec<u8>>) -> Result<PythonState, MigrationError> {
    let bad = |key: &str, why: String| {
        MigrationError::Convert(format!("controller entry {key:?}: {why}"))
    };
    let mut state = PythonState::default();
    for (key, bytes) in entries {
        let text = std::str::from_utf8(bytes).map_err(|_| bad(key, "not UTF-8".into()))?;
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| bad(key, format!("not YAML: {e}")))?;
        let value = yaml_to_json(yaml).map_err(|why| bad(key, why))?;
        if key == NOTICES_KEY {
            state.notices = serde_json::from_value(value)
                .map_err(|e| bad(key, format!("not a list of notices: {e}")))?;
        } else {
            state.snapshots.insert(key.clone(), value);
        }
    }
    Ok(state)
}

/// Plain YAML data as JSON: tags dropped (a `!!python/tuple` is a list), mapping keys as strings.
fn yaml_to_json(yaml: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{f} cannot be stored as JSON"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match yaml_to_json(k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// Step 3: the store entries of `target` that `state` amounts to, with [`MIGRATED_KEY`], and the
/// warnings for what was left out.
pub fn convert(
    state: &PythonState,
    target: &Target,
) -> Result<(Changes, Vec<String>), MigrationError> {
    let mut changes = Changes::new();
    let mut warnings = Vec::new();

    // The charm-level stored state: `<Charm>/StoredStateData[<attr>]`, one object per attribute.
    let mut stored = Map::new();
    let mut charm_class = None;
    for (handle, value) in &state.snapshots {
        let Some((parent, rest)) = handle.split_once('/') else {
            continue;
        };
        if !rest.starts_with("StoredStateData[") {
            if rest.contains("/StoredStateData[") {
                warnings.push(format!(
                    "stored state {handle} is not the charm's: kept in the backup only"
                ));
            }
            continue;
        }
        charm_class = Some(parent.to_string());
        let Value::Object(fields) = value else {
            return Err(MigrationError::Convert(format!(
                "{handle} is not a mapping"
            )));
        };
        for (k, v) in fields {
            if stored.insert(k.clone(), v.clone()).is_some() {
                return Err(MigrationError::Convert(format!(
                    "stored state field {k:?} is set by more than one StoredState of the charm"
                )));
            }
        }
    }
    if !stored.is_empty() {
        if target.stateful {
            let bytes = serde_json::to_vec(&Value::Object(stored))
                .map_err(|e| MigrationError::Convert(e.to_string()))?;
            changes.insert(target.key.to_string(), Some(bytes));
        } else {
            warnings.push(format!(
                "the Rust charm {} stores no state: the Python charm's stored state is kept in the backup only",
                target.type_name
            ));
        }
    }

    // The framework's event counter: `StoredStateData[_stored]` → {"event_count": n}.
    if let Some(n) = state
        .snapshots
        .get("StoredStateData[_stored]")
        .and_then(|v| v.get("event_count"))
        .and_then(Value::as_u64)
    {
        changes.insert(
            EVENT_COUNT_KEY.to_string(),
            Some(n.to_string().into_bytes()),
        );
    }

    // Deferred events.
    let mut notices: Vec<Notice> = Vec::new();
    for (event_path, _observer, method) in &state.notices {
        match convert_notice(state, target, charm_class.as_deref(), event_path, method) {
            Ok(converted) => {
                for n in converted {
                    if !notices
                        .iter()
                        .any(|m| m.path == n.path && m.method == n.method)
                    {
                        notices.push(n);
                    }
                }
            }
            Err(why) => warnings.push(format!("deferred event {event_path} dropped: {why}")),
        }
    }
    // Always written: on the controller it replaces Python ops' own `#notices#` entry.
    let bytes = serde_json::to_vec(&notices).map_err(|e| MigrationError::Convert(e.to_string()))?;
    changes.insert(NOTICES_KEY.to_string(), Some(bytes));
    changes.insert(MIGRATED_KEY.to_string(), Some(b"python-ops".to_vec()));
    Ok((changes, warnings))
}

/// Check that decoding the migrated stored state `migrated` into the Rust charm `type_name` and
/// encoding it again (`reencoded`) kept every field: a field the Rust type does not declare (renamed,
/// or forgotten) fails the hook with [`MigrationError::Convert`] naming it, instead of being
/// dropped silently. The backup keeps the data; the hook commits nothing.
pub fn check_fields_kept(
    migrated: &[u8],
    reencoded: &[u8],
    type_name: &str,
) -> Result<(), MigrationError> {
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) = (
        serde_json::from_slice::<Value>(migrated),
        serde_json::from_slice::<Value>(reencoded),
    ) else {
        return Ok(()); // not a struct-like state: serde's own decoding is the check
    };
    let dropped: Vec<&str> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .map(String::as_str)
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    Err(MigrationError::Convert(format!(
        "the Python charm's stored state has field(s) {} that {type_name} does not declare: they \
         would be lost (declare them, or rename them with #[serde(alias = ...)])",
        dropped
            .iter()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// One Python notice as the Rust charm's notices (one per handler it goes to).
fn convert_notice(
    state: &PythonState,
    target: &Target,
    charm_class: Option<&str>,
    event_path: &str,
    method: &str,
) -> Result<Vec<Notice>, String> {
    // `CounterCharm/on/config_changed[4]`: the charm's own events only.
    let (owner, rest) = event_path
        .split_once("/on/")
        .ok_or("not an event of the charm")?;
    if owner.contains('/') || charm_class.is_some_and(|c| c != owner) {
        return Err("not an event of the charm".into());
    }
    let (name, index) = rest
        .strip_suffix(']')
        .and_then(|r| r.split_once('['))
        .ok_or("not an event path")?;
    let meta = target.meta.event(name).ok_or_else(|| {
        format!("the Rust charm has no event {name} (custom events are not migrated)")
    })?;
    if meta.kind == EventKind::Action {
        return Err("actions are never deferred".into());
    }
    let data = state
        .snapshots
        .get(event_path)
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let event = snapshot(name, meta.kind, meta.source, &data)?;
    let handlers: Vec<&Handler> = target.handlers.iter().filter(|h| h.event == name).collect();
    let named = handlers
        .iter()
        .find(|h| h.method == method.trim_start_matches('_'));
    let chosen: Vec<&Handler> = match named {
        Some(h) => vec![*h],
        None => handlers,
    };
    if chosen.is_empty() {
        return Err(format!("the Rust charm has no handler for {name}"));
    }
    Ok(chosen
        .into_iter()
        .map(|h| Notice {
            path: format!("{}/on/{name}[{index}]", target.type_name),
            method: h.method.to_string(),
            event: event.clone(),
        })
        .collect())
}

/// The Rust event snapshot of a Python one (the keys of ops 2.1.1's `snapshot()` methods).
fn snapshot(
    name: &str,
    kind: EventKind,
    source: Option<String>,
    data: &Value,
) -> Result<EventSnapshot, String> {
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
    let mut snap = EventSnapshot::new(name, kind);
    match kind {
        EventKind::RelationCreated
        | EventKind::RelationJoined
        | EventKind::RelationChanged
        | EventKind::RelationDeparted
        | EventKind::RelationBroken => {
            let id = data
                .get("relation_id")
                .and_then(Value::as_i64)
                .ok_or("no relation_id")?;
            let rel = text("relation_name").or(source).ok_or("no relation_name")?;
            snap.relation = Some((rel, id));
            snap.app = text("app_name");
            snap.unit = text("unit_name");
            snap.departing_unit = text("departing_unit");
        }
        EventKind::StorageAttached | EventKind::StorageDetaching => {
            let storage = text("storage_name").or(source).ok_or("no storage_name")?;
            let index = data
                .get("storage_index")
                .and_then(Value::as_u64)
                .and_then(|i| u32::try_from(i).ok())
                .ok_or("no storage_index")?;
            snap.storage = Some((storage, index, text("storage_location").map(PathBuf::from)));
        }
        EventKind::PebbleReady => {
            snap.workload = Some(
                text("container_name")
                    .or(source)
                    .ok_or("no container_name")?,
            );
        }
        EventKind::SecretChanged
        | EventKind::SecretRotate
        | EventKind::SecretRemove
        | EventKind::SecretExpired => {
            snap.secret = Some(SecretRef {
                id: text("id").ok_or("no secret id")?,
                label: text("label"),
                revision: data.get("revision").and_then(Value::as_u64),
            });
        }
        _ => {}
    }
    Ok(snap)
}
