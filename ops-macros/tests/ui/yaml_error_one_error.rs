// One YAML mistake gives one error, at the YAML file's line (in the message) and the `#[charm]`
// attribute: the handlers that use the config and relations the metadata would have generated do
// not add errors of their own.
use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/one-mistake")]
impl MyCharm {
    #[on(config_changed)]
    fn on_config(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        let port = ctx.config()?.port;
        ctx.unit().set_status(Status::active(format!("listening on {port}")))?;
        Ok(())
    }

    #[on(db_relation_changed)]
    fn on_db(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        let _db = one_mistake::relations::Db::from_event(event);
        Ok(())
    }

    fn helper(&self) -> u16 {
        8080
    }
}

fn main() {
    let charm = MyCharm;
    let _ = charm.helper();
}
