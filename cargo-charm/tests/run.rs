//! `cargo charm run` end to end: the example charms' real binaries, laid out as charm directories
//! (and as `.charm` archives), run hook by hook by the `cargo-charm` executable.
//!
//! The example binaries are built once per test run with the `cargo` that runs the tests, into a
//! target directory of their own (a nested cargo on the workspace's target directory would wait
//! for the lock the outer one holds).

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const EXAMPLES: &[&str] = &["counter", "webserver", "db-consumer", "actions"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds cargo-charm")
        .to_path_buf()
}

/// The directory holding the example charms' debug binaries, built on first use.
fn binaries() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // One target directory for every nested debug build of the test suite (these examples, the
        // scaffolded charms, the README's charm, the real charms' check): dependencies compile once.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace())
            .args(["build", "--quiet", "--target-dir"])
            .arg(&target);
        for e in EXAMPLES {
            cmd.args(["-p", e]);
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building the examples failed");
        target.join("debug")
    })
}

/// A charm directory for example `name`: its YAML, and its binary as `dispatch`.
fn charm_dir(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "metadata.yaml",
        "config.yaml",
        "actions.yaml",
        "charmcraft.yaml",
    ] {
        let src = workspace().join("examples").join(name).join(f);
        if src.is_file() {
            std::fs::copy(&src, dir.path().join(f)).expect("copy YAML");
        }
    }
    std::fs::copy(binaries().join(name), dir.path().join("dispatch")).expect("copy binary");
    dir
}

/// `cargo-charm run ARGS`.
fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .arg("run")
        .args(args)
        .output()
        .expect("cargo-charm runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The hook blocks of a run's output, by their header line (`[3] config-changed  exit 0 ...`).
fn blocks(stdout: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with('[') {
            out.push((line.to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn the_default_lifecycle_of_a_fresh_counter_unit() {
    let charm = charm_dir("counter");
    let out = run([charm.path()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let hooks: Vec<String> = blocks(&stdout)
        .into_iter()
        .map(|(h, _)| h.split("  ").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        hooks,
        [
            "[1] install",
            "[2] leader-elected",
            "[3] config-changed",
            "[4] start",
            "[5] update-status"
        ]
    );
    let b = blocks(&stdout);
    assert!(b.iter().all(|(h, _)| h.contains("exit 0")), "{stdout}");
    // Without `target` the counter blocks and defers config-changed (as the reference charm
    // does in juju-sim's counter-deferral recording), and the deferral persists across hooks in
    // the unit's private state.
    assert!(
        b[0].1.contains("unit status: maintenance 'installing'"),
        "{stdout}"
    );
    assert!(b[0].1.contains("workload version: 1.0.0"), "{stdout}");
    assert!(b[1].1.contains("leader: yes"), "{stdout}");
    for (_, body) in &b[2..] {
        assert!(
            body.contains("unit status: blocked 'waiting for the \\'target\\' option'"),
            "{stdout}"
        );
        assert!(
            body.contains("deferred: Counter/on/config_changed[2] (handler on_config_changed)"),
            "{stdout}"
        );
    }
    // The unit's charm directory is a copy: the user's directory gets no state.
    assert!(!charm.path().join(".unit-state.db").exists());
}

/// The statuses, ports and workload versions recorded from the Python reference charm in
/// juju-sim's `counter-lifecycle` scenario (`counter-lifecycle.expected.json`), in which the
/// unit starts with `target: sheep`.
#[test]
fn a_counter_scenario_matches_the_reference_recording() {
    let charm = charm_dir("counter");
    let scenario = write(
        charm.path(),
        "lifecycle.yaml",
        "# counter-lifecycle: deployed with a target\nconfig: {target: sheep}\nsteps:\n\
         - install\n- leader-elected\n- config-changed\n- start\n\
         - update-status\n- upgrade-charm\n\
         - config-changed: {port: 9090, greeting: howdy, debug: true}\n- update-status\n",
    );
    // Through a `.charm` archive: the same charm, zipped as `cargo charm pack` would.
    let archive = zip_charm(charm.path());
    let out = run([
        OsStr::new("--charm"),
        archive.as_os_str(),
        scenario.as_os_str(),
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let expected = [
        ("install", "maintenance 'installing'", "", "1.0.0"),
        ("leader-elected", "maintenance 'installing'", "", "1.0.0"),
        ("config-changed", "active 'hello, sheep: 2 events, ratio 1.5'", "8080/tcp", "1.0.0"),
        ("start", "active 'hello, sheep: 3 events, ratio 1.5'", "8080/tcp", "1.0.0"),
        ("update-status", "active 'hello, sheep: 4 events, ratio 1.5'", "8080/tcp", "1.0.0"),
        ("upgrade-charm", "active 'hello, sheep: 5 events, ratio 1.5'", "8080/tcp", "1.1.0"),
        (
            "config-changed",
            "active 'howdy, sheep: 6 events, ratio 1.5 [start,update-status,upgrade-charm,config-changed]'",
            "9090/tcp",
            "1.1.0",
        ),
        (
            "update-status",
            "active 'howdy, sheep: 7 events, ratio 1.5 [update-status,upgrade-charm,config-changed,update-status]'",
            "9090/tcp",
            "1.1.0",
        ),
    ];
    let b = blocks(&stdout);
    assert_eq!(b.len(), expected.len(), "{stdout}");
    for ((head, body), (hook, status, ports, version)) in b.iter().zip(expected) {
        assert!(
            head.contains(&format!("] {hook}  exit 0")),
            "{head}\n{stdout}"
        );
        assert!(
            body.contains(&format!("unit status: {status}\n")),
            "{hook}: {body}"
        );
        if !ports.is_empty() {
            assert!(
                body.contains(&format!("opened ports: {ports}\n")),
                "{hook}: {body}"
            );
        } else {
            assert!(!body.contains("opened ports"), "{hook}: {body}");
        }
        assert!(
            body.contains(&format!("workload version: {version}\n")),
            "{hook}: {body}"
        );
    }
    // The writes of the moved port, as hook-tool calls.
    assert!(b[6].1.contains("close-port 8080/tcp"), "{}", b[6].1);
    assert!(b[6].1.contains("open-port 9090/tcp"), "{}", b[6].1);
}

/// Zips charm directory `dir` into `<dir>/../<name>.charm` (deflate, Unix modes kept).
fn zip_charm(dir: &Path) -> PathBuf {
    let path = dir.with_extension("charm");
    let file = std::fs::File::create(&path).expect("create .charm");
    let mut zip = zip::ZipWriter::new(file);
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && name != "metadata.yaml" && name != "config.yaml" {
            continue;
        }
        let mode = entry.metadata().expect("metadata").permissions().mode();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode & 0o777);
        zip.start_file(name, options).expect("start file");
        zip.write_all(&std::fs::read(entry.path()).expect("read"))
            .expect("write");
    }
    zip.finish().expect("finish zip");
    path
}

/// db-consumer (the requires side of juju-sim's db pair): a provider joins, grants a secret and
/// publishes its app data, then rotates the secret. The statuses and relation writes are those
/// recorded from the Python reference charm in juju-sim's `db-consumer-flow`.
#[test]
fn a_relation_join_with_remote_data_and_a_secret() {
    let charm = charm_dir("db-consumer");
    // The example scenario shipped with the charm.
    let scenario = workspace().join("examples/db-consumer/scenario.yaml");
    let out = run([charm.path(), &scenario]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // No secret content is ever printed.
    assert!(!stdout.contains("7f1e0c2a9b3d4e5f") && !stdout.contains("0a1b2c3d4e5f6071"));
    let b = blocks(&stdout);
    let heads: Vec<&str> = b
        .iter()
        .map(|(h, _)| h.split("  ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        heads,
        [
            "[1] install",
            "[2] leader-elected",
            "[3] config-changed",
            "[4] start",
            "[5] database-relation-created",
            "[6] database-relation-joined (db-provider/0)",
            "[7] database-relation-changed (db-provider/0)",
            "[8] database-relation-changed",
            "[9] secret-changed",
            "[10] config-changed",
            "[11] database-relation-departed (db-provider/0)",
            "[12] database-relation-broken",
        ]
    );
    assert!(b.iter().all(|(h, _)| h.contains("exit 0")), "{stdout}");
    let status = |i: usize, s: &str| {
        assert!(
            b[i].1.contains(&format!("unit status: {s}\n")),
            "{}: {}",
            b[i].0,
            b[i].1
        )
    };
    status(3, "blocked 'needs a database relation'");
    status(4, "waiting 'waiting for credentials'");
    assert!(
        b[4].1.contains("relation-set -r 1 --app --file -"),
        "{}",
        b[4].1
    );
    assert!(
        b[4].1
            .contains(r#"local unit {} local app {"database":"app-db"}"#),
        "{}",
        b[4].1
    );
    assert!(b[5].1.contains(
        r#"relation database:1 (db-provider, units ["db-provider/0"]): local unit {"client":"db-consumer/0"} local app {"database":"app-db"}"#
    ), "{}", b[5].1);
    status(6, "waiting 'waiting for credentials'");
    assert!(b[6]
        .1
        .contains("-- secret secret:cp0remote0secret0001 of db-provider granted on database:1"));
    status(
        7,
        "active 'connected to 10.0.0.10:5432 as app-db-user-3 (db app-db)'",
    );
    assert!(
        b[7].1
            .contains(r#"local unit {"client":"db-consumer/0","connected-as":"app-db-user-3"}"#),
        "{}",
        b[7].1
    );
    status(
        8,
        "active 'credentials rotated; app-db-user-3 at 10.0.0.10:5432'",
    );
    assert!(
        b[9].1.contains(r#"local app {"database":"analytics"}"#),
        "{}",
        b[9].1
    );
    assert!(!b[11].1.contains("relation database:1"), "{}", b[11].1);

    // A step that does not fit the unit's state when it comes stops the run, naming its line.
    let early = write(
        charm.path(),
        "early.yaml",
        "- install\n- relation-changed: {endpoint: database, app-data: {a: b}}\n",
    );
    let out = run([charm.path(), &early]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.contains("[1] install  exit 0"), "{stdout}");
    assert!(
        stderr.contains("early.yaml:2: no `database` relation: join one first (relation-joined)"),
        "{stderr}"
    );
}

/// Actions with params (defaults added), nested results, logs, an expected failure, storage.
#[test]
fn actions_and_storage() {
    let charm = charm_dir("actions");
    let scenario = write(
        charm.path(),
        "act.yaml",
        "- install\n- action: {name: greet, params: {who: bob, times: 2}}\n\
         - action: explode\n  expect-failure: true\n\
         - storage-attached: data\n- action: {name: backup, params: {name: x}}\n",
    );
    let out = run([charm.path(), &scenario]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let b = blocks(&stdout);
    assert!(b[1].0.starts_with("[2] action greet  exit 0"), "{}", b[1].0);
    assert!(b[1].1.contains(
        r#"action greet: completed results={"details":{"length":"19","times":"2"},"greeting":"hello bob hello bob"}"#
    ), "{}", b[1].1);
    assert!(b[1].1.contains("action-log: greeting bob 2 time(s)"));
    assert!(
        b[2].0.starts_with("[3] action explode  FAILED exit 1"),
        "{}",
        b[2].0
    );
    assert!(b[2]
        .1
        .contains(r#"action explode: failed message='exit status 1' results={"partial":"yes"}"#));
    assert!(
        b[2].1.contains(
            "stderr:\n      | ERROR handler `on_explode` failed: explode action always fails"
        ),
        "{}",
        b[2].1
    );
    assert!(b[3]
        .0
        .starts_with("[4] data-storage-attached (data/0)  exit 0"));
    assert!(b[3]
        .1
        .contains("unit status: active 'storage data/0 attached'"));
    assert!(b[4].1.contains("action backup: completed"), "{}", b[4].1);
    // The same failure, not expected: the run fails and says which hook.
    let out = run([
        charm.path().as_os_str(),
        OsStr::new("install"),
        OsStr::new("update-status"),
    ]);
    assert!(out.status.success());
    let bad = write(charm.path(), "bad.yaml", "- install\n- action: explode\n");
    let out = run([charm.path(), &bad]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stderr.contains("error: 1 hook outcome was unexpected: [2] action explode ("),
        "{stderr}"
    );
    assert!(stderr.contains("bad.yaml:2)"), "{stderr}");
}

/// A Kubernetes charm: a fake Pebble per container, `<container>-pebble-ready` in the lifecycle,
/// the plan and services printed.
#[test]
fn a_kubernetes_charm_with_pebble() {
    let charm = charm_dir("webserver");
    let out = run([charm.path()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let b = blocks(&stdout);
    let heads: Vec<&str> = b
        .iter()
        .map(|(h, _)| h.split("  ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        heads,
        [
            "[1] install",
            "[2] leader-elected",
            "[3] config-changed",
            "[4] start",
            "[5] web-pebble-ready",
            "[6] update-status"
        ]
    );
    let ready = &b[4].1;
    assert!(
        ready.contains("unit status: active 'serving on 8080'"),
        "{ready}"
    );
    assert!(ready.contains("pebble web: services web=active"), "{ready}");
    assert!(
        ready.contains("command: /usr/bin/webserver --port 8080"),
        "{ready}"
    );
    assert!(ready.contains("GREETING: hello"), "{ready}");
    // A reconfiguration restarts the service with the new layer.
    let out = run([
        charm.path().as_os_str(),
        OsStr::new("lifecycle"),
        OsStr::new("update-status"),
    ]);
    assert!(out.status.success());
    let scenario = write(
        charm.path(),
        "k8s.yaml",
        "- install\n- pebble-ready: web\n- config-changed: {port: 9000, greeting: hi}\n",
    );
    let out = run([charm.path(), &scenario]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let b = blocks(&stdout);
    assert!(
        b[2].1.contains("command: /usr/bin/webserver --port 9000"),
        "{}",
        b[2].1
    );
    assert!(
        b[2].1.contains("unit status: active 'serving on 9000'"),
        "{}",
        b[2].1
    );
    assert!(b[2].1.contains("service changes: "), "{}", b[2].1);

    // juju-sim's webserver-not-ready: config-changed while Pebble is unreachable waits and
    // defers (kept in controller storage by this charm); the deferred event runs again before
    // web-pebble-ready once Pebble is up. Statuses as recorded from the reference charm.
    let scenario = write(
        charm.path(),
        "down.yaml",
        "- install\n- container-down: web\n- config-changed\n- update-status\n\
         - pebble-ready: web\n- update-status\n",
    );
    let out = run([charm.path(), &scenario]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let b = blocks(&stdout);
    assert_eq!(b.len(), 5, "{stdout}");
    for (i, status) in [
        "maintenance 'installing'",
        "waiting 'waiting for Pebble'",
        "waiting 'waiting for Pebble'",
        "active 'serving on 8080'",
        "active 'serving on 8080'",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            b[i].1.contains(&format!("unit status: {status}\n")),
            "{}: {}",
            b[i].0,
            b[i].1
        );
    }
    let deferred = "deferred: Webserver/on/config_changed[2] (handler on_config_changed)";
    assert!(
        b[1].1.contains(deferred) && b[2].1.contains(deferred),
        "{stdout}"
    );
    assert!(!b[3].1.contains("deferred:"), "{stdout}");
    assert!(b[3].1.contains("service changes: start web"), "{stdout}");
}

#[test]
fn bad_input_is_a_clear_error_before_any_hook() {
    let missing = run(["/nonexistent/charm-dir-xyz"]);
    let (stdout, stderr) = text(&missing);
    assert!(!missing.status.success());
    assert_eq!(
        stderr, "error: /nonexistent/charm-dir-xyz: no such charm directory\n",
        "{stdout}"
    );

    let charm = charm_dir("counter");
    let empty = tempfile::tempdir().expect("tempdir");
    let out = run([empty.path()]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no `dispatch` file: not a charm directory"),
        "{stderr}"
    );

    let cases = [
        (
            "- install\n- bogus-event\n",
            "bad.yaml:2: unknown event `bogus-event` (known: install,",
        ),
        ("- install\n- [unclosed\n", "bad.yaml:3:1: "),
        (
            "- config-changed: {port: eighty}\n",
            "bad.yaml:1: config option `port` is of type int, not eighty",
        ),
        (
            "- relation-joined: {endpoint: db, app: x}\n",
            "bad.yaml:1: the charm has no relation endpoint `db` (its endpoints: none)",
        ),
    ];
    for (yaml, message) in cases {
        let bad = write(charm.path(), "bad.yaml", yaml);
        let out = run([charm.path(), &bad]);
        let (stdout, stderr) = text(&out);
        assert!(!out.status.success(), "{yaml}");
        assert!(stderr.contains(message), "{yaml}: {stderr}");
        assert!(!stdout.contains("[1]"), "no hook may run: {stdout}");
    }
    let out = run([
        charm.path().as_os_str(),
        OsStr::new("install"),
        OsStr::new("db-relation-joined"),
    ]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr
            .contains("error: event 2 (`db-relation-joined`): unknown event `db-relation-joined`"),
        "{stderr}"
    );
    assert!(!stdout.contains("[1]"));

    let out = run([
        charm.path().as_os_str(),
        OsStr::new("--juju-version"),
        OsStr::new("3.x"),
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(
        stderr,
        "error: --juju-version 3.x: \"3.x\" is not a valid Juju version string\n"
    );

    let junk = write(charm.path(), "junk.charm", "not a zip");
    let out = run([OsStr::new("--charm"), junk.as_os_str()]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("error: cannot unpack"), "{stderr}");
}

/// A charm whose `dispatch` is a shell script: the environment a hook gets, hook tools run by
/// name from `PATH` (one with its input on stdin), Juju's commit rule, and the hook timeout.
#[test]
fn a_script_charm_sees_juju_environment_and_tools() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "metadata.yaml",
        "name: shcharm\nsummary: s\ndescription: d\nrequires:\n  db:\n    interface: pg\n",
    );
    let dispatch = write(
        dir.path(),
        "dispatch",
        "#!/bin/sh\n\
         case \"$JUJU_DISPATCH_PATH\" in\n\
         hooks/install) status-set maintenance 'from sh' ;;\n\
         hooks/db-relation-joined) printf 'who: %s\\n' \"$JUJU_REMOTE_UNIT\" | relation-set --file - ;;\n\
         hooks/update-status) env | sort >&2; open-port 80; status-set blocked broken; exit 3 ;;\n\
         hooks/stop) sleep 5 ;;\n\
         hooks/start) exec >&- 2>&-; sleep 0.2; status-set active 'pipes closed' ;;\n\
         esac\n",
    );
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let scenario = write(
        dir.path(),
        "s.yaml",
        "- install\n- relation-joined: {endpoint: db, app: pg}\n\
         - update-status:\n  expect-failure: true\n- start\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args([
            "run".as_ref(),
            "--juju-version".as_ref(),
            "2.9.44".as_ref(),
            "--debug".as_ref(),
            dir.path().as_os_str(),
            scenario.as_os_str(),
        ])
        .env("FROM_THE_CALLER", "must not reach the hook")
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let b = blocks(&stdout);
    assert!(
        b[0].1.contains("unit status: maintenance 'from sh'"),
        "{stdout}"
    );
    assert!(
        b[3].1
            .contains(r#"relation db:1 (pg, units ["pg/0"]): local unit {"who":"pg/0"}"#),
        "{stdout}"
    );
    let failed = &b[4];
    assert!(
        failed.0.starts_with("[5] update-status  FAILED exit 3"),
        "{stdout}"
    );
    // status-set is kept although the hook failed; open-port is not (Juju's commit rule).
    assert!(
        failed.1.contains("unit status: blocked 'broken'"),
        "{stdout}"
    );
    assert!(!failed.1.contains("opened ports"), "{stdout}");
    let env: Vec<&str> = failed
        .1
        .lines()
        .filter_map(|l| l.strip_prefix("      | "))
        .collect();
    let var = |k: &str| {
        env.iter()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} not set: {env:?}"))
    };
    assert_eq!(var("JUJU_DISPATCH_PATH"), "hooks/update-status");
    assert_eq!(var("JUJU_HOOK_NAME"), "update-status");
    assert_eq!(var("JUJU_UNIT_NAME"), "shcharm/0");
    assert_eq!(var("JUJU_MODEL_NAME"), "sim-model");
    assert_eq!(var("JUJU_SLA"), "unsupported");
    assert_eq!(
        var("JUJU_AGENT_SOCKET_ADDRESS"),
        "@/var/lib/juju/agents/unit-shcharm-0/agent.socket"
    );
    assert_eq!(var("LANG"), "C.UTF-8");
    assert_eq!(var("JUJU_VERSION"), "2.9.44");
    assert_eq!(var("JUJU_DEBUG"), "1");
    let charm_dir = Path::new(var("JUJU_CHARM_DIR"));
    assert!(
        charm_dir.ends_with("charm") && charm_dir != dir.path(),
        "{charm_dir:?}"
    );
    assert_eq!(var("CHARM_DIR"), var("JUJU_CHARM_DIR"));
    let path = var("PATH");
    let tools = Path::new(path.split(':').next().unwrap_or_default());
    // The tool links sit beside the unit's charm dir, in the run's private dir (gone now).
    assert_eq!(tools.parent(), charm_dir.parent(), "{path}");
    assert!(
        !charm_dir.exists(),
        "the run's private directory is removed"
    );
    assert!(
        !env.iter().any(|l| l.starts_with("FROM_THE_CALLER=")),
        "{env:?}"
    );
    // A hook that closes its output and runs on is still served until it exits.
    assert!(b[5].0.starts_with("[6] start  exit 0"), "{stdout}");
    assert!(
        b[5].1.contains("unit status: active 'pipes closed'"),
        "{stdout}"
    );

    // A hook past --timeout is killed, and the run says so.
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args([
            "run".as_ref(),
            "--timeout".as_ref(),
            "1".as_ref(),
            dir.path().as_os_str(),
            "stop".as_ref(),
        ])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.contains("[1] stop  KILLED after 1s"), "{stdout}");
    assert!(stderr.contains("unexpected: [1] stop"), "{stderr}");
}
