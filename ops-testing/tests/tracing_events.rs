//! `tracing` events reach juju-log as `log` records do (ops-core's `tracing` feature, which this
//! crate's tests enable), in both test styles: ops' level names, span fields, the targets filter.

use ops_core::prelude::*;
use ops_testing::{Context as TestContext, Event, Harness, LogRecord, State};
use serde::{Deserialize, Serialize};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
struct Traced;

#[charm(dir = "tests/fixtures/testcharm", module = traced)]
impl Traced {
    #[on(install)]
    fn on_install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        tracing::error!("e");
        tracing::warn!("w");
        tracing::info!(port = 8080, name = "web", "listening");
        tracing::debug!("d");
        tracing::trace!("t");
        let span = tracing::info_span!("start", unit = "web/0");
        let _outer = span.enter();
        let inner = tracing::info_span!("db", attempt = 2);
        inner.in_scope(|| tracing::warn!(reason = %"timeout", "retrying"));
        tracing::info!("in start");
        // A dependency's DEBUG event is dropped, as its `log` records are.
        tracing::debug!(target: "ureq::transport", "connecting");
        tracing::info!(target: "ureq::transport", "connected");
        Ok(())
    }
}

fn expected() -> Vec<(String, String)> {
    [
        ("ERROR", "e"),
        ("WARNING", "w"),
        ("INFO", "listening port=8080 name=\"web\""),
        ("DEBUG", "d"),
        ("DEBUG", "t"),
        (
            "WARNING",
            "start{unit=\"web/0\"}:db{attempt=2}: retrying reason=timeout",
        ),
        ("INFO", "start{unit=\"web/0\"}: in start"),
        ("INFO", "start{unit=\"web/0\"}: connected"),
    ]
    .into_iter()
    .map(|(l, m)| (l.to_string(), m.to_string()))
    .collect()
}

/// The charm's records (the framework's are DEBUG and dropped without JUJU_DEBUG).
fn charm_records(logs: Vec<LogRecord>) -> Vec<(String, String)> {
    logs.into_iter().map(|r| (r.level, r.message)).collect()
}

#[test]
fn harness_tracing_events_reach_juju_log() -> TestResult {
    // `trace!` is forwarded only when the `log` max level allows it, as for `log::trace!`.
    ops_core::logging::set_level("tracing_events", log::LevelFilter::Trace);
    let mut h = Harness::<Traced>::new();
    h.begin()?;
    h.emit_hook("install")?;
    assert_eq!(charm_records(h.take_juju_log()), expected());
    Ok(())
}

#[test]
fn state_tracing_events_reach_juju_log() -> TestResult {
    ops_core::logging::set_level("tracing_events", log::LevelFilter::Trace);
    let ctx = TestContext::<Traced>::new();
    ctx.run(Event::install(), State::default())?;
    assert_eq!(charm_records(ctx.juju_log()), expected());
    Ok(())
}
