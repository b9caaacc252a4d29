//! The `webserver` charm (twin of the juju-sim reference charm): a Kubernetes charm driving its
//! `web` container through Pebble. A layer and a replan on `web-pebble-ready`; on
//! `config-changed` the config file is pushed, the layer combined again and the service restarted
//! (deferred while Pebble is unreachable); `update-status` reports the service; the `run` action
//! execs a command. A restart counter is kept in controller storage.

use ops_core::pebble::{self, Layer, Override, PushOptions, Service, ServiceStartup};
use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::RunParams;
use crate::containers::Web;

/// Where the workload's config file goes.
pub const CONFIG_PATH: &str = "/etc/webserver/config.json";

/// The charm, and its stored state.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct Webserver {
    /// How many times config-changed restarted the service.
    pub restarts: u64,
}

/// The Pebble layer of the web service.
pub fn web_layer(port: i64, greeting: &str) -> Layer {
    let mut layer = Layer {
        summary: "web server layer".into(),
        ..Layer::default()
    };
    layer.services.insert(
        "web".into(),
        Service {
            r#override: Override::Replace,
            summary: "the web server".into(),
            command: format!("/usr/bin/webserver --port {port}"),
            startup: ServiceStartup::Enabled,
            environment: [("GREETING".to_string(), greeting.to_string())].into(),
            ..Service::default()
        },
    );
    layer
}

/// Python's `json.dumps(s)` of a string: ASCII only, `\uXXXX` escapes (surrogate pairs beyond
/// the BMP).
fn py_json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The config file: Python's `json.dumps(config, sort_keys=True) + "\n"`.
pub fn config_file(port: i64, greeting: &str) -> String {
    format!(
        "{{\"greeting\": {}, \"port\": {port}}}\n",
        py_json_str(greeting)
    )
}

#[charm(storage = "controller")]
impl Webserver {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(web_pebble_ready)]
    fn on_web_pebble_ready(
        &mut self,
        ctx: &mut Context<Self>,
        event: &PebbleReadyEvent,
    ) -> ops_core::Result<()> {
        let config = ctx.config()?;
        let container = &event.workload;
        container.add_layer("web", &web_layer(config.port, &config.greeting), true)?;
        container.replan()?;
        self.set_status(ctx)
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        event: &HookEvent,
    ) -> ops_core::Result<()> {
        let container = ctx.container::<Web>()?;
        if !container.can_connect() {
            ctx.unit()
                .set_status(Status::waiting("waiting for Pebble"))?;
            event.defer()?;
            return Ok(());
        }
        let config = ctx.config()?;
        let make_dirs = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        container.push(
            CONFIG_PATH,
            config_file(config.port, &config.greeting).as_bytes(),
            &make_dirs,
        )?;
        container.add_layer("web", &web_layer(config.port, &config.greeting), true)?;
        container.restart(&["web"])?;
        self.restarts += 1;
        log::info!("web service restarted ({} restarts)", self.restarts);
        self.set_status(ctx)
    }

    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _event: &HookEvent,
    ) -> ops_core::Result<()> {
        if !ctx.container::<Web>()?.can_connect() {
            ctx.unit()
                .set_status(Status::waiting("waiting for Pebble"))?;
            return Ok(());
        }
        self.set_status(ctx)
    }

    #[on(run_action)]
    fn on_run_action(
        &mut self,
        ctx: &mut Context<Self>,
        event: &ActionEvent<RunParams>,
    ) -> ops_core::Result<()> {
        let command: Vec<&str> = event.params.command.split(' ').collect();
        match ctx.container::<Web>()?.exec(command).output() {
            Ok(output) => {
                event.set_results(&json!({"output": output.stdout_text(), "exit-code": 0}))?;
            }
            Err(pebble::Error::Exec(err)) => event.fail(&err.to_string())?,
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    fn set_status(&self, ctx: &Context<Self>) -> ops_core::Result<()> {
        let status = if ctx.container::<Web>()?.get_service("web")?.is_running() {
            Status::active(format!("serving on {}", ctx.config()?.port))
        } else {
            Status::maintenance("web service not running")
        };
        ctx.unit().set_status(status)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_file_reads_as_python_json_dumps() {
        assert_eq!(
            config_file(8080, "hi there"),
            "{\"greeting\": \"hi there\", \"port\": 8080}\n"
        );
        assert_eq!(
            config_file(1, "qu\"o\\te\n"),
            "{\"greeting\": \"qu\\\"o\\\\te\\n\", \"port\": 1}\n"
        );
        assert_eq!(
            config_file(-5, "héllo 🙂\u{1}"),
            "{\"greeting\": \"h\\u00e9llo \\ud83d\\ude42\\u0001\", \"port\": -5}\n"
        );
    }

    #[test]
    fn the_layer_replaces_an_enabled_web_service() {
        let layer = web_layer(9090, "bonjour");
        assert_eq!(layer.summary, "web server layer");
        let web = &layer.services["web"];
        assert_eq!(web.r#override, Override::Replace);
        assert_eq!(web.command, "/usr/bin/webserver --port 9090");
        assert_eq!(web.startup, ServiceStartup::Enabled);
        assert_eq!(web.environment["GREETING"], "bonjour");
        assert_eq!(
            Layer::from_yaml(&layer.to_yaml()).ok(),
            Some(layer),
            "the layer survives YAML"
        );
    }
}
