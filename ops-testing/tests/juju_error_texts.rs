//! The simulated Juju prints each error as Juju's hook tools print it (exit code and stderr),
//! and ops-core's production backend turns each real text into the typed error ops raises.
//!
//! Each text is taken from Juju's source (github.com/juju/juju, 3.x): the hook tools in
//! `worker/uniter/runner/jujuc/`, the hook context behind them in
//! `worker/uniter/runner/context/context.go`, and the controller errors they pass on. A usage
//! error (bad flag value, bad arguments: `Init`) exits 2, a failed `Run` exits 1; both print
//! `ERROR <message>` (juju/cmd `Main`). Flag errors read `invalid value "<v>" for option -<f>:
//! <why>` (juju/gnuflag, with the hook tools' `FlagKnownAs: "option"`, cmd/cmd.go `Info`).

mod common;

use common::*;
use ops_core::hooktools::{Backend, HookToolError, RunError, ToolOutput, ToolRunner};
use ops_core::meta::RelationRole;
use ops_core::version::JujuVersion;
use ops_core::Charm;
use ops_testing::sim::{JujuState, SimRelation, SimStorage};
use ops_testing::{SimEvent, SimJuju};
use std::collections::BTreeMap;
use std::rc::Rc;

fn sim() -> Rc<SimJuju> {
    let mut s = JujuState::new(TestCharm::meta(), "testcharm/0");
    s.relations.push(SimRelation {
        id: 3,
        endpoint: "db".into(),
        interface: "pgsql".into(),
        role: RelationRole::Requires,
        remote_app: "postgresql".into(),
        local_unit_data: BTreeMap::new(),
        local_app_data: BTreeMap::new(),
        remote_app_data: BTreeMap::new(),
        remote_units: BTreeMap::from([("postgresql/0".into(), BTreeMap::new())]),
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
    Rc::new(SimJuju::new(TestCharm::meta(), s))
}

fn in_hook(event: SimEvent) -> Rc<SimJuju> {
    let sim = sim();
    sim.begin(&event).expect("the event fits the state");
    sim
}

fn backend(sim: &Rc<SimJuju>) -> Backend {
    Backend::for_unit(sim.clone(), "testcharm/0", JujuVersion::new(3, 1, 6))
}

/// `(exit code, stderr)` of one call.
fn call(sim: &SimJuju, argv: &[&str]) -> (i32, String) {
    let args: Vec<String> = argv[1..].iter().map(|s| s.to_string()).collect();
    let out = sim.run(argv[0], &args, None).expect("a simulated tool");
    (
        out.code.unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn err(code: i32, text: &str) -> (i32, String) {
    (code, format!("ERROR {text}\n"))
}

// ---- relation tools ----------------------------------------------------------------------------

#[test]
fn relation_tools_on_an_unknown_relation() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // context.go `Relation`: `errors.NotFoundf("relation")`, through the `-r` flag's parser
    // (jujuc relation-id `Set`).
    for tool in [
        "relation-get",
        "relation-list",
        "relation-set",
        "network-get",
    ] {
        let mut argv = vec![tool, "-r", "99"];
        if tool == "network-get" {
            argv.insert(1, "db");
        }
        assert_eq!(
            call(&sim, &argv),
            err(2, "invalid value \"99\" for option -r: relation not found"),
            "{tool}"
        );
    }
    // jujuc relation-id `Set`: the id after the last `:` must be a number.
    assert_eq!(
        call(&sim, &["relation-list", "-r", "db:x"]),
        err(
            2,
            "invalid value \"db:x\" for option -r: invalid relation id"
        )
    );
}

// ---- storage -----------------------------------------------------------------------------------

#[test]
fn storage_get_errors() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // storage-id.go `Set` → context.go `Storage` → the controller's
    // state/storage.go `storageAttachment`: `errors.NotFoundf("storage attachment %s:%s", ...)`.
    assert_eq!(
        call(&sim, &["storage-get", "-s", "data/9", "location"]),
        err(
            2,
            "invalid value \"data/9\" for option -s: storage attachment data/9:testcharm/0 not found"
        )
    );
    // storage-id.go `Set`: `names.IsValidStorage` first.
    assert_eq!(
        call(&sim, &["storage-get", "-s", "Data", "location"]),
        err(
            2,
            "invalid value \"Data\" for option -s: invalid storage ID \"Data\""
        )
    );
    // storage-get.go `Init`: no `-s` and no storage of the hook.
    assert_eq!(
        call(&sim, &["storage-get", "location"]),
        err(2, "no storage instance specified")
    );
    // storage-get.go `Run`: only `kind` and `location`.
    assert_eq!(
        call(&sim, &["storage-get", "-s", "data/0", "size"]),
        err(1, "invalid storage attribute \"size\"")
    );
    // storage-add.go `Init`.
    assert_eq!(
        call(&sim, &["storage-add"]),
        err(2, "storage add requires a storage directive")
    );
}

// ---- actions -----------------------------------------------------------------------------------

#[test]
fn action_tools_outside_an_action() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // context.go `ActionParams`, `UpdateActionResults`, `LogActionMessage`,
    // `SetActionMessage`: `errors.New("not running an action")`.
    for argv in [
        &["action-get"][..],
        &["action-set", "a=1"],
        &["action-log", "hello"],
        &["action-fail", "why"],
    ] {
        assert_eq!(
            call(&sim, argv),
            err(1, "not running an action"),
            "{argv:?}"
        );
    }
}

// ---- status, state, config, metrics, network -----------------------------------------------------

#[test]
fn status_set_arguments() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // status-set.go `Init`.
    assert_eq!(
        call(&sim, &["status-set"]),
        err(2, "invalid args, require <status> [message] [data]")
    );
    assert_eq!(
        call(&sim, &["status-set", "error", "x"]),
        err(
            2,
            "invalid status \"error\", expected one of [maintenance blocked waiting active]"
        )
    );
}

#[test]
fn state_get_strict_of_a_missing_key() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // context.go `GetCharmStateValue`: `errors.NotFoundf("%q", key)`, returned only with
    // `--strict` (state-get.go `Run`); without it the value is empty.
    assert_eq!(
        call(&sim, &["state-get", "--strict", "nope"]),
        err(1, "\"nope\" not found")
    );
    assert_eq!(call(&sim, &["state-get", "nope"]).0, 0);
}

#[test]
fn config_get_of_an_unknown_key_prints_nothing() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // config-get.go `Run`: `value, _ = settings[c.Key]` (nil), written by the smart formatter,
    // which prints nothing for nil; `--format=json` prints `null`.
    let args = ["nope".to_string()];
    let out = sim.run("config-get", &args, None).expect("a tool");
    assert_eq!((out.code, out.stdout.as_slice()), (Some(0), &b""[..]));
    let args = ["nope".to_string(), "--format=json".to_string()];
    let out = sim.run("config-get", &args, None).expect("a tool");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "null\n");
}

#[test]
fn metrics_and_network_errors() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // context.go `AddMetric`/`AddMetricLabels` outside collect-metrics.
    assert_eq!(
        call(&sim, &["add-metric", "m=1"]),
        err(1, "metrics not allowed in this context")
    );
    // network-get.go `Run`: the binding has no network info.
    assert_eq!(
        call(&sim, &["network-get", "nowhere"]),
        err(1, "no network config found for binding \"nowhere\"")
    );
}

// ---- leadership, credentials -----------------------------------------------------------------

#[test]
fn leader_only_tools_on_a_minion() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // leader-set.go `Run`: `errors.Annotatef(err, "cannot write leadership settings")` over
    // context/leader.go `WriteLeaderSettings`: `errors.Annotate(errIsMinion, "cannot write
    // settings")`, `errIsMinion = errors.New("not the leader")`.
    assert_eq!(
        call(&sim, &["leader-set", "k=v"]),
        err(
            1,
            "cannot write leadership settings: cannot write settings: not the leader"
        )
    );
    // status-set.go `Run` → context.go `SetApplicationStatus`: `ErrIsNotLeader`
    // (context/errors.go: "this unit is not the leader").
    assert_eq!(
        call(&sim, &["status-set", "--application", "active"]),
        err(1, "this unit is not the leader")
    );
    // status-get.go `ApplicationStatus`: `errors.Annotatef(err, "finding application status")`
    // over context.go `ApplicationStatus`'s `ErrIsNotLeader`.
    assert_eq!(
        call(&sim, &["status-get", "--application"]),
        err(1, "finding application status: this unit is not the leader")
    );
    // is-leader itself never fails for a minion: it answers False.
    let out = sim.run("is-leader", &[], None).expect("a tool");
    assert_eq!(
        (out.code, String::from_utf8_lossy(&out.stdout).into_owned()),
        (Some(0), "False\n".to_string())
    );
}

#[test]
fn credential_get_without_trust() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // The controller refuses a charm that was not granted `--trust` (credential-get.go `Run`:
    // `errors.Annotatef(err, "cannot access cloud credentials")` over `permission denied`).
    assert_eq!(
        call(&sim, &["credential-get"]),
        err(1, "cannot access cloud credentials: permission denied")
    );
}

// ---- ports ---------------------------------------------------------------------------------------

#[test]
fn open_and_close_port_arguments() {
    let sim = in_hook(SimEvent::hook("update-status"));
    // ports.go `Init`, `parseArguments` and the `validate` of `port` / `portRange` (usage
    // errors: exit 2).
    let cases = [
        ("0", "port must be in the range [1, 65535]; got \"0\""),
        (
            "70000/udp",
            "port must be in the range [1, 65535]; got \"70000\"",
        ),
        (
            "90-80",
            "invalid port range 90-80/tcp; expected fromPort <= toPort",
        ),
        (
            "0-10",
            "fromPort must be in the range [1, 65535]; got \"0\"",
        ),
        (
            "10-70000",
            "toPort must be in the range [1, 65535]; got \"70000\"",
        ),
        (
            "80/sctp",
            "protocol must be \"tcp\", \"udp\", or \"icmp\"; got \"sctp\"",
        ),
        (
            "8-9/icmp",
            "protocol \"icmp\" doesn't support any ports; got \"8\"",
        ),
        (
            "http",
            "expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got \"http\"",
        ),
    ];
    for tool in ["open-port", "close-port"] {
        for (arg, text) in cases {
            assert_eq!(call(&sim, &[tool, arg]), err(2, text), "{tool} {arg}");
        }
        assert_eq!(call(&sim, &[tool]), err(2, "no port or range specified"));
    }
    assert_eq!(call(&sim, &["open-port", "8000-8100/UDP"]).0, 0);
    assert_eq!(call(&sim, &["open-port", "icmp"]).0, 0);
}

// ---- the production backend's typed errors, over the simulated Juju ----------------------------

#[test]
fn the_backend_types_juju_s_not_found_texts() {
    let sim = in_hook(SimEvent::hook("update-status"));
    let b = backend(&sim);
    assert!(matches!(
        b.relation_get(99, "postgresql/0", false),
        Err(HookToolError::RelationNotFound { id: Some(99) })
    ));
    assert!(matches!(
        b.relation_list(99),
        Err(HookToolError::RelationNotFound { id: Some(99) })
    ));
    assert!(matches!(
        b.network_get("db", Some(99)),
        Err(HookToolError::RelationNotFound { id: Some(99) })
    ));
    let e = b.storage_location("data/9").expect_err("not attached");
    assert!(
        matches!(&e, HookToolError::StorageNotFound { id } if id == "data/9"),
        "{e:?}"
    );
    assert!(e.is_storage_not_found());
    // Not every failure is a "not found": an unknown binding stays a plain failure
    // (ops: `ModelError`), as does a failed action tool.
    assert!(matches!(
        b.network_get("nowhere", None),
        Err(HookToolError::Failed { code: Some(1), .. })
    ));
    assert!(matches!(b.action_get(), Err(HookToolError::Failed { .. })));
    assert_eq!(
        b.storage_location("data/0").ok(),
        Some("/srv/data/0".into())
    );
}

/// A tool that fails with fixed stderr, as a real Juju (or a fault) prints it.
struct Failing(&'static str);

impl ToolRunner for Failing {
    fn run(&self, _: &str, _: &[String], _: Option<&[u8]>) -> Result<ToolOutput, RunError> {
        Ok(ToolOutput {
            code: Some(2),
            stdout: Vec::new(),
            stderr: self.0.as_bytes().to_vec(),
        })
    }
}

#[test]
fn the_backend_reads_not_found_in_any_case_as_ops_does() {
    // ops: `'relation not found' in e.stderr.lower()`.
    let b = Backend::for_unit(
        Rc::new(Failing(
            "ERROR invalid value \"4\" for option -r: Relation Not Found\n",
        )),
        "testcharm/0",
        JujuVersion::new(3, 1, 6),
    );
    assert!(matches!(
        b.relation_list(4),
        Err(HookToolError::RelationNotFound { id: Some(4) })
    ));
    // Juju 2.9's `-s` text (before the controller's `storage attachment`) is typed too.
    let b = Backend::for_unit(
        Rc::new(Failing(
            "ERROR invalid value \"data/4\" for option -s: storage not found\n",
        )),
        "testcharm/0",
        JujuVersion::new(2, 9, 0),
    );
    assert!(matches!(
        b.storage_get("data/4", "kind"),
        Err(HookToolError::StorageNotFound { .. })
    ));
    // Another failure of a relation tool stays `Failed`.
    let b = Backend::for_unit(
        Rc::new(Failing("ERROR permission denied\n")),
        "testcharm/0",
        JujuVersion::new(3, 1, 6),
    );
    assert!(matches!(
        b.relation_list(4),
        Err(HookToolError::Failed { .. })
    ));
    assert!(matches!(
        b.storage_get("data/4", "kind"),
        Err(HookToolError::Failed { .. })
    ));
}
