//! [`SimJuju`] at the hook-tool boundary: raw argv (formats, flag parsing, Juju's errors and exit
//! codes) and ops-core's typed [`Backend`] over it, plus the hook lifecycle (what a failed hook
//! keeps).

mod common;

use common::*;
use ops_core::hooktools::{
    Backend, HookToolError, RunError, SecretOptions, SecretOwner, ToolRunner,
};
use ops_core::meta::RelationRole;
use ops_core::version::JujuVersion;
use ops_core::Charm;
use ops_testing::sim::{JujuState, SimRelation, SimStorage};
use ops_testing::{SharedStore, SimError, SimEvent, SimJuju};
use serde_json::{json, Map};
use std::collections::BTreeMap;
use std::rc::Rc;

fn state() -> JujuState {
    let mut s = JujuState::new(TestCharm::meta(), "testcharm/0");
    s.relations.push(SimRelation {
        id: 3,
        endpoint: "db".into(),
        interface: "pgsql".into(),
        role: RelationRole::Requires,
        remote_app: "postgresql".into(),
        local_unit_data: BTreeMap::new(),
        local_app_data: BTreeMap::from([("user".into(), "u".into())]),
        remote_app_data: BTreeMap::from([("endpoint".into(), "pg:5432".into())]),
        remote_units: BTreeMap::from([(
            "postgresql/0".into(),
            BTreeMap::from([("host".into(), "10.1.1.1".into())]),
        )]),
        departed_units: BTreeMap::new(),
        broken: false,
    });
    s.storage.push(SimStorage {
        name: "data".into(),
        index: 0,
        kind: "filesystem".into(),
        location: "/srv/data/0".into(),
        attached: true,
    });
    s
}

fn sim() -> Rc<SimJuju> {
    Rc::new(SimJuju::new(TestCharm::meta(), state()))
}

fn backend(sim: &Rc<SimJuju>) -> Backend {
    Backend::for_unit(sim.clone(), "testcharm/0", JujuVersion::new(3, 1, 6))
}

fn call(sim: &SimJuju, argv: &[&str]) -> (i32, String, String) {
    call_with(sim, argv, None)
}

fn call_with(sim: &SimJuju, argv: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let args: Vec<String> = argv[1..].iter().map(|s| s.to_string()).collect();
    let out = sim
        .run(argv[0], &args, stdin.map(str::as_bytes))
        .expect("a simulated tool");
    (
        out.code.unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tools_outside_hooks_and_unknown_tools() {
    let sim = sim();
    let (code, _, err) = call(&sim, &["is-leader"]);
    assert_eq!(code, 1);
    assert_eq!(err, "ERROR is-leader: not running in a hook\n");
    assert!(matches!(
        sim.run("kubectl", &[], None),
        Err(RunError::NotFound(t)) if t == "kubectl"
    ));
}

#[test]
fn flags_parse_as_gnuflag() -> TestResult {
    let sim = sim();
    sim.begin(&SimEvent::hook("update-status"))?;
    assert_eq!(
        call(&sim, &["relation-get", "--bogus"]),
        (
            2,
            String::new(),
            "ERROR option provided but not defined: --bogus\n".into()
        )
    );
    assert_eq!(
        call(&sim, &["relation-list", "-r"]).2,
        "ERROR option needs an argument: -r\n"
    );
    let (code, _, err) = call(&sim, &["relation-list", "-r", "99"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "ERROR invalid value \"99\" for option -r: relation not found\n"
    );
    assert_eq!(
        call(&sim, &["status-get", "--format=xml"]).2,
        "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n"
    );
    assert_eq!(
        call(&sim, &["status-set", "sleeping"]).2,
        "ERROR invalid status \"sleeping\", expected one of [maintenance blocked waiting active]\n"
    );
    assert_eq!(
        call(&sim, &["is-leader", "extra"]).2,
        "ERROR unrecognized args: [\"extra\"]\n"
    );
    assert_eq!(
        call(&sim, &["status-get", "--include-data=maybe"]).2,
        "ERROR invalid value \"maybe\" for option --include-data: parse error\n"
    );
    // Flags after positionals, `--flag value`, `-r name:id`, and `--`.
    assert_eq!(
        call(
            &sim,
            &["relation-get", "host", "postgresql/0", "-r", "db:3"]
        ),
        (0, "10.1.1.1\n".into(), String::new())
    );
    assert_eq!(call(&sim, &["juju-log", "--", "-starts with a dash"]).0, 0);
    assert_eq!(sim.logs()[0].message, "-starts with a dash");
    assert_eq!(sim.logs()[0].level, "INFO");
    sim.finish(0);
    Ok(())
}

#[test]
fn output_formats() -> TestResult {
    let sim = sim();
    sim.begin(&SimEvent::hook("update-status"))?;
    assert_eq!(call(&sim, &["config-get", "port"]).1, "8080\n");
    assert_eq!(
        call(&sim, &["config-get", "ratio", "--format=json"]).1,
        "1.5\n"
    );
    assert_eq!(
        call(&sim, &["config-get", "--format=json"]).1,
        "{\"debug\":false,\"name\":\"\",\"port\":8080,\"ratio\":1.5}\n",
        "unset options without a default are left out"
    );
    assert!(call(&sim, &["config-get", "--all", "--format=json"])
        .1
        .contains("\"token\":null"));
    assert_eq!(call(&sim, &["is-leader"]).1, "False\n");
    assert_eq!(call(&sim, &["relation-ids", "db"]).1, "db:3\n");
    assert_eq!(
        call(
            &sim,
            &[
                "relation-get",
                "-r",
                "3",
                "-",
                "postgresql",
                "--app",
                "--format=yaml"
            ]
        )
        .1,
        "endpoint: \"pg:5432\"\n",
        "juju-sim quotes scalars with a colon"
    );
    assert_eq!(call(&sim, &["status-get"]).1, "unknown\n");
    assert_eq!(
        call(&sim, &["goal-state"]).1,
        "relations:\n  db:\n    postgresql:\n      since: \"2024-01-01T00:00:00Z\"\n      status: joined\n    postgresql/0:\n      since: \"2024-01-01T00:00:00Z\"\n      status: joined\nunits:\n  testcharm/0:\n    since: \"2024-01-01T00:00:00Z\"\n    status: active\n"
    );
    sim.finish(0);
    Ok(())
}

#[test]
fn storage_get_help_gives_ops_its_storage_key() -> TestResult {
    let sim = sim();
    sim.begin(&SimEvent::hook("data-storage-attached").storage("data/0"))?;
    let (code, help, _) = call(&sim, &["storage-get", "--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("-s  (= data/0)"), "{help}");
    let (index, location) = backend(&sim).storage_event_details()?;
    assert_eq!((index, location.as_str()), (0, "/srv/data/0"));
    assert_eq!(
        call(&sim, &["storage-get", "-s", "data/1"]).2,
        "ERROR invalid value \"data/1\" for option -s: storage attachment data/1:testcharm/0 not found\n"
    );
    sim.finish(0);
    Ok(())
}

#[test]
fn relation_tools_through_the_backend() -> TestResult {
    let sim = sim();
    sim.begin(
        &SimEvent::hook("db-relation-changed")
            .relation(3)
            .remote_unit("postgresql/0"),
    )?;
    let b = backend(&sim);
    assert_eq!(b.relation_ids("db")?, [3]);
    assert_eq!(b.relation_list(3)?, ["postgresql/0"]);
    assert_eq!(
        b.relation_remote_app_name(3)?.as_deref(),
        Some("postgresql")
    );
    assert_eq!(
        b.relation_get(3, "postgresql", true)?
            .get("endpoint")
            .map(String::as_str),
        Some("pg:5432")
    );
    // This application's databag is the leader's.
    let err = b
        .relation_get(3, "testcharm", true)
        .expect_err("not leader");
    assert_eq!(err.stderr(), Some("ERROR permission denied\n"));
    let err = b
        .relation_set(3, &[("user", "x")], true)
        .expect_err("not leader");
    assert_eq!(err.stderr(), Some("ERROR cannot write relation settings\n"));
    // Writes through YAML on stdin, visible to the hook at once.
    b.relation_set(3, &[("a", "multi\nline: 'quoted'"), ("b", "true")], false)?;
    let mine = b.relation_get(3, "testcharm/0", false)?;
    assert_eq!(
        mine.get("a").map(String::as_str),
        Some("multi\nline: 'quoted'")
    );
    assert_eq!(mine.get("b").map(String::as_str), Some("true"));
    assert!(matches!(
        b.relation_list(42),
        Err(HookToolError::RelationNotFound { id: Some(42) })
    ));
    let err = b
        .relation_get(3, "mysql/0", false)
        .expect_err("not in the relation");
    assert!(err
        .stderr()
        .unwrap_or_default()
        .contains("settings not found"));
    sim.finish(0);
    assert_eq!(
        sim.state().relation(3).map(|r| r.local_unit_data.len()),
        Some(2)
    );
    Ok(())
}

#[test]
fn a_failed_hook_keeps_only_immediate_writes() -> TestResult {
    let sim = sim();
    sim.state_mut().leader = true;
    sim.begin(&SimEvent::hook("update-status"))?;
    let b = backend(&sim);
    b.status_set("active", "kept", false)?;
    b.application_version_set("2.0")?;
    b.leader_set(&[("k", "v")])?;
    b.relation_set(3, &[("dropped", "yes")], false)?;
    b.open_port("tcp", Some(80))?;
    let id = b.secret_add(
        &BTreeMap::from([("key".to_string(), "v".to_string())]),
        &SecretOptions::default(),
        Some(SecretOwner::Unit),
    )?;
    // The hook sees the ports it opened (Juju >= 2.9 merges its pending changes)...
    assert_eq!(b.opened_ports()?.len(), 1);
    sim.finish(1);
    let state = sim.state();
    assert_eq!(state.unit_status.message, "kept");
    assert_eq!(state.workload_version, "2.0");
    assert_eq!(
        state.leader_settings.get("k").map(String::as_str),
        Some("v")
    );
    assert!(state
        .relation(3)
        .is_some_and(|r| r.local_unit_data.is_empty()));
    // ...but they are not kept when it fails.
    assert!(state.opened_ports.is_empty());
    assert!(state.secret(&id).is_none());
    assert_eq!(state.secret_seq, 1, "secret ids are not reused");
    Ok(())
}

#[test]
fn secret_tools_through_the_backend() -> TestResult {
    let sim = sim();
    sim.state_mut().leader = true;
    sim.begin(&SimEvent::hook("update-status"))?;
    let b = backend(&sim);
    let content = BTreeMap::from([("password".to_string(), "one".to_string())]);
    let id = b.secret_add(
        &content,
        &SecretOptions {
            label: Some("creds".into()),
            ..SecretOptions::default()
        },
        Some(SecretOwner::Application),
    )?;
    assert!(id.starts_with("secret:") && id.len() == 27, "{id}");
    assert_eq!(b.secret_get(Some(&id), None, false, false)?, content);
    assert_eq!(b.secret_get(None, Some("creds"), false, false)?, content);
    let info = b.secret_info_get(Some(&id), None)?;
    assert_eq!((info.revision, info.label.as_deref()), (1, Some("creds")));
    let err = b
        .secret_add(
            &content,
            &SecretOptions {
                label: Some("creds".into()),
                ..SecretOptions::default()
            },
            Some(SecretOwner::Application),
        )
        .expect_err("labels are unique per owner");
    assert!(err.stderr().unwrap_or_default().contains("already exists"));
    b.secret_set(
        &id,
        Some(&BTreeMap::from([(
            "password".to_string(),
            "two".to_string(),
        )])),
        &SecretOptions::default(),
    )?;
    assert_eq!(b.secret_info_get(None, Some("creds"))?.revision, 2);
    b.secret_grant(&id, 3, Some("postgresql/0"))?;
    let err = b
        .secret_grant(&id, 3, Some("mysql/0"))
        .expect_err("wrong app");
    assert!(err
        .stderr()
        .unwrap_or_default()
        .contains("cannot specify unit"));
    b.secret_revoke(&id, 3, None)?;
    assert_eq!(b.secret_ids()?, std::slice::from_ref(&id));
    b.secret_remove(&id, Some(1))?;
    assert!(b.secret_get(Some(&id), None, false, false).is_ok());
    b.secret_remove(&id, None)?;
    assert!(matches!(
        b.secret_get(Some(&id), None, false, false),
        Err(HookToolError::SecretNotFound { .. })
    ));
    assert!(b.secret_ids()?.is_empty());
    sim.finish(0);
    Ok(())
}

#[test]
fn consumer_secrets_track_revisions() -> TestResult {
    let sim = sim();
    let id = ops_testing::sim::make_secret_id("consumer");
    sim.state_mut().secrets.push(ops_testing::sim::SimSecret {
        id: id.clone(),
        owner: "postgresql".into(),
        label: None,
        description: None,
        expire: None,
        rotate: None,
        revisions: vec![
            ops_testing::sim::SecretRevision {
                revision: 1,
                content: BTreeMap::from([("key".into(), "v1".into())]),
            },
            ops_testing::sim::SecretRevision {
                revision: 2,
                content: BTreeMap::from([("key".into(), "v2".into())]),
            },
        ],
        grants: BTreeMap::from([(3, vec!["testcharm".to_string()])]),
        consumer_label: None,
        consumer_revision: Some(1),
    });
    sim.begin(&SimEvent::hook("secret-changed").secret(id.clone()))?;
    let b = backend(&sim);
    let get = |refresh, peek| {
        b.secret_get(Some(&id), None, refresh, peek)
            .map(|c| c.get("key").cloned().unwrap_or_default())
    };
    assert_eq!(get(false, false)?, "v1", "the tracked revision");
    assert_eq!(get(false, true)?, "v2", "peek does not track");
    assert_eq!(get(false, false)?, "v1");
    assert_eq!(get(true, false)?, "v2", "refresh tracks the latest");
    assert_eq!(get(false, false)?, "v2");
    // A consumer has no access to the owner's metadata.
    assert!(matches!(
        b.secret_info_get(Some(&id), None),
        Err(HookToolError::SecretNotFound { .. })
    ));
    sim.finish(0);
    assert_eq!(
        sim.state().secret(&id).and_then(|s| s.consumer_revision),
        Some(2)
    );
    Ok(())
}

#[test]
fn action_tools_only_in_actions() -> TestResult {
    let sim = sim();
    sim.begin(&SimEvent::hook("update-status"))?;
    let err = backend(&sim).action_get().expect_err("not an action");
    assert_eq!(err.stderr(), Some("ERROR not running an action\n"));
    sim.finish(0);
    let params = json!({"who": "bob"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    sim.begin(&SimEvent::action("greet", params))?;
    let b = backend(&sim);
    assert_eq!(
        serde_json::Value::Object(b.action_get()?),
        json!({"who": "bob", "times": 1}),
        "the schema's defaults are added"
    );
    b.action_set(
        &json!({"a": {"b": 1}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )?;
    b.action_log("working")?;
    let (code, _, err) = call(&sim, &["action-set", "stdout=x"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR cannot set reserved action key \"stdout\"\n")
    );
    b.action_fail("bad")?;
    sim.finish(0);
    let out = sim.last_action().expect("an action");
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"a": {"b": "1"}})
    );
    assert_eq!(out.logs, ["working"]);
    assert_eq!(out.failure.as_deref(), Some("bad"));
    Ok(())
}

#[test]
fn the_rest_of_the_tools() -> TestResult {
    let sim = sim();
    sim.begin(&SimEvent::hook("update-status"))?;
    let b = backend(&sim);
    assert_eq!(b.planned_units()?, 1);
    assert_eq!(b.unit_get("private-address")?, "10.0.0.10");
    let net = b.network_get("admin", None)?;
    assert_eq!(net.bind_address(), Some("10.0.0.10"));
    assert_eq!(net.interfaces[0].subnet().as_deref(), Some("10.0.0.0/24"));
    let err = b.network_get("nowhere", None).expect_err("unknown binding");
    assert_eq!(
        err.stderr(),
        Some("ERROR no network config found for binding \"nowhere\"\n")
    );
    b.state_set("k", "v")?;
    assert_eq!(b.state_get("k")?.as_deref(), Some("v\n"));
    b.state_delete("k")?;
    assert_eq!(b.state_get("k")?, None);
    assert_eq!(b.leader_get("missing")?, None);
    let err = b.leader_set(&[("k", "v")]).expect_err("not leader");
    assert!(err.stderr().unwrap_or_default().contains("not the leader"));
    let err = b
        .add_metrics(&[("m", 1.0)], &[])
        .expect_err("only in collect-metrics");
    assert_eq!(
        err.stderr(),
        Some("ERROR metrics not allowed in this context\n")
    );
    let err = b.resource_get("blob").expect_err("no resource");
    // Juju names the URL the unit agent downloads the resource from.
    assert_eq!(
        err.stderr().unwrap_or_default(),
        format!(
            "ERROR could not download resource: HTTP request failed: Get \
             https://{}/model/{}/units/unit-testcharm-0/resources/blob: \
             resource#testcharm/blob not found\n",
            ops_testing::sim::DEFAULT_CONTROLLER_API,
            ops_testing::sim::DEFAULT_MODEL_UUID
        )
    );
    assert_eq!(b.storage_list("data")?, [0]);
    b.storage_add("cache", 2)?;
    let err = b.storage_add("nope", 1).expect_err("undeclared");
    assert_eq!(err.stderr(), Some("ERROR storage \"nope\" not found\n"));
    b.open_port("udp", Some(53))?;
    let err = b.open_port("tcp", Some(0)).expect_err("port 0");
    assert_eq!(
        err.stderr(),
        Some("ERROR port must be in the range [1, 65535]; got \"0\"\n")
    );
    sim.finish(0);
    assert_eq!(sim.state().requested_storage, [("cache".to_string(), 2)]);
    assert_eq!(sim.state().opened_ports, ["53/udp"]);
    Ok(())
}

#[test]
fn begin_refuses_events_the_state_cannot_have() -> TestResult {
    let sim = sim();
    assert_eq!(
        sim.begin(&SimEvent::hook("db-relation-changed").relation(9)),
        Err(SimError::RelationNotFound {
            hook: "db-relation-changed".into(),
            id: Some(9)
        })
    );
    assert!(matches!(
        sim.begin(&SimEvent::hook("data-storage-attached").storage("data/5")),
        Err(SimError::StorageNotFound { .. })
    ));
    assert!(matches!(
        sim.begin(&SimEvent::hook("secret-changed").secret("secret:x")),
        Err(SimError::SecretNotFound { .. })
    ));
    assert!(matches!(
        sim.begin(&SimEvent::action("dance", Map::new())),
        Err(SimError::UnknownAction(_))
    ));
    sim.begin(&SimEvent::hook("install"))?;
    assert_eq!(
        sim.begin(&SimEvent::hook("start")),
        Err(SimError::HookRunning)
    );
    sim.finish(0);
    Ok(())
}

#[test]
fn dispatch_runs_the_production_dispatcher() -> TestResult {
    let sim = sim();
    let store = SharedStore::new();
    let done = sim.dispatch::<TestCharm>(&store, &SimEvent::hook("install"))?;
    let report = done.outcome?;
    assert_eq!(report.event, "install");
    assert!(report.committed);
    let charm: TestCharm = serde_json::from_slice(
        &store
            .get(<TestCharm as ops_core::StoredState>::KEY)
            .unwrap_or_default(),
    )?;
    assert_eq!(charm.events, ["install"]);
    // The same hook tools as production, by argv.
    let trace = sim.trace();
    assert_eq!(
        trace[0].argv,
        [
            "status-set",
            "--application=False",
            "maintenance",
            "installing"
        ]
    );
    assert!(trace.iter().all(|c| c.exit == 0));
    // A commit that fails is a failed hook.
    store.fail_next_commit("disk full");
    let done = sim.dispatch::<TestCharm>(&store, &SimEvent::hook("update-status"))?;
    assert!(done.outcome.is_err());
    assert_eq!(store.commit_count(), 1);
    Ok(())
}
