//! The hook-tool backend against a scripted runner: exact argv, parsing of Juju's output formats
//! (as juju-sim prints them: Go-style compact JSON with sorted keys), error mapping and caching.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use ops_core::hooktools::{
    Backend, FakeClock, FakeRunner, HookToolError, MetricValue, OpenedPort, PortRange, Protocol,
    RunError, SecretContent, SecretOptions, SecretOwner, SecretRotate, StatusInfo, StatusName,
    ToolOutput, ToolRunner, MAX_LOG_LINE_LEN, REDACTED,
};
use ops_core::version::JujuVersion;
use serde_json::json;

fn version(v: &str) -> JujuVersion {
    JujuVersion::parse(v).expect("valid version")
}

fn setup() -> (Rc<FakeRunner>, Backend) {
    setup_version("3.1.6")
}

fn setup_version(v: &str) -> (Rc<FakeRunner>, Backend) {
    let fake = Rc::new(FakeRunner::new());
    let backend = Backend::for_unit(fake.clone(), "myapp/0", version(v));
    (fake, backend)
}

fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn content(items: &[(&str, &str)]) -> SecretContent {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const REL_NOT_FOUND: &str = "ERROR invalid value \"3\" for option -r: relation not found\n";

// ---- errors shared by every tool --------------------------------------------------------------

#[test]
fn failure_maps_to_failed_with_tool_args_and_stderr() {
    let (fake, b) = setup();
    fake.on_fail("relation-list", 1, "ERROR fooerror\n");
    let err = b.relation_list(3).expect_err("fails");
    match &err {
        HookToolError::Failed {
            tool,
            args,
            code,
            stderr,
        } => {
            assert_eq!(tool, "relation-list");
            assert_eq!(args, &argv(&["-r", "3", "--format=json"]));
            assert_eq!(*code, Some(1));
            assert_eq!(stderr, "ERROR fooerror\n");
        }
        other => panic!("unexpected {other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains("relation-list -r 3 --format=json"),
        "{shown}"
    );
    assert!(shown.contains("ERROR fooerror"), "{shown}");
    assert!(shown.contains("exit status 1"), "{shown}");
    assert_eq!(err.stderr(), Some("ERROR fooerror\n"));
}

#[test]
fn signal_killed_tool_is_a_failure() {
    let (fake, b) = setup();
    fake.on(
        "is-leader",
        ToolOutput {
            code: None,
            stdout: b"true".to_vec(),
            stderr: Vec::new(),
        },
    );
    let err = b.is_leader().expect_err("killed");
    assert!(
        matches!(err, HookToolError::Failed { code: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("killed by a signal"));
}

#[test]
fn missing_tool_is_run_not_found() {
    let (fake, b) = setup();
    let err = b.relation_ids("db").expect_err("missing");
    assert!(
        matches!(&err, HookToolError::Run(RunError::NotFound(t)) if t == "relation-ids"),
        "{err:?}"
    );
    assert!(err.is_tool_missing());
    assert_eq!(err.to_string(), "command not found: relation-ids");
    // The call was attempted with the exact argv.
    assert_eq!(
        fake.argvs(),
        vec![argv(&["relation-ids", "db", "--format=json"])]
    );
}

#[test]
fn garbage_and_empty_json_output_are_parse_errors() {
    let (fake, b) = setup();
    for output in ["", "\n", "not json", "{\"a\": ", "[\"db:1\"] trailing"] {
        fake.on_ok("relation-ids", output);
        let err = b.relation_ids("db").expect_err("garbage");
        match &err {
            HookToolError::Parse {
                tool,
                args,
                output: o,
                message,
            } => {
                assert_eq!(tool, "relation-ids");
                assert_eq!(args, &argv(&["db", "--format=json"]));
                assert_eq!(o, output);
                // Not JSON at all (cut short or not JSON): the error says so.
                assert!(
                    message.starts_with("invalid JSON: "),
                    "{output:?}: {message}"
                );
            }
            other => panic!("{output:?}: unexpected {other:?}"),
        }
    }
    // Valid JSON of the wrong shape too, without "invalid JSON".
    fake.on_ok("relation-ids", "{\"db:1\": 1}\n");
    assert!(matches!(
        b.relation_ids("db"),
        Err(HookToolError::Parse { ref message, .. }) if !message.contains("invalid JSON")
    ));
    fake.on_ok("relation-ids", "[\"db:x\"]\n");
    assert!(matches!(
        b.relation_ids("db"),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn non_utf8_output_is_a_parse_error() {
    let (fake, b) = setup();
    fake.on("resource-get", ToolOutput::ok(vec![0xff, 0xfe, b'\n']));
    assert!(matches!(
        b.resource_get("r"),
        Err(HookToolError::Parse { .. })
    ));
}

// ---- relations --------------------------------------------------------------------------------

#[test]
fn relation_ids() {
    let (fake, b) = setup();
    fake.on_ok("relation-ids", "[\"db:1\",\"db:4\"]\n");
    assert_eq!(b.relation_ids("db").expect("ids"), vec![1, 4]);
    fake.on_ok("relation-ids", "[]\n");
    assert_eq!(b.relation_ids("db").expect("ids"), Vec::<i64>::new());
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["relation-ids", "db", "--format=json"]),
            argv(&["relation-ids", "db", "--format=json"])
        ]
    );
}

#[test]
fn relation_list() {
    let (fake, b) = setup();
    fake.on_ok("relation-list", "[\"pg/0\",\"pg/1\"]\n");
    assert_eq!(b.relation_list(3).expect("units"), vec!["pg/0", "pg/1"]);
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&["relation-list", "-r", "3", "--format=json"])]
    );

    fake.on_fail("relation-list", 2, REL_NOT_FOUND);
    let err = b.relation_list(3).expect_err("not found");
    assert!(
        matches!(err, HookToolError::RelationNotFound { id: Some(3) }),
        "{err:?}"
    );
    assert!(err.is_relation_not_found());
}

#[test]
fn relation_remote_app_name_from_event_env_needs_no_call() {
    let fake = Rc::new(FakeRunner::new());
    let b = Backend::for_unit(fake.clone(), "myapp/0", version("3.1.6"))
        .with_event_remote_app(5, "remoteapp1");
    assert_eq!(
        b.relation_remote_app_name(5).expect("app"),
        Some("remoteapp1".to_string())
    );
    assert!(fake.calls().is_empty());

    // JUJU_REMOTE_APP set but empty: None, still no call.
    let b =
        Backend::for_unit(fake.clone(), "myapp/0", version("3.1.6")).with_event_remote_app(5, "");
    assert_eq!(b.relation_remote_app_name(5).expect("app"), None);
    assert!(fake.calls().is_empty());

    // Another relation: relation-list --app.
    fake.on_ok("relation-list", "\"remoteapp2\"\n");
    assert_eq!(
        b.relation_remote_app_name(6).expect("app"),
        Some("remoteapp2".to_string())
    );
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&[
            "relation-list",
            "-r",
            "6",
            "--app",
            "--format=json"
        ])]
    );
}

#[test]
fn relation_remote_app_name_from_tool() {
    let (fake, b) = setup();
    fake.on_ok("relation-list", "\"remoteapp2\"\n");
    assert_eq!(
        b.relation_remote_app_name(1).expect("app"),
        Some("remoteapp2".to_string())
    );
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&[
            "relation-list",
            "-r",
            "1",
            "--app",
            "--format=json"
        ])]
    );

    fake.on_fail(
        "relation-list",
        2,
        "ERROR invalid value \"6\" for option -r: relation not found\n",
    );
    assert_eq!(b.relation_remote_app_name(6).expect("none"), None);

    fake.on_fail(
        "relation-list",
        2,
        "ERROR option provided but not defined: --app\n",
    );
    assert_eq!(b.relation_remote_app_name(6).expect("none"), None);

    fake.on_fail("relation-list", 1, "ERROR permission denied\n");
    assert!(matches!(
        b.relation_remote_app_name(6),
        Err(HookToolError::Failed { .. })
    ));

    fake.on_ok("relation-list", "[\"pg/0\"]\n");
    assert!(matches!(
        b.relation_remote_app_name(6),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn relation_remote_app_name_from_context() {
    let env: std::collections::HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "myapp/0"),
        ("JUJU_RELATION_ID", "db:5"),
        ("JUJU_REMOTE_APP", "pg"),
        ("JUJU_VERSION", "3.1.6"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let ctx = ops_core::env::JujuContext::from_map(&env).expect("env");
    let fake = Rc::new(FakeRunner::new());
    let b = Backend::new(fake.clone(), &ctx);
    assert_eq!(
        b.relation_remote_app_name(5).expect("app"),
        Some("pg".to_string())
    );
    assert!(fake.calls().is_empty());
    assert_eq!(b.unit_name(), "myapp/0");
    assert_eq!(b.app_name(), "myapp");
    assert_eq!(b.version(), &version("3.1.6"));
}

#[test]
fn relation_get() {
    let (fake, b) = setup();
    fake.on_ok("relation-get", "{\"foo\":\"bar\",\"host\":\"10.0.0.1\"}\n");
    let data = b.relation_get(3, "remote/0", false).expect("data");
    assert_eq!(data.get("foo").map(String::as_str), Some("bar"));
    assert_eq!(data.len(), 2);
    b.relation_get(3, "remote", true).expect("app data");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["relation-get", "-r", "3", "-", "remote/0", "--format=json"]),
            argv(&[
                "relation-get",
                "-r",
                "3",
                "-",
                "remote",
                "--app",
                "--format=json"
            ]),
        ]
    );

    fake.on_ok("relation-get", "{}\n");
    assert!(b
        .relation_get(3, "remote/0", false)
        .expect("empty")
        .is_empty());

    fake.on_fail("relation-get", 2, REL_NOT_FOUND);
    assert!(matches!(
        b.relation_get(3, "remote/0", false),
        Err(HookToolError::RelationNotFound { id: Some(3) })
    ));
    fake.on_fail("relation-get", 1, "ERROR permission denied\n");
    assert!(matches!(
        b.relation_get(3, "remote", true),
        Err(HookToolError::Failed { .. })
    ));
    fake.on_ok("relation-get", "{\"foo\":1}\n");
    assert!(matches!(
        b.relation_get(3, "remote/0", false),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn relation_app_data_needs_juju_2_7() {
    for v in ["2.8.0", "2.7.0"] {
        let (fake, b) = setup_version(v);
        fake.on_ok("relation-get", "{\"foo\":\"bar\"}\n");
        fake.on_ok("relation-set", "");
        b.relation_get(1, "foo", true).expect("2.7+");
        b.relation_set(1, &[("foo", "bar")], true).expect("2.7+");
        assert_eq!(fake.calls().len(), 2);
    }
    let (fake, b) = setup_version("2.6.9");
    let err = b.relation_get(1, "foo", true).expect_err("old juju");
    assert!(matches!(&err, HookToolError::Unsupported(_)));
    assert_eq!(
        err.to_string(),
        "getting application data is not supported on Juju version 2.6.9"
    );
    let err = b
        .relation_set(1, &[("foo", "bar")], true)
        .expect_err("old juju");
    assert_eq!(
        err.to_string(),
        "setting application data is not supported on Juju version 2.6.9"
    );
    // Unit data still works, and no call was made for the app data.
    fake.on_ok("relation-get", "{}\n");
    b.relation_get(1, "foo/0", false).expect("unit data");
    assert_eq!(fake.calls().len(), 1);
}

#[test]
fn relation_set() {
    let (fake, b) = setup();
    fake.on_ok("relation-set", "");
    b.relation_set(3, &[("foo", "bar")], false).expect("set");
    b.relation_set(3, &[("foo", "bar")], true).expect("set app");
    let calls = fake.take_calls();
    assert_eq!(
        calls[0].argv(),
        argv(&["relation-set", "-r", "3", "--file", "-"])
    );
    assert_eq!(calls[0].stdin_text().as_deref(), Some("\"foo\": \"bar\"\n"));
    assert_eq!(
        calls[1].argv(),
        argv(&["relation-set", "-r", "3", "--app", "--file", "-"])
    );

    // Several keys in one call; '' deletes; awkward values survive a YAML round trip.
    let data = vec![
        ("a".to_string(), "".to_string()),
        ("b".to_string(), "123".to_string()),
        ("c".to_string(), "yes".to_string()),
        ("d".to_string(), "multi\nline\n".to_string()),
        ("e".to_string(), "x: y # z".to_string()),
        ("f".to_string(), " leading space".to_string()),
        ("g".to_string(), "null".to_string()),
        ("h".to_string(), "ünïcödé".to_string()),
    ];
    b.relation_set(4, &data, false).expect("set many");
    let calls = fake.take_calls();
    assert_eq!(calls.len(), 1);
    let stdin = calls[0].stdin_text().expect("stdin");
    let parsed: BTreeMap<String, String> =
        serde_yaml::from_str(&stdin).expect("valid YAML of strings");
    let want: BTreeMap<String, String> = data.into_iter().collect();
    assert_eq!(parsed, want);

    fake.on_fail("relation-set", 2, REL_NOT_FOUND);
    assert!(matches!(
        b.relation_set(3, &[("foo", "bar")], false),
        Err(HookToolError::RelationNotFound { id: Some(3) })
    ));
    fake.on_fail("relation-set", 1, "ERROR cannot write relation settings\n");
    let err = b
        .relation_set(3, &[("secret-ish", "hunter2")], true)
        .expect_err("fails");
    assert!(matches!(err, HookToolError::Failed { .. }));
    // stdin never shows up in the error.
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

// ---- config, leadership -------------------------------------------------------------------------

#[test]
fn config_get_is_called_once() {
    let (fake, b) = setup();
    fake.on_ok(
        "config-get",
        "{\"debug\":false,\"name\":\"x\",\"port\":8080,\"ratio\":0.5}\n",
    );
    let config = b.config_get().expect("config");
    assert_eq!(config.get("port"), Some(&json!(8080)));
    assert_eq!(config.get("debug"), Some(&json!(false)));
    assert_eq!(config.get("ratio"), Some(&json!(0.5)));
    let again = b.config_get().expect("cached");
    assert_eq!(config, again);
    assert_eq!(fake.argvs(), vec![argv(&["config-get", "--format=json"])]);

    b.invalidate_config();
    b.config_get().expect("reloaded");
    assert_eq!(fake.calls().len(), 2);

    let (fake, b) = setup();
    fake.on_ok("config-get", "[1]\n");
    assert!(matches!(b.config_get(), Err(HookToolError::Parse { .. })));
    // A failed load is not cached.
    fake.on_ok("config-get", "{}\n");
    assert!(b.config_get().expect("ok").is_empty());
}

#[test]
fn is_leader_cache_expires_after_30_seconds() {
    let fake = Rc::new(FakeRunner::new());
    let clock = Rc::new(FakeClock::new());
    let b = Backend::for_unit(fake.clone(), "myapp/0", version("3.1.6")).with_clock(clock.clone());
    fake.on_ok("is-leader", "false\n");
    assert!(!b.is_leader().expect("leader"));
    fake.on_ok("is-leader", "true\n");
    // Cached: no new call within the lease, even at exactly 30 s.
    clock.advance(Duration::from_secs(10));
    assert!(!b.is_leader().expect("cached"));
    clock.advance(Duration::from_secs(20));
    assert!(!b.is_leader().expect("cached at 30s"));
    assert_eq!(fake.calls().len(), 1);
    // Past the lease: asked again.
    clock.advance(Duration::from_millis(1));
    assert!(b.is_leader().expect("refreshed"));
    assert_eq!(fake.calls().len(), 2);
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["is-leader", "--format=json"]),
            argv(&["is-leader", "--format=json"])
        ]
    );
    // invalidate_leader forces a check (ops tests reset _leader_check_time).
    b.invalidate_leader();
    b.is_leader().expect("forced");
    assert_eq!(fake.take_calls().len(), 1);
}

#[test]
fn is_leader_failure_still_records_the_check_time() {
    let fake = Rc::new(FakeRunner::new());
    let clock = Rc::new(FakeClock::new());
    let b = Backend::for_unit(fake.clone(), "myapp/0", version("3.1.6")).with_clock(clock.clone());
    fake.on_ok("is-leader", "true\n");
    assert!(b.is_leader().expect("leader"));
    clock.advance(Duration::from_secs(31));
    fake.on_fail("is-leader", 1, "ERROR boom\n");
    assert!(b.is_leader().is_err());
    // The previous answer is kept and the (failed) check restarted the lease, as in ops.
    clock.advance(Duration::from_secs(5));
    assert!(b.is_leader().expect("cached old answer"));
    assert_eq!(fake.calls().len(), 2);

    // Never answered: every call retries.
    let (fake, b) = setup();
    fake.on_fail("is-leader", 1, "ERROR boom\n");
    assert!(b.is_leader().is_err());
    assert!(b.is_leader().is_err());
    assert_eq!(fake.calls().len(), 2);
    fake.on_ok("is-leader", "\"yes\"\n");
    assert!(matches!(b.is_leader(), Err(HookToolError::Parse { .. })));
}

// ---- status, version ------------------------------------------------------------------------------

#[test]
fn status_get() {
    let (fake, b) = setup();
    fake.on_ok(
        "status-get",
        "{\"message\":\"\",\"status\":\"unknown\",\"status-data\":{}}\n",
    );
    assert_eq!(
        b.status_get(false).expect("unit"),
        StatusInfo {
            status: StatusName::Unknown,
            message: String::new()
        }
    );
    fake.on_ok(
        "status-get",
        "{\"application-status\":{\"message\":\"installing\",\"status\":\"maintenance\",\"status-data\":{},\
         \"units\":{\"uo/0\":{\"message\":\"\",\"status\":\"active\",\"status-data\":{}}}}}\n",
    );
    assert_eq!(
        b.status_get(true).expect("app"),
        StatusInfo {
            status: StatusName::Maintenance,
            message: "installing".to_string()
        }
    );
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&[
                "status-get",
                "--include-data",
                "--application=False",
                "--format=json"
            ]),
            argv(&[
                "status-get",
                "--include-data",
                "--application=True",
                "--format=json"
            ]),
        ]
    );
    fake.on_ok(
        "status-get",
        "{\"message\":\"\",\"status\":\"terminated\"}\n",
    );
    assert_eq!(
        b.status_get(false).expect("other").status,
        StatusName::Other("terminated".to_string())
    );
    fake.on_ok("status-get", "{\"status\":\"active\"}\n");
    assert!(matches!(
        b.status_get(false),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_ok("status-get", "{\"message\":\"\",\"status\":\"active\"}\n");
    assert!(matches!(
        b.status_get(true),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_fail(
        "status-get",
        1,
        "ERROR finding application status: this unit is not the leader\n",
    );
    assert!(matches!(
        b.status_get(true),
        Err(HookToolError::Failed { .. })
    ));
}

#[test]
fn status_set() {
    let (fake, b) = setup();
    fake.on_ok("status-set", "");
    b.status_set("active", "all good", false).expect("unit");
    b.status_set(StatusName::Blocked.as_str(), "", true)
        .expect("app");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["status-set", "--application=False", "active", "all good"]),
            argv(&["status-set", "--application=True", "blocked", ""]),
        ]
    );
    for name in [
        "active",
        "blocked",
        "maintenance",
        "waiting",
        "error",
        "unknown",
    ] {
        assert_eq!(StatusName::parse(name).as_str(), name);
        assert_eq!(StatusName::parse(name).to_string(), name);
    }
}

#[test]
fn application_version_set() {
    let (fake, b) = setup();
    fake.on_ok("application-version-set", "");
    b.application_version_set("1.2b3").expect("set");
    b.application_version_set("--weird").expect("set");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["application-version-set", "--", "1.2b3"]),
            argv(&["application-version-set", "--", "--weird"]),
        ]
    );
}

// ---- storage ------------------------------------------------------------------------------------

const STORAGE_HELP: &str = "Usage: storage-get [options] [<key>]\n   \nSummary:\n\
print information for storage instance with specified id\n   \nOptions:\n\
--format  (= smart)\n    Specify output format (json|smart|yaml)\n\
-o, --output (= \"\")\n    Specify an output file\n\
-s  (= test-stor/0)\n    specify a storage instance by id\n   \nDetails:\n\
When no <key> is supplied, all keys values are printed.\n";

#[test]
fn storage_tools() {
    let (fake, b) = setup();
    fake.on_ok("storage-list", "[\"data/0\",\"data/3\"]\n");
    assert_eq!(b.storage_list("data").expect("list"), vec![0, 3]);
    fake.on_ok("storage-get", "\"/srv/data/0\"\n");
    assert_eq!(
        b.storage_get("data/0", "location").expect("get"),
        "/srv/data/0"
    );
    assert_eq!(
        b.storage_location("data/0").expect("location"),
        PathBuf::from("/srv/data/0")
    );
    fake.on_ok("storage-add", "");
    b.storage_add("data", 2).expect("add");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["storage-list", "data", "--format=json"]),
            argv(&["storage-get", "-s", "data/0", "location", "--format=json"]),
            argv(&["storage-get", "-s", "data/0", "location", "--format=json"]),
            argv(&["storage-add", "data=2"]),
        ]
    );

    // An empty attribute is refused before any call (it would return a dict).
    assert!(matches!(
        b.storage_get("data/0", ""),
        Err(HookToolError::Invalid(_))
    ));
    assert!(fake.calls().is_empty());

    fake.on_ok("storage-list", "[\"data\"]\n");
    assert!(matches!(
        b.storage_list("data"),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_ok("storage-get", "{\"kind\":\"filesystem\"}\n");
    assert!(matches!(
        b.storage_get("data/0", "kind"),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_fail("storage-add", 1, "ERROR storage \"nope\" not found\n");
    assert!(matches!(
        b.storage_add("nope", 1),
        Err(HookToolError::Failed { .. })
    ));
}

#[test]
fn storage_event_details_uses_the_help_default() {
    let (fake, b) = setup();
    fake.on_fn("storage-get", |args, _| {
        if args.first().map(String::as_str) == Some("--help") {
            ToolOutput::ok(STORAGE_HELP)
        } else {
            ToolOutput::ok("\"/var/srv/test-stor/0\"\n")
        }
    });
    assert_eq!(
        b.storage_event_details().expect("details"),
        (0, "/var/srv/test-stor/0".to_string())
    );
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["storage-get", "--help"]),
            argv(&[
                "storage-get",
                "-s",
                "test-stor/0",
                "location",
                "--format=json"
            ]),
        ]
    );

    // juju-sim's help format.
    fake.on_fn("storage-get", |args, _| {
        if args.first().map(String::as_str) == Some("--help") {
            ToolOutput::ok(
                "Usage: storage-get [options] [<key>]\n\nSummary:\nPrint information.\n\nOptions:\n\
                 -s  (= data/12)\n--format  (= smart)\n-o, --output  (= \"\")\n",
            )
        } else {
            ToolOutput::ok("\"/srv/12\"\n")
        }
    });
    assert_eq!(
        b.storage_event_details().expect("details"),
        (12, "/srv/12".to_string())
    );

    fake.on_ok("storage-get", "Usage: storage-get\n-s  (= )\n");
    assert!(matches!(
        b.storage_event_details(),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_ok("storage-get", "no storage option here\n");
    assert!(matches!(
        b.storage_event_details(),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn storage_help_regex_matches_python() {
    use ops_core::hooktools::parse_storage_key_from_help as key;
    assert_eq!(key(STORAGE_HELP).as_deref(), Some("test-stor/0"));
    assert_eq!(key("-s  (= data/0)").as_deref(), Some("data/0"));
    assert_eq!(key("-s  (= data/0)   \nmore").as_deref(), Some("data/0"));
    // The last matching line wins (greedy `.*`).
    assert_eq!(key("-s (= a/1)\n-s (= b/2)\n").as_deref(), Some("b/2"));
    // The key is the shortest text up to a `)` that ends a line.
    assert_eq!(key("-s  (= a)b/1)\n").as_deref(), Some("a)b/1"));
    assert_eq!(key("-s  (=  )\n").as_deref(), Some(""));
    assert_eq!(key("  -s (= a/1)\n"), None);
    assert_eq!(key("-s(= a/1)\n"), None);
    assert_eq!(key("-s (=a/1)\n"), None);
    assert_eq!(key("-s (= a/1) x\n"), None);
}

// ---- actions ------------------------------------------------------------------------------------

#[test]
fn action_get() {
    let (fake, b) = setup();
    fake.on_ok("action-get", "{\"foo-name\":\"bar\",\"silent\":false}\n");
    let params = b.action_get().expect("params");
    assert_eq!(params.get("foo-name"), Some(&json!("bar")));
    assert_eq!(params.get("silent"), Some(&json!(false)));
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&["action-get", "--format=json"])]
    );
    fake.on_fail("action-get", 1, "ERROR not running an action\n");
    assert!(matches!(b.action_get(), Err(HookToolError::Failed { .. })));
    fake.on_ok("action-get", "null\n");
    assert!(matches!(b.action_get(), Err(HookToolError::Parse { .. })));
}

fn action_set_args(fake: &FakeRunner, b: &Backend, results: serde_json::Value) -> Vec<String> {
    fake.on_ok("action-set", "");
    let map = results.as_object().expect("object").clone();
    b.action_set(&map).expect("action-set");
    let mut args = fake.take_calls().pop().expect("one call").args;
    args.sort();
    args
}

#[test]
fn action_set_flattens_nested_results() {
    let (fake, b) = setup();
    assert_eq!(
        action_set_args(&fake, &b, json!({"x": "dead beef", "y": 1})),
        argv(&["x=dead beef", "y=1"])
    );
    assert_eq!(
        action_set_args(&fake, &b, json!({"a": {"b": 1, "c": 2}, "d": 3})),
        argv(&["a.b=1", "a.c=2", "d=3"])
    );
    assert_eq!(
        action_set_args(
            &fake,
            &b,
            json!({"a": {"b": 1, "c": 2, "d": {"e": 3}}, "f": 4})
        ),
        argv(&["a.b=1", "a.c=2", "a.d.e=3", "f=4"])
    );
    assert_eq!(
        action_set_args(&fake, &b, json!({"a.b": 1, "a": {"c": 2}, "d": 3})),
        argv(&["a.b=1", "a.c=2", "d=3"])
    );
    // Values are rendered with Python's str().
    assert_eq!(
        action_set_args(
            &fake,
            &b,
            json!({"t": true, "n": null, "f": 1.0, "g": 0.00001, "l": ["a", 1], "e": {}, "s": ""})
        ),
        argv(&["f=1.0", "g=1e-05", "l=['a', 1]", "n=None", "s=", "t=True"])
    );
}

#[test]
fn action_set_rejects_bad_and_duplicate_keys() {
    let (fake, b) = setup();
    for bad in [
        json!({"X": "dead beef", "y": 1}),
        json!({"some&key": "dead beef", "y": 1}),
        json!({"someKey": "dead beef", "y": 1}),
        json!({"some_key": "dead beef", "y": 1}),
        json!({"-a": 1}),
        json!({"a-": 1}),
        json!({"": 1}),
        json!({"ok": {"Bad": 1}}),
    ] {
        let map = bad.as_object().expect("object").clone();
        let err = b.action_set(&map).expect_err("invalid key");
        assert!(
            matches!(&err, HookToolError::Invalid(m) if m.contains("is invalid")),
            "{bad}: {err:?}"
        );
    }
    let map = json!({"X": 1}).as_object().expect("object").clone();
    assert_eq!(
        b.action_set(&map).expect_err("invalid").to_string(),
        "key ''X'' is invalid: must be similar to 'key', 'some-key2', or 'some.key'"
    );
    for dup in [
        json!({"a.b": 1, "a": {"b": 2}, "d": 3}),
        json!({"a": {"b": 1, "c": 2, "d": {"e": 3}}, "f": 4, "a.d.e": "foo"}),
    ] {
        let map = dup.as_object().expect("object").clone();
        let err = b.action_set(&map).expect_err("duplicate");
        assert!(
            matches!(&err, HookToolError::Invalid(m) if m.starts_with("duplicate key detected in dictionary passed to 'action-set': ")),
            "{err:?}"
        );
    }
    assert!(fake.calls().is_empty());
    // Python's `$` accepts one trailing newline.
    assert!(ops_core::hooktools::is_valid_action_result_key("a\n"));
    assert!(ops_core::hooktools::is_valid_action_result_key("a..b"));
    assert!(ops_core::hooktools::is_valid_action_result_key("0"));
}

#[test]
fn action_set_failure_redacts_values() {
    let (fake, b) = setup();
    fake.on_fail(
        "action-set",
        2,
        "ERROR cannot set reserved action key \"stdout\"\n",
    );
    let map = json!({"password": "hunter2", "stdout": "x"})
        .as_object()
        .expect("object")
        .clone();
    let err = b.action_set(&map).expect_err("fails");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains(&format!("password={REDACTED}")), "{shown}");
    // The tool itself got the real value.
    assert!(fake.calls()[0]
        .args
        .contains(&"password=hunter2".to_string()));
}

#[test]
fn action_log_and_fail() {
    let (fake, b) = setup();
    fake.on_ok("action-log", "").on_ok("action-fail", "");
    b.action_log("progress: 42%").expect("log");
    b.action_fail("error 42").expect("fail");
    b.action_fail("").expect("fail without message");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["action-log", "progress: 42%"]),
            argv(&["action-fail", "error 42"]),
            argv(&["action-fail", ""]),
        ]
    );
    fake.on_fail("action-log", 1, "ERROR fooerror\n");
    assert!(matches!(
        b.action_log("log-message"),
        Err(HookToolError::Failed { .. })
    ));
}

// ---- juju-log -----------------------------------------------------------------------------------

#[test]
fn juju_log_argv_and_errors() {
    let (fake, b) = setup();
    fake.on_ok("juju-log", "");
    b.juju_log("WARNING", "foo").expect("log");
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&["juju-log", "--log-level", "WARNING", "--", "foo"])]
    );
    fake.on_fail("juju-log", 1, "");
    assert!(matches!(
        b.juju_log("BAR", "foo"),
        Err(HookToolError::Failed { .. })
    ));
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&["juju-log", "--log-level", "BAR", "--", "foo"])]
    );
}

#[test]
fn juju_log_splits_long_messages() {
    let (fake, b) = setup();
    fake.on_ok("juju-log", "");
    b.juju_log("DEBUG", &"l".repeat(MAX_LOG_LINE_LEN))
        .expect("log");
    assert_eq!(fake.take_calls().len(), 1);

    b.juju_log("DEBUG", &"l".repeat(MAX_LOG_LINE_LEN + 9))
        .expect("log");
    let calls = fake.take_calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[0].args[3],
        "Log string greater than 131071. Splitting into multiple chunks: "
    );
    assert_eq!(calls[1].args[3].chars().count(), MAX_LOG_LINE_LEN);
    assert_eq!(calls[2].args[3], "l".repeat(9));
    for call in &calls {
        assert_eq!(&call.args[..3], &argv(&["--log-level", "DEBUG", "--"])[..]);
    }

    // Characters, not bytes, are counted.
    b.juju_log("INFO", &"é".repeat(MAX_LOG_LINE_LEN))
        .expect("log");
    assert_eq!(fake.take_calls().len(), 1);

    // An empty message sends nothing (ops' log_split yields no chunk).
    b.juju_log("INFO", "").expect("log");
    assert!(fake.take_calls().is_empty());
}

#[test]
fn juju_log_stops_at_the_first_failing_chunk() {
    let (fake, b) = setup();
    fake.once("juju-log", ToolOutput::ok(""));
    fake.on_fail("juju-log", 1, "ERROR nope\n");
    assert!(b
        .juju_log("DEBUG", &"x".repeat(MAX_LOG_LINE_LEN * 2))
        .is_err());
    assert_eq!(fake.calls().len(), 2);
}

// ---- network and ports ----------------------------------------------------------------------------

const NETWORK_GET_OUT: &str = r#"{
  "bind-addresses": [
    {
      "mac-address": "",
      "interface-name": "",
      "addresses": [
        {
          "hostname": "",
          "value": "192.0.2.2",
          "cidr": ""
        }
      ]
    }
  ],
  "egress-subnets": [
    "192.0.2.2/32"
  ],
  "ingress-addresses": [
    "192.0.2.2"
  ]
}"#;

#[test]
fn network_get() {
    let (fake, b) = setup();
    fake.on_fn("network-get", |args, _| {
        if args.first().map(String::as_str) == Some("deadbeef") {
            ToolOutput::ok(NETWORK_GET_OUT)
        } else {
            ToolOutput::failed(1, "")
        }
    });
    let info = b.network_get("deadbeef", None).expect("network");
    assert_eq!(info.interfaces.len(), 1);
    assert_eq!(info.interfaces[0].name, "");
    assert_eq!(info.interfaces[0].address.as_deref(), Some("192.0.2.2"));
    assert_eq!(info.interfaces[0].cidr, None);
    assert_eq!(info.interfaces[0].subnet().as_deref(), Some("192.0.2.2/32"));
    assert_eq!(info.bind_address(), Some("192.0.2.2"));
    assert_eq!(info.ingress_address(), Some("192.0.2.2"));
    assert_eq!(info.egress_subnets, vec!["192.0.2.2/32"]);
    b.network_get("deadbeef", Some(1)).expect("network");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["network-get", "deadbeef", "--format=json"]),
            argv(&["network-get", "deadbeef", "-r", "1", "--format=json"]),
        ]
    );
}

#[test]
fn network_get_address_rules() {
    let (fake, b) = setup();
    // juju-sim's default answer, two interfaces with several addresses, legacy `address`, IPv6.
    fake.on_ok(
        "network-get",
        "{\"bind-addresses\":[{\"addresses\":[{\"cidr\":\"10.0.0.0/24\",\"hostname\":\"\",\"value\":\"10.0.0.10\"},\
         {\"cidr\":\"\",\"value\":\"fe80::1\"}],\"interface-name\":\"eth0\",\"mac-address\":\"\"},\
         {\"addresses\":[{\"address\":\"10.1.0.5\",\"cidr\":\"10.1.0.0/16\"}],\"interface-name\":\"eth1\"},\
         {\"addresses\":[{\"value\":\"\",\"address\":\"10.9.9.9\",\"cidr\":\"\"}],\"interface-name\":\"eth2\"},\
         {\"interface-name\":\"lo\",\"addresses\":null}],\
         \"egress-subnets\":[\"10.0.0.10/32\"],\"ingress-addresses\":[\"10.0.0.10\",\"host.example\"]}\n",
    );
    let info = b.network_get("db", None).expect("network");
    let names: Vec<&str> = info.interfaces.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["eth0", "eth0", "eth1", "eth2"]);
    assert_eq!(info.interfaces[0].subnet().as_deref(), Some("10.0.0.0/24"));
    assert_eq!(info.interfaces[1].subnet().as_deref(), Some("fe80::1/128"));
    assert_eq!(info.interfaces[2].address.as_deref(), Some("10.1.0.5"));
    // `value` wins when present, even empty (Juju >= 2.9): no address then.
    assert_eq!(info.interfaces[3].address, None);
    assert_eq!(info.interfaces[3].subnet(), None);
    assert_eq!(info.ingress_addresses, vec!["10.0.0.10", "host.example"]);

    fake.on_ok("network-get", "{}\n");
    let empty = b.network_get("db", None).expect("empty");
    assert!(empty.interfaces.is_empty());
    assert_eq!(empty.bind_address(), None);
    assert_eq!(empty.ingress_address(), None);

    fake.on_ok("network-get", "{\"bind-addresses\":{}}\n");
    assert!(matches!(
        b.network_get("db", None),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn network_get_errors() {
    let (fake, b) = setup();
    fake.on_fail(
        "network-get",
        1,
        "ERROR no network config found for binding \"deadbeef\"\n",
    );
    assert!(matches!(
        b.network_get("deadbeef", None),
        Err(HookToolError::Failed { .. })
    ));
    fake.on_fail("network-get", 2, REL_NOT_FOUND);
    assert!(matches!(
        b.network_get("deadbeef", Some(3)),
        Err(HookToolError::RelationNotFound { id: Some(3) })
    ));
}

#[test]
fn open_and_close_port() {
    let (fake, b) = setup();
    fake.on_ok("open-port", "").on_ok("close-port", "");
    b.open_port("tcp", Some(8080)).expect("open");
    b.open_port("udp", Some(4000)).expect("open");
    b.open_port("icmp", None).expect("open");
    b.close_port(Protocol::Tcp.as_str(), Some(8080))
        .expect("close");
    b.close_port("icmp", None).expect("close");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["open-port", "8080/tcp"]),
            argv(&["open-port", "4000/udp"]),
            argv(&["open-port", "icmp"]),
            argv(&["close-port", "8080/tcp"]),
            argv(&["close-port", "icmp"]),
        ]
    );
    fake.on_fail("open-port", 1, "ERROR bad protocol\n");
    let err = b.open_port("ftp", Some(8080)).expect_err("bad");
    assert_eq!(err.stderr(), Some("ERROR bad protocol\n"));
    assert_eq!("UDP".parse::<Protocol>().expect("protocol"), Protocol::Udp);
    assert!("ftp".parse::<Protocol>().is_err());
}

/// A protocol prints as Juju spells it on `open-port`'s command line and in `opened-ports`, and
/// parses back case-insensitively (ops' `Unit.open_port` lower-cases it; so does Juju's
/// `open-port`); anything else is refused with the name quoted.
#[test]
fn protocols_print_and_parse_as_juju_spells_them() {
    for (protocol, name, spellings) in [
        (Protocol::Tcp, "tcp", ["tcp", "TCP", "Tcp"]),
        (Protocol::Udp, "udp", ["udp", "UDP", "uDp"]),
        (Protocol::Icmp, "icmp", ["icmp", "ICMP", "Icmp"]),
    ] {
        assert_eq!(protocol.as_str(), name);
        assert_eq!(protocol.to_string(), name);
        assert_eq!(format!("80/{protocol}"), format!("80/{name}"));
        for spelling in spellings {
            assert_eq!(spelling.parse::<Protocol>(), Ok(protocol), "{spelling}");
        }
    }
    for bad in ["ftp", "", " tcp", "tcp ", "tcp/udp", "80/tcp", "icmpv6"] {
        let err = bad.parse::<Protocol>().expect_err(bad);
        assert_eq!(
            err.to_string(),
            format!("invalid protocol {bad:?}: expected tcp, udp or icmp")
        );
    }
}

/// Port ranges and ICMP on `open-port`/`close-port`'s command line as Juju's `ports.go` parses
/// them (`<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp`), one call each; a refusal
/// is the tool's error.
#[test]
fn port_ranges_open_and_close_with_one_call_each() {
    let (fake, b) = setup();
    fake.on_ok("open-port", "").on_ok("close-port", "");
    b.open_port_range(&PortRange::range(Protocol::Udp, 8000, 8100))
        .expect("open range");
    b.open_port_range(&PortRange::tcp(80)).expect("open port");
    b.open_port_range(&PortRange::icmp()).expect("open icmp");
    b.close_port_range(&PortRange::range(Protocol::Tcp, 1, 65535))
        .expect("close range");
    b.close_port_range(&PortRange::udp(53)).expect("close port");
    b.close_port_range(&PortRange::icmp()).expect("close icmp");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["open-port", "8000-8100/udp"]),
            argv(&["open-port", "80/tcp"]),
            argv(&["open-port", "icmp"]),
            argv(&["close-port", "1-65535/tcp"]),
            argv(&["close-port", "53/udp"]),
            argv(&["close-port", "icmp"]),
        ]
    );
    let refused = "ERROR invalid port range 9-1/tcp; expected fromPort <= toPort\n";
    fake.on_fail("open-port", 2, refused)
        .on_fail("close-port", 2, refused);
    let range = PortRange::range(Protocol::Tcp, 9, 1);
    for err in [
        b.open_port_range(&range).expect_err("open refused"),
        b.close_port_range(&range).expect_err("close refused"),
    ] {
        assert!(matches!(&err, HookToolError::Failed { .. }), "{err:?}");
        assert_eq!(err.stderr(), Some(refused));
    }
}

#[test]
fn opened_ports() {
    let (fake, b) = setup();
    fake.on_ok("opened-ports", "8080/tcp\nicmp\n");
    assert_eq!(
        b.opened_ports().expect("ports"),
        vec![
            OpenedPort {
                protocol: Protocol::Tcp,
                port: Some(8080)
            },
            OpenedPort {
                protocol: Protocol::Icmp,
                port: None
            },
        ]
    );
    assert_eq!(fake.take_argvs(), vec![argv(&["opened-ports"])]);

    fake.on_ok("opened-ports", "");
    assert!(b.opened_ports().expect("none").is_empty());

    fake.on_ok("opened-ports", "80/tcp\nabc/tcp\n");
    assert!(matches!(b.opened_ports(), Err(HookToolError::Parse { .. })));
}

#[test]
fn opened_ports_warnings() {
    let capture = ops_core::logging::capture().expect("logger");
    let (fake, b) = setup();
    fake.on_ok(
        "opened-ports",
        "8080/tcp\n1234/ftp\n1000-2000/udp\n  \n8080/tcp\n",
    );
    let ports = b.opened_ports().expect("ports");
    assert_eq!(
        ports,
        vec![
            OpenedPort {
                protocol: Protocol::Tcp,
                port: Some(8080)
            },
            OpenedPort {
                protocol: Protocol::Udp,
                port: Some(1000)
            },
        ]
    );
    assert_eq!(
        capture.messages(),
        vec![
            (
                "WARNING",
                "Unexpected opened-ports protocol: 1234/ftp".to_string()
            ),
            (
                "WARNING",
                "Ignoring opened-ports port range: 1000-2000/udp".to_string()
            ),
        ]
    );

    fake.on_ok("opened-ports", "80/tcp\n1000-2000/udp\nicmp\n1234/ftp\n");
    let ranges = b.opened_port_ranges().expect("ranges");
    assert_eq!(
        ranges.into_iter().collect::<Vec<_>>(),
        vec![
            PortRange {
                protocol: Protocol::Tcp,
                from: Some(80),
                to: Some(80)
            },
            PortRange {
                protocol: Protocol::Udp,
                from: Some(1000),
                to: Some(2000)
            },
            PortRange {
                protocol: Protocol::Icmp,
                from: None,
                to: None
            },
        ]
    );
}

// ---- metrics ------------------------------------------------------------------------------------

#[test]
fn add_metrics_valid() {
    let (fake, b) = setup();
    fake.on_ok("add-metric", "");
    b.add_metrics(
        &[
            ("foo", MetricValue::Int(42)),
            ("b-ar", MetricValue::Float(4.5)),
            ("ba_-z", MetricValue::Float(4.5)),
            ("a", MetricValue::Int(1)),
        ],
        &[("de", "ad"), ("be", "ef_ -")],
    )
    .expect("metrics");
    b.add_metrics(
        &[("foo1", 0i64), ("b2r", 5)],
        &[("d3", "aд"), ("b33f", "3_ -")],
    )
    .expect("metrics");
    b.add_metrics(&[("f", 1.0f64), ("g", 1e16)], &[])
        .expect("metrics");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&[
                "add-metric",
                "--labels",
                "de=ad,be=ef_ -",
                "foo=42",
                "b-ar=4.5",
                "ba_-z=4.5",
                "a=1"
            ]),
            argv(&[
                "add-metric",
                "--labels",
                "d3=aд,b33f=3_ -",
                "foo1=0",
                "b2r=5"
            ]),
            argv(&["add-metric", "f=1.0", "g=1e+16"]),
        ]
    );
}

#[test]
fn add_metrics_invalid() {
    let (fake, b) = setup();
    fake.on_ok("add-metric", "");
    for name in [
        "", "1", "123", "1foo", "-foo", "_foo", "foo-", "foo_", "a-", "a_", "BAЯ", "a b", "a.b",
    ] {
        let err = b.add_metrics(&[(name, 4.2)], &[]).expect_err(name);
        assert!(
            matches!(&err, HookToolError::Invalid(m) if m.starts_with("invalid metric key")),
            "{name:?}: {err:?}"
        );
    }
    for value in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -4.2] {
        let err = b.add_metrics(&[("a", value)], &[]).expect_err("bad value");
        assert!(
            matches!(&err, HookToolError::Invalid(m) if m.ends_with("must be a positive finite float")),
            "{err:?}"
        );
    }
    assert_eq!(
        b.add_metrics(&[("a", -1i64)], &[])
            .expect_err("negative")
            .to_string(),
        "invalid metric value -1 provided: must be a positive finite float"
    );
    assert_eq!(
        b.add_metrics(&[("a", f64::NAN)], &[])
            .expect_err("nan")
            .to_string(),
        "invalid metric value nan provided: must be a positive finite float"
    );
    for label in ["", ",bar", "b=a=r", "BAЯ"] {
        let err = b
            .add_metrics(&[("foo", 4.2)], &[(label, "baz")])
            .expect_err("label");
        assert!(
            matches!(&err, HookToolError::Invalid(m) if m.starts_with("invalid metric label name")),
            "{err:?}"
        );
    }
    assert_eq!(
        b.add_metrics(&[("foo", 4.2)], &[("bar", "")])
            .expect_err("empty")
            .to_string(),
        "metric label bar has an empty value, which is not allowed"
    );
    for value in ["b,az", "b=az"] {
        let err = b
            .add_metrics(&[("foo", 4.2)], &[("bar", value)])
            .expect_err("label value");
        assert_eq!(
            err.to_string(),
            format!("metric label values must not contain \",\" or \"=\": bar='{value}'")
        );
    }
    assert!(fake.calls().is_empty());
    // -0.0 is not below zero in Python either.
    b.add_metrics(&[("a", -0.0)], &[]).expect("negative zero");
    assert_eq!(fake.take_argvs(), vec![argv(&["add-metric", "a=-0.0"])]);
}

// ---- resources, pod spec, goal state --------------------------------------------------------------

#[test]
fn resource_get() {
    let (fake, b) = setup();
    fake.on_ok(
        "resource-get",
        "/var/lib/juju/agents/unit-myapp-0/resources/blob/blob.tar\n",
    );
    assert_eq!(
        b.resource_get("blob").expect("path"),
        PathBuf::from("/var/lib/juju/agents/unit-myapp-0/resources/blob/blob.tar")
    );
    assert_eq!(fake.take_argvs(), vec![argv(&["resource-get", "blob"])]);
    fake.on_fail(
        "resource-get",
        1,
        "ERROR could not download resource: HTTP request failed: resource#myapp/nope not found\n",
    );
    assert!(matches!(
        b.resource_get("nope"),
        Err(HookToolError::Failed { .. })
    ));
}

#[test]
fn pod_spec_set_writes_temporary_files() {
    let (fake, b) = setup();
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen2 = seen.clone();
    fake.on_fn("pod-spec-set", move |args, _| {
        let mut files = Vec::new();
        for pair in args.chunks(2) {
            let path = PathBuf::from(&pair[1]);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            files.push((pair[0].clone(), path, text));
        }
        seen2.borrow_mut().push(files);
        ToolOutput::ok("")
    });
    b.pod_spec_set(
        &json!({"version": 3, "containers": [{"name": "web"}]}),
        None,
    )
    .expect("spec");
    b.pod_spec_set(
        &json!({"version": 3}),
        Some(&json!({"kubernetesResources": {"a": 1}})),
    )
    .expect("spec + resources");
    b.pod_spec_set(&json!({"version": 3}), Some(&json!({})))
        .expect("falsy resources");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 3);
    let (flag, path, text) = &seen[0][0];
    assert_eq!(flag, "--file");
    assert!(path.ends_with("spec.yaml"));
    assert!(
        path.parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n.to_string_lossy().ends_with("-pod-spec-set")),
        "{path:?}"
    );
    let parsed: serde_json::Value = serde_yaml::from_str(text).expect("yaml");
    assert_eq!(
        parsed,
        json!({"version": 3, "containers": [{"name": "web"}]})
    );
    assert_eq!(seen[0].len(), 1);
    assert_eq!(seen[1].len(), 2);
    assert_eq!(seen[1][1].0, "--k8s-resources");
    assert!(seen[1][1].1.ends_with("k8s-resources.yaml"));
    let parsed: serde_json::Value = serde_yaml::from_str(&seen[1][1].2).expect("yaml");
    assert_eq!(parsed, json!({"kubernetesResources": {"a": 1}}));
    assert_eq!(seen[2].len(), 1);
    // The temporary directory is gone afterwards.
    assert!(!path.exists());
    assert!(path.parent().is_some_and(|d| !d.exists()));

    fake.on_fail("pod-spec-set", 1, "ERROR this unit is not the leader\n");
    assert!(matches!(
        b.pod_spec_set(&json!({}), None),
        Err(HookToolError::Failed { .. })
    ));
}

#[test]
fn planned_units_and_goal_state() {
    let (fake, b) = setup();
    let out = "{\"relations\":{\"db\":{\"pg\":{\"since\":\"2024-01-01T00:00:00Z\",\"status\":\"joined\"}}},\
               \"units\":{\"myapp/0\":{\"since\":\"2024-01-01T00:00:00Z\",\"status\":\"active\"},\
               \"myapp/1\":{\"since\":\"2024-01-01T00:00:00Z\",\"status\":\"active\"}}}\n";
    fake.on_ok("goal-state", out);
    assert_eq!(b.planned_units().expect("planned"), 2);
    let goal = b.goal_state().expect("goal state");
    assert_eq!(goal.units.len(), 2);
    assert_eq!(goal.units["myapp/1"].status, "active");
    assert_eq!(goal.relations["db"]["pg"].status, "joined");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["goal-state", "--format=json"]),
            argv(&["goal-state", "--format=json"])
        ]
    );
    fake.on_ok("goal-state", "{}\n");
    assert_eq!(b.planned_units().expect("zero"), 0);
    fake.on_ok("goal-state", "{\"units\":3}\n");
    assert!(matches!(
        b.planned_units(),
        Err(HookToolError::Parse { .. })
    ));
}

// ---- secrets ------------------------------------------------------------------------------------

#[test]
fn secret_get() {
    let (fake, b) = setup();
    fake.on_ok(
        "secret-get",
        "{\"password\":\"hunter2\",\"user\":\"admin\"}\n",
    );
    let got = b
        .secret_get(Some("secret:123"), None, false, false)
        .expect("content");
    assert_eq!(got, content(&[("password", "hunter2"), ("user", "admin")]));
    b.secret_get(None, Some("db-pass"), false, false)
        .expect("by label");
    b.secret_get(Some("secret:123"), Some("db-pass"), true, false)
        .expect("refresh");
    b.secret_get(Some("secret:123"), None, false, true)
        .expect("peek");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["secret-get", "secret:123", "--format=json"]),
            argv(&["secret-get", "--label", "db-pass", "--format=json"]),
            argv(&[
                "secret-get",
                "secret:123",
                "--label",
                "db-pass",
                "--refresh",
                "--format=json"
            ]),
            argv(&["secret-get", "secret:123", "--peek", "--format=json"]),
        ]
    );

    fake.on_fail("secret-get", 1, "ERROR secret \"123\" not found\n");
    let err = b
        .secret_get(Some("secret:123"), None, false, false)
        .expect_err("not found");
    assert!(
        matches!(&err, HookToolError::SecretNotFound { id_or_label } if id_or_label == "secret:123")
    );
    assert!(err.is_secret_not_found());
    fake.on_fail(
        "secret-get",
        1,
        "ERROR consumer label \"db-pass\" not found\n",
    );
    assert!(matches!(
        b.secret_get(None, Some("db-pass"), false, false),
        Err(HookToolError::SecretNotFound { id_or_label }) if id_or_label == "db-pass"
    ));
    fake.on_fail("secret-get", 1, "ERROR permission denied\n");
    assert!(matches!(
        b.secret_get(Some("secret:123"), None, false, false),
        Err(HookToolError::Failed { .. })
    ));
    // Unparsable content never shows the secret.
    fake.on_ok("secret-get", "{\"password\":\"hunter2\",\"n\":1}\n");
    let err = b
        .secret_get(Some("secret:123"), None, false, false)
        .expect_err("bad shape");
    assert!(matches!(&err, HookToolError::Parse { output, .. } if output == REDACTED));
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

#[test]
fn secret_info_get() {
    let (fake, b) = setup();
    fake.on_ok(
        "secret-info-get",
        "{\"cp0remote0secret0001\":{\"description\":\"db\",\"expiry\":\"2024-02-01T00:00:00Z\",\
         \"label\":\"db-pass\",\"owner\":\"application\",\"revision\":2,\"rotation\":\"daily\"}}\n",
    );
    let info = b
        .secret_info_get(Some("secret:cp0remote0secret0001"), None)
        .expect("info");
    assert_eq!(info.id, "secret:cp0remote0secret0001");
    assert_eq!(info.label.as_deref(), Some("db-pass"));
    assert_eq!(info.revision, 2);
    assert_eq!(info.rotation, Some(SecretRotate::Daily));
    assert_eq!(
        info.expires.map(|t| t.unix_timestamp()),
        Some(1_706_745_600)
    );
    assert_eq!(info.rotates, None);
    // No JUJU_MODEL_UUID: ops 3 would fall back to the environment's; nothing to report.
    assert_eq!(info.model_uuid, None);
    assert_eq!(info.description.as_deref(), Some("db"));
    // Only the id is passed when both are known; the label only without an id.
    b.secret_info_get(Some("secret:x"), Some("db-pass"))
        .expect("info");
    b.secret_info_get(None, Some("db-pass")).expect("info");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&[
                "secret-info-get",
                "secret:cp0remote0secret0001",
                "--format=json"
            ]),
            argv(&["secret-info-get", "secret:x", "--format=json"]),
            argv(&["secret-info-get", "--label", "db-pass", "--format=json"]),
        ]
    );

    fake.on_ok(
        "secret-info-get",
        "{\"abc\":{\"expires\":\"2030-01-01T00:00:00Z\",\"revision\":7,\"rotation\":\"sometimes\",\
         \"rotates\":\"2024-01-02T00:00:00Z\"}}\n",
    );
    let info = b.secret_info_get(Some("abc"), None).expect("info");
    assert_eq!(info.id, "secret:abc");
    assert_eq!(info.label, None);
    assert_eq!(info.rotation, None);
    assert_eq!(
        info.expires.map(|t| t.unix_timestamp()),
        Some(1_893_456_000)
    );
    assert_eq!(
        info.rotates.map(|t| t.unix_timestamp()),
        Some(1_704_153_600)
    );

    fake.on_fail("secret-info-get", 1, "ERROR secret \"db-pass\" not found\n");
    assert!(matches!(
        b.secret_info_get(None, Some("db-pass")),
        Err(HookToolError::SecretNotFound { .. })
    ));
    fake.on_ok("secret-info-get", "{}\n");
    assert!(matches!(
        b.secret_info_get(Some("x"), None),
        Err(HookToolError::Parse { .. })
    ));
    fake.on_ok("secret-info-get", "{\"x\":{\"label\":\"l\"}}\n");
    assert!(matches!(
        b.secret_info_get(Some("x"), None),
        Err(HookToolError::Parse { .. })
    ));
}

#[test]
fn secret_add() {
    let (fake, b) = setup();
    fake.on_ok("secret-add", "secret:cp0abcdefghijklmnopq\n");
    let id = b
        .secret_add(
            &content(&[("password", "hunter2")]),
            &SecretOptions::default(),
            None,
        )
        .expect("add");
    assert_eq!(id, "secret:cp0abcdefghijklmnopq");
    let options = SecretOptions {
        label: Some("db".to_string()),
        description: Some("the db pass".to_string()),
        expire: Some("2024-02-01T00:00:00".to_string()),
        rotate: Some(SecretRotate::Weekly),
    };
    b.secret_add(
        &content(&[("password", "hunter2"), ("user", "admin")]),
        &options,
        Some(SecretOwner::Unit),
    )
    .expect("add");
    b.secret_add(
        &content(&[("foo", "x")]),
        &SecretOptions::default(),
        Some(SecretOwner::Application),
    )
    .expect("add");
    assert_eq!(
        fake.take_resolved_argvs(),
        vec![
            argv(&["secret-add", "password=hunter2"]),
            argv(&[
                "secret-add",
                "--label",
                "db",
                "--description",
                "the db pass",
                "--expire",
                "2024-02-01T00:00:00",
                "--rotate",
                "weekly",
                "--owner",
                "unit",
                "password=hunter2",
                "user=admin",
            ]),
            argv(&["secret-add", "--owner", "application", "foo=x"]),
        ]
    );

    // Content is validated first.
    let err = b
        .secret_add(&SecretContent::new(), &SecretOptions::default(), None)
        .expect_err("empty");
    assert_eq!(err.to_string(), "Secret content must not be empty");
    let err = b
        .secret_add(
            &content(&[("ab", "x"), ("Bad", "y"), ("good", "z")]),
            &SecretOptions::default(),
            None,
        )
        .expect_err("bad keys");
    assert!(
        err.to_string()
            .starts_with("Invalid secret keys: ['Bad', 'ab']. Keys should be"),
        "{err}"
    );
    assert!(fake.calls().is_empty());

    // Errors are not mapped to not-found, and never show the content.
    fake.on_fail(
        "secret-add",
        1,
        "ERROR secret with label \"db\" already exists (not found)\n",
    );
    let err = b
        .secret_add(&content(&[("password", "hunter2")]), &options, None)
        .expect_err("fails");
    assert!(matches!(err, HookToolError::Failed { .. }));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("password#file=<redacted>"), "{shown}");
    assert!(shown.contains("--label db"), "{shown}");
}

/// ops' `_ACTION_RESULT_KEY_REGEX`, `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$` with `re.match` (so `$`
/// also matches before one trailing newline).
#[test]
fn action_result_key_regex() {
    use ops_core::hooktools::is_valid_action_result_key as ok;
    for good in [
        "a", "0", "ab", "a1b", "1a2", "a-b", "a.b", "a..b", "a-.-b", "9-9", "abc-123", "a\n",
    ] {
        assert!(ok(good), "{good:?}");
    }
    for bad in [
        "", "-a", "a-", ".a", "a.", "-", ".", "A", "aB", "a_b", "a b", "a/b", "a\n\n", "\na", "é",
    ] {
        assert!(!ok(bad), "{bad:?}");
    }
}

/// A rotation policy prints as Juju spells it (what `secret-info-get` prints and `--rotate`
/// takes), and reads back.
#[test]
fn rotation_policies_print_and_parse_as_juju_spells_them() {
    for (policy, juju) in [
        (SecretRotate::Never, "never"),
        (SecretRotate::Hourly, "hourly"),
        (SecretRotate::Daily, "daily"),
        (SecretRotate::Weekly, "weekly"),
        (SecretRotate::Monthly, "monthly"),
        (SecretRotate::Quarterly, "quarterly"),
        (SecretRotate::Yearly, "yearly"),
    ] {
        assert_eq!(
            (policy.as_str(), policy.to_string()),
            (juju, juju.to_string())
        );
        assert_eq!(juju.parse::<SecretRotate>().ok(), Some(policy));
    }
    assert!("fortnightly".parse::<SecretRotate>().is_err());
}

#[test]
fn secret_key_regex() {
    use ops_core::hooktools::is_valid_secret_key as ok;
    for good in ["abc", "a-b-c", "a1b", "abc-123", "foo\n"] {
        assert!(ok(good), "{good:?}");
    }
    for bad in ["", "ab", "a--b", "-ab", "ab-", "Abc", "1ab", "a_b", "a b"] {
        assert!(!ok(bad), "{bad:?}");
    }
}

#[test]
fn secret_set() {
    let (fake, b) = setup();
    fake.on_ok("secret-set", "");
    b.secret_set(
        "secret:123",
        Some(&content(&[("password", "new")])),
        &SecretOptions::default(),
    )
    .expect("content");
    b.secret_set(
        "secret:123",
        None,
        &SecretOptions {
            label: Some("l".to_string()),
            rotate: Some(SecretRotate::Never),
            ..SecretOptions::default()
        },
    )
    .expect("info");
    assert_eq!(
        fake.take_resolved_argvs(),
        vec![
            argv(&["secret-set", "secret:123", "password=new"]),
            argv(&[
                "secret-set",
                "secret:123",
                "--label",
                "l",
                "--rotate",
                "never"
            ]),
        ]
    );
    fake.on_fail("secret-set", 1, "ERROR secret \"123\" not found\n");
    let err = b
        .secret_set(
            "secret:123",
            Some(&content(&[("password", "hunter2")])),
            &SecretOptions::default(),
        )
        .expect_err("not found");
    assert!(
        matches!(&err, HookToolError::SecretNotFound { id_or_label } if id_or_label == "secret:123")
    );
    fake.on_fail("secret-set", 1, "ERROR permission denied\n");
    let err = b
        .secret_set(
            "secret:123",
            Some(&content(&[("password", "hunter2")])),
            &SecretOptions::default(),
        )
        .expect_err("denied");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("secret:123"), "{shown}");
}

#[test]
fn secret_grant_revoke_remove_ids() {
    let (fake, b) = setup();
    for tool in ["secret-grant", "secret-revoke", "secret-remove"] {
        fake.on_ok(tool, "");
    }
    fake.on_ok("secret-ids", "[\"secret:a\",\"secret:b\"]\n");
    b.secret_grant("secret:123", 3, None).expect("grant");
    b.secret_grant("secret:123", 3, Some("pg/0"))
        .expect("grant unit");
    b.secret_revoke("secret:123", 3, None).expect("revoke");
    b.secret_revoke("secret:123", 3, Some("pg/0"))
        .expect("revoke unit");
    b.secret_remove("secret:123", None).expect("remove all");
    b.secret_remove("secret:123", Some(2))
        .expect("remove revision");
    assert_eq!(b.secret_ids().expect("ids"), vec!["secret:a", "secret:b"]);
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["secret-grant", "secret:123", "--relation", "3"]),
            argv(&[
                "secret-grant",
                "secret:123",
                "--relation",
                "3",
                "--unit",
                "pg/0"
            ]),
            argv(&["secret-revoke", "secret:123", "--relation", "3"]),
            argv(&[
                "secret-revoke",
                "secret:123",
                "--relation",
                "3",
                "--unit",
                "pg/0"
            ]),
            argv(&["secret-remove", "secret:123"]),
            argv(&["secret-remove", "secret:123", "--revision", "2"]),
            argv(&["secret-ids", "--format=json"]),
        ]
    );
    for tool in ["secret-grant", "secret-revoke", "secret-remove"] {
        fake.on_fail(tool, 1, "ERROR secret \"123\" not found\n");
    }
    assert!(matches!(
        b.secret_grant("secret:123", 3, None),
        Err(HookToolError::SecretNotFound { .. })
    ));
    assert!(matches!(
        b.secret_revoke("secret:123", 3, None),
        Err(HookToolError::SecretNotFound { .. })
    ));
    assert!(matches!(
        b.secret_remove("secret:123", None),
        Err(HookToolError::SecretNotFound { .. })
    ));
    fake.on_fail("secret-grant", 1, "ERROR this unit is not the leader\n");
    assert!(matches!(
        b.secret_grant("secret:123", 3, None),
        Err(HookToolError::Failed { .. })
    ));
    fake.on_ok("secret-ids", "null\n");
    assert!(b.secret_ids().expect("none").is_empty());
}

#[test]
fn secret_id_canonical_form() {
    use ops_core::hooktools::canonicalize_secret_id as canon;
    assert_eq!(canon("abc"), "secret:abc");
    assert_eq!(canon(" secret:abc \n"), "secret:abc");
}

// ---- leader settings, credentials, reboot, unit-get --------------------------------------------

#[test]
fn leader_settings() {
    let (fake, b) = setup();
    fake.on_ok("leader-get", "{\"a\":\"1\",\"b\":\"x y\"}\n");
    let all = b.leader_get_all().expect("all");
    assert_eq!(all.get("b").map(String::as_str), Some("x y"));
    fake.on_ok("leader-get", "\"1\"\n");
    assert_eq!(b.leader_get("a").expect("one"), Some("1".to_string()));
    fake.on_ok("leader-get", "\"\"\n");
    assert_eq!(b.leader_get("zzz").expect("unset"), None);
    fake.on_ok("leader-set", "");
    b.leader_set(&[("a", "2"), ("b", "")]).expect("set");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["leader-get", "--format=json"]),
            argv(&["leader-get", "a", "--format=json"]),
            argv(&["leader-get", "zzz", "--format=json"]),
            argv(&["leader-set", "a=2", "b="]),
        ]
    );
    fake.on_fail(
        "leader-set",
        1,
        "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
    );
    let err = b
        .leader_set(&[("password", "hunter2")])
        .expect_err("not leader");
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn credential_get() {
    let (fake, b) = setup();
    fake.on_ok(
        "credential-get",
        "{\"credential\":{\"attrs\":{\"password\":\"hunter2\",\"username\":\"admin\"},\"auth-type\":\"userpass\"},\
         \"endpoint\":\"https://10.0.0.1:8443\",\"name\":\"localhost\",\"region\":\"default\",\"type\":\"lxd\",\
         \"cacertificates\":null}\n",
    );
    let spec = b.credential_get().expect("spec");
    assert_eq!(spec.cloud_type, "lxd");
    assert_eq!(spec.name, "localhost");
    assert_eq!(spec.region.as_deref(), Some("default"));
    assert_eq!(spec.endpoint.as_deref(), Some("https://10.0.0.1:8443"));
    assert!(spec.ca_certificates.is_empty());
    assert!(!spec.skip_tls_verify);
    let credential = spec.credential.as_ref().expect("credential");
    assert_eq!(credential.auth_type, "userpass");
    assert_eq!(
        credential.attributes.get("password").map(String::as_str),
        Some("hunter2")
    );
    assert!(!format!("{spec:?}").contains("hunter2"));
    // What `Debug` shows of a credential (a charm logging it): the auth type and the attribute
    // names, never their values.
    let shown = format!("{credential:?}");
    for part in [
        "CloudCredential",
        "userpass",
        "\"password\"",
        "\"username\"",
    ] {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
    assert!(
        !shown.contains("hunter2") && !shown.contains("admin"),
        "{shown}"
    );
    assert_eq!(
        fake.take_argvs(),
        vec![argv(&["credential-get", "--format=json"])]
    );

    fake.on_fail(
        "credential-get",
        1,
        "ERROR cannot access cloud credentials: permission denied\n",
    );
    assert!(matches!(
        b.credential_get(),
        Err(HookToolError::Failed { .. })
    ));
    fake.on_ok("credential-get", "{\"password\":\"hunter2\"}\n");
    let err = b.credential_get().expect_err("bad shape");
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

#[test]
fn juju_reboot_and_unit_get() {
    let (fake, b) = setup();
    fake.on_ok("juju-reboot", "");
    b.juju_reboot(false).expect("reboot");
    b.juju_reboot(true).expect("reboot now");
    fake.on_ok("unit-get", "\"10.0.0.10\"\n");
    assert_eq!(b.unit_get("private-address").expect("address"), "10.0.0.10");
    assert_eq!(
        fake.take_argvs(),
        vec![
            argv(&["juju-reboot"]),
            argv(&["juju-reboot", "--now"]),
            argv(&["unit-get", "private-address", "--format=json"]),
        ]
    );
}

// ---- controller state ---------------------------------------------------------------------------

#[test]
fn state_tools() {
    let (fake, b) = setup();
    fake.on_ok("state-set", "").on_ok("state-delete", "");
    b.state_set("MyCharm/StoredStateData[_stored]", "{event_count: 3}\n")
        .expect("set");
    b.state_set("#notices#", "- [a, b, c]\n- [d, e, f]\n")
        .expect("set");
    b.state_delete("MyCharm/StoredStateData[_stored]")
        .expect("delete");
    let calls = fake.take_calls();
    assert_eq!(calls[0].argv(), argv(&["state-set", "--file", "-"]));
    assert_eq!(
        calls[0].stdin_text().as_deref(),
        Some("\"MyCharm/StoredStateData[_stored]\": |\n  {event_count: 3}\n")
    );
    assert_eq!(
        calls[1].stdin_text().as_deref(),
        Some("\"#notices#\": |\n  - [a, b, c]\n  - [d, e, f]\n")
    );
    assert_eq!(
        calls[2].argv(),
        argv(&["state-delete", "MyCharm/StoredStateData[_stored]"])
    );

    fake.on_ok("state-get", "{event_count: 3}\n\n");
    assert_eq!(
        b.state_get("k").expect("get").as_deref(),
        Some("{event_count: 3}\n\n")
    );
    for empty in ["", "\n"] {
        fake.on_ok("state-get", empty);
        assert_eq!(b.state_get("k").expect("unset"), None);
    }
    assert_eq!(fake.take_argvs()[0], argv(&["state-get", "k"]));
    fake.on_fail("state-get", 1, "ERROR boom\n");
    assert!(matches!(
        b.state_get("k"),
        Err(HookToolError::Failed { .. })
    ));
}

#[test]
fn state_set_encoding_matches_pyyaml_libyaml() {
    use ops_core::hooktools::encode_state_set as enc;
    // Expected outputs produced by PyYAML 6 with libyaml 0.2.5 (yaml.CSafeDumper):
    // yaml.dump({k: v}, default_style='|', default_flow_style=False, Dumper=yaml.CSafeDumper)
    let cases: &[(&str, &str, &str)] = &[
        ("k", "no newline", "\"k\": |-\n  no newline\n"),
        ("k", "two\n\n", "\"k\": |+\n  two\n\n...\n"),
        ("k", " leading\n", "\"k\": |2\n   leading\n"),
        ("k", "trail \n", "\"k\": \"trail \\n\"\n"),
        ("k", "", "\"k\": \"\"\n"),
        ("k", "é\n", "\"k\": \"\\xE9\\n\"\n"),
        ("k\"q\\", "x\n", "\"k\\\"q\\\\\": |\n  x\n"),
        ("k", "a\tb\n", "\"k\": \"a\\tb\\n\"\n"),
        ("k", "x\n  y\n", "\"k\": |\n  x\n    y\n"),
        ("k", "line\n\n\nmore\n", "\"k\": |\n  line\n\n\n  more\n"),
        ("ké", "x\n", "\"k\\xE9\": |\n  x\n"),
        ("k", "\n", "\"k\": |2+\n\n...\n"),
        ("k", "\n\nx\n", "\"k\": |2\n\n\n  x\n"),
        ("", "x\n", "\"\": |\n  x\n"),
        ("a\nb", "x\n", "? |-\n  a\n  b\n: |\n  x\n"),
        (
            "k",
            "x\ty\nword word word word word word word word word word word word word word word word word word word word word word end\n",
            "\"k\": \"x\\ty\\nword word word word word word word word word word word word word word\n  word word word word word word word word end\\n\"\n",
        ),
    ];
    for (key, value, want) in cases {
        assert_eq!(&enc(key, value), want, "key {key:?} value {value:?}");
    }
    // The simple-key limit is 128 bytes.
    assert!(enc(&"k".repeat(128), "x\n").starts_with("\"kkk"));
    assert_eq!(
        enc(&"k".repeat(129), "x\n"),
        format!("? |-\n  {}\n: |\n  x\n", "k".repeat(129))
    );
}

/// The `state-set` document against PyYAML 6 with libyaml 0.2.5 (what ops writes with
/// `yaml.CSafeDumper`) on recorded key/value pairs: the corners of libyaml's emitter (every
/// escape and its width, line breaks other than `\n`, trailing spaces, folding of long
/// double-quoted lines at a space, literal-block hints, complex keys) and 220 random pairs.
/// Made by `tests/fixtures/state-set-libyaml/record.py`.
#[test]
fn state_set_documents_match_pyyaml_libyaml_on_recorded_pairs() {
    use ops_core::hooktools::encode_state_set as enc;
    const RECORDED: &str = include_str!("fixtures/state-set-libyaml/cases.json");
    let cases: Vec<(String, String, String)> =
        serde_json::from_str(RECORDED).expect("the recorded pairs");
    assert!(cases.len() > 250, "{} pairs", cases.len());
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(key, value, want)| {
            let got = enc(key, value);
            (&got != want)
                .then(|| format!("key {key:?} value {value:?}:\n got {got:?}\nwant {want:?}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} pairs differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

// ---- runner behaviour the backend relies on -------------------------------------------------------

#[test]
fn fake_runner_queues_one_shot_answers() {
    let fake = FakeRunner::new();
    fake.on_ok("t", "standing")
        .once("t", ToolOutput::ok("first"));
    let out = |fake: &FakeRunner| {
        String::from_utf8(fake.run("t", &[], None).expect("runs").stdout).expect("utf8")
    };
    assert_eq!(out(&fake), "first");
    assert_eq!(out(&fake), "standing");
    fake.missing("t");
    assert!(matches!(
        fake.run("t", &[], None),
        Err(RunError::NotFound(_))
    ));
    assert_eq!(fake.calls().len(), 3);
}

#[test]
fn accessors() {
    let fake = Rc::new(FakeRunner::new());
    let b = Backend::for_unit(fake.clone(), "my-app/12", version("2.9.44"))
        .with_model(Some("prod".to_string()), Some("uuid-1".to_string()))
        .with_event_remote_app(7, "pg");
    assert_eq!(b.unit_name(), "my-app/12");
    assert_eq!(b.app_name(), "my-app");
    assert_eq!(b.model_name(), Some("prod"));
    assert_eq!(b.model_uuid(), Some("uuid-1"));
    assert_eq!(b.version().to_string(), "2.9.44");
    assert_eq!(b.event_remote_app(), Some((7, "pg")));
    assert_eq!(b.hook_is_running(), "");
    b.set_hook_is_running("config_changed");
    assert_eq!(b.hook_is_running(), "config_changed");
    // The runner handle is the one given.
    fake.on_ok("is-leader", "true\n");
    let out = b.runner().run("is-leader", &[], None).expect("runs");
    assert_eq!(out.stdout, b"true\n");
    assert!(format!("{b:?}").contains("my-app/12"));
}

/// Issue 11, item 7: whatever malformed thing `secret-get` (or `credential-get`, `leader-get`)
/// prints, no Display or Debug of the error holds it (the JSON parser's message used to quote it).
#[test]
fn malformed_secret_output_never_reaches_an_error() {
    const SECRET: &str = "hunter2-TOPSECRET";
    let outputs = [
        format!("\"{SECRET}\""),
        format!("{{\"password\": 12345678{SECRET}"),
        "{\"password\": 987654321}".to_string(),
        format!("[\"{SECRET}\"]"),
        format!("{{\"password\": \"{SECRET}\", \"password\": 1}}"),
        format!("{{\"password\": [\"{SECRET}\"]}}"),
        format!("{{\"{SECRET}\": true}}"),
        SECRET.to_string(),
        format!("\"\\u{SECRET}\""),
    ];
    for output in &outputs {
        let (fake, b) = setup();
        fake.on_ok("secret-get", output);
        let err = b
            .secret_get(Some("secret:abc"), None, false, false)
            .expect_err(output);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{output}: {shown}");
        assert!(!shown.contains("987654321"), "{output}: {shown}");
        assert!(!shown.contains("12345678"), "{output}: {shown}");
        fake.on_ok("leader-get", output);
        if let Err(err) = b.leader_get("password") {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("hunter2"), "leader-get {output}: {shown}");
            assert!(!shown.contains("987654321"), "leader-get {output}: {shown}");
        }
    }
}

/// Issue 11, item 9: an error about relation data quotes a bounded excerpt of it, never the
/// whole remote value (1 MB became 1 MB on stderr and nine juju-log calls).
#[test]
fn errors_quote_bounded_excerpts_of_remote_data() {
    let huge = format!("{{\"key\": {}", "x".repeat(1 << 20));
    let (fake, b) = setup();
    fake.on_ok("relation-get", &huge);
    let err = b
        .relation_get(3, "remote/0", false)
        .expect_err("invalid JSON");
    assert!(
        err.to_string().len() < 2048,
        "{} bytes",
        err.to_string().len()
    );
    assert!(
        format!("{err:?}").len() < 8192,
        "{} bytes",
        format!("{err:?}").len()
    );

    let mut bag = BTreeMap::new();
    bag.insert("port".to_string(), format!("\"{}\"", "y".repeat(1 << 20)));
    let err = ops_core::databag::get_json::<u16>(&bag, "port").expect_err("not a number");
    assert!(
        err.to_string().len() < 2048,
        "{} bytes",
        err.to_string().len()
    );
    assert!(
        format!("{err:?}").len() < 8192,
        "{} bytes",
        format!("{err:?}").len()
    );

    fake.on_fail("relation-set", 1, &"e".repeat(1 << 20));
    let err = b.relation_set(3, &[("a", "b")], false).expect_err("fails");
    assert!(
        err.to_string().len() < 2048,
        "{} bytes",
        err.to_string().len()
    );
    assert!(
        format!("{err:?}").len() < 8192,
        "{} bytes",
        format!("{err:?}").len()
    );
}

/// Issue 11, item 10: a NUL byte in a message (e.g. a tool's stderr quoted by an error) still
/// reaches juju-log: an argument cannot hold NUL, so it is shown escaped.
#[test]
fn a_nul_byte_in_a_log_message_does_not_stop_it() {
    for args in ops_core::hooktools::juju_log_args("ERROR", "tool said: bad\0thing") {
        assert!(args.iter().all(|a| !a.contains('\0')), "{args:?}");
        assert!(args
            .last()
            .is_some_and(|m| m.contains("bad") && m.contains("thing")));
    }
}

/// Issue 11, item 8: no argv of any hook-tool call holds a secret value (`/proc/<pid>/cmdline` is
/// readable by every local user): secret-add and secret-set pass `key#file=<path>` naming private
/// files (mode 0600 in a 0700 directory) that exist during the call only.
#[test]
fn secret_values_never_reach_a_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let (fake, b) = setup();
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let record = seen.clone();
    let respond = move |args: &[String], _: Option<&[u8]>| {
        for arg in args {
            if let Some((_, path)) = arg.split_once("#file=") {
                let file = std::fs::metadata(path).expect("the file exists during the call");
                let dir = std::fs::metadata(std::path::Path::new(path).parent().expect("dir"))
                    .expect("dir");
                record.borrow_mut().push((
                    path.to_string(),
                    file.permissions().mode() & 0o777,
                    dir.permissions().mode() & 0o777,
                ));
            }
        }
        ToolOutput::ok("secret:new\n")
    };
    fake.on_fn("secret-add", respond.clone());
    fake.on_fn("secret-set", respond);
    let secret = content(&[
        ("password", "hunter2-x"),
        ("api-key", "s3cr3t=value with spaces"),
    ]);
    b.secret_add(&secret, &SecretOptions::default(), Some(SecretOwner::Unit))
        .expect("add");
    b.secret_set("secret:new", Some(&secret), &SecretOptions::default())
        .expect("set");
    let calls = fake.take_calls();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        for arg in call.argv() {
            assert!(
                !arg.contains("hunter2") && !arg.contains("s3cr3t"),
                "a secret value on the command line: {:?}",
                call.argv()
            );
        }
        let resolved = call.resolved_argv();
        assert!(
            resolved.contains(&"password=hunter2-x".to_string()),
            "{resolved:?}"
        );
        assert!(
            resolved.contains(&"api-key=s3cr3t=value with spaces".to_string()),
            "{resolved:?}"
        );
    }
    let seen = seen.borrow();
    assert_eq!(seen.len(), 4);
    for (path, file_mode, dir_mode) in seen.iter() {
        assert_eq!((*file_mode, *dir_mode), (0o600, 0o700), "{path}");
        assert!(
            !std::path::Path::new(path).exists(),
            "{path} is removed after the call"
        );
    }
}
