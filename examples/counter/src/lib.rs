//! The `counter` charm (twin of the juju-sim reference charm): typed config, stored state,
//! deferral, statuses, workload version and ports.

use ops_core::prelude::*;
use serde::{Deserialize, Serialize};

/// The workload version set on install.
pub const INSTALL_VERSION: &str = "1.0.0";
/// The workload version set on upgrade-charm.
pub const UPGRADE_VERSION: &str = "1.1.0";

/// The charm, and its stored state: how many events it handled, which, and the port it opened.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct Counter {
    /// Events handled so far.
    pub count: u64,
    /// Their names, in order.
    pub history: Vec<String>,
    /// The TCP port currently open (0: none).
    pub port: i64,
}

/// Python's `str(float)`: the twin's status messages must read as the reference charm's do.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let exp = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    if (-4..16).contains(&exp) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Python switches to exponent notation: 1e+16, 1.5e-05.
        let s = format!("{x:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

#[charm]
impl Counter {
    fn record(&mut self, name: &str) {
        self.count += 1;
        self.history.push(name.to_string());
        log::info!("handled {name} (event #{})", self.count);
    }

    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        self.record("install");
        ctx.unit().set_status(Status::maintenance("installing"))?;
        ctx.unit().set_workload_version(INSTALL_VERSION)?;
        Ok(())
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        self.record("start");
        self.update_status(ctx)
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &HookEvent,
    ) -> ops_core::Result<()> {
        if ctx.config()?.target.is_empty() {
            self.record("config-changed:deferred");
            ctx.unit()
                .set_status(Status::blocked("waiting for the 'target' option"))?;
            event.defer()?;
            return Ok(());
        }
        self.record("config-changed");
        ctx.unit().set_status(Status::maintenance("configuring"))?;
        let port = ctx.config()?.port;
        if port != self.port {
            if self.port != 0 {
                ctx.unit()
                    .close_port("tcp", u16::try_from(self.port).ok())?;
            }
            if port == 0 {
                return Err("port 0 is reserved".into());
            }
            let p = u16::try_from(port).map_err(|_| format!("port {port} is out of range"))?;
            ctx.unit().open_port("tcp", Some(p))?;
            self.port = port;
        }
        self.update_status(ctx)
    }

    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _event: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("update-status");
        self.update_status(ctx)
    }

    #[on(upgrade_charm)]
    fn on_upgrade_charm(
        &mut self,
        ctx: &mut Context<Self>,
        _event: &HookEvent,
    ) -> ops_core::Result<()> {
        self.record("upgrade-charm");
        ctx.unit().set_workload_version(UPGRADE_VERSION)?;
        self.update_status(ctx)
    }

    fn update_status(&self, ctx: &Context<Self>) -> ops_core::Result<()> {
        let config = ctx.config()?;
        if config.target.is_empty() {
            ctx.unit()
                .set_status(Status::blocked("waiting for the 'target' option"))?;
            return Ok(());
        }
        let mut message = format!(
            "{}, {}: {} events, ratio {}",
            config.greeting,
            config.target,
            self.count,
            py_float(config.ratio)
        );
        if config.debug {
            let start = self.history.len().saturating_sub(4);
            message.push_str(&format!(" [{}]", self.history[start..].join(",")));
        }
        ctx.unit().set_status(Status::active(message))?;
        if ctx.unit().is_leader()? {
            ctx.app().set_status(Status::active(format!(
                "history: {}",
                self.history.join(",")
            )))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn floats_read_as_python_prints_them() {
        assert_eq!(py_float(1.5), "1.5");
        assert_eq!(py_float(2.0), "2.0");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(-3.0), "-3.0");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_float(123456.789), "123456.789");
    }
}
