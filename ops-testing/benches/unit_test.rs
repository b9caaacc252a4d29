//! The typical unit test of a charm, in both styles: create the test, add a relation, update
//! its data, check the status. Python ops 2.1.1 takes 1.8 ms for this with `ops.testing.Harness`
//! and 2.6 ms with ops 3's `ops.testing` (Scenario) on this machine class.
//!
//! `cargo bench -p ops-testing --bench unit_test`

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use ops_core::prelude::*;
use ops_testing::{Event, Harness, Relation, State};
use std::hint::black_box;
use std::time::Duration;

/// A small charm: it uses the database its `db` relation names, and counts the changes it saw.
#[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
struct Bench {
    changes: u32,
}

#[charm(dir = "tests/fixtures/testcharm")]
impl Bench {
    #[on(db_relation_changed)]
    fn on_db_changed(
        &mut self,
        ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        self.changes += 1;
        let database = match e.relation.remote_app_data()? {
            Some(bag) => bag.get("database")?.unwrap_or_default(),
            None => String::new(),
        };
        if database.is_empty() {
            ctx.unit()
                .set_status(Status::waiting("waiting for a database"))?;
            return Ok(());
        }
        e.relation
            .local_unit_data()
            .set("using", database.clone())?;
        ctx.unit()
            .set_status(Status::active(format!("using {database}")))?;
        Ok(())
    }
}

/// The test, as ops 2's Harness: `begin`, `add_relation`, `update_relation_data`, status.
fn harness_test() -> Result<Status, ops_testing::HarnessError> {
    let mut h = Harness::<Bench>::new();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.update_relation_data(id, "postgresql", [("database", "orders")])?;
    Ok(h.unit_status())
}

/// The test, as ops 3's `ops.testing`: a state with the relation, `relation-changed`, status.
fn state_test() -> Result<Status, ops_testing::RunError> {
    let ctx = ops_testing::Context::<Bench>::new();
    let db = Relation::of::<testcharm::relations::Db>()
        .remote_app("postgresql")
        .remote_app_data([("database", "orders")]);
    let out = ctx.run(
        Event::relation_changed(&db).for_remote_app(),
        State::default().with_relation(db),
    )?;
    Ok(out.unit_status().clone())
}

fn unit_tests(c: &mut Criterion) {
    // Each test must pass, or its timing means nothing.
    assert_eq!(harness_test().ok(), Some(Status::active("using orders")));
    assert_eq!(state_test().ok(), Some(Status::active("using orders")));
    let mut group = c.benchmark_group("typical unit test");
    group.bench_function("Harness", |b| b.iter(|| black_box(harness_test())));
    group.bench_function("Context::run", |b| b.iter(|| black_box(state_test())));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = unit_tests
}
criterion_main!(benches);
