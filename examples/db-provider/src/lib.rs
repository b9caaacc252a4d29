//! The `db-provider` charm (twin of the juju-sim reference charm): the leader answers each
//! database request with a secret holding a username and password, granted to the requesting
//! application, and publishes the endpoints of all its units, which each unit records in the
//! `cluster` peer relation.

use ops_core::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

use crate::relations::{Cluster, Database};

/// The charm. It keeps no state of its own: everything lives in relation data and secrets.
#[derive(Debug, Default, StoredState)]
pub struct DbProvider;

/// The password of `database` on relation `relation_id`: the first 16 hex digits of
/// `sha256("<salt>:<relation id>:<database>")`.
pub fn password(salt: &str, relation_id: i64, database: &str) -> String {
    let digest = Sha256::digest(format!("{salt}:{relation_id}:{database}").as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..16]
        .to_string()
}

#[charm]
impl DbProvider {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let port = u16::try_from(ctx.config()?.port)?;
        ctx.unit().open_port("tcp", Some(port))?;
        self.update_status(ctx)
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.publish_all(ctx)?;
        self.update_status(ctx)
    }

    #[on(leader_elected)]
    fn on_leader_elected(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record_address(ctx)?;
        self.publish_all(ctx)?;
        self.update_status(ctx)
    }

    #[on(
        cluster_relation_joined,
        cluster_relation_changed,
        cluster_relation_departed
    )]
    fn on_cluster_changed(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record_address(ctx)?;
        self.publish_all(ctx)
    }

    #[on(database_relation_joined)]
    fn on_database_joined(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.record_consumers(ctx, &event.relation)
    }

    #[on(database_relation_departed)]
    fn on_database_departed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        let departing = event
            .departing_unit
            .as_ref()
            .map(|u| u.name())
            .unwrap_or("?");
        log::info!("{departing} is leaving {}", event.relation.name());
        self.record_consumers(ctx, &event.relation)
    }

    #[on(database_relation_changed)]
    fn on_database_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        if !ctx.unit().is_leader()? {
            return self.update_status(ctx);
        }
        self.publish(ctx, &event.relation)?;
        self.update_status(ctx)
    }

    #[on(database_relation_broken)]
    fn on_database_broken(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        if ctx.unit().is_leader()? {
            if let Some(id) = event.relation.local_app_data().get("secret-id")? {
                if !id.is_empty() {
                    ctx.model()
                        .get_secret(Some(&id), None)?
                        .remove_all_revisions()?;
                }
            }
        }
        self.update_status(ctx)
    }

    fn record_address(&self, ctx: &Context<Self>) -> ops_core::Result<()> {
        let Some(cluster) = ctx.relation::<Cluster>()? else {
            return Ok(());
        };
        let address = bind_address(ctx, "cluster")?;
        let bag = cluster.local_unit_data();
        if bag.get("address")?.as_deref() != Some(address.as_str()) {
            bag.set("address", address)?;
        }
        Ok(())
    }

    fn endpoints(&self, ctx: &Context<Self>) -> ops_core::Result<String> {
        let port = ctx.config()?.port;
        let mut addresses = BTreeSet::from([bind_address(ctx, "database")?]);
        if let Some(cluster) = ctx.relation::<Cluster>()? {
            for unit in cluster.units()? {
                if let Some(a) = cluster.data(&unit).get("address")? {
                    if !a.is_empty() {
                        addresses.insert(a);
                    }
                }
            }
        }
        Ok(addresses
            .iter()
            .map(|a| format!("{a}:{port}"))
            .collect::<Vec<_>>()
            .join(","))
    }

    fn record_consumers(&self, ctx: &Context<Self>, relation: &Relation) -> ops_core::Result<()> {
        if ctx.unit().is_leader()? {
            let mut names: Vec<String> = relation
                .units()?
                .iter()
                .map(|u| u.name().to_string())
                .collect();
            names.sort();
            relation
                .local_app_data()
                .set("consumers", names.join(","))?;
        }
        Ok(())
    }

    fn publish_all(&self, ctx: &Context<Self>) -> ops_core::Result<()> {
        if ctx.unit().is_leader()? {
            for relation in ctx.relations::<Database>()? {
                self.publish(ctx, &relation)?;
            }
        }
        Ok(())
    }

    fn publish(&self, ctx: &Context<Self>, relation: &Relation) -> ops_core::Result<()> {
        let requested = match relation.remote_app_data()? {
            Some(bag) => bag.get("database")?.unwrap_or_default(),
            None => String::new(),
        };
        if requested.is_empty() {
            log::info!(
                "relation {} has not requested a database yet",
                relation.id()
            );
            return Ok(());
        }
        let config = ctx.config()?;
        let content = SecretContent::from([
            (
                "username".to_string(),
                format!("{requested}-user-{}", relation.id()),
            ),
            (
                "password".to_string(),
                password(&config.password_salt, relation.id(), &requested),
            ),
        ]);
        let bag = relation.local_app_data();
        let secret = match bag.get("secret-id")?.filter(|s| !s.is_empty()) {
            Some(id) => {
                let secret = ctx.model().get_secret(Some(&id), None)?;
                if secret.get_content(false)? != content {
                    secret.set_content(&content)?;
                }
                secret
            }
            None => {
                let options = SecretOptions {
                    label: Some(format!("database-{}", relation.id())),
                    ..SecretOptions::default()
                };
                let secret = ctx.app().add_secret(&content, &options)?;
                secret.grant(relation, None)?;
                secret
            }
        };
        let endpoints = self.endpoints(ctx)?;
        bag.update([
            ("database", requested),
            ("endpoints", endpoints),
            ("secret-id", secret.id().unwrap_or_default()),
        ])?;
        Ok(())
    }

    fn update_status(&self, ctx: &Context<Self>) -> ops_core::Result<()> {
        let count = ctx.relations::<Database>()?.len();
        let status = if count == 0 {
            Status::waiting("waiting for consumers")
        } else if ctx.unit().is_leader()? {
            Status::active(format!(
                "serving {count} relation(s) on port {}",
                ctx.config()?.port
            ))
        } else {
            Status::active(format!("standby for {count} relation(s)"))
        };
        ctx.unit().set_status(status)?;
        Ok(())
    }
}

/// The address this unit is reached at on `binding` (`network-get`), as Python's `str()` of it.
fn bind_address<C: Charm>(ctx: &Context<C>, binding: &str) -> ops_core::Result<String> {
    let network = ctx.model().network(binding, None)?;
    Ok(network
        .bind_address()
        .map(|a| a.to_string())
        .unwrap_or_else(|| "None".to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn password_is_the_reference_charms() {
        // hashlib.sha256(b"salt-1:3:app-db").hexdigest()[:16]
        assert_eq!(super::password("salt-1", 3, "app-db"), "6703a6267c959427");
    }
}
