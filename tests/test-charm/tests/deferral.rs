//! Deferral and re-emission across hooks, and what a failing or panicking handler leaves behind:
//! exit 1, exactly one `juju-log --log-level ERROR` naming the error, and nothing committed
//! (stored state, deferred events and relation data all as before the hook).

mod support;

use serde_json::json;
use support::{argv, Charm};

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn deferred_events_are_re_emitted_first_in_order_then_the_new_event() {
    let charm = Charm::new();
    charm.behaviour(json!({"config_changed": ["defer"], "update_status": ["defer"]}));

    charm.run("hooks/config-changed", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["config_changed"]);
    let state = charm.state().expect("state");
    assert_eq!(state.deferred(), pairs(&[("config_changed", "on_hook")]));
    assert_eq!(state.notices[0].path, "TestCharm/on/config_changed[1]");

    charm.clear_observed();
    charm.run("hooks/update-status", &[]).ok();
    assert_eq!(
        charm.observed_events(),
        vec!["config_changed", "update_status"]
    );
    let state = charm.state().expect("state");
    assert_eq!(
        state.deferred(),
        pairs(&[("config_changed", "on_hook"), ("update_status", "on_hook")])
    );
    assert_eq!(state.notices[1].path, "TestCharm/on/update_status[2]");

    // A deferred event keeps its place: the next hook re-emits both, in order, then its own.
    charm.clear_observed();
    charm.behaviour(json!({"update_status": ["defer"]}));
    charm.run("hooks/start", &[]).ok();
    assert_eq!(
        charm.observed_events(),
        vec!["config_changed", "update_status", "start"]
    );
    let state = charm.state().expect("state");
    assert_eq!(state.deferred(), pairs(&[("update_status", "on_hook")]));
    assert_eq!(state.notices[0].path, "TestCharm/on/update_status[2]");
    assert_eq!(state.handled(), 6);
    assert_eq!(state.counts()["config_changed"], 3);
    assert_eq!(state.counts()["update_status"], 2);
    assert_eq!(state.event_count, Some(3));

    charm.clear_observed();
    charm.behaviour(json!({}));
    charm.run("hooks/stop", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["update_status", "stop"]);
    assert!(charm.state().expect("state").notices.is_empty());
}

#[test]
fn a_deferred_relation_event_is_re_emitted_with_its_arguments() {
    let charm = Charm::new();
    charm.behaviour(json!({"db_relation_joined": ["defer"]}));
    charm
        .run(
            "hooks/db-relation-joined",
            &[
                ("JUJU_RELATION", "db"),
                ("JUJU_RELATION_ID", "db:3"),
                ("JUJU_REMOTE_APP", "remote"),
                ("JUJU_REMOTE_UNIT", "remote/2"),
            ],
        )
        .ok();
    charm.behaviour(json!({}));
    charm.clear_observed();
    charm.run("hooks/update-status", &[]).ok();
    let o = charm.observed();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0]["event"], "db_relation_joined");
    assert_eq!(o[0]["relation_id"], 3);
    assert_eq!(o[0]["app"], "remote");
    assert_eq!(o[0]["unit"], "remote/2");
    assert_eq!(o[1]["event"], "update_status");
}

/// What ops (≥ 2.18, `skip_duplicate_events`) logs at INFO for a handler it skips.
fn skipped(path: &str, method: &str) -> String {
    format!("Skipping notice ({path}/TestCharm/{method}) - already in the queue.")
}

#[test]
fn an_event_equal_to_one_still_deferred_is_not_run_again() {
    let charm = Charm::new();
    charm.behaviour(json!({"config_changed": ["defer"]}));
    charm.run("hooks/config-changed", &[]).ok();
    charm.clear_observed();
    charm.run("hooks/config-changed", &[]).ok();
    // The first is re-emitted and deferred again; it stands for the second, whose handler does
    // not run and which is not queued (as ops ≥ 2.18).
    assert_eq!(charm.observed_events(), vec!["config_changed"]);
    assert_eq!(
        charm.logs("INFO"),
        vec![skipped("TestCharm/on/config_changed[2]", "on_hook")]
    );
    let state = charm.state().expect("state");
    assert_eq!(state.deferred(), pairs(&[("config_changed", "on_hook")]));
    assert_eq!(state.notices[0].path, "TestCharm/on/config_changed[1]");
    assert_eq!(state.counts()["config_changed"], 2);

    // Once the handler stops deferring, the queued one runs, and then a new one runs too (the
    // queue is empty by then).
    charm.behaviour(json!({}));
    charm.clear_observed();
    charm.run("hooks/config-changed", &[]).ok();
    assert_eq!(
        charm.observed_events(),
        vec!["config_changed", "config_changed"]
    );
    assert!(charm.state().expect("state").notices.is_empty());
}

#[test]
fn events_with_different_arguments_are_not_duplicates() {
    let charm = Charm::new();
    charm.behaviour(json!({"db_relation_changed": ["defer"]}));
    let env = |unit: &'static str| {
        [
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:3"),
            ("JUJU_REMOTE_APP", "remote"),
            ("JUJU_REMOTE_UNIT", unit),
        ]
    };
    charm
        .run("hooks/db-relation-changed", &env("remote/0"))
        .ok();
    charm
        .run("hooks/db-relation-changed", &env("remote/1"))
        .ok();
    let state = charm.state().expect("state");
    assert_eq!(state.notices.len(), 2, "another remote unit: another event");
    charm.clear_observed();
    charm
        .run("hooks/db-relation-changed", &env("remote/0"))
        .ok();
    // Both queued ones re-emitted; the new one equals the first.
    let units: Vec<_> = charm.observed().iter().map(|o| o["unit"].clone()).collect();
    assert_eq!(units, vec![json!("remote/0"), json!("remote/1")]);
    assert_eq!(
        charm.logs("INFO"),
        vec![skipped(
            "TestCharm/on/db_relation_changed[3]",
            "on_relation"
        )]
    );
    assert_eq!(charm.state().expect("state").notices.len(), 2);
}

#[test]
fn secret_events_compare_as_ops_snapshots_them() {
    let charm = Charm::new();
    charm.behaviour(json!({"secret_changed": ["defer"], "secret_remove": ["defer"]}));
    let secret = |hook: &str, revision: &'static str| {
        charm
            .run(
                hook,
                &[
                    ("JUJU_SECRET_ID", "secret:abc"),
                    ("JUJU_SECRET_LABEL", "db"),
                    ("JUJU_SECRET_REVISION", revision),
                ],
            )
            .ok();
    };
    // ops does not keep a secret-changed event's revision: another revision is the same event.
    secret("hooks/secret-changed", "1");
    secret("hooks/secret-changed", "2");
    assert_eq!(
        charm.logs("INFO"),
        vec![skipped("TestCharm/on/secret_changed[2]", "on_secret")]
    );
    // secret-remove keeps it: another revision is another event.
    charm.take_calls();
    secret("hooks/secret-remove", "1");
    secret("hooks/secret-remove", "2");
    assert!(charm.logs("INFO").is_empty(), "{:?}", charm.logs("INFO"));
    let revisions: Vec<_> = charm
        .state()
        .expect("state")
        .notices
        .iter()
        .map(|n| {
            (
                n.event.name.clone(),
                n.event.secret.as_ref().and_then(|s| s.revision),
            )
        })
        .collect();
    assert_eq!(
        revisions,
        [
            ("secret_changed".to_string(), Some(1)),
            ("secret_remove".to_string(), Some(1)),
            ("secret_remove".to_string(), Some(2))
        ]
    );
}

#[test]
fn a_custom_event_equal_to_a_deferred_one_is_skipped_too() {
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["emit"], "custom:Ping": ["defer"]}));
    charm.run("hooks/start", &[]).ok();
    charm.clear_observed();
    charm.run("hooks/start", &[]).ok();
    let handlers: Vec<_> = charm
        .observed()
        .iter()
        .map(|o| o["handler"].as_str().unwrap_or_default().to_string())
        .collect();
    // The waiting Ping (deferred again), start, and not the new, equal Ping.
    assert_eq!(handlers, vec!["on_ping", "on_hook"]);
    assert_eq!(
        charm.logs("INFO"),
        vec![skipped("TestCharm/on/Ping[4]", "on_ping")]
    );
    assert_eq!(
        charm.state().expect("state").deferred(),
        pairs(&[("custom:Ping", "on_ping")])
    );
}

#[test]
fn a_handler_re_emitting_its_own_event_is_skipped_while_it_runs() {
    // As in ops, an event's notice is queued while its handlers run: a handler emitting an event
    // equal to the one it handles does not start an endless loop.
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["emit"], "custom:Ping": ["emit"]}));
    let out = charm.run("hooks/start", &[]);
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    let from: Vec<_> = charm
        .observed()
        .iter()
        .filter(|o| o["handler"] == "on_ping")
        .map(|o| o["from"].clone())
        .collect();
    assert_eq!(from.len(), 2, "{from:?}");
    assert_eq!(from[0], json!("start"));
    assert_eq!(charm.logs("INFO").len(), 1, "{:?}", charm.logs("INFO"));
    assert!(charm.state().is_none_or(|s| s.notices.is_empty()));
}

#[test]
fn collect_metrics_does_not_re_emit_deferred_events() {
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["defer"]}));
    charm.run("hooks/start", &[]).ok();
    charm.clear_observed();
    charm.run("hooks/collect-metrics", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["collect_metrics"]);
    assert_eq!(
        charm.state().expect("state").deferred(),
        pairs(&[("start", "on_hook")])
    );
    // The next ordinary hook does re-emit it.
    charm.clear_observed();
    charm.run("hooks/update-status", &[]).ok();
    assert_eq!(charm.observed_events(), vec!["start", "update_status"]);
}

#[test]
fn a_deferred_custom_event_is_re_emitted_before_the_next_hook() {
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["emit"], "custom:Ping": ["defer"]}));
    charm.run("hooks/start", &[]).ok();
    let state = charm.state().expect("state");
    assert_eq!(state.deferred(), pairs(&[("custom:Ping", "on_ping")]));
    charm.behaviour(json!({}));
    charm.clear_observed();
    charm.run("hooks/update-status", &[]).ok();
    let o = charm.observed();
    assert_eq!(o[0]["handler"], "on_ping");
    assert_eq!(o[0]["from"], "start");
    assert_eq!(o[1]["event"], "update_status");
    assert!(charm.state().expect("state").notices.is_empty());
}

fn assert_failed_once(charm: &Charm, out: &support::Outcome, needle: &str) {
    assert_eq!(out.code, Some(1), "stderr:\n{}", out.stderr);
    let errors = charm.logs("ERROR");
    assert_eq!(errors.len(), 1, "exactly one ERROR log: {errors:?}");
    assert!(
        errors[0].starts_with("Uncaught exception while in charm code:"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains(needle), "{:?} in {}", needle, errors[0]);
    assert!(out.stderr.contains(needle), "stderr:\n{}", out.stderr);
}

#[test]
fn a_failing_handler_exits_1_logs_once_and_commits_nothing() {
    let charm = Charm::new();
    charm.behaviour(json!({"install": ["defer"]}));
    charm.run("hooks/install", &[]).ok();
    let before = charm.state().expect("state");
    assert_eq!(before.deferred(), pairs(&[("install", "on_hook")]));

    // The re-emitted install succeeds (no longer deferred), then config-changed sets a status
    // and fails: the dropped notice and the new counts must not stick.
    charm.behaviour(json!({"config_changed": ["set-status", "fail"]}));
    charm.take_calls();
    let out = charm.run("hooks/config-changed", &[]);
    assert_failed_once(
        &charm,
        &out,
        "handler `on_hook` failed: config_changed failed on purpose",
    );
    assert_eq!(charm.state().expect("state"), before, "nothing committed");
    // Juju retries the hook; once it succeeds, both events are counted and the notice is gone.
    charm.behaviour(json!({"config_changed": []}));
    charm.run("hooks/config-changed", &[]).ok();
    let after = charm.state().expect("state");
    assert!(after.notices.is_empty());
    assert_eq!(after.handled(), before.handled() + 2);
}

#[test]
fn a_failing_first_hook_leaves_no_database() {
    let charm = Charm::new();
    charm.behaviour(json!({"install": ["defer", "fail"]}));
    let out = charm.run("hooks/install", &[]);
    assert_failed_once(&charm, &out, "install failed on purpose");
    assert!(charm.state().is_none(), "ops would have queued the event");
}

#[test]
fn a_panicking_handler_is_handled_like_an_error() {
    let charm = Charm::new();
    charm.run("hooks/install", &[]).ok();
    let before = charm.state().expect("state");
    charm.behaviour(json!({"start": ["panic"]}));
    charm.take_calls();
    let out = charm.run("hooks/start", &[]);
    assert_failed_once(&charm, &out, "start panicked on purpose");
    let error = &charm.logs("ERROR")[0];
    assert!(error.contains("on_hook"), "{error}");
    assert!(
        error.contains("src/lib.rs"),
        "the panic's location: {error}"
    );
    assert_eq!(charm.state().expect("state"), before);
}

#[test]
fn a_failing_re_emitted_event_stops_the_hook() {
    let charm = Charm::new();
    charm.behaviour(json!({"start": ["defer"]}));
    charm.run("hooks/start", &[]).ok();
    let before = charm.state().expect("state");
    charm.clear_observed();
    charm.behaviour(json!({"start": ["fail"]}));
    let out = charm.run("hooks/update-status", &[]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        charm.observed_events(),
        vec!["start"],
        "update_status never ran"
    );
    assert_eq!(charm.state().expect("state"), before);
}

#[test]
fn relation_data_is_written_once_when_the_handler_returns_and_not_at_all_on_failure() {
    let charm = Charm::new();
    let env = [
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:3"),
        ("JUJU_REMOTE_APP", "remote"),
        ("JUJU_REMOTE_UNIT", "remote/0"),
    ];
    let stdin = charm.dir.join("relation-set.stdin");
    charm.fake("relation-set", &format!("cat >> '{}'", stdin.display()));
    charm.behaviour(json!({"db_relation_changed": ["set-relation-data", "set-relation-data"]}));
    charm.run("hooks/db-relation-changed", &env).ok();
    assert_eq!(
        charm.calls_of("relation-set"),
        vec![argv(&["relation-set", "-r", "3", "--file", "-"])]
    );
    assert_eq!(
        std::fs::read_to_string(&stdin).expect("stdin"),
        "\"handled\": \"1\"\n"
    );
    // The relation-set came after the handler's last tool call, i.e. when it returned.
    let calls = charm.calls();
    assert_eq!(calls.last().expect("calls")[0], "relation-set");

    charm.take_calls();
    charm.behaviour(json!({"db_relation_changed": ["set-relation-data", "fail"]}));
    let out = charm.run("hooks/db-relation-changed", &env);
    assert_eq!(out.code, Some(1));
    assert!(charm.calls_of("relation-set").is_empty());
}

#[test]
fn events_that_cannot_be_deferred_fail_when_deferred() {
    let charm = Charm::new();
    charm.behaviour(json!({"foo_bar_action": ["defer"], "secret_rotate": ["defer"], "secret_expired": ["defer"]}));
    charm.fake("action-get", r#"echo '{"foo-name": "x", "silent": false}'"#);
    let out = charm.run("actions/foo-bar", &[]);
    assert_failed_once(&charm, &out, "cannot defer action events");

    charm.take_calls();
    let out = charm.run("hooks/secret-rotate", &[("JUJU_SECRET_ID", "secret:abc")]);
    assert_failed_once(&charm, &out, "Cannot defer secret rotation events");

    charm.take_calls();
    let out = charm.run(
        "hooks/secret-expired",
        &[
            ("JUJU_SECRET_ID", "secret:abc"),
            ("JUJU_SECRET_REVISION", "2"),
        ],
    );
    assert_failed_once(&charm, &out, "Cannot defer secret expiration events");
    assert!(charm.state().is_none());
}
