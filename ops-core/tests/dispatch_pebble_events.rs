//! Pebble's custom-notice and check-failed/-recovered events (Juju ≥ 3.4 / 3.6): the dispatcher
//! builds them from JUJU_WORKLOAD_NAME, JUJU_NOTICE_* and JUJU_PEBBLE_CHECK_NAME.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct K8s;

#[charm(dir = "tests/fixtures/k8s")]
impl K8s {
    #[on(web_pebble_custom_notice)]
    fn notice(
        &mut self,
        ctx: &mut Context<Self>,
        event: &PebbleNoticeEvent,
    ) -> ops_core::Result<()> {
        let msg = format!(
            "{} notice {} {} {}",
            event.workload.name(),
            event.notice_id,
            event.notice_type,
            event.notice_key
        );
        ctx.unit().set_status(Status::maintenance(msg))?;
        Ok(())
    }

    #[on(web_pebble_check_failed, web_pebble_check_recovered)]
    fn check(&mut self, ctx: &mut Context<Self>, event: &PebbleCheckEvent) -> ops_core::Result<()> {
        let msg = format!(
            "{} {} {}",
            event.name(),
            event.workload.name(),
            event.check_name
        );
        ctx.unit().set_status(Status::waiting(msg))?;
        Ok(())
    }
}

fn setup(dir: &Path, fake: &Rc<FakeRunner>, dispatch: &str, extra: &[(&str, &str)]) -> HookSetup {
    let mut env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "k8s/0"),
        ("JUJU_VERSION", "3.6.0"),
        ("JUJU_DISPATCH_PATH", dispatch),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    HookSetup {
        env: JujuContext::from_map(&env).expect("valid environment"),
        runner: fake.clone(),
        charm_dir: dir.to_path_buf(),
        argv0: dir.join("dispatch"),
        store: Some(StoreSource::Local(dir.join(STATE_FILE))),
        is_process: false,
    }
}

fn fake() -> Rc<FakeRunner> {
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    fake.on_ok("status-set", "");
    fake
}

fn statuses(fake: &FakeRunner) -> Vec<String> {
    fake.calls()
        .iter()
        .filter(|c| c.tool == "status-set")
        .map(|c| c.args.last().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn a_custom_notice_reaches_its_handler_with_the_notice() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    let env = [
        ("JUJU_WORKLOAD_NAME", "web"),
        ("JUJU_NOTICE_ID", "42"),
        ("JUJU_NOTICE_TYPE", "custom"),
        ("JUJU_NOTICE_KEY", "example.com/reload"),
    ];
    let report = ops_core::run::<K8s>(setup(
        dir.path(),
        &fake,
        "hooks/web-pebble-custom-notice",
        &env,
    ))
    .unwrap();
    assert_eq!(report.handler_calls, 1);
    assert_eq!(
        statuses(&fake),
        vec!["web notice 42 custom example.com/reload"]
    );
}

#[test]
fn check_failed_and_recovered_carry_the_check_name() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    for hook in [
        "hooks/web-pebble-check-failed",
        "hooks/web-pebble-check-recovered",
    ] {
        let env = [
            ("JUJU_WORKLOAD_NAME", "web"),
            ("JUJU_PEBBLE_CHECK_NAME", "http-ready"),
        ];
        ops_core::run::<K8s>(setup(dir.path(), &fake, hook, &env)).unwrap();
    }
    assert_eq!(
        statuses(&fake),
        vec![
            "web_pebble_check_failed web http-ready",
            "web_pebble_check_recovered web http-ready"
        ]
    );
}

#[test]
fn a_notice_event_without_its_notice_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    let err = ops_core::run::<K8s>(setup(
        dir.path(),
        &fake,
        "hooks/web-pebble-custom-notice",
        &[("JUJU_WORKLOAD_NAME", "web")],
    ))
    .unwrap_err();
    assert!(err.to_string().contains("JUJU_NOTICE_ID"), "{err}");
    assert!(statuses(&fake).is_empty());
}
