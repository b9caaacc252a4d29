//! The `db-consumer` charm (twin of the juju-sim reference charm): requests a database over the
//! `database` relation, reads the provider's secret and follows its rotations.

use ops_core::prelude::*;

use crate::relations::Database;

/// The label this charm gives the provider's secret.
pub const SECRET_LABEL: &str = "db-credentials";

/// The charm. Stateless: everything it needs is in the relation and the secret.
#[derive(Debug, Default, StoredState)]
pub struct DbConsumer;

#[charm]
impl DbConsumer {
    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        if ctx.relation::<Database>()?.is_none() {
            ctx.unit()
                .set_status(Status::blocked("needs a database relation"))?;
        }
        Ok(())
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        if let Some(relation) = ctx.relation::<Database>()? {
            self.request(ctx, &relation)?;
        }
        Ok(())
    }

    #[on(database_relation_created)]
    fn on_database_created(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.request(ctx, &event.relation)?;
        ctx.unit()
            .set_status(Status::waiting("waiting for credentials"))?;
        Ok(())
    }

    #[on(database_relation_joined)]
    fn on_database_joined(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.request(ctx, &event.relation)?;
        event
            .relation
            .local_unit_data()
            .set("client", ctx.unit().name())?;
        Ok(())
    }

    #[on(database_relation_changed)]
    fn on_database_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.connect(ctx, &event.relation)
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
            .unwrap_or("None");
        log::info!("{departing} departed");
        if event.relation.units()?.is_empty() {
            ctx.unit()
                .set_status(Status::waiting("no database units left"))?;
            Ok(())
        } else {
            self.connect(ctx, &event.relation)
        }
    }

    #[on(database_relation_broken)]
    fn on_database_broken(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &RelationEvent,
    ) -> ops_core::Result<()> {
        ctx.unit()
            .set_status(Status::blocked("database relation removed"))?;
        Ok(())
    }

    #[on(secret_changed)]
    fn on_secret_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &SecretEvent,
    ) -> ops_core::Result<()> {
        let content = event.secret.get_content(true)?;
        let endpoints = match ctx.relation::<Database>()? {
            Some(relation) => match relation.remote_app_data()? {
                Some(bag) => bag.get("endpoints")?.unwrap_or_else(|| "?".into()),
                None => return Err("the database relation has no remote application".into()),
            },
            None => "?".into(),
        };
        let username = content
            .get("username")
            .ok_or("the secret has no username")?;
        ctx.unit().set_status(Status::active(format!(
            "credentials rotated; {username} at {endpoints}"
        )))?;
        Ok(())
    }

    fn request(&self, ctx: &Context<Self>, relation: &Relation) -> ops_core::Result<()> {
        if ctx.unit().is_leader()? {
            relation
                .local_app_data()
                .set("database", ctx.config()?.database_name.clone())?;
        }
        Ok(())
    }

    fn connect(&self, ctx: &Context<Self>, relation: &Relation) -> ops_core::Result<()> {
        let data = relation
            .remote_app_data()?
            .ok_or("the database relation has no remote application")?
            .to_map()?;
        let secret_id = data.get("secret-id").filter(|s| !s.is_empty());
        let endpoints = data.get("endpoints").filter(|s| !s.is_empty());
        let (Some(secret_id), Some(endpoints)) = (secret_id, endpoints) else {
            ctx.unit()
                .set_status(Status::waiting("waiting for credentials"))?;
            return Ok(());
        };
        let secret = match ctx.model().get_secret(Some(secret_id), Some(SECRET_LABEL)) {
            Ok(s) => s,
            Err(e) if e.is_secret_not_found() => {
                ctx.unit()
                    .set_status(Status::waiting("credentials not accessible yet"))?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let content = secret.get_content(false)?;
        let username = content
            .get("username")
            .ok_or("the secret has no username")?;
        relation
            .local_unit_data()
            .set("connected-as", username.clone())?;
        // Python prints a missing value as `None`.
        let database = data.get("database").map(String::as_str).unwrap_or("None");
        ctx.unit().set_status(Status::active(format!(
            "connected to {endpoints} as {username} (db {database})"
        )))?;
        Ok(())
    }
}
