//! The property-test runner itself: sequences are Juju-valid, invariants see every step, and a
//! broken invariant shrinks to a minimal sequence.

mod common;

use common::*;
use ops_core::Charm;
use ops_testing::prop::{CharmProp, Step};
use std::cell::RefCell;
use std::collections::BTreeSet;

#[test]
fn a_broken_invariant_shrinks_to_a_minimal_sequence() {
    // False as soon as any relation has two remote units: the minimal sequence is the
    // deployment (which creates the peer relation) and two units joining.
    let failure = CharmProp::<TestCharm>::new()
        .max_steps(20)
        .allow_charm_errors(true)
        .try_check(|h, _| {
            let state = h.juju_state();
            match state.relations.iter().find(|r| r.remote_units.len() >= 2) {
                Some(r) => Err(format!(
                    "relation {} has {} units",
                    r.id,
                    r.remote_units.len()
                )),
                None => Ok(()),
            }
        })
        .expect_err("two units join some relation in 64 sequences");
    assert_eq!(failure.steps.len(), 3, "{failure}");
    assert_eq!(failure.steps[0], Step::Deploy);
    assert!(
        failure.steps[1..]
            .iter()
            .all(|s| matches!(s, Step::UnitJoins { .. })),
        "{failure}"
    );
    assert!(failure.message.contains("has 2 units"), "{failure}");
    assert_eq!(failure.resolved.len(), 3);
    let text = failure.to_string();
    assert!(text.contains("minimal sequence (3 steps)"), "{text}");
}

#[test]
fn a_panicking_invariant_counts_as_broken() {
    let failure = CharmProp::<TestCharm>::new()
        .cases(8)
        .allow_charm_errors(true)
        .try_check(|_, step| {
            assert!(step.index < 1, "no step after the deployment");
            Ok(())
        })
        .expect_err("some sequence has two steps");
    assert_eq!(failure.steps.len(), 2, "{failure}");
}

#[test]
fn sequences_cover_the_metadata_and_stay_valid() {
    let seen: RefCell<BTreeSet<String>> = RefCell::default();
    CharmProp::<TestCharm>::new()
        .cases(64)
        .max_steps(16)
        .allow_charm_errors(true)
        .check(|h, step| {
            let kind = format!("{:?}", step.step);
            let kind = kind
                .split([' ', '(', '{'])
                .next()
                .unwrap_or_default()
                .to_string();
            seen.borrow_mut().insert(kind);
            // Juju's rules hold in every generated state.
            let state = h.juju_state();
            for r in &state.relations {
                if r.role.is_peer() && r.remote_app != state.app() {
                    return Err(format!("peer relation {} with {}", r.id, r.remote_app));
                }
                let info = ops_core::meta::RelationScope::Container;
                let sub = C::meta()
                    .relation(&r.endpoint)
                    .is_some_and(|m| m.scope == info);
                if sub && r.remote_units.len() > 1 {
                    return Err(format!(
                        "subordinate relation {} has several principals",
                        r.id
                    ));
                }
            }
            let db = h.relation_ids("db").len();
            if db > 1 {
                return Err(format!("`db` has limit 1, {db} relations"));
            }
            Ok(())
        });
    let seen = seen.into_inner();
    for kind in [
        "Deploy",
        "Config",
        "UpdateStatus",
        "UpgradeCharm",
        "Leader",
        "Relate",
        "UnitJoins",
        "UnitDeparts",
        "RemoteAppData",
        "RemoteUnitData",
        "Unrelate",
        "Action",
    ] {
        assert!(seen.contains(kind), "no {kind} step in {seen:?}");
    }
}

type C = TestCharm;

#[test]
fn a_sequence_can_be_replayed() -> Result<(), Box<dyn std::error::Error>> {
    let steps = [
        Step::Deploy,
        Step::Relate("db".into()),
        Step::UnitJoins { relation: 1 },
        Step::Relate("db".into()),
        Step::Unrelate { relation: 0 },
    ];
    let log: RefCell<Vec<String>> = RefCell::default();
    let h = CharmProp::<TestCharm>::new()
        .allow_charm_errors(true)
        .run_sequence(&steps, |_, step| {
            log.borrow_mut().push(step.resolved.to_string());
            Ok(())
        })?;
    let log = log.into_inner();
    assert_eq!(log.len(), 5);
    assert!(
        log[1].starts_with("relate db to remote-a: relation"),
        "{log:?}"
    );
    assert!(log[2].contains("remote-a/0 joins relation"), "{log:?}");
    assert!(
        log[3].contains("nothing to do"),
        "the limit of `db` is 1: {log:?}"
    );
    assert!(log[4].contains("remove relation"), "{log:?}");
    assert!(h.relation_ids("db").is_empty());
    Ok(())
}
