//! `testcharm`: a charm whose handlers touch every part of the model, recording what they saw in
//! their stored state, for ops-testing's own tests.

#![allow(dead_code, unused_imports)]

use ops_core::prelude::*;
use ops_testing::{Harness, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

pub use testcharm::actions::{BoomParams, Fail, FailParams, Greet, GreetParams};
pub use testcharm::relations::{Cluster, Db, Info, Website};
pub use testcharm::resources::Blob;
pub use testcharm::storages::{Cache, Data};
pub use testcharm::Config;

/// The charm; its stored state is what its handlers saw.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct TestCharm {
    /// The ops names of the events handled, in order.
    pub events: Vec<String>,
    /// Observations, by key.
    pub seen: BTreeMap<String, String>,
}

impl TestCharm {
    fn record(&mut self, event: &str) {
        self.events.push(event.to_string());
    }

    fn see(&mut self, key: &str, value: impl ToString) {
        self.seen.insert(key.to_string(), value.to_string());
    }
}

fn or_error<T: ToString, E: std::fmt::Display>(r: Result<T, E>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[charm(dir = "tests/fixtures/testcharm")]
impl TestCharm {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.record("install");
        ctx.unit().set_status(Status::maintenance("installing"))?;
        ctx.unit().set_workload_version("1.0")?;
        let port = u16::try_from(ctx.config()?.port)?;
        ctx.unit().open_port("tcp", Some(port))?;
        log::info!("installed on port {port}");
        Ok(())
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.record("start");
        if ctx.config()?.name.is_empty() {
            return Ok(());
        }
        ctx.unit().set_status(Status::active("started"))?;
        Ok(())
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &HookEvent,
    ) -> ops_core::Result<()> {
        let config = ctx.config()?.clone();
        if config.name.is_empty() {
            self.record("config_changed:deferred");
            ctx.unit().set_status(Status::blocked("set name"))?;
            event.defer()?;
            return Ok(());
        }
        self.record("config_changed");
        self.see("port", config.port);
        self.see("ratio", config.ratio);
        self.see("debug", config.debug);
        self.see("token", config.token.as_deref().unwrap_or("none"));
        if config.port == 0 {
            return Err("port 0 is reserved".into());
        }
        ctx.unit()
            .set_status(Status::active(format!("hello {}", config.name)))?;
        Ok(())
    }

    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("update_status");
        let model = ctx.model();
        let unit = ctx.unit();
        self.see("leader", unit.is_leader()?);
        self.see("planned", ctx.app().planned_units()?);
        self.see("model", model.name().unwrap_or("none"));
        self.see("uuid", model.uuid().unwrap_or("none"));
        let ports: Vec<String> = unit
            .opened_ports()?
            .iter()
            .map(|p| format!("{}/{}", p.port.unwrap_or(0), p.protocol))
            .collect();
        self.see("ports", ports.join(","));
        self.see(
            "db-address",
            or_error(
                model
                    .network("db", None)
                    .map(|n| n.ingress_address().unwrap_or("").to_string()),
            ),
        );
        self.see(
            "admin-address",
            or_error(
                model
                    .network("admin", None)
                    .map(|n| n.bind_address().unwrap_or("").to_string()),
            ),
        );
        self.see(
            "blob",
            or_error(
                model
                    .resource("blob")
                    .map_err(|e| e.to_string())
                    .and_then(|p| std::fs::read_to_string(p).map_err(|e| e.to_string())),
            ),
        );
        self.see(
            "credential",
            or_error(model.backend().credential_get().map(|c| c.cloud_type)),
        );
        self.see("data", or_error(ctx.storages::<Data>().map(|s| s.len())));
        if unit.is_leader()? {
            self.see("app-status", ctx.app().status()?);
        }
        Ok(())
    }

    #[on(leader_elected)]
    fn on_leader_elected(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("leader_elected");
        ctx.app().set_status(Status::active("leading"))?;
        ctx.model()
            .backend()
            .leader_set(&[("leader", ctx.unit().name())])?;
        Ok(())
    }

    #[on(leader_settings_changed)]
    fn on_leader_settings_changed(
        &mut self,
        _ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("leader_settings_changed");
        Ok(())
    }

    #[on(upgrade_charm)]
    fn on_upgrade_charm(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("upgrade_charm");
        ctx.model().set_pod_spec(
            &json!({"version": 3, "containers": [{"name": "web", "image": "nginx"}]}),
            Some(&json!({"kubernetesResources": {"pod": {"restartPolicy": "Always"}}})),
        )?;
        ctx.model().backend().juju_reboot(false)?;
        Ok(())
    }

    #[on(collect_metrics)]
    fn on_collect_metrics(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &CollectMetricsEvent,
    ) -> ops_core::Result<()> {
        self.record("collect_metrics");
        event.add_metrics(&[("events", self.events.len() as f64)], &[("unit", "zero")])?;
        Ok(())
    }

    #[on(stop, remove)]
    fn on_stop(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.record("stop_or_remove");
        Ok(())
    }

    #[on(db_relation_created)]
    fn on_db_created(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record("db_relation_created");
        self.see(
            "db-created-app",
            e.app.as_ref().map(|a| a.name()).unwrap_or("none"),
        );
        Ok(())
    }

    #[on(db_relation_joined)]
    fn on_db_joined(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record("db_relation_joined");
        self.see(
            "db-joined",
            e.unit.as_ref().map(|u| u.name()).unwrap_or("none"),
        );
        Ok(())
    }

    #[on(db_relation_changed)]
    fn on_db_changed(
        &mut self,
        ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record("db_relation_changed");
        let rel = &e.relation;
        let endpoint = match rel.remote_app_data()? {
            Some(bag) => bag.get("endpoint")?.unwrap_or_default(),
            None => String::new(),
        };
        if endpoint.is_empty() {
            ctx.unit().set_status(Status::waiting("waiting for db"))?;
            return Ok(());
        }
        let host = match &e.unit {
            Some(u) => rel.data(u).get("host")?.unwrap_or_default(),
            None => String::new(),
        };
        self.see("db-endpoint", &endpoint);
        self.see("db-units", rel.units()?.len());
        rel.local_unit_data()
            .set("seen-endpoint", endpoint.clone())?;
        if !host.is_empty() {
            rel.local_unit_data().set("seen-host", host)?;
        }
        if ctx.unit().is_leader()? {
            rel.local_app_data().set("user", "testcharm")?;
        }
        ctx.unit()
            .set_status(Status::active(format!("db at {endpoint}")))?;
        Ok(())
    }

    #[on(db_relation_departed)]
    fn on_db_departed(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record("db_relation_departed");
        self.see(
            "db-departed",
            e.departing_unit
                .as_ref()
                .map(|u| u.name())
                .unwrap_or("none"),
        );
        self.see("db-units", e.relation.units()?.len());
        Ok(())
    }

    #[on(db_relation_broken)]
    fn on_db_broken(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.record("db_relation_broken");
        self.see("db-broken", e.relation.id());
        self.see("db-relations", ctx.relations::<Db>()?.len());
        ctx.unit().set_status(Status::blocked("no db"))?;
        Ok(())
    }

    #[on(website_relation_joined)]
    fn on_website_joined(
        &mut self,
        ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record("website_relation_joined");
        if !ctx.unit().is_leader()? {
            return Ok(());
        }
        let content =
            SecretContent::from([("password".to_string(), format!("pw-{}", e.relation.id()))]);
        let secret = ctx.app().add_secret(
            &content,
            &SecretOptions {
                label: Some(format!("website-{}", e.relation.id())),
                ..SecretOptions::default()
            },
        )?;
        secret.grant(&e.relation, None)?;
        let id = secret.id().unwrap_or_default();
        e.relation.local_app_data().set("secret-id", id.clone())?;
        self.see("website-secret", id);
        Ok(())
    }

    #[on(
        cluster_relation_created,
        cluster_relation_joined,
        cluster_relation_changed
    )]
    fn on_cluster(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.record(&format!(
            "cluster:{}",
            e.unit.as_ref().map(|u| u.name()).unwrap_or("-")
        ));
        let rel = &e.relation;
        self.see("peers", rel.units()?.len());
        self.see(
            "cluster-app",
            rel.app()?.map(|a| a.name().to_string()).unwrap_or_default(),
        );
        if ctx.unit().is_leader()? {
            rel.local_app_data().set("leader", ctx.unit().name())?;
        } else {
            self.see(
                "cluster-leader",
                rel.local_app_data().get("leader")?.unwrap_or_default(),
            );
        }
        Ok(())
    }

    #[on(info_relation_joined)]
    fn on_info(&mut self, _ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.record("info_relation_joined");
        self.see(
            "principal",
            e.unit.as_ref().map(|u| u.name()).unwrap_or("none"),
        );
        Ok(())
    }

    #[on(data_storage_attached)]
    fn on_data_attached(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &StorageEvent,
    ) -> ops_core::Result<()> {
        self.record("data_storage_attached");
        let location = e.storage.location()?;
        std::fs::write(location.join("hello.txt"), e.storage.full_id())?;
        self.see("data-location", location.display());
        Ok(())
    }

    #[on(data_storage_detaching)]
    fn on_data_detaching(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &StorageEvent,
    ) -> ops_core::Result<()> {
        self.record("data_storage_detaching");
        self.see("detaching", e.storage.full_id());
        Ok(())
    }

    #[on(cache_storage_attached)]
    fn on_cache_attached(
        &mut self,
        ctx: &mut Context<Self>,
        e: &StorageEvent,
    ) -> ops_core::Result<()> {
        self.record("cache_storage_attached");
        self.see("cache", e.storage.full_id());
        ctx.model().request_storage("cache", 1)?;
        Ok(())
    }

    #[on(secret_changed)]
    fn on_secret_changed(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &SecretEvent,
    ) -> ops_core::Result<()> {
        self.record("secret_changed");
        let content = e.secret.get_content(true)?;
        self.see("secret-label", e.secret.label().unwrap_or("none"));
        self.see(
            "secret-content",
            content
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        );
        Ok(())
    }

    #[on(secret_rotate)]
    fn on_secret_rotate(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &SecretEvent,
    ) -> ops_core::Result<()> {
        self.record("secret_rotate");
        self.see("rotate-label", e.secret.label().unwrap_or("<none>"));
        let mut content = e.secret.get_content(false)?;
        content.insert("rotated".to_string(), "yes".to_string());
        e.secret.set_content(&content)?;
        Ok(())
    }

    #[on(secret_remove)]
    fn on_secret_remove(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &SecretEvent,
    ) -> ops_core::Result<()> {
        self.record("secret_remove");
        if let Some(r) = e.revision {
            e.secret.remove_revision(r)?;
        }
        Ok(())
    }

    #[on(secret_expired)]
    fn on_secret_expired(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &SecretEvent,
    ) -> ops_core::Result<()> {
        self.record("secret_expired");
        self.see("expired", e.revision.unwrap_or(0));
        self.see("expired-label", e.secret.label().unwrap_or("<none>"));
        Ok(())
    }

    #[on(greet_action)]
    fn on_greet(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<GreetParams>,
    ) -> ops_core::Result<()> {
        self.record("greet_action");
        e.log(&format!("greeting {}", e.params.who))?;
        let greeting = vec![format!("hi {}", e.params.who); e.params.times as usize].join(" ");
        e.set_results(&json!({"greeting": greeting, "details": {"times": e.params.times}}))?;
        Ok(())
    }

    #[on(fail_action)]
    fn on_fail(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<FailParams>,
    ) -> ops_core::Result<()> {
        self.record("fail_action");
        e.fail(&e.params.reason)?;
        Ok(())
    }

    #[on(boom_action)]
    fn on_boom(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<BoomParams>,
    ) -> ops_core::Result<()> {
        self.record("boom_action");
        e.set_results(&json!({"partial": "yes"}))?;
        e.log("about to fail")?;
        Err("boom".into())
    }
}

// ---- helpers shared by the tests over `testcharm` -------------------------------------------

/// What a test returns.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A databag from pairs.
pub fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl TestCharm {
    /// What a handler saw under `key` (a placeholder naming it when none did).
    pub fn saw(&self, key: &str) -> String {
        self.seen
            .get(key)
            .cloned()
            .unwrap_or_else(|| format!("<{key} not seen>"))
    }
}

/// A Harness over the test charm.
pub fn harness() -> Harness<TestCharm> {
    Harness::<TestCharm>::new()
}

/// The events the charm handled, as its last hook committed them.
pub fn events(h: &Harness<TestCharm>) -> Vec<String> {
    h.charm().expect("the charm decodes").events
}

/// What the charm's handlers saw under `key`, as its last hook committed it.
pub fn seen(h: &Harness<TestCharm>, key: &str) -> String {
    h.charm().expect("the charm decodes").saw(key)
}

/// What the charm's handlers saw under `key`, in an output state.
pub fn state_seen(state: &State, key: &str) -> String {
    state
        .stored_state::<TestCharm>()
        .expect("the stored state decodes")
        .saw(key)
}
