//! A property-based fuzz campaign over every parser of outside input: each hook tool's output
//! parser (through `Backend`, fed arbitrary stdout), typed databag decoding, the `JUJU_*`
//! environment, the migration of Python ops' controller state. Property: no input panics; every
//! failure is a typed error. A short run by default (CI); `PROPTEST_CASES=100000` for a campaign.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use ops_core::hooktools::{Backend, FakeRunner};
use ops_core::version::JujuVersion;
use proptest::prelude::*;

/// Text that looks like what hook tools print: JSON and YAML fragments, numbers, keys Juju uses,
/// control characters, huge numbers, deep nesting, plus arbitrary strings.
fn tool_output() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-1".to_string()),
        Just("1e999".to_string()),
        Just("\"status\"".to_string()),
        Just("\"message\"".to_string()),
        Just("\"revision\"".to_string()),
        Just("\"bind-addresses\"".to_string()),
        Just("\"ingress-addresses\"".to_string()),
        Just("\"addresses\"".to_string()),
        Just("\"units\"".to_string()),
        Just("\"type\"".to_string()),
        Just("\"value\"".to_string()),
        Just("\"cidr\"".to_string()),
        Just("\"10.0.0.1/24\"".to_string()),
        Just("\"80-90/tcp\"".to_string()),
        Just("\"icmp\"".to_string()),
        Just("\"data/0\"".to_string()),
        Just("\"secret:abc\"".to_string()),
        Just("\"db:1\"".to_string()),
        Just("\"\\u0000\"".to_string()),
        Just("\n".to_string()),
        Just("-s".to_string()),
        "[ -~]{0,12}".prop_map(|s| s),
        any::<String>(),
    ];
    prop_oneof![
        prop::collection::vec(token, 0..40).prop_map(|t| t.concat()),
        any::<String>(),
        "[0-9a-z/\\-. \n]{0,40}",
    ]
}

fn backend(tool: &str, stdout: &str) -> Backend {
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok(tool, stdout);
    Backend::for_unit(fake, "app/0", JujuVersion::new(3, 1, 6))
}

/// Call every parsing method of the backend with `tool` printing `stdout`.
fn exercise(stdout: &str) {
    macro_rules! each {
        ($($tool:literal => |$b:ident| $call:expr;)*) => {$(
            let $b = backend($tool, stdout);
            let _ = $call;
        )*};
    }
    each! {
        "action-get" => |b| b.action_get();
        "is-leader" => |b| b.is_leader();
        "config-get" => |b| b.config_get();
        "resource-get" => |b| b.resource_get("r");
        "goal-state" => |b| b.goal_state();
        "leader-get" => |b| b.leader_get_all();
        "leader-get" => |b| b.leader_get("k");
        "credential-get" => |b| b.credential_get();
        "unit-get" => |b| b.unit_get("private-address");
        "network-get" => |b| b.network_get("db", Some(1));
        "opened-ports" => |b| b.opened_ports();
        "opened-ports" => |b| b.opened_port_ranges();
        "relation-ids" => |b| b.relation_ids("db");
        "relation-list" => |b| b.relation_list(1);
        "relation-list" => |b| b.relation_remote_app_name(1);
        "relation-get" => |b| b.relation_get(1, "remote/0", false);
        "secret-get" => |b| b.secret_get(Some("secret:x"), None, false, false);
        "secret-info-get" => |b| b.secret_info_get(Some("secret:x"), None);
        "secret-ids" => |b| b.secret_ids();
        "secret-add" => |b| b.secret_add(&BTreeMap::from([("key".to_string(), "v".to_string())]), &Default::default(), None);
        "state-get" => |b| b.state_get("k");
        "status-get" => |b| b.status_get(false);
        "status-get" => |b| b.status_get(true);
        "storage-list" => |b| b.storage_list("data");
        "storage-get" => |b| b.storage_get("data/0", "location");
        "storage-get" => |b| b.storage_location("data/0");
        "storage-get" => |b| b.storage_event_details();
        "planned-units" => |b| b.planned_units();
    }
}

/// 128 cases per property unless `PROPTEST_CASES` asks for a campaign.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 128;
    }
    config.failure_persistence = None;
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hook_tool_output_parsers_never_panic(stdout in tool_output()) {
        exercise(&stdout);
    }

    #[test]
    fn databag_decoding_never_panics(raw in tool_output()) {
        let bag = BTreeMap::from([("k".to_string(), raw)]);
        let _ = ops_core::databag::get_json::<u16>(&bag, "k");
        let _ = ops_core::databag::get_json::<Vec<String>>(&bag, "k");
        let _ = ops_core::databag::get_json::<BTreeMap<String, f64>>(&bag, "k");
        let _ = ops_core::databag::get_opt_json::<serde_json::Value>(&bag, "k");
    }

    #[test]
    fn environment_parsing_never_panics(
        values in prop::collection::vec(tool_output(), 8),
        present in prop::collection::vec(any::<bool>(), 8),
    ) {
        let names = [
            "JUJU_UNIT_NAME", "JUJU_VERSION", "JUJU_RELATION_ID", "JUJU_REMOTE_UNIT",
            "JUJU_REMOTE_APP", "JUJU_SECRET_REVISION", "JUJU_DEBUG_AT", "JUJU_STORAGE_ID",
        ];
        let env: HashMap<String, String> = names
            .iter()
            .zip(values)
            .zip(present)
            .filter(|(_, keep)| *keep)
            .map(|((n, v), _)| (n.to_string(), v))
            .collect();
        if let Ok(ctx) = ops_core::env::JujuContext::from_map(&env) {
            let _ = ctx.storage_name();
        }
    }

    #[test]
    fn controller_state_migration_never_panics(
        entries in prop::collection::btree_map("[#a-z/\\[\\]_]{0,20}", tool_output(), 0..4),
    ) {
        let entries: BTreeMap<String, Vec<u8>> =
            entries.into_iter().map(|(k, v)| (k, v.into_bytes())).collect();
        let _ = ops_core::migrate::from_controller(&entries);
        if let (Some(a), Some(b)) = (entries.values().next(), entries.values().last()) {
            let _ = ops_core::migrate::check_fields_kept(a, b, "C");
        }
    }
}
