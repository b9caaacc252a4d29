//! The charm of the README: config, two relations, a storage and an action.

use ops_core::prelude::*;
use serde::{Deserialize, Serialize};

/// The charm's struct is its stored state: kept between hooks.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct Hello {
    greetings: u64,
}

#[derive(RelationData)]
#[databag(rename_all = "kebab-case")]
struct DatabaseInfo {
    endpoints: String,
    secret_id: Option<String>,
}

#[charm]
impl Hello {
    #[on(config_changed)]
    fn configure(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        let greeting = &ctx.config()?.greeting; // a String: typed from config.yaml
        ctx.unit()
            .set_status(Status::active(format!("{greeting}, world")))?;
        Ok(())
    }

    #[on(database_relation_changed)]
    fn database(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        let Some(bag) = event.relation.remote_app_data()? else {
            return Ok(());
        };
        match bag.load::<DatabaseInfo>() {
            Ok(info) => ctx
                .unit()
                .set_status(Status::active(format!("db at {}", info.endpoints)))?,
            Err(_) => {
                ctx.unit()
                    .set_status(Status::waiting("waiting for the database"))?;
                event.defer(); // re-emitted before the next hook's event, as in ops
            }
        }
        Ok(())
    }

    #[on(data_storage_attached)]
    fn storage(&mut self, _ctx: &mut Context<Self>, event: &StorageEvent) -> ops_core::Result<()> {
        std::fs::write(event.storage.location()?.join("hello.txt"), "hello\n")?;
        Ok(())
    }

    #[on(greet_action)]
    fn greet(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &ActionEvent<actions::GreetParams>,
    ) -> ops_core::Result<()> {
        self.greetings += 1;
        event.set_results(
            &serde_json::json!({ "message": format!("hello {}", event.params.who) }),
        )?;
        Ok(())
    }
}

fn main() {
    ops_core::main::<Hello>()
}
