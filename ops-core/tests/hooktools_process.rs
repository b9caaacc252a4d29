//! The backend over real processes: small `sh` scripts standing in for Juju's hook tools in a
//! temporary directory (ops' `fake_script` technique), run through `SearchPathRunner` and, in one
//! test, through `ProcessRunner` with the directory put on `PATH`.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use ops_core::hooktools::{
    Backend, HookToolError, ProcessRunner, RunError, SearchPathRunner, ToolRunner, MAX_LOG_LINE_LEN,
};
use ops_core::version::JujuVersion;

/// A directory of fake tools; every call appends `tool RS arg RS ... FS` to `calls`.
struct FakeTools {
    dir: tempfile::TempDir,
}

impl FakeTools {
    fn new() -> Self {
        FakeTools {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn add(&self, name: &str, body: &str) {
        let calls = self.path().join("calls");
        let script = format!(
            "#!/bin/sh\nprintf '%s\\036' \"{name}\" \"$@\" >> '{calls}'\nprintf '\\034' >> '{calls}'\n{body}\n",
            calls = calls.display()
        );
        let path = self.path().join(name);
        fs::write(&path, script).expect("write script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    fn calls(&self) -> Vec<Vec<String>> {
        let text = fs::read_to_string(self.path().join("calls")).unwrap_or_default();
        text.split('\u{1c}')
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.split('\u{1e}')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    fn backend(&self) -> Backend {
        let runner = Rc::new(SearchPathRunner::with_dir(self.path()));
        Backend::for_unit(runner, "myapp/0", JujuVersion::new(3, 1, 6))
    }
}

fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn json_tools_through_real_processes() {
    let tools = FakeTools::new();
    tools.add("relation-get", r#"echo '{"foo":"bar","with space":"x y"}'"#);
    tools.add("relation-ids", r#"echo '["db:1","db:4"]'"#);
    let b = tools.backend();
    let data = b.relation_get(3, "remote/0", true).expect("relation-get");
    assert_eq!(data.get("with space").map(String::as_str), Some("x y"));
    assert_eq!(b.relation_ids("db").expect("ids"), vec![1, 4]);
    assert_eq!(
        tools.calls(),
        vec![
            argv(&[
                "relation-get",
                "-r",
                "3",
                "-",
                "remote/0",
                "--app",
                "--format=json"
            ]),
            argv(&["relation-ids", "db", "--format=json"]),
        ]
    );
}

#[test]
fn stdin_reaches_the_tool() {
    let tools = FakeTools::new();
    let stdin_file = tools.path().join("stdin");
    tools.add("relation-set", &format!("cat > '{}'", stdin_file.display()));
    let b = tools.backend();
    b.relation_set(3, &[("foo", "bar baz")], false)
        .expect("relation-set");
    assert_eq!(
        fs::read_to_string(&stdin_file).expect("stdin"),
        "\"foo\": \"bar baz\"\n"
    );
    assert_eq!(
        tools.calls(),
        vec![argv(&["relation-set", "-r", "3", "--file", "-"])]
    );

    // A tool that exits without reading its input is judged by its exit status.
    tools.add("state-set", "exit 0");
    b.state_set("key", &"x".repeat(1 << 20))
        .expect("state-set ignoring stdin");
}

#[test]
fn failures_and_error_mapping() {
    let tools = FakeTools::new();
    tools.add(
        "relation-list",
        r#"echo "ERROR invalid value \"$2\" for option -r: relation not found" >&2; exit 2"#,
    );
    tools.add("config-get", "echo 'ERROR boom' >&2; exit 1");
    tools.add("action-get", "echo 'not json'");
    tools.add("is-leader", "exit 0");
    let b = tools.backend();
    assert!(matches!(
        b.relation_list(9),
        Err(HookToolError::RelationNotFound { id: Some(9) })
    ));
    match b.config_get() {
        Err(HookToolError::Failed {
            tool,
            args,
            code,
            stderr,
        }) => {
            assert_eq!(tool, "config-get");
            assert_eq!(args, argv(&["--format=json"]));
            assert_eq!(code, Some(1));
            assert_eq!(stderr, "ERROR boom\n");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(b.action_get(), Err(HookToolError::Parse { .. })));
    assert!(matches!(b.is_leader(), Err(HookToolError::Parse { .. })));
}

#[test]
fn missing_and_non_executable_tools_are_not_found() {
    let tools = FakeTools::new();
    fs::write(tools.path().join("is-leader"), "#!/bin/sh\necho true\n").expect("write");
    let b = tools.backend();
    assert!(matches!(
        b.is_leader(),
        Err(HookToolError::Run(RunError::NotFound(t))) if t == "is-leader"
    ));
    assert!(matches!(
        b.relation_ids("db"),
        Err(HookToolError::Run(RunError::NotFound(t))) if t == "relation-ids"
    ));
    let runner = SearchPathRunner::new(format!("/nonexistent:{}", tools.path().display()));
    assert_eq!(runner.which("is-leader"), None);
    tools.add("is-leader", "echo true");
    assert_eq!(
        runner.which("is-leader"),
        Some(tools.path().join("is-leader"))
    );
}

#[test]
fn longest_log_chunks_fit_in_one_argument() {
    // 131071 characters is Linux's limit for one argument (MAX_ARG_STRLEN minus the NUL), which
    // is why ops splits there.
    let tools = FakeTools::new();
    let sizes = tools.path().join("sizes");
    tools.add(
        "juju-log",
        &format!("printf '%s\\n' \"${{#4}}\" >> '{}'", sizes.display()),
    );
    let b = tools.backend();
    b.juju_log("DEBUG", &"l".repeat(MAX_LOG_LINE_LEN + 9))
        .expect("juju-log");
    let sizes = fs::read_to_string(sizes).expect("sizes");
    let sizes: Vec<&str> = sizes.lines().collect();
    assert_eq!(sizes, vec!["64", "131071", "9"]);
}

#[test]
fn process_runner_uses_path() {
    // The only test in this binary that changes PATH; it prepends, so concurrent tests' scripts
    // still find `cat` and friends.
    let tools = FakeTools::new();
    tools.add("unit-get", r#"echo '"10.0.0.10"'"#);
    let old = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![PathBuf::from(tools.path())];
    paths.extend(std::env::split_paths(&old));
    std::env::set_var("PATH", std::env::join_paths(paths).expect("join"));
    let b = Backend::for_unit(Rc::new(ProcessRunner), "myapp/0", JujuVersion::new(3, 1, 6));
    let address = b.unit_get("private-address");
    let missing = ProcessRunner.run("no-such-hook-tool-4d2f", &[], None);
    std::env::set_var("PATH", old);
    assert_eq!(address.expect("unit-get"), "10.0.0.10");
    assert!(matches!(missing, Err(RunError::NotFound(t)) if t == "no-such-hook-tool-4d2f"));
    assert_eq!(
        tools.calls(),
        vec![argv(&["unit-get", "private-address", "--format=json"])]
    );
}

/// Issue 11, item 5: a tool that writes more than a pipe holds (64 KiB) before it reads its large
/// standard input must not deadlock the hook (stdin is written while stdout/stderr are read).
#[test]
fn a_tool_writing_much_before_reading_its_stdin_does_not_deadlock() {
    let tools = FakeTools::new();
    // 256 KiB on stdout and on stderr first, then read all of stdin and report its size.
    tools.add(
        "state-set",
        "head -c 262144 /dev/zero | tr '\\0' o; head -c 262144 /dev/zero | tr '\\0' e >&2; \
         wc -c | tr -d ' ' >&2",
    );
    let input = vec![b'i'; 1 << 20];
    let runner = SearchPathRunner::with_dir(tools.path()).with_timeout(Duration::from_secs(20));
    let out = runner
        .run("state-set", &argv(&["--file", "-"]), Some(&input))
        .expect("run");
    assert!(out.success());
    assert_eq!(out.stdout.len(), 262_144);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&"e".repeat(1000)));
    assert_eq!(stderr.trim_start_matches('e').trim(), "1048576");
}

/// Issue 11, item 12: a tool that exits while a child it started keeps its stdout open does not
/// hang the hook: the call returns when the tool exits, with what it printed.
#[test]
fn a_tool_whose_child_keeps_stdout_open_does_not_hang_the_hook() {
    let tools = FakeTools::new();
    tools.add("status-get", "echo '\"active\"'; (sleep 30 &) ; exit 0");
    let runner = SearchPathRunner::with_dir(tools.path());
    let started = Instant::now();
    let out = runner.run("status-get", &[], None).expect("run");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?} for a tool's grandchild",
        started.elapsed()
    );
    assert!(out.success());
    assert_eq!(out.stdout, b"\"active\"\n");
}

/// Issue 11, item 12: an optional time limit per hook-tool call (off by default): a tool that
/// runs longer is killed and the call fails with `RunError::TimedOut`.
#[test]
fn a_tool_exceeding_the_time_limit_is_killed() {
    let tools = FakeTools::new();
    tools.add("leader-get", "echo started; exec sleep 30");
    let runner = SearchPathRunner::with_dir(tools.path()).with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = runner.run("leader-get", &[], None).expect_err("timed out");
    assert!(started.elapsed() < Duration::from_secs(10));
    match &err {
        RunError::TimedOut { tool, after } => {
            assert_eq!(tool, "leader-get");
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("expected TimedOut, got {other:?}"),
    }
    assert!(err.to_string().contains("leader-get"), "{err}");
    // Without a limit (the default) a slow tool is waited for.
    tools.add("is-leader", "sleep 0.5; echo true");
    let out = SearchPathRunner::with_dir(tools.path())
        .run("is-leader", &[], None)
        .expect("no limit");
    assert_eq!(out.stdout, b"true\n");
}
