//! The built charm run as Juju runs it (ops' `test_main`): the event name from
//! `JUJU_DISPATCH_PATH` or `argv[0]`, the `OPERATOR_DISPATCH` guard, legacy hooks next to
//! `dispatch`, event links for Juju without dispatch, every event kind's arguments and unknown
//! events.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::{argv, Charm, UNSET};

fn write_script(path: &Path, body: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn only(observed: Vec<Value>) -> Value {
    assert_eq!(observed.len(), 1, "expected one handler run: {observed:?}");
    observed.into_iter().next().expect("one")
}

// ---- the event name ----------------------------------------------------------------------------

#[test]
fn the_event_comes_from_juju_dispatch_path() {
    let charm = Charm::new();
    charm.run("hooks/install", &[]).ok();
    let o = only(charm.observed());
    assert_eq!(o["event"], "install");
    assert_eq!(o["handler"], "on_hook");
    let state = charm.state().expect("committed");
    assert_eq!(state.handled(), 1);
    assert_eq!(state.counts(), BTreeMap::from([("install".to_string(), 1)]));
    assert!(state.notices.is_empty());
    // The framework's own DEBUG messages do not reach juju-log without JUJU_DEBUG.
    assert!(charm.logs("DEBUG").is_empty(), "{:?}", charm.calls());
}

#[test]
fn the_event_comes_from_argv0_without_juju_dispatch_path() {
    let charm = Charm::new();
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    symlink("../dispatch", charm.dir.join("hooks/start")).expect("link");
    let mut env = charm.env.clone();
    env.insert("JUJU_VERSION".into(), "2.7.0".into());
    charm
        .run_program(&charm.dir.join("hooks/start"), env.clone())
        .ok();
    assert_eq!(charm.observed_events(), vec!["start"]);

    // JUJU_DISPATCH_PATH still wins over argv[0] (as ops' legacy mode).
    charm.clear_observed();
    env.insert("JUJU_DISPATCH_PATH".into(), "hooks/update-status".into());
    charm.run_program(&charm.dir.join("hooks/start"), env).ok();
    assert_eq!(charm.observed_events(), vec!["update_status"]);
}

#[test]
fn actions_are_named_from_the_actions_directory() {
    let charm = Charm::new();
    charm.fake(
        "action-get",
        r#"echo '{"foo-name": "baz", "silent": true}'"#,
    );
    charm.run("actions/foo-bar", &[]).ok();
    let o = only(charm.observed());
    assert_eq!(o["event"], "foo_bar_action");
    assert_eq!(o["params"], json!({"foo-name": "baz", "silent": true}));
    assert_eq!(
        charm.calls_of("action-get"),
        vec![argv(&["action-get", "--format=json"])]
    );
}

#[test]
fn unknown_events_exit_0_without_doing_anything() {
    let charm = Charm::new();
    charm.run("hooks/not-an-event", &[]).ok();
    charm.run("actions/not-an-action", &[]).ok();
    assert!(charm.observed().is_empty());
    assert!(charm.calls().is_empty(), "{:?}", charm.calls());
    assert!(
        !charm.db_path().exists(),
        "no database for nothing to store"
    );
}

// ---- OPERATOR_DISPATCH -------------------------------------------------------------------------

#[test]
fn a_charm_called_by_itself_exits_0_at_once() {
    let charm = Charm::new();
    charm
        .run("hooks/install", &[("OPERATOR_DISPATCH", "1")])
        .ok();
    assert!(charm.observed().is_empty());
    assert!(charm.calls().is_empty(), "{:?}", charm.calls());
    assert!(!charm.db_path().exists());

    // Only dispatch-aware Juju sets it: without dispatch the variable is ignored (as ops).
    charm
        .run(
            "hooks/install",
            &[("OPERATOR_DISPATCH", "1"), ("JUJU_VERSION", "2.7.0")],
        )
        .ok();
    assert_eq!(charm.observed_events(), vec!["install"]);
}

// ---- legacy hooks ------------------------------------------------------------------------------

#[test]
fn a_legacy_hook_runs_first_with_operator_dispatch_set() {
    let charm = Charm::new();
    let observed = charm.dir.join(ops_test_charm::OBSERVED_FILE);
    write_script(
        &charm.dir.join("hooks/install"),
        &format!(
            "printf '{{\"event\": \"legacy\", \"operator_dispatch\": \"%s\", \"args\": \"%s\"}}\\n' \"$OPERATOR_DISPATCH\" \"$*\" >> '{}'",
            observed.display()
        ),
        0o755,
    );
    charm.run("hooks/install", &[]).ok();
    let o = charm.observed();
    assert_eq!(o.len(), 2, "{o:?}");
    assert_eq!(o[0]["event"], "legacy");
    assert_eq!(o[0]["operator_dispatch"], "1");
    assert_eq!(o[1]["event"], "install");
    assert_eq!(charm.logs("INFO"), vec!["Running legacy hooks/install."]);
}

#[test]
fn a_legacy_hook_that_is_not_executable_is_skipped_with_a_warning() {
    let charm = Charm::new();
    write_script(
        &charm.dir.join("hooks/install"),
        "touch should-not-exist",
        0o644,
    );
    charm.run("hooks/install", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["install"]);
    assert!(!charm.dir.join("should-not-exist").exists());
    assert_eq!(
        charm.logs("WARNING"),
        vec!["Legacy hooks/install exists but is not executable."]
    );
}

#[test]
fn a_failing_legacy_hook_ends_the_hook_with_its_status() {
    let charm = Charm::new();
    write_script(&charm.dir.join("hooks/install"), "exit 3", 0o755);
    let out = charm.run("hooks/install", &[]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(charm.observed().is_empty(), "the charm did not run");
    assert!(charm.state().is_none(), "nothing committed");
    assert_eq!(
        charm.logs("WARNING"),
        vec!["Legacy hooks/install exited with status 3."]
    );
    assert!(charm.logs("ERROR").is_empty());
}

#[test]
fn a_legacy_hook_that_links_to_the_charm_is_not_run_again() {
    let charm = Charm::new();
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    symlink("../dispatch", charm.dir.join("hooks/install")).expect("link");
    charm.run("hooks/install", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["install"]);
    assert!(charm.logs("INFO").is_empty(), "{:?}", charm.calls());
}

#[test]
fn a_legacy_hook_that_is_a_copy_of_the_charm_exits_0_via_operator_dispatch() {
    let charm = Charm::new();
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    std::fs::copy(support::BINARY, charm.dir.join("hooks/install")).expect("copy");
    charm.run("hooks/install", &[]).ok();
    // The copy ran (ops logs it) but returned at once: the event is handled once.
    assert_eq!(charm.logs("INFO"), vec!["Running legacy hooks/install."]);
    assert_eq!(charm.observed_events(), vec!["install"]);
    assert_eq!(charm.state().expect("state").handled(), 1);
}

// ---- event links -------------------------------------------------------------------------------

fn link_target(path: &Path) -> PathBuf {
    std::fs::read_link(path).unwrap_or_else(|e| panic!("{} is not a link: {e}", path.display()))
}

#[test]
fn juju_without_dispatch_gets_event_links_on_install() {
    let charm = Charm::new();
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    symlink("../dispatch", charm.dir.join("hooks/install")).expect("link");
    // An existing file is left alone.
    write_script(&charm.dir.join("hooks/stop"), "exit 0", 0o755);
    let mut env = charm.env.clone();
    env.insert("JUJU_VERSION".into(), "2.7.0".into());
    charm
        .run_program(&charm.dir.join("hooks/install"), env.clone())
        .ok();
    assert_eq!(charm.observed_events(), vec!["install"]);

    for hook in [
        "start",
        "update-status",
        "config-changed",
        "leader-settings-changed",
        "collect-metrics",
        "secret-rotate",
        "db-relation-changed",
        "cluster-relation-departed",
        "data-storage-attached",
        "data-storage-detaching",
        "workload-pebble-ready",
    ] {
        assert_eq!(
            link_target(&charm.dir.join("hooks").join(hook)),
            PathBuf::from("../dispatch"),
            "hooks/{hook}"
        );
    }
    for action in ["foo-bar", "get-model-name"] {
        assert_eq!(
            link_target(&charm.dir.join("actions").join(action)),
            PathBuf::from("../dispatch"),
            "actions/{action}"
        );
    }
    assert!(std::fs::symlink_metadata(charm.dir.join("hooks/stop"))
        .expect("stop")
        .file_type()
        .is_file());
    // Only Juju's hooks and actions get links (ops links `HookEvent`s and `ActionEvent`s): not
    // the framework's collect-status events, which Juju never runs.
    for framework in ["collect-app-status", "collect-unit-status"] {
        assert!(
            std::fs::symlink_metadata(charm.dir.join("hooks").join(framework)).is_err(),
            "hooks/{framework}"
        );
    }

    // The links work: Juju 2.7 runs hooks/<name>.
    charm.clear_observed();
    env.insert("JUJU_RELATION".into(), "db".into());
    env.insert("JUJU_RELATION_ID".into(), "db:1".into());
    env.insert("JUJU_REMOTE_UNIT".into(), "remote/0".into());
    charm
        .run_program(&charm.dir.join("hooks/db-relation-changed"), env)
        .ok();
    assert_eq!(charm.observed_events(), vec!["db_relation_changed"]);
}

#[test]
fn event_links_are_made_only_on_setup_events_and_only_without_dispatch() {
    let charm = Charm::new();
    // Dispatch-aware Juju with a dispatch file: no links.
    charm.run("hooks/install", &[]).ok();
    assert!(!charm.dir.join("hooks").exists());
    // Juju without dispatch, but not a setup event: no links either.
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    symlink("../dispatch", charm.dir.join("hooks/update-status")).expect("link");
    let mut env = charm.env.clone();
    env.insert("JUJU_VERSION".into(), "2.7.0".into());
    charm
        .run_program(&charm.dir.join("hooks/update-status"), env.clone())
        .ok();
    let entries: Vec<_> = std::fs::read_dir(charm.dir.join("hooks"))
        .expect("hooks")
        .collect();
    assert_eq!(entries.len(), 1);
    assert!(!charm.dir.join("actions").exists());
    // A storage-attached hook is a setup event.
    symlink("../dispatch", charm.dir.join("hooks/data-storage-attached")).expect("link");
    env.insert("JUJU_STORAGE_ID".into(), "data/0".into());
    env.insert("JUJU_STORAGE_LOCATION".into(), "/srv/data/0".into());
    charm
        .run_program(&charm.dir.join("hooks/data-storage-attached"), env)
        .ok();
    assert!(charm.dir.join("hooks/start").exists());
    assert!(charm.dir.join("actions/foo-bar").exists());
}

#[test]
fn dispatch_aware_juju_without_a_dispatch_file_uses_links() {
    let charm = Charm::new();
    std::fs::create_dir_all(charm.dir.join("src")).expect("mkdir");
    std::fs::rename(charm.dir.join("dispatch"), charm.dir.join("src/charm")).expect("move");
    std::fs::create_dir_all(charm.dir.join("hooks")).expect("mkdir");
    symlink("../src/charm", charm.dir.join("hooks/install")).expect("link");
    let mut env = charm.env.clone();
    env.insert("JUJU_DISPATCH_PATH".into(), "hooks/install".into());
    charm
        .run_program(&charm.dir.join("hooks/install"), env)
        .ok();
    assert_eq!(charm.observed_events(), vec!["install"]);
    assert_eq!(
        link_target(&charm.dir.join("hooks/start")),
        PathBuf::from("../src/charm")
    );
}

// ---- every event kind's arguments --------------------------------------------------------------

#[test]
fn every_plain_hook_reaches_its_handler() {
    let charm = Charm::new();
    let hooks = [
        "install",
        "start",
        "stop",
        "remove",
        "update-status",
        "config-changed",
        "upgrade-charm",
        "pre-series-upgrade",
        "post-series-upgrade",
        "leader-elected",
        "leader-settings-changed",
    ];
    for hook in hooks {
        charm.run(&format!("hooks/{hook}"), &[]).ok();
    }
    let names: Vec<String> = hooks.iter().map(|h| h.replace('-', "_")).collect();
    assert_eq!(charm.observed_events(), names);
    let state = charm.state().expect("state");
    assert_eq!(state.handled(), hooks.len() as u64);
    assert!(names.iter().all(|n| state.counts()[n] == 1));
    let handled: Vec<u64> = charm
        .observed()
        .iter()
        .map(|o| o["handled"].as_u64().expect("count"))
        .collect();
    assert_eq!(handled, (1..=hooks.len() as u64).collect::<Vec<_>>());
}

#[test]
fn relation_events_get_relation_app_unit_and_departing_unit() {
    let charm = Charm::new();
    let base = [
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:5"),
        ("JUJU_REMOTE_APP", "remote"),
        ("JUJU_REMOTE_UNIT", "remote/0"),
    ];
    for kind in ["created", "joined", "changed"] {
        charm.run(&format!("hooks/db-relation-{kind}"), &base).ok();
    }
    let mut departed = base.to_vec();
    departed.push(("JUJU_DEPARTING_UNIT", "remote/0"));
    charm.run("hooks/db-relation-departed", &departed).ok();
    charm
        .run(
            "hooks/db-relation-broken",
            &[
                ("JUJU_RELATION", "db"),
                ("JUJU_RELATION_ID", "db:5"),
                ("JUJU_REMOTE_APP", ""),
            ],
        )
        .ok();
    let o = charm.observed();
    assert_eq!(o.len(), 5);
    for (i, kind) in ["created", "joined", "changed", "departed"]
        .iter()
        .enumerate()
    {
        assert_eq!(o[i]["event"], format!("db_relation_{kind}"));
        assert_eq!(o[i]["relation"], "db");
        assert_eq!(o[i]["relation_id"], 5);
        assert_eq!(o[i]["app"], "remote");
        assert_eq!(o[i]["unit"], "remote/0");
    }
    assert_eq!(o[0]["departing_unit"], Value::Null);
    assert_eq!(o[3]["departing_unit"], "remote/0");
    assert_eq!(o[4]["event"], "db_relation_broken");
    assert_eq!(o[4]["app"], Value::Null);
    assert_eq!(o[4]["unit"], Value::Null);
    // Nothing asked Juju: everything came from the environment.
    assert!(charm.calls().is_empty(), "{:?}", charm.calls());
}

#[test]
fn peer_relation_events_derive_the_app_from_the_remote_unit() {
    let charm = Charm::new();
    charm
        .run(
            "hooks/cluster-relation-joined",
            &[
                ("JUJU_RELATION", "cluster"),
                ("JUJU_RELATION_ID", "7"),
                ("JUJU_REMOTE_UNIT", "test-charm/1"),
            ],
        )
        .ok();
    let o = only(charm.observed());
    assert_eq!(o["event"], "cluster_relation_joined");
    assert_eq!(o["relation"], "cluster");
    assert_eq!(o["relation_id"], 7);
    assert_eq!(o["app"], "test-charm");
    assert_eq!(o["unit"], "test-charm/1");
}

#[test]
fn storage_events_get_the_storage_name_index_and_location() {
    let charm = Charm::new();
    charm.fake(
        "storage-get",
        r#"case "$2" in data/1) echo '"/srv/data/1"';; *) echo "ERROR unexpected $2" >&2; exit 1;; esac"#,
    );
    // Without JUJU_STORAGE_LOCATION the location comes from storage-get (as ops).
    charm
        .run(
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "data/1")],
        )
        .ok();
    assert_eq!(
        charm.calls_of("storage-get"),
        vec![argv(&[
            "storage-get",
            "-s",
            "data/1",
            "location",
            "--format=json"
        ])]
    );
    // With it, no tool call.
    charm
        .run(
            "hooks/data-storage-detaching",
            &[
                ("JUJU_STORAGE_ID", "data/1"),
                ("JUJU_STORAGE_LOCATION", "/srv/data/1"),
            ],
        )
        .ok();
    assert_eq!(charm.calls_of("storage-get").len(), 1);
    let o = charm.observed();
    assert_eq!(o.len(), 2);
    for (obs, event) in o
        .iter()
        .zip(["data_storage_attached", "data_storage_detaching"])
    {
        assert_eq!(obs["event"], event);
        assert_eq!(obs["storage"], "data");
        assert_eq!(obs["storage_index"], 1);
        assert_eq!(obs["storage_location"], "/srv/data/1");
    }
}

#[test]
fn storage_events_without_juju_storage_id_ask_storage_get_as_ops() {
    let charm = Charm::new();
    charm.fake(
        "storage-get",
        r#"if [ "$1" = "--help" ]; then
printf 'Usage: storage-get [options] [<key>]\n\nOptions:\n--format  (= smart)\n-s  (= data/3)\n    specify a storage instance by id\n'
else echo '"/srv/data/3"'; fi"#,
    );
    charm.run("hooks/data-storage-attached", &[]).ok();
    let o = only(charm.observed());
    assert_eq!(o["storage"], "data");
    assert_eq!(o["storage_index"], 3);
    assert_eq!(o["storage_location"], "/srv/data/3");
    assert_eq!(
        charm.calls_of("storage-get"),
        vec![
            argv(&["storage-get", "--help"]),
            argv(&["storage-get", "-s", "data/3", "location", "--format=json"]),
        ]
    );
}

#[test]
fn pebble_ready_gets_the_workload() {
    let charm = Charm::new();
    charm
        .run(
            "hooks/workload-pebble-ready",
            &[("JUJU_WORKLOAD_NAME", "workload")],
        )
        .ok();
    let o = only(charm.observed());
    assert_eq!(o["event"], "workload_pebble_ready");
    assert_eq!(o["workload"], "workload");
}

#[test]
fn secret_events_get_id_label_and_revision() {
    let charm = Charm::new();
    let id = "secret:cj1s7e3mp25c77sc7vrg";
    charm
        .run(
            "hooks/secret-changed",
            &[("JUJU_SECRET_ID", id), ("JUJU_SECRET_LABEL", "db-password")],
        )
        .ok();
    charm
        .run(
            "hooks/secret-rotate",
            &[("JUJU_SECRET_ID", id), ("JUJU_SECRET_LABEL", "")],
        )
        .ok();
    for hook in ["secret-remove", "secret-expired"] {
        charm
            .run(
                &format!("hooks/{hook}"),
                &[
                    ("JUJU_SECRET_ID", id),
                    ("JUJU_SECRET_LABEL", "lbl"),
                    ("JUJU_SECRET_REVISION", "7"),
                ],
            )
            .ok();
    }
    let o = charm.observed();
    let got: Vec<(Value, Value, Value, Value)> = o
        .iter()
        .map(|x| {
            (
                x["event"].clone(),
                x["secret_id"].clone(),
                x["secret_label"].clone(),
                x["secret_revision"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                json!("secret_changed"),
                json!(id),
                json!("db-password"),
                Value::Null
            ),
            (json!("secret_rotate"), json!(id), Value::Null, Value::Null),
            (json!("secret_remove"), json!(id), json!("lbl"), json!(7)),
            (json!("secret_expired"), json!(id), json!("lbl"), json!(7)),
        ]
    );
    // No content is fetched unless asked for.
    assert!(charm.calls().is_empty(), "{:?}", charm.calls());
}

#[test]
fn actions_get_params_and_set_results() {
    let charm = Charm::new();
    charm.behaviour(json!({"foo_bar_action": ["action-results"]}));
    charm.fake(
        "action-get",
        r#"echo '{"foo-name": "x y", "silent": false}'"#,
    );
    charm.run("actions/foo-bar", &[]).ok();
    charm.run("actions/get-model-name", &[]).ok();
    assert_eq!(
        charm.observed_events(),
        vec!["foo_bar_action", "get_model_name_action"]
    );
    assert_eq!(
        charm.calls_of("action-set"),
        vec![
            argv(&["action-set", "foo.name=x y", "foo.silent=False"]),
            argv(&["action-set", "model-name=test-model"]),
        ]
    );
    assert_eq!(
        charm.calls_of("action-log"),
        vec![argv(&["action-log", "foo-bar for x y"])]
    );
    // Actions count in the stored state like any event.
    assert_eq!(charm.state().expect("state").handled(), 2);
}

#[test]
fn collect_metrics_adds_metrics() {
    let charm = Charm::new();
    charm.run("hooks/collect-metrics", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["collect_metrics"]);
    assert_eq!(
        charm.calls_of("add-metric"),
        vec![argv(&["add-metric", "--labels", "bar=4.2", "foo=42.0"])]
    );
}

#[test]
fn custom_events_run_after_the_handler_that_emitted_them() {
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["emit", "log"]}));
    charm.run("hooks/start", &[]).ok();
    let o = charm.observed();
    assert_eq!(o.len(), 2, "{o:?}");
    assert_eq!(o[0]["event"], "start");
    assert_eq!(o[1]["handler"], "on_ping");
    assert_eq!(o[1]["from"], "start");
    // The custom event ran after the emitting handler returned (its log line came first).
    assert_eq!(charm.logs("INFO"), vec!["handling start (#1)"]);
    assert_eq!(charm.state().expect("state").handled(), 2);
}

#[test]
fn logs_go_to_juju_log_with_ops_level_names() {
    let charm = Charm::new();
    charm.behaviour(json!({"*": ["log"]}));
    charm.run("hooks/install", &[]).ok();
    assert_eq!(
        charm.calls_of("juju-log"),
        vec![argv(&[
            "juju-log",
            "--log-level",
            "INFO",
            "--",
            "handling install (#1)"
        ])]
    );
    // With JUJU_DEBUG, the framework's DEBUG messages are sent too, and records go to stderr.
    charm.take_calls();
    let out = charm.run("hooks/start", &[("JUJU_DEBUG", "1")]).ok();
    let debug = charm.logs("DEBUG");
    assert!(
        debug.iter().any(|m| m == "Emitting Juju event start."),
        "{debug:?}"
    );
    assert!(out.stderr.contains("handling start (#2)"), "{}", out.stderr);
}

#[test]
fn juju_debug_at_says_there_are_no_breakpoints_and_runs_the_hook() {
    // `juju debug-code` sets JUJU_DEBUG_AT; ops would drop into pdb. Here the hook runs to the
    // end, and its stderr (shown in the debug-code session) says why and what to do instead.
    let charm = Charm::new();
    charm.behaviour(json!({"*": ["log"]}));
    let out = charm.run("hooks/install", &[("JUJU_DEBUG_AT", "all")]).ok();
    assert!(
        out.stderr
            .contains("JUJU_DEBUG_AT=all: ops for Rust has no pdb breakpoints"),
        "{}",
        out.stderr
    );
    assert_eq!(charm.logs("INFO"), ["handling install (#1)"]);
    // Nothing is printed without it; no hook tool is called for it.
    let out = charm.run("hooks/start", &[]).ok();
    assert!(!out.stderr.contains("JUJU_DEBUG_AT"), "{}", out.stderr);
}

#[test]
fn env_var_unset_marker_removes_a_variable() {
    // The harness itself: UNSET removes a base variable (used by the bad-input tests).
    let charm = Charm::new();
    let out = charm.run("hooks/install", &[("JUJU_MODEL_NAME", UNSET)]);
    assert_eq!(out.code, Some(0));
    charm
        .run("actions/get-model-name", &[("JUJU_MODEL_NAME", UNSET)])
        .ok();
    assert_eq!(
        charm.calls_of("action-set"),
        vec![argv(&["action-set", "model-name="])]
    );
}
