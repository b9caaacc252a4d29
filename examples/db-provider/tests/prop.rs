//! Property tests of the db-provider charm: relations come and go, consumer units join and
//! depart, consumers request databases, leadership moves, config changes; invariants checked
//! after every step.

use db_provider::DbProvider;
use ops_testing::prop::CharmProp;

fn prop() -> CharmProp<DbProvider> {
    CharmProp::<DbProvider>::new()
        .cases(48)
        .config_values("port", [5432, 6543])
        .relation_data_keys("database", ["database"])
        .relation_data_values(["", "orders", "users"])
}

#[test]
fn a_non_leader_never_writes_application_data() {
    prop().check(|h, step| {
        let leader = h.juju_state().leader;
        for call in step.tool_calls {
            let app_write =
                call.argv[0] == "relation-set" && call.argv.iter().any(|a| a == "--app");
            if app_write && !leader {
                return Err(format!(
                    "non-leader wrote application data: {:?}",
                    call.argv
                ));
            }
            if call.argv[0] == "secret-add" && !leader {
                return Err(format!("non-leader created a secret: {:?}", call.argv));
            }
        }
        Ok(())
    });
}

#[test]
fn every_requested_database_gets_a_secret_once_leader() {
    prop().check(|h, _step| {
        if !h.juju_state().leader {
            return Ok(());
        }
        for id in h.relation_ids("database") {
            let state = h.juju_state();
            let Some(rel) = state.relation(id) else {
                continue;
            };
            let requested = rel
                .remote_app_data
                .get("database")
                .cloned()
                .unwrap_or_default();
            if requested.is_empty() {
                continue;
            }
            let Some(secret_id) = rel.local_app_data.get("secret-id").cloned() else {
                return Err(format!(
                    "relation {id} requested {requested:?} but has no secret-id"
                ));
            };
            let remote = rel.remote_app.clone();
            drop(state);
            let content = h
                .get_secret_content(&secret_id)
                .map_err(|e| e.to_string())?;
            if content.get("username") != Some(&format!("{requested}-user-{id}")) {
                return Err(format!("relation {id}: secret content {content:?}"));
            }
            if !h
                .get_secret_grants(&secret_id, id)
                .map_err(|e| e.to_string())?
                .contains(&remote)
            {
                return Err(format!(
                    "relation {id}: the secret is not granted to {remote}"
                ));
            }
        }
        Ok(())
    });
}
