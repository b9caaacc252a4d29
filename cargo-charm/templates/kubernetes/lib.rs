//! The `{{name}}` charm: runs an HTTP server in its `workload` container through Pebble, with
//! a layer built from its config; tells the units related on `website` which port it serves on,
//! and answers the `echo` action.

use ops_core::pebble::{Layer, Override, Service, ServiceStartup};
use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::EchoParams;
use crate::containers::Workload;

/// The charm, and its stored state (kept between hooks).
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct {{Struct}} {
    /// The port the workload was last configured with (0: not yet).
    pub port: u16,
}

/// The port a `port` option names, if it is a usable TCP port (1 to 65535).
pub fn valid_port(port: i64) -> Option<u16> {
    u16::try_from(port).ok().filter(|p| *p != 0)
}

/// The Pebble layer of the workload's `http` service, built from the config.
pub fn layer(port: u16, greeting: &str) -> Layer {
    let mut layer = Layer {
        summary: "{{name}} layer".into(),
        ..Layer::default()
    };
    layer.services.insert(
        "http".into(),
        Service {
            r#override: Override::Replace,
            summary: "the HTTP server".into(),
            command: format!("python3 -m http.server {port}"),
            startup: ServiceStartup::Enabled,
            environment: [("GREETING".to_string(), greeting.to_string())].into(),
            ..Service::default()
        },
    );
    layer
}

#[charm]
impl {{Struct}} {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(workload_pebble_ready)]
    fn on_workload_pebble_ready(
        &mut self,
        ctx: &mut Context<Self>,
        _event: &PebbleReadyEvent,
    ) -> ops_core::Result<()> {
        self.replan(ctx)
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &HookEvent,
    ) -> ops_core::Result<()> {
        if !ctx.container::<Workload>()?.can_connect() {
            ctx.unit()
                .set_status(Status::waiting("waiting for Pebble"))?;
            event.defer()?;
            return Ok(());
        }
        self.replan(ctx)
    }

    #[on(website_relation_joined)]
    fn on_website_joined(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        event
            .relation
            .local_unit_data()
            .set("port", self.port.to_string())?;
        Ok(())
    }

    #[on(echo_action)]
    fn on_echo(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &ActionEvent<EchoParams>,
    ) -> ops_core::Result<()> {
        event.set_results(&json!({ "message": event.params.message }))?;
        Ok(())
    }

    /// Adds the layer the config describes, replans, and sets the unit's status.
    fn replan(&mut self, ctx: &mut Context<Self>) -> ops_core::Result<()> {
        let config = ctx.config()?;
        let Some(port) = valid_port(config.port) else {
            ctx.unit()
                .set_status(Status::blocked(format!("invalid port {}", config.port)))?;
            return Ok(());
        };
        let container = ctx.container::<Workload>()?;
        container.add_layer("{{name}}", &layer(port, &config.greeting), true)?;
        container.replan()?;
        self.port = port;
        ctx.unit()
            .set_status(Status::active(format!("serving on port {port}")))?;
        Ok(())
    }
}
