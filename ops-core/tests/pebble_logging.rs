//! What a hook's Pebble calls send to `juju-log`: the charm's records, not the HTTP client's
//! (each `juju-log` is a process spawn; ureq logs ~7 DEBUG records per request).

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use std::collections::HashMap;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::pebble::{Layer, Override, Service, ServiceStartup};
use ops_core::prelude::*;
use ops_testing::pebble::FakePebble;

#[derive(Default, StoredState)]
struct K8s;

#[charm(dir = "tests/fixtures/k8s")]
impl K8s {
    #[on(web_pebble_ready)]
    fn ready(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &PebbleReadyEvent,
    ) -> ops_core::Result<()> {
        log::debug!("configuring the workload");
        let mut layer = Layer::default();
        layer.services.insert(
            "web".into(),
            Service {
                r#override: Override::Replace,
                command: "/bin/web".into(),
                startup: ServiceStartup::Enabled,
                ..Service::default()
            },
        );
        event.workload.add_layer("web", &layer, true)?;
        event.workload.replan()?;
        let plan = event.workload.get_plan()?;
        log::info!("planned {} service(s)", plan.services.len());
        Ok(())
    }
}

fn juju_logs(fake: &FakeRunner) -> Vec<Vec<String>> {
    fake.calls()
        .into_iter()
        .filter(|c| c.tool == "juju-log")
        .map(|c| c.args)
        .collect()
}

fn run_pebble_ready(extra: &[(&str, &str)]) -> (Vec<Vec<String>>, FakePebble) {
    let dir = tempfile::tempdir().unwrap();
    let containers = dir.path().join("containers");
    let pebble = FakePebble::start_at(
        &containers.join("web").join("pebble.socket"),
        &dir.path().join("fs"),
    )
    .unwrap();
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    let mut env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "k8s/0"),
        ("JUJU_VERSION", "3.6.0"),
        ("JUJU_DISPATCH_PATH", "hooks/web-pebble-ready"),
        ("JUJU_WORKLOAD_NAME", "web"),
        ("OPS_PEBBLE_CONTAINERS_DIR", containers.to_str().unwrap()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let setup = HookSetup {
        env: JujuContext::from_map(&env).expect("valid environment"),
        runner: fake.clone(),
        charm_dir: dir.path().to_path_buf(),
        argv0: dir.path().join("dispatch"),
        store: Some(StoreSource::Local(dir.path().join(STATE_FILE))),
        is_process: false,
    };
    let report = ops_core::run::<K8s>(setup).unwrap();
    assert_eq!(report.handler_calls, 1);
    ops_core::logging::uninstall();
    (juju_logs(&fake), pebble)
}

#[test]
fn pebble_calls_in_a_hook_send_only_the_charms_records() {
    let (logs, pebble) = run_pebble_ready(&[]);
    // Three Pebble requests (and a wait) were made...
    assert!(pebble.requests().len() >= 3, "{:?}", pebble.requests());
    // ...and juju-log carried the charm's two records only.
    let messages: Vec<(String, String)> =
        logs.iter().map(|a| (a[1].clone(), a[3].clone())).collect();
    assert_eq!(
        messages,
        vec![
            ("DEBUG".to_string(), "configuring the workload".to_string()),
            ("INFO".to_string(), "planned 1 service(s)".to_string()),
        ]
    );

    // Raised on purpose, the HTTP client's records go too (one test: the filter is global).
    ops_core::logging::set_level("ureq", log::LevelFilter::Debug);
    let (logs, _pebble) = run_pebble_ready(&[]);
    ops_core::logging::set_level("ureq", log::LevelFilter::Info);
    let http = logs.iter().filter(|a| a[1] == "DEBUG").count();
    assert!(http > 10, "{logs:?}");
}
