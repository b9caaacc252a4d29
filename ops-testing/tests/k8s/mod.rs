//! `k8scharm`: a Kubernetes charm whose handlers drive its `app` container through Pebble and
//! record what they saw, for ops-testing's own Pebble tests.

#![allow(dead_code, unused_imports)]

use ops_core::pebble::{Layer, Override, PushOptions, Service, ServiceStartup};
use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use k8scharm::containers::{App, Sidecar};
pub use k8scharm::storages::Data;

/// The charm; its stored state is what its handlers saw.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct K8sCharm {
    /// Observations, by key.
    pub seen: BTreeMap<String, String>,
}

/// The layer the charm adds to `app`.
pub fn app_layer(motd: &str) -> Layer {
    let mut layer = Layer {
        summary: "app".into(),
        ..Layer::default()
    };
    layer.services.insert(
        "app".into(),
        Service {
            r#override: Override::Replace,
            command: "/bin/app --serve".into(),
            startup: ServiceStartup::Enabled,
            environment: [("MOTD".to_string(), motd.to_string())].into(),
            ..Service::default()
        },
    );
    layer
}

fn make_dirs() -> PushOptions {
    PushOptions {
        make_dirs: true,
        ..PushOptions::default()
    }
}

#[charm(dir = "tests/fixtures/k8scharm")]
impl K8sCharm {
    #[on(app_pebble_ready)]
    fn on_app_ready(
        &mut self,
        ctx: &mut Context<Self>,
        e: &PebbleReadyEvent,
    ) -> ops_core::Result<()> {
        let motd = ctx.config()?.motd.clone();
        e.workload.add_layer("app", &app_layer(&motd), true)?;
        e.workload.replan()?;
        e.workload
            .push("/etc/app/motd", motd.as_bytes(), &make_dirs())?;
        if e.workload.exists("/var/lib/app/seed")? {
            let seed = e.workload.pull_text("/var/lib/app/seed")?;
            self.seen.insert("seed".into(), seed);
            e.workload.push(
                "/var/lib/app/from-charm",
                "written by the charm".as_bytes(),
                &make_dirs(),
            )?;
        }
        let running = e.workload.get_service("app")?.is_running();
        self.seen.insert("running".into(), running.to_string());
        ctx.unit().set_status(Status::active("app ready"))?;
        Ok(())
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        e: &HookEvent,
    ) -> ops_core::Result<()> {
        let app = ctx.container::<App>()?;
        if !app.can_connect() {
            self.seen.insert("config".into(), "deferred".into());
            ctx.unit()
                .set_status(Status::waiting("waiting for Pebble"))?;
            e.defer()?;
            return Ok(());
        }
        let motd = ctx.config()?.motd.clone();
        app.push("/etc/app/motd", motd.as_bytes(), &make_dirs())?;
        app.add_layer("app", &app_layer(&motd), true)?;
        app.restart(&["app"])?;
        self.seen.insert("config".into(), motd);
        ctx.unit().set_status(Status::active("configured"))?;
        Ok(())
    }

    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        let app = ctx.container::<App>()?;
        let sidecar = ctx.container::<Sidecar>()?;
        self.seen.insert(
            "sidecar-can-connect".into(),
            sidecar.can_connect().to_string(),
        );
        if !app.can_connect() {
            self.seen.insert("app-can-connect".into(), "false".into());
            return Ok(());
        }
        self.seen.insert("app-can-connect".into(), "true".into());
        let status = match app.get_services(&["app"])?.get("app") {
            Some(s) => s.current.to_string(),
            None => "none".into(),
        };
        self.seen.insert("app-status".into(), status);
        match app.exec(["hostname", "-f"]).output() {
            Ok(out) => self.seen.insert("hostname".into(), out.stdout_text()),
            Err(ops_core::pebble::Error::Exec(e)) => self
                .seen
                .insert("hostname".into(), format!("exit {}", e.exit_code)),
            // Pebble refuses a command whose executable is missing when it is spawned.
            Err(ops_core::pebble::Error::Api(e)) if e.code == 400 => {
                self.seen.insert("hostname".into(), e.message)
            }
            Err(e) => return Err(e.into()),
        };
        if app.exists("/etc/app/motd")? {
            self.seen
                .insert("motd".into(), app.pull_text("/etc/app/motd")?);
        }
        Ok(())
    }

    #[on(data_storage_attached)]
    fn on_data_attached(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &StorageEvent,
    ) -> ops_core::Result<()> {
        self.seen.insert(
            "data-location".into(),
            e.storage.location()?.display().to_string(),
        );
        Ok(())
    }
}
