//! tmp
use ops_core::prelude::*;
use ops_testing::{Event, Harness, Relation, State};
#[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
struct Bench { changes: u32 }
#[charm(dir = "tests/fixtures/testcharm")]
impl Bench {
    #[on(db_relation_changed)]
    fn on_db_changed(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.changes += 1;
        let database = match e.relation.remote_app_data()? { Some(bag) => bag.get("database")?.unwrap_or_default(), None => String::new() };
        if database.is_empty() { ctx.unit().set_status(Status::waiting("w"))?; return Ok(()); }
        e.relation.local_unit_data().set("using", database.clone())?;
        ctx.unit().set_status(Status::active(format!("using {database}")))?;
        Ok(())
    }
}
fn n() -> usize { std::env::var("ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(1) }
#[test]
fn harness_loop() {
    for _ in 0..n() {
        let mut h = Harness::<Bench>::new();
        h.begin().unwrap();
        let id = h.add_relation("db", "postgresql").unwrap();
        h.update_relation_data(id, "postgresql", [("database", "orders")]).unwrap();
        assert_eq!(h.unit_status(), Status::active("using orders"));
    }
}
#[test]
fn state_loop() {
    for _ in 0..n() {
        let ctx = ops_testing::Context::<Bench>::new();
        let db = Relation::of::<testcharm::relations::Db>().remote_app("postgresql").remote_app_data([("database", "orders")]);
        let out = ctx.run(Event::relation_changed(&db).for_remote_app(), State::default().with_relation(db)).unwrap();
        assert_eq!(out.unit_status(), &Status::active("using orders"));
    }
}
