//! Running the built test charm as Juju would, with fake hook tools on `PATH` (ops' `fake_script`
//! technique): each fake tool is a `#!/bin/sh` script that appends its name and arguments to a
//! calls file (`name RS arg1 RS arg2 … FS`, RS = 0x1E, FS = 0x1C) and then runs its body.

#![allow(dead_code, missing_docs)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ops_core::dispatch::{Notice, EVENT_COUNT_KEY, NOTICES_KEY, STATE_FILE};
use ops_core::storage::{SledStore, Store};
use ops_core::StoredState as _;
use ops_test_charm::TestCharm;
use serde_json::Value;

/// The charm binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_test-charm");
/// The unit the charm runs as.
pub const UNIT: &str = "test-charm/0";
/// As a value in `extra` environment: remove the variable from the base environment.
pub const UNSET: &str = "\0unset";

/// A charm directory with the charm as its `dispatch`, and a directory of fake hook tools.
pub struct Charm {
    _tmp: tempfile::TempDir,
    /// The charm directory (`JUJU_CHARM_DIR`).
    pub dir: PathBuf,
    /// The fake tools (first on `PATH`).
    pub bin: PathBuf,
    /// Where the fake tools record their calls.
    pub calls_file: PathBuf,
    /// The base environment of every hook.
    pub env: BTreeMap<String, String>,
}

/// How a hook ended.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn from_output(out: Output) -> Self {
        Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics (with stderr) unless the hook exited 0.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, Some(0), "hook failed; stderr:\n{}", self.stderr);
        self
    }
}

/// The unit's state as committed: the charm's stored state, the deferred notices, the counter.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub charm: Option<Value>,
    pub notices: Vec<Notice>,
    pub event_count: Option<u64>,
    pub raw: BTreeMap<String, Vec<u8>>,
}

impl State {
    /// `handled` of the stored state (0 when nothing is stored).
    pub fn handled(&self) -> u64 {
        self.charm
            .as_ref()
            .and_then(|c| c["handled"].as_u64())
            .unwrap_or(0)
    }

    /// The stored per-event counts.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.charm
            .as_ref()
            .and_then(|c| serde_json::from_value(c["counts"].clone()).ok())
            .unwrap_or_default()
    }

    /// (event name, handler) of each deferred notice, in order.
    pub fn deferred(&self) -> Vec<(String, String)> {
        self.notices
            .iter()
            .map(|n| (n.event.name.clone(), n.method.clone()))
            .collect()
    }
}

/// Default fake tools: (name, body).
const DEFAULT_TOOLS: &[(&str, &str)] = &[
    ("juju-log", ""),
    ("is-leader", "echo true"),
    (
        "status-get",
        r#"echo '{"message": "", "status": "unknown", "status-data": {}}'"#,
    ),
    ("status-set", ""),
    ("config-get", r#"echo '{"greeting": "hello"}'"#),
    ("action-get", "echo '{}'"),
    ("action-set", ""),
    ("action-log", ""),
    ("action-fail", ""),
    ("add-metric", ""),
    ("relation-ids", "echo '[]'"),
    ("relation-list", "echo '[]'"),
    ("relation-get", "echo '{}'"),
    ("relation-set", "cat > /dev/null"),
    ("storage-get", r#"echo '"/srv/data/0"'"#),
    ("storage-list", r#"echo '["data/0"]'"#),
    ("secret-get", r#"echo '{"key": "value"}'"#),
    ("application-version-set", ""),
];

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Charm {
    /// A fresh charm directory: `dispatch` is the built charm (hard-linked), the fake tools are the
    /// defaults, the environment is that of a dispatch-aware Juju 3.1.6.
    pub fn new() -> Charm {
        let tmp = tempfile::Builder::new()
            .prefix("test-charm-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir");
        let dir = tmp.path().join("charm");
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&dir).expect("charm dir");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let dispatch = dir.join("dispatch");
        if std::fs::hard_link(BINARY, &dispatch).is_err() {
            std::fs::copy(BINARY, &dispatch).expect("copy the charm binary");
        }
        let calls_file = tmp.path().join("calls");
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("JUJU_UNIT_NAME", UNIT),
            ("JUJU_MODEL_NAME", "test-model"),
            ("JUJU_MODEL_UUID", "d4c5c2f1-0000-4000-8000-000000000000"),
            ("JUJU_VERSION", "3.1.6"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
        env.insert("JUJU_CHARM_DIR".into(), dir.to_string_lossy().into_owned());
        env.insert(
            "PATH".into(),
            format!("{}:/usr/bin:/bin", bin.to_string_lossy()),
        );
        let charm = Charm {
            _tmp: tmp,
            dir,
            bin,
            calls_file,
            env,
        };
        for (name, body) in DEFAULT_TOOLS {
            charm.fake(name, body);
        }
        charm
    }

    /// Write fake tool `name`: it records its call, then runs `body` (shell).
    pub fn fake(&self, name: &str, body: &str) {
        let script = format!(
            "#!/bin/sh\n{{ printf '%s' {name}; for a in \"$@\"; do printf '\\036%s' \"$a\"; done; printf '\\034'; }} >> {calls}\n{body}\n",
            name = shell_quote(name),
            calls = shell_quote(&self.calls_file.to_string_lossy()),
        );
        let path = self.bin.join(name);
        let tmp = self.bin.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, script).expect("write fake tool");
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::rename(&tmp, &path).expect("install fake tool");
    }

    /// Remove fake tool `name` from `PATH`.
    pub fn remove_tool(&self, name: &str) {
        std::fs::remove_file(self.bin.join(name)).expect("remove fake tool");
    }

    /// Write `behaviour.json`: event name (or `*`) → steps.
    pub fn behaviour(&self, table: Value) {
        std::fs::write(
            self.dir.join(ops_test_charm::BEHAVIOUR_FILE),
            serde_json::to_vec(&table).expect("json"),
        )
        .expect("write behaviour");
    }

    /// The command running `dispatch` for `dispatch_path` (`hooks/install`, `actions/foo-bar`)
    /// with exactly the base environment plus `extra` (the value [`UNSET`] removes a variable).
    pub fn command(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> Command {
        let mut env = self.env.clone();
        if !dispatch_path.is_empty() {
            env.insert("JUJU_DISPATCH_PATH".into(), dispatch_path.into());
            if let Some(action) = dispatch_path.strip_prefix("actions/") {
                env.insert("JUJU_ACTION_NAME".into(), action.into());
            }
        }
        for (k, v) in extra {
            if *v == UNSET {
                env.remove(*k);
            } else {
                env.insert(k.to_string(), v.to_string());
            }
        }
        self.command_with_env(&self.dir.join("dispatch"), env)
    }

    /// The command running `program` with exactly `env`, from the charm directory.
    pub fn command_with_env(&self, program: &Path, env: BTreeMap<String, String>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(env)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run one hook and wait for it.
    pub fn run(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> Outcome {
        let out = self
            .command(dispatch_path, extra)
            .output()
            .expect("run the charm");
        Outcome::from_output(out)
    }

    /// Run `program` with exactly `env` and wait for it.
    pub fn run_program(&self, program: &Path, env: BTreeMap<String, String>) -> Outcome {
        let out = self
            .command_with_env(program, env)
            .output()
            .expect("run the charm");
        Outcome::from_output(out)
    }

    /// Every hook-tool call so far (argv, tool first).
    pub fn calls(&self) -> Vec<Vec<String>> {
        let raw = match std::fs::read(&self.calls_file) {
            Ok(r) => r,
            Err(_) => return Vec::new(),
        };
        let text = String::from_utf8_lossy(&raw);
        text.split('\u{1c}')
            .filter(|c| !c.is_empty())
            .map(|c| c.split('\u{1e}').map(str::to_string).collect())
            .collect()
    }

    /// Every hook-tool call so far, forgetting them.
    pub fn take_calls(&self) -> Vec<Vec<String>> {
        let calls = self.calls();
        let _ = std::fs::remove_file(&self.calls_file);
        calls
    }

    /// The calls of `tool` so far.
    pub fn calls_of(&self, tool: &str) -> Vec<Vec<String>> {
        self.calls().into_iter().filter(|c| c[0] == tool).collect()
    }

    /// The messages logged at `level` through `juju-log` so far.
    pub fn logs(&self, level: &str) -> Vec<String> {
        self.calls_of("juju-log")
            .into_iter()
            .filter(|c| c.len() == 5 && c[1] == "--log-level" && c[2] == level && c[3] == "--")
            .map(|c| c[4].clone())
            .collect()
    }

    /// What the handlers recorded so far, one JSON value per handler run.
    pub fn observed(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.dir.join(ops_test_charm::OBSERVED_FILE))
            .unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// The event names the handlers recorded so far, in order.
    pub fn observed_events(&self) -> Vec<String> {
        self.observed()
            .iter()
            .map(|o| o["event"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Forget what the handlers recorded.
    pub fn clear_observed(&self) {
        let _ = std::fs::remove_file(self.dir.join(ops_test_charm::OBSERVED_FILE));
    }

    /// The database path.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// The committed state, read from the unit database (`None` when it was never created; the
    /// database is not created by reading).
    pub fn state(&self) -> Option<State> {
        let path = self.db_path();
        if !SledStore::exists(&path) {
            return None;
        }
        let raw = SledStore::open(&path)
            .and_then(|mut s| s.load_all())
            .expect("read the unit database");
        Some(decode_state(raw))
    }
}

/// Decode the stored entries of the unit database.
pub fn decode_state(raw: BTreeMap<String, Vec<u8>>) -> State {
    let charm = raw
        .get(TestCharm::KEY)
        .map(|b| serde_json::from_slice(b).expect("charm state is JSON"));
    let notices = raw
        .get(NOTICES_KEY)
        .map(|b| serde_json::from_slice(b).expect("notices are JSON"))
        .unwrap_or_default();
    let event_count = raw.get(EVENT_COUNT_KEY).map(|b| {
        std::str::from_utf8(b)
            .expect("utf-8")
            .parse()
            .expect("a counter")
    });
    State {
        charm,
        notices,
        event_count,
        raw,
    }
}

/// `["a", "b"]` → `vec!["a".to_string(), "b".to_string()]`.
pub fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
