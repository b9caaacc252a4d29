//! Bad input from Juju: hook tools that fail, print garbage, print nothing or are missing; a broken
//! environment; remote relation data that does not fit; stored state that does not decode. Each
//! gives a clear error (naming the tool, its arguments and its stderr, or the variable), a
//! non-zero exit, and nothing committed.

mod support;

use std::collections::BTreeMap;

use ops_core::storage::{Changes, SledStore, Store};
use serde_json::json;
use support::{Charm, Outcome, UNSET};

/// A way for a hook tool to misbehave.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Fails,
    Garbage,
    Silent,
    Missing,
}

impl Mode {
    /// What the error message must contain for `tool` called as `call`.
    fn needles(self, tool: &str, call: &str) -> Vec<String> {
        match self {
            Mode::Fails => vec![
                format!("hook tool `{call}` failed (exit status 1)"),
                format!("ERROR {tool} is broken"),
            ],
            Mode::Garbage => vec![
                format!("cannot parse the output of hook tool `{call}`"),
                "invalid JSON".to_string(),
            ],
            Mode::Silent => vec![
                format!("cannot parse the output of hook tool `{call}`"),
                "EOF".to_string(),
            ],
            Mode::Missing => vec![format!("command not found: {tool}")],
        }
    }

    fn apply(self, charm: &Charm, tool: &str) {
        match self {
            Mode::Fails => charm.fake(tool, &format!("echo 'ERROR {tool} is broken' >&2; exit 1")),
            Mode::Garbage => charm.fake(tool, "echo 'this is not JSON'"),
            Mode::Silent => charm.fake(tool, "true"),
            Mode::Missing => charm.remove_tool(tool),
        }
    }
}

/// One way to make the charm call a tool.
struct Case {
    tool: &'static str,
    /// The call as the error shows it.
    call: &'static str,
    dispatch: &'static str,
    env: &'static [(&'static str, &'static str)],
    behaviour: serde_json::Value,
    modes: &'static [Mode],
    /// The tool's normal answer, restored after each mode.
    normal: &'static str,
}

const ALL: &[Mode] = &[Mode::Fails, Mode::Garbage, Mode::Silent, Mode::Missing];
const NO_OUTPUT: &[Mode] = &[Mode::Fails, Mode::Missing];
const DB_ENV: &[(&str, &str)] = &[
    ("JUJU_RELATION", "db"),
    ("JUJU_RELATION_ID", "db:3"),
    ("JUJU_REMOTE_APP", "remote"),
    ("JUJU_REMOTE_UNIT", "remote/0"),
];

fn cases() -> Vec<Case> {
    vec![
        Case {
            tool: "status-get",
            call: "status-get --include-data --application=False --format=json",
            dispatch: "hooks/config-changed",
            env: &[],
            behaviour: json!({"config_changed": ["status-get"]}),
            modes: ALL,
            normal: r#"echo '{"message": "", "status": "active"}'"#,
        },
        Case {
            tool: "is-leader",
            call: "is-leader --format=json",
            dispatch: "hooks/leader-elected",
            env: &[],
            behaviour: json!({"leader_elected": ["is-leader"]}),
            modes: ALL,
            normal: "echo true",
        },
        Case {
            tool: "config-get",
            call: "config-get --format=json",
            dispatch: "hooks/config-changed",
            env: &[],
            behaviour: json!({"config_changed": ["config"]}),
            modes: ALL,
            normal: r#"echo '{"greeting": "hi"}'"#,
        },
        Case {
            tool: "relation-list",
            call: "relation-list -r 3 --format=json",
            dispatch: "hooks/db-relation-changed",
            env: DB_ENV,
            behaviour: json!({"db_relation_changed": ["typed-remote-data"]}),
            modes: ALL,
            normal: "echo '[]'",
        },
        Case {
            tool: "relation-get",
            call: "relation-get -r 3 - remote --app --format=json",
            dispatch: "hooks/db-relation-changed",
            env: DB_ENV,
            behaviour: json!({"db_relation_changed": ["typed-remote-data"]}),
            modes: ALL,
            normal: r#"echo '{"host": "h", "port": "1"}'"#,
        },
        Case {
            tool: "action-get",
            call: "action-get --format=json",
            dispatch: "actions/foo-bar",
            env: &[],
            behaviour: json!({}),
            modes: ALL,
            normal: r#"echo '{"foo-name": "x", "silent": false}'"#,
        },
        Case {
            tool: "storage-get",
            call: "storage-get -s data/0 location --format=json",
            dispatch: "hooks/data-storage-attached",
            env: &[("JUJU_STORAGE_ID", "data/0")],
            behaviour: json!({}),
            modes: ALL,
            normal: r#"echo '"/srv/data/0"'"#,
        },
        Case {
            tool: "secret-get",
            call: "secret-get secret:abc --format=json",
            dispatch: "hooks/secret-changed",
            env: &[("JUJU_SECRET_ID", "secret:abc")],
            behaviour: json!({"secret_changed": ["secret-content"]}),
            modes: ALL,
            normal: r#"echo '{"key": "value"}'"#,
        },
        Case {
            tool: "status-set",
            call: "status-set --application=False active \"handled 3\"",
            dispatch: "hooks/start",
            env: &[],
            behaviour: json!({"start": ["set-status"]}),
            modes: NO_OUTPUT,
            normal: "",
        },
        Case {
            tool: "relation-set",
            call: "relation-set -r 3 --file -",
            dispatch: "hooks/db-relation-changed",
            env: DB_ENV,
            behaviour: json!({"db_relation_changed": ["set-relation-data"]}),
            modes: NO_OUTPUT,
            normal: "cat > /dev/null",
        },
    ]
}

fn check_failed(charm: &Charm, out: &Outcome, needles: &[String], what: &str) {
    assert_eq!(out.code, Some(1), "{what}: stderr:\n{}", out.stderr);
    let errors = charm.logs("ERROR");
    assert_eq!(errors.len(), 1, "{what}: one ERROR log: {errors:?}");
    for needle in needles {
        assert!(
            errors[0].contains(needle.as_str()),
            "{what}: {needle:?} not in {:?}",
            errors[0]
        );
        assert!(
            out.stderr.contains(needle.as_str()),
            "{what}: {needle:?} not in stderr {:?}",
            out.stderr
        );
    }
}

#[test]
fn every_misbehaving_hook_tool_fails_the_hook_clearly_and_commits_nothing() {
    for case in cases() {
        let charm = Charm::new();
        charm.fake("relation-get", r#"echo '{"host": "h", "port": "1"}'"#);
        charm.fake(case.tool, case.normal);
        charm.run("hooks/install", &[]).ok();
        // The hook works with the normal tool...
        charm.behaviour(case.behaviour.clone());
        charm.run(case.dispatch, case.env).ok();
        let before = charm.state().expect("state");
        assert_eq!(before.handled(), 2, "{}", case.tool);
        for &mode in case.modes {
            let what = format!("{} {mode:?}", case.tool);
            mode.apply(&charm, case.tool);
            charm.take_calls();
            let out = charm.run(case.dispatch, case.env);
            check_failed(&charm, &out, &mode.needles(case.tool, case.call), &what);
            assert_eq!(
                charm.state().expect("state"),
                before,
                "{what}: nothing committed"
            );
            if !matches!(case.tool, "relation-set") {
                assert!(charm.calls_of("relation-set").is_empty(), "{what}");
            }
            charm.fake(case.tool, case.normal);
        }
    }
}

#[test]
fn a_broken_juju_log_does_not_hide_the_error() {
    let charm = Charm::new();
    charm.remove_tool("juju-log");
    charm.behaviour(json!({"install": ["log"], "start": ["fail"]}));
    // Logging never fails the hook: the failure goes to stderr.
    let out = charm.run("hooks/install", &[]).ok();
    assert!(
        out.stderr.contains("command not found: juju-log"),
        "{}",
        out.stderr
    );
    // A handler error still reaches stderr, which Juju keeps in its log.
    let out = charm.run("hooks/start", &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("start failed on purpose"),
        "{}",
        out.stderr
    );
    assert_eq!(charm.state().expect("state").handled(), 1);
}

/// (dispatch path, extra environment, what the error must say).
type EnvCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

fn assert_env_error(out: &Outcome, needle: &str) {
    assert_eq!(out.code, Some(1), "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains(needle),
        "{needle:?} not in {:?}",
        out.stderr
    );
}

#[test]
fn a_broken_environment_is_refused_before_anything_runs() {
    let charm = Charm::new();
    let cases: &[EnvCase] = &[
        (
            "hooks/install",
            &[("JUJU_UNIT_NAME", UNSET)],
            "JUJU_UNIT_NAME not set",
        ),
        (
            "hooks/install",
            &[("JUJU_VERSION", "2.x")],
            "invalid JUJU_VERSION",
        ),
        (
            "hooks/db-relation-changed",
            &[("JUJU_RELATION", "db"), ("JUJU_RELATION_ID", "db:abc")],
            "invalid JUJU_RELATION_ID \"db:abc\"",
        ),
        (
            "hooks/db-relation-joined",
            &[
                ("JUJU_RELATION", "db"),
                ("JUJU_RELATION_ID", "db:1"),
                ("JUJU_REMOTE_UNIT", "remote"),
            ],
            "invalid remote unit name: remote",
        ),
        (
            "hooks/secret-remove",
            &[
                ("JUJU_SECRET_ID", "secret:abc"),
                ("JUJU_SECRET_REVISION", "latest"),
            ],
            "invalid JUJU_SECRET_REVISION \"latest\"",
        ),
    ];
    for (dispatch, env, needle) in cases {
        let out = charm.run(dispatch, env);
        assert_env_error(&out, needle);
    }
    assert!(charm.observed().is_empty());
    assert!(charm.calls().is_empty(), "{:?}", charm.calls());
    assert!(charm.state().is_none());
}

#[test]
fn an_event_missing_its_arguments_fails_after_logging_and_commits_nothing() {
    let charm = Charm::new();
    charm.behaviour(json!({"install": ["defer"]}));
    charm.run("hooks/install", &[]).ok();
    charm.behaviour(json!({}));
    let before = charm.state().expect("state");
    let cases: &[EnvCase] = &[
        (
            "hooks/db-relation-changed",
            &[("JUJU_RELATION", "db")],
            "db_relation_changed: JUJU_RELATION_ID is not set",
        ),
        (
            "hooks/secret-changed",
            &[],
            "secret_changed: JUJU_SECRET_ID is not set",
        ),
        (
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "data")],
            "data_storage_attached: invalid JUJU_STORAGE_ID \"data\"",
        ),
        (
            "actions/foo-bar",
            &[("JUJU_ACTION_NAME", "get-model-name")],
            "action event `foo-bar` does not match the current action `get-model-name`",
        ),
    ];
    for (dispatch, env, needle) in cases {
        charm.take_calls();
        let out = charm.run(dispatch, env);
        check_failed(&charm, &out, &[needle.to_string()], dispatch);
        // The deferred install was re-emitted (and handled) before the failure: not committed.
        assert_eq!(charm.state().expect("state"), before, "{dispatch}");
    }
}

#[test]
fn remote_relation_data_that_is_not_json_is_a_typed_error() {
    let charm = Charm::new();
    charm.fake(
        "relation-get",
        r#"echo '{"host": "db.example", "port": "five thousand"}'"#,
    );
    charm.behaviour(json!({"db_relation_changed": ["typed-remote-data"]}));
    let out = charm.run("hooks/db-relation-changed", DB_ENV);
    check_failed(
        &charm,
        &out,
        &[
            "handler `on_relation` failed".to_string(),
            "relation data `port` = \"five thousand\" is not valid".to_string(),
        ],
        "typed databag",
    );
    assert!(charm.state().is_none());
}

fn corrupt(charm: &Charm, key: &str, value: &[u8]) {
    let mut store = SledStore::open(&charm.db_path()).expect("open");
    let mut changes = Changes::new();
    changes.insert(key.to_string(), Some(value.to_vec()));
    store.commit(&changes).expect("commit");
}

#[test]
fn stored_state_that_does_not_decode_fails_the_hook_and_is_kept() {
    use ops_core::StoredState as _;
    let charm = Charm::new();
    charm.run("hooks/install", &[]).ok();

    corrupt(&charm, ops_core::dispatch::NOTICES_KEY, b"{not a list");
    let before = charm.state_raw();
    let out = charm.run("hooks/start", &[]);
    check_failed(
        &charm,
        &out,
        &["stored deferred events do not decode".to_string()],
        "notices",
    );
    assert_eq!(charm.state_raw(), before);

    let charm = Charm::new();
    charm.run("hooks/install", &[]).ok();
    corrupt(&charm, ops_test_charm::TestCharm::KEY, b"[1, 2");
    let before = charm.state_raw();
    charm.take_calls();
    let out = charm.run("hooks/start", &[]);
    check_failed(
        &charm,
        &out,
        &[format!(
            "stored state `{}` does not decode",
            ops_test_charm::TestCharm::KEY
        )],
        "charm state",
    );
    assert_eq!(charm.state_raw(), before);
}

trait RawState {
    fn state_raw(&self) -> BTreeMap<String, Vec<u8>>;
}

impl RawState for Charm {
    fn state_raw(&self) -> BTreeMap<String, Vec<u8>> {
        SledStore::open(&self.db_path())
            .and_then(|mut s| s.load_all())
            .expect("read")
    }
}
