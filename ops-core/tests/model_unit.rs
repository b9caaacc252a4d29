//! The model's unit and application (status, leadership, workload version, ports, containers),
//! config, storage, networks and resources against the scripted fake runner: exact argv, parsing,
//! caching and ops 2.1.1's error messages.

#![allow(clippy::unwrap_used)]

#[path = "model_support/mod.rs"]
mod support;

use std::path::PathBuf;

use ops_core::hooktools::{HookToolError, OpenedPort, Protocol, RunError, ToolOutput};
use ops_core::model::{ModelError, Status};
use support::{argv, fixture, fixture_leader, relation_not_found};

// ---- identity ----------------------------------------------------------------------------------

#[test]
fn unit_app_and_model_names_come_from_the_environment() {
    let f = fixture();
    assert_eq!(f.model.unit().name(), "myapp/0");
    assert_eq!(f.model.app().name(), "myapp");
    assert_eq!(f.model.unit().app(), f.model.app());
    assert_eq!(f.model.get_unit("remote/3").app().name(), "remote");
    assert_eq!(f.model.name(), Some("testing"));
    assert_eq!(f.model.uuid(), Some("1234-uuid"));
    assert!(f.model.unit().is_ours());
    assert!(!f.model.get_unit("remote/3").is_ours());
    assert!(f.calls().is_empty());
}

// ---- status ------------------------------------------------------------------------------------

#[test]
fn unit_status_is_read_once_and_parsed() {
    let f = fixture();
    f.fake.on_ok(
        "status-get",
        r#"{"message":"doing things","status":"maintenance","status-data":{}}"#,
    );
    assert_eq!(
        f.model.unit().status().unwrap(),
        Status::maintenance("doing things")
    );
    assert_eq!(
        f.model.unit().status().unwrap(),
        Status::maintenance("doing things")
    );
    assert_eq!(
        f.take(),
        vec![argv(&[
            "status-get",
            "--include-data",
            "--application=False",
            "--format=json"
        ])]
    );
}

#[test]
fn unit_status_set_passes_python_bools_and_is_cached() {
    let f = fixture();
    f.model.unit().set_status(Status::active("")).unwrap();
    f.model
        .unit()
        .set_status(Status::blocked("needs a relation"))
        .unwrap();
    // What was set is what is read: no status-get.
    assert_eq!(
        f.model.unit().status().unwrap(),
        Status::blocked("needs a relation")
    );
    assert_eq!(
        f.take(),
        vec![
            argv(&["status-set", "--application=False", "active", ""]),
            argv(&[
                "status-set",
                "--application=False",
                "blocked",
                "needs a relation"
            ]),
        ]
    );
}

#[test]
fn unknown_status_names_read_as_unknown() {
    let f = fixture();
    f.fake
        .on_ok("status-get", r#"{"message":"","status":"terminated"}"#);
    assert_eq!(f.model.unit().status().unwrap(), Status::Unknown);
}

#[test]
fn status_get_garbage_or_failure_is_a_typed_error() {
    let f = fixture();
    f.fake.on_ok("status-get", "garbage");
    let err = f.model.unit().status().unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("status-get --include-data --application=False --format=json"),
        "{text}"
    );
    assert!(text.contains("garbage"), "{text}");

    let f = fixture();
    f.fake.on_ok("status-get", r#"{"status":"active"}"#);
    let err = f.model.unit().status().unwrap_err();
    assert!(err.to_string().contains("missing \"message\""), "{err}");

    let f = fixture();
    f.fake
        .on_fail("status-get", 1, "ERROR connection refused\n");
    let err = f.model.unit().status().unwrap_err();
    assert!(
        err.to_string().contains("ERROR connection refused"),
        "{err}"
    );
    // A failed read is not cached.
    f.fake
        .on_ok("status-get", r#"{"message":"","status":"active"}"#);
    assert_eq!(f.model.unit().status().unwrap(), Status::active(""));
}

#[test]
fn app_status_for_the_leader() {
    let f = fixture_leader(true);
    f.fake.on_ok(
        "status-get",
        r#"{"application-status":{"message":"all good","status":"active","status-data":{},"units":{}}}"#,
    );
    assert_eq!(f.model.app().status().unwrap(), Status::active("all good"));
    assert_eq!(f.model.app().status().unwrap(), Status::active("all good"));
    f.model
        .app()
        .set_status(Status::waiting("for peers"))
        .unwrap();
    assert_eq!(
        f.model.app().status().unwrap(),
        Status::waiting("for peers")
    );
    assert_eq!(
        f.take(),
        vec![
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "status-get",
                "--include-data",
                "--application=True",
                "--format=json"
            ]),
            argv(&["status-set", "--application=True", "waiting", "for peers"]),
        ]
    );
}

#[test]
fn app_status_is_for_the_leader_only() {
    let f = fixture_leader(false);
    let err = f.model.app().status().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot get application status as a non-leader unit"
    );
    let err = f.model.app().set_status(Status::active("")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot set application status as a non-leader unit"
    );
    assert_eq!(f.count("status-get") + f.count("status-set"), 0);
}

#[test]
fn remote_statuses_are_unknown_and_cannot_be_set() {
    let f = fixture();
    assert_eq!(
        f.model.get_unit("remote/0").status().unwrap(),
        Status::Unknown
    );
    assert_eq!(f.model.get_app("remote").status().unwrap(), Status::Unknown);
    assert!(f
        .model
        .get_unit("remote/0")
        .set_status(Status::active(""))
        .is_err());
    assert!(f
        .model
        .get_app("remote")
        .set_status(Status::active(""))
        .is_err());
    assert!(f.model.get_unit("remote/0").is_leader().is_err());
    assert!(f.calls().is_empty());
}

#[test]
fn status_set_failure_names_the_call_and_keeps_the_old_status() {
    let f = fixture();
    f.fake
        .on_ok("status-get", r#"{"message":"","status":"maintenance"}"#);
    f.model.unit().status().unwrap();
    f.fake
        .on_fail("status-set", 1, "ERROR invalid status \"error\"\n");
    let err = f
        .model
        .unit()
        .set_status(Status::Error("boom".into()))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("status-set --application=False error boom"),
        "{text}"
    );
    assert!(text.contains("invalid status"), "{text}");
    assert_eq!(f.model.unit().status().unwrap(), Status::maintenance(""));
}

// ---- leadership, workload version, ports, containers -------------------------------------------

#[test]
fn is_leader_is_cached_within_the_lease() {
    let f = fixture_leader(true);
    assert!(f.model.unit().is_leader().unwrap());
    assert!(f.model.unit().is_leader().unwrap());
    assert_eq!(f.take(), vec![argv(&["is-leader", "--format=json"])]);

    let f = fixture();
    f.fake.on_ok("is-leader", "\"yes\"");
    let err = f.model.unit().is_leader().unwrap_err();
    assert!(err.to_string().contains("expected a JSON boolean"), "{err}");
}

#[test]
fn workload_version() {
    let f = fixture();
    f.model.unit().set_workload_version("1.2.3").unwrap();
    f.model.unit().set_workload_version("-dash").unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&["application-version-set", "--", "1.2.3"]),
            argv(&["application-version-set", "--", "-dash"]),
        ]
    );
    assert!(f
        .model
        .get_unit("remote/0")
        .set_workload_version("1")
        .is_err());
}

#[test]
fn ports_open_close_and_list() {
    let f = fixture();
    f.model.unit().open_port("TCP", Some(8080)).unwrap();
    f.model.unit().open_port("icmp", None).unwrap();
    f.model.unit().close_port("udp", Some(53)).unwrap();
    f.fake.on_ok("opened-ports", "8080/tcp\nicmp\n\n53/udp\n");
    let ports = f.model.unit().opened_ports().unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&["open-port", "8080/tcp"]),
            argv(&["open-port", "icmp"]),
            argv(&["close-port", "53/udp"]),
            argv(&["opened-ports"]),
        ]
    );
    assert_eq!(ports.len(), 3, "{ports:?}");
    let port = |protocol, port| OpenedPort { protocol, port };
    for want in [
        port(Protocol::Tcp, Some(8080)),
        port(Protocol::Udp, Some(53)),
        port(Protocol::Icmp, None),
    ] {
        assert!(ports.contains(&want), "{want:?} in {ports:?}");
    }
}

#[test]
fn open_port_failure_names_the_call() {
    let f = fixture();
    f.fake
        .on_fail("open-port", 1, "ERROR port range conflict\n");
    let err = f.model.unit().open_port("tcp", Some(80)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("open-port 80/tcp") && text.contains("port range conflict"),
        "{text}"
    );
}

#[test]
fn containers_are_checked_against_the_metadata() {
    let f = fixture();
    let c = f.model.unit().container("workload").unwrap();
    assert_eq!(c.name(), "workload");
    assert_eq!(
        c.socket_path(),
        PathBuf::from("/charm/containers/workload/pebble.socket")
    );
    let err = f.model.unit().container("nope").unwrap_err();
    assert_eq!(err.to_string(), "container 'nope' not found");
    assert!(f.model.get_unit("remote/0").container("workload").is_err());
    assert!(f.calls().is_empty());
}

// ---- config ------------------------------------------------------------------------------------

#[test]
fn config_is_read_once() {
    let f = fixture();
    f.fake.on_ok("config-get", r#"{"name":"x","port":8080}"#);
    let c = f.model.config_raw().unwrap();
    assert_eq!(c["name"], "x");
    assert_eq!(c["port"], 8080);
    f.model.config_raw().unwrap();
    assert_eq!(f.take(), vec![argv(&["config-get", "--format=json"])]);

    let f = fixture();
    f.fake.on_ok("config-get", "[1, 2]");
    let err = f.model.config_raw().unwrap_err();
    assert!(
        err.to_string().contains("config-get --format=json"),
        "{err}"
    );
}

// ---- storage -----------------------------------------------------------------------------------

#[test]
fn storages_are_listed_once_and_located_lazily() {
    let f = fixture();
    f.fake.on_ok("storage-list", r#"["data/0","data/2"]"#);
    f.fake.on_fn("storage-get", |args, _| {
        ToolOutput::ok(format!("\"/srv/{}\"", args[1].replace('/', "-")))
    });
    let storages = f.model.storages("data").unwrap();
    let ids: Vec<String> = storages.iter().map(|s| s.full_id()).collect();
    assert_eq!(ids, vec!["data/0", "data/2"]);
    assert_eq!((storages[1].name(), storages[1].index()), ("data", 2));
    assert_eq!(f.model.storages("data").unwrap().len(), 2);
    assert_eq!(
        f.take(),
        vec![argv(&["storage-list", "data", "--format=json"])]
    );

    assert_eq!(
        storages[1].location().unwrap(),
        PathBuf::from("/srv/data-2")
    );
    assert_eq!(
        storages[1].location().unwrap(),
        PathBuf::from("/srv/data-2")
    );
    assert_eq!(
        f.take(),
        vec![argv(&[
            "storage-get",
            "-s",
            "data/2",
            "location",
            "--format=json"
        ])]
    );

    // A location known from the event is not asked for.
    let s = f
        .model
        .storage_instance("data", 5, Some(PathBuf::from("/known")));
    assert_eq!(s.location().unwrap(), PathBuf::from("/known"));
    assert!(f.calls().is_empty());
}

#[test]
fn requesting_storage_runs_storage_add_and_forgets_the_list() {
    let f = fixture();
    f.fake.on_ok("storage-list", r#"["data/0"]"#);
    assert_eq!(f.model.storages("data").unwrap().len(), 1);
    f.model.request_storage("data", 2).unwrap();
    f.fake
        .on_ok("storage-list", r#"["data/0","data/1","data/2"]"#);
    assert_eq!(f.model.storages("data").unwrap().len(), 3);
    assert_eq!(
        f.take(),
        vec![
            argv(&["storage-list", "data", "--format=json"]),
            argv(&["storage-add", "data=2"]),
            argv(&["storage-list", "data", "--format=json"]),
        ]
    );
}

#[test]
fn unknown_storage_errors_are_those_of_ops() {
    let f = fixture();
    let err = f.model.storages("nope").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Storage 'nope' not found. Did you mean 'data', or 'cache'?"
    );
    let err = f.model.request_storage("nope", 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot add storage 'nope': it is not present in the charm metadata"
    );
    assert!(f.calls().is_empty());
}

#[test]
fn storage_tool_failures_and_garbage_are_typed_errors() {
    let f = fixture();
    f.fake.on_ok("storage-list", r#"["data"]"#);
    let err = f.model.storages("data").unwrap_err();
    assert!(err.to_string().contains("invalid storage id"), "{err}");

    let f = fixture();
    f.fake.on_ok("storage-get", "42");
    let err = f
        .model
        .storage_instance("data", 0, None)
        .location()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("storage-get -s data/0 location --format=json"),
        "{text}"
    );
    assert!(text.contains("expected a JSON string"), "{text}");
}

// ---- network -----------------------------------------------------------------------------------

const NETWORK: &str = r#"{"bind-addresses":[{"addresses":[{"cidr":"10.0.0.0/24","value":"10.0.0.5"}],"interface-name":"eth0","mac-address":""}],"egress-subnets":["10.0.0.5/32"],"ingress-addresses":["10.0.0.5"]}"#;

#[test]
fn network_is_read_once_per_binding() {
    let f = fixture();
    f.fake.on_ok("network-get", NETWORK);
    let n = f.model.network("db", Some(3)).unwrap();
    assert_eq!(n.bind_address(), Some("10.0.0.5"));
    assert_eq!(n.ingress_address(), Some("10.0.0.5"));
    assert_eq!(n.egress_subnets, vec!["10.0.0.5/32"]);
    assert_eq!(n.interfaces[0].name, "eth0");
    assert_eq!(n.interfaces[0].subnet().as_deref(), Some("10.0.0.0/24"));
    f.model.network("db", Some(3)).unwrap();
    assert_eq!(
        f.take(),
        vec![argv(&["network-get", "db", "-r", "3", "--format=json"])]
    );
}

#[test]
fn network_of_a_relation_that_is_gone_is_asked_again_without_it() {
    let f = fixture();
    f.fake
        .once("network-get", ToolOutput::failed(2, relation_not_found(3)));
    f.fake.on_ok("network-get", NETWORK);
    let n = f.model.network("db", Some(3)).unwrap();
    assert_eq!(n.bind_address(), Some("10.0.0.5"));
    assert_eq!(
        f.take(),
        vec![
            argv(&["network-get", "db", "-r", "3", "--format=json"]),
            argv(&["network-get", "db", "--format=json"]),
        ]
    );

    // Without a relation, relation-not-found is an error.
    let f = fixture();
    f.fake.on_fail("network-get", 2, &relation_not_found(3));
    let err = f.model.network("db", None).unwrap_err();
    assert!(err.is_relation_not_found(), "{err:?}");
    assert_eq!(f.count("network-get"), 1);

    // Other failures are not retried.
    let f = fixture();
    f.fake.on_fail("network-get", 1, "ERROR no such binding\n");
    let err = f.model.network("db", Some(3)).unwrap_err();
    assert!(err.to_string().contains("no such binding"), "{err}");
    assert_eq!(f.count("network-get"), 1);
}

// ---- resources ---------------------------------------------------------------------------------

#[test]
fn resources_must_be_declared_and_are_fetched_once() {
    let f = fixture();
    let err = f.model.resource("undeclared").unwrap_err();
    assert_eq!(err.to_string(), "invalid resource name: undeclared");
    assert!(f.calls().is_empty());

    f.fake
        .on_ok("resource-get", "/var/lib/juju/resources/config.txt\n");
    assert_eq!(
        f.model.resource("config-file").unwrap(),
        PathBuf::from("/var/lib/juju/resources/config.txt")
    );
    assert_eq!(
        f.model.resource("config-file").unwrap(),
        PathBuf::from("/var/lib/juju/resources/config.txt")
    );
    assert_eq!(f.take(), vec![argv(&["resource-get", "config-file"])]);

    f.fake
        .on_fail("resource-get", 1, "ERROR could not download resource\n");
    let err = f.model.resource("image").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("resource-get image") && text.contains("could not download"),
        "{text}"
    );
}

// ---- missing tools -----------------------------------------------------------------------------

#[test]
fn a_tool_missing_from_path_is_a_typed_error() {
    let f = fixture();
    f.fake.missing("status-set");
    let err = f.model.unit().set_status(Status::active("")).unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Run(RunError::NotFound(ref t))) if t == "status-set"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "command not found: status-set");
}
