//! The `{{name}}` charm: opens the TCP port its `port` option names, tells the units related on
//! `website` which port that is, and answers the `echo` action.

use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::EchoParams;

/// The charm, and its stored state (kept between hooks).
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct {{Struct}} {
    /// The TCP port currently open (0: none).
    pub port: u16,
}

/// The port a `port` option names, if it is a usable TCP port (1 to 65535).
pub fn valid_port(port: i64) -> Option<u16> {
    u16::try_from(port).ok().filter(|p| *p != 0)
}

#[charm]
impl {{Struct}} {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        _event: &HookEvent,
    ) -> ops_core::Result<()> {
        self.configure(ctx)
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        self.configure(ctx)
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

    /// Opens the configured port (closing the previous one) and sets the unit's status.
    fn configure(&mut self, ctx: &mut Context<Self>) -> ops_core::Result<()> {
        let config = ctx.config()?;
        let Some(port) = valid_port(config.port) else {
            ctx.unit()
                .set_status(Status::blocked(format!("invalid port {}", config.port)))?;
            return Ok(());
        };
        if port != self.port {
            if self.port != 0 {
                ctx.unit().close_port("tcp", Some(self.port))?;
            }
            ctx.unit().open_port("tcp", Some(port))?;
            log::info!("opened port {port}");
            self.port = port;
        }
        ctx.unit()
            .set_status(Status::active(format!("{} on port {port}", config.greeting)))?;
        Ok(())
    }
}
