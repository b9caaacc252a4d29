//! `JujuContext`: the hook environment, parsed as ops 2.1.1 reads it (and as juju-sim sets it).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use ops_core::env::{EnvError, JujuContext};
use ops_core::version::JujuVersion;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(pairs: &[(&str, &str)]) -> Result<JujuContext, EnvError> {
    JujuContext::from_map(&env(pairs))
}

fn ok(pairs: &[(&str, &str)]) -> JujuContext {
    parse(pairs).expect("valid environment")
}

#[test]
fn juju_sim_relation_hook_environment() {
    // What juju-sim (like Juju) sets for db-relation-departed.
    let ctx = ok(&[
        ("CHARM_DIR", "/tmp/run/charm"),
        ("JUJU_CHARM_DIR", "/tmp/run/charm"),
        ("JUJU_CONTEXT_ID", "db-consumer/0-db-relation-departed-4"),
        ("JUJU_UNIT_NAME", "db-consumer/0"),
        ("JUJU_MODEL_NAME", "sim-model"),
        ("JUJU_MODEL_UUID", "7e3a1c2d-5b4f-4a60-9c8e-0123456789ab"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_AVAILABILITY_ZONE", "zone-1"),
        ("JUJU_MACHINE_ID", "0"),
        ("JUJU_PRINCIPAL_UNIT", ""),
        ("JUJU_DISPATCH_PATH", "hooks/db-relation-departed"),
        ("JUJU_HOOK_NAME", "db-relation-departed"),
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:3"),
        ("JUJU_REMOTE_UNIT", "db-provider/1"),
        ("JUJU_REMOTE_APP", "db-provider"),
        ("JUJU_DEPARTING_UNIT", "db-provider/1"),
        ("PATH", "/usr/bin"),
    ]);
    assert_eq!(ctx.unit_name, "db-consumer/0");
    assert_eq!(ctx.app_name, "db-consumer");
    assert_eq!(ctx.model_name.as_deref(), Some("sim-model"));
    assert_eq!(
        ctx.model_uuid.as_deref(),
        Some("7e3a1c2d-5b4f-4a60-9c8e-0123456789ab")
    );
    assert_eq!(ctx.version, JujuVersion::new(3, 1, 6));
    assert_eq!(ctx.charm_dir, Some(PathBuf::from("/tmp/run/charm")));
    assert_eq!(
        ctx.dispatch_path.as_deref(),
        Some("hooks/db-relation-departed")
    );
    assert_eq!(ctx.hook_name.as_deref(), Some("db-relation-departed"));
    assert_eq!(ctx.relation_name.as_deref(), Some("db"));
    assert_eq!(ctx.relation_id, Some(3));
    assert_eq!(ctx.remote_app.as_deref(), Some("db-provider"));
    assert_eq!(ctx.remote_unit.as_deref(), Some("db-provider/1"));
    assert_eq!(ctx.departing_unit.as_deref(), Some("db-provider/1"));
    assert_eq!(ctx.availability_zone.as_deref(), Some("zone-1"));
    assert_eq!(
        ctx.context_id.as_deref(),
        Some("db-consumer/0-db-relation-departed-4")
    );
    assert_eq!(ctx.machine_id.as_deref(), Some("0"));
    assert_eq!(ctx.principal_unit, None);
    assert_eq!(ctx.event_remote_app(), Some((3, "db-provider".to_string())));
    assert!(!ctx.debug);
    assert!(ctx.debug_at.is_empty());
    assert!(!ctx.operator_dispatch);
    assert_eq!(ctx.action_name, None);
    assert_eq!(ctx.secret_id, None);
}

#[test]
fn minimal_environment_defaults() {
    let ctx = ok(&[("JUJU_UNIT_NAME", "myapp/0")]);
    assert_eq!(ctx.app_name, "myapp");
    assert_eq!(ctx.version, JujuVersion::new(0, 0, 0));
    assert_eq!(ctx.model_name, None);
    assert_eq!(ctx.relation_id, None);
    assert_eq!(ctx.remote_app, None);
    assert_eq!(ctx.event_remote_app(), None);
    assert_eq!(ctx.charm_dir, None);
    assert_eq!(ctx.dispatch_path, None);
    // ops: the app name is the unit name up to its first `/`, whatever it is.
    assert_eq!(ok(&[("JUJU_UNIT_NAME", "weird")]).app_name, "weird");
}

#[test]
fn unit_name_is_required() {
    let err = parse(&[("JUJU_VERSION", "3.1.6")]).expect_err("no unit");
    assert_eq!(err, EnvError::Missing("JUJU_UNIT_NAME"));
    assert_eq!(err.to_string(), "JUJU_UNIT_NAME not set");
}

#[test]
fn invalid_version() {
    let err =
        parse(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_VERSION", "3.x")]).expect_err("bad version");
    assert!(matches!(&err, EnvError::InvalidVersion(v) if v.version == "3.x"));
    assert!(err
        .to_string()
        .contains("\"3.x\" is not a valid Juju version string"));
    assert_eq!(
        ok(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_VERSION", "2.9-rc1.2")])
            .version
            .to_string(),
        "2.9-rc1.2"
    );
}

#[test]
fn relation_id_forms() {
    for (raw, id) in [
        ("db:3", 3),
        ("3", 3),
        ("x:y:12", 12),
        ("db: 7 ", 7),
        ("db:+4", 4),
    ] {
        assert_eq!(
            ok(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_RELATION_ID", raw)]).relation_id,
            Some(id),
            "{raw:?}"
        );
    }
    for raw in ["", "db:", "db:x", "db:1.5", "db"] {
        let err = parse(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_RELATION_ID", raw)]).expect_err(raw);
        assert_eq!(err, EnvError::InvalidRelationId(raw.to_string()));
    }
}

#[test]
fn remote_app_is_derived_from_the_remote_unit() {
    let ctx = ok(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_REMOTE_UNIT", "pg/2")]);
    assert_eq!(ctx.remote_app.as_deref(), Some("pg"));
    // Not the raw variable: relation_remote_app_name must still ask Juju.
    assert_eq!(ctx.remote_app_var, None);

    let ctx = ok(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_REMOTE_UNIT", "pg/2"),
        ("JUJU_REMOTE_APP", ""),
    ]);
    assert_eq!(ctx.remote_app.as_deref(), Some("pg"));
    assert_eq!(ctx.remote_app_var.as_deref(), Some(""));

    // An explicit JUJU_REMOTE_APP wins.
    let ctx = ok(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_REMOTE_UNIT", "pg/2"),
        ("JUJU_REMOTE_APP", "other"),
    ]);
    assert_eq!(ctx.remote_app.as_deref(), Some("other"));

    // Empty values mean unset.
    let ctx = ok(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_REMOTE_UNIT", ""),
        ("JUJU_REMOTE_APP", ""),
        ("JUJU_DEPARTING_UNIT", ""),
    ]);
    assert_eq!(
        (ctx.remote_app, ctx.remote_unit, ctx.departing_unit),
        (None, None, None)
    );

    let err =
        parse(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_REMOTE_UNIT", "pg")]).expect_err("no slash");
    assert_eq!(err, EnvError::InvalidRemoteUnit("pg".to_string()));
    assert_eq!(err.to_string(), "invalid remote unit name: pg");
    // With the app given, the unit name is not checked (ops only derives when the app is missing).
    assert!(parse(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_REMOTE_UNIT", "pg"),
        ("JUJU_REMOTE_APP", "pg")
    ])
    .is_ok());
}

#[test]
fn secret_event_variables() {
    let ctx = ok(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_SECRET_ID", "secret:cp0remote0secret0001"),
        ("JUJU_SECRET_LABEL", ""),
        ("JUJU_SECRET_REVISION", "2"),
    ]);
    assert_eq!(
        ctx.secret_id.as_deref(),
        Some("secret:cp0remote0secret0001")
    );
    assert_eq!(ctx.secret_label.as_deref(), Some(""));
    assert_eq!(ctx.secret_revision, Some(2));
    assert_eq!(ok(&[("JUJU_UNIT_NAME", "a/0")]).secret_label, None);
    for bad in ["", "two", "1.0", "-1"] {
        let err =
            parse(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_SECRET_REVISION", bad)]).expect_err(bad);
        assert_eq!(err, EnvError::InvalidSecretRevision(bad.to_string()));
    }
}

#[test]
fn action_storage_workload_and_debug_variables() {
    let ctx = ok(&[
        ("JUJU_UNIT_NAME", "a/0"),
        ("JUJU_ACTION_NAME", "backup"),
        ("JUJU_ACTION_UUID", "42"),
        ("JUJU_DISPATCH_PATH", "actions/backup"),
        ("JUJU_STORAGE_ID", "data/1"),
        ("JUJU_STORAGE_LOCATION", "/srv/data/1"),
        ("JUJU_STORAGE_KIND", "filesystem"),
        ("JUJU_WORKLOAD_NAME", "web"),
        ("JUJU_DEBUG", ""),
        ("JUJU_DEBUG_AT", "all, hook ,,my-bp"),
        ("OPERATOR_DISPATCH", "1"),
    ]);
    assert_eq!(ctx.action_name.as_deref(), Some("backup"));
    assert_eq!(ctx.action_uuid.as_deref(), Some("42"));
    assert_eq!(ctx.storage_id.as_deref(), Some("data/1"));
    assert_eq!(ctx.storage_name(), Some("data"));
    assert_eq!(ctx.storage_location, Some(PathBuf::from("/srv/data/1")));
    assert_eq!(ctx.storage_kind.as_deref(), Some("filesystem"));
    assert_eq!(ctx.workload_name.as_deref(), Some("web"));
    // JUJU_DEBUG counts when present, even empty.
    assert!(ctx.debug);
    let want: BTreeSet<String> = ["all", "hook", "", "my-bp"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ctx.debug_at, want);
    assert!(ctx.operator_dispatch);
    assert!(ok(&[("JUJU_UNIT_NAME", "a/0"), ("JUJU_DEBUG_AT", "")])
        .debug_at
        .is_empty());
}

#[test]
fn from_process_environment() {
    // The only test in this binary that touches the process environment.
    std::env::set_var("JUJU_UNIT_NAME", "envapp/3");
    std::env::set_var("JUJU_VERSION", "2.9.42");
    let ctx = JujuContext::from_env().expect("env");
    assert_eq!(ctx.unit_name, "envapp/3");
    assert_eq!(ctx.version.to_string(), "2.9.42");
    std::env::remove_var("JUJU_UNIT_NAME");
    assert_eq!(
        JujuContext::from_env().expect_err("unset"),
        EnvError::Missing("JUJU_UNIT_NAME")
    );
    std::env::remove_var("JUJU_VERSION");

    // Issue 11, item 11: a `JUJU_CHARM_DIR` that is not UTF-8 names the right directory (it was
    // converted lossily, so every hook looked in a directory that does not exist).
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = OsStr::from_bytes(b"/var/lib/juju/agents/unit-x-0/charm-\xff\xfe");
    std::env::set_var("JUJU_UNIT_NAME", "x/0");
    std::env::set_var("JUJU_CHARM_DIR", dir);
    let ctx = JujuContext::from_env();
    std::env::remove_var("JUJU_CHARM_DIR");
    std::env::remove_var("JUJU_UNIT_NAME");
    let ctx = ctx.expect("valid environment");
    assert_eq!(ctx.charm_dir.as_deref(), Some(std::path::Path::new(dir)));
}

#[test]
fn owned_borrowed_and_mapped_variables_parse_alike() {
    let pairs = [
        ("JUJU_UNIT_NAME", "db/1"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:7"),
        ("JUJU_REMOTE_APP", ""),
        ("JUJU_REMOTE_UNIT", "pg/0"),
        ("JUJU_SECRET_LABEL", ""),
        ("JUJU_SECRET_REVISION", " 3 "),
        ("JUJU_DEBUG_AT", " hook, all "),
        ("JUJU_DEBUG", ""),
        ("OPERATOR_DISPATCH", "1"),
        ("JUJU_MODEL_NAME", "m"),
        ("UNRELATED", "x"),
    ];
    let mapped = parse(&pairs).expect("valid");
    let borrowed = JujuContext::from_vars(pairs).expect("valid");
    let owned =
        JujuContext::from_owned_vars(pairs.map(|(k, v)| (k, v.to_string()))).expect("valid");
    assert_eq!(borrowed, mapped);
    assert_eq!(owned, mapped);
    assert_eq!(owned.remote_app.as_deref(), Some("pg"));
    assert_eq!(owned.remote_app_var.as_deref(), Some(""));
    assert_eq!(owned.secret_revision, Some(3));
    // In a list, a later value wins, as in a process environment.
    let later = JujuContext::from_owned_vars([
        ("JUJU_UNIT_NAME", "a/0".to_string()),
        ("JUJU_UNIT_NAME", "b/0".to_string()),
    ])
    .expect("valid");
    assert_eq!(later.app_name, "b");
}
