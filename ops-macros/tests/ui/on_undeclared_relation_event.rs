use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {
    #[on(database_relation_changed)]
    fn database(&mut self, _ctx: &mut Context<Self>, _event: &RelationEvent) {}
}

fn main() {}
