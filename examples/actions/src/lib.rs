//! The `actions` charm (twin of the juju-sim reference charm): params with defaults, nested
//! results, action-log and -fail, storage events and files.

use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::{BackupParams, ExplodeParams, GreetParams, ReportParams};
use crate::storages::Data;

/// The charm and its stored state.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct Actions {
    /// How many greetings were given.
    pub greeted: i64,
    /// The storage instances attached.
    pub attached: Vec<String>,
    /// The backups written.
    pub backups: Vec<String>,
}

/// Python's `str()` of a bool: the twin's results read as the reference charm's.
fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Python's `json.dumps(..., sort_keys=True)` of the backup body.
fn backup_body(name: &str, level: i64, compress: bool, greeted: i64) -> String {
    let name = serde_json::to_string(name).unwrap_or_else(|_| "\"\"".into());
    format!(
        "{{\"compress\": {}, \"greeted\": {greeted}, \"level\": {level}, \"name\": {name}}}",
        if compress { "true" } else { "false" }
    )
}

#[charm]
impl Actions {
    #[on(install)]
    fn on_install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::active("ready"))?;
        Ok(())
    }

    #[on(data_storage_attached)]
    fn on_data_attached(
        &mut self,
        ctx: &mut Context<Self>,
        event: &StorageEvent,
    ) -> ops_core::Result<()> {
        let id = event.storage.full_id();
        self.attached.push(id.clone());
        let location = event.storage.location()?;
        std::fs::write(
            location.join("attached.txt"),
            format!("{id} by {}\n", ctx.unit().name()),
        )?;
        ctx.unit()
            .set_status(Status::active(format!("storage {id} attached")))?;
        Ok(())
    }

    #[on(data_storage_detaching)]
    fn on_data_detaching(
        &mut self,
        ctx: &mut Context<Self>,
        event: &StorageEvent,
    ) -> ops_core::Result<()> {
        let id = event.storage.full_id();
        self.attached.retain(|a| *a != id);
        ctx.unit()
            .set_status(Status::maintenance(format!("storage {id} detaching")))?;
        Ok(())
    }

    #[on(greet_action)]
    fn on_greet(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &ActionEvent<GreetParams>,
    ) -> ops_core::Result<()> {
        let (who, times) = (&event.params.who, event.params.times);
        if !(1..=5).contains(&times) {
            event.fail(&format!("times must be between 1 and 5, got {times}"))?;
            return Ok(());
        }
        event.log(&format!("greeting {who} {times} time(s)"))?;
        let greeting = vec![format!("hello {who}"); times as usize].join(" ");
        self.greeted += times;
        event.set_results(&json!({
            "greeting": greeting,
            "details": {"times": times.to_string(), "length": greeting.chars().count().to_string()},
        }))?;
        Ok(())
    }

    #[on(backup_action)]
    fn on_backup(
        &mut self,
        ctx: &mut Context<Self>,
        event: &ActionEvent<BackupParams>,
    ) -> ops_core::Result<()> {
        let storages = ctx.storages::<Data>()?;
        let Some(storage) = storages.first() else {
            event.fail("no data storage attached")?;
            return Ok(());
        };
        let p = &event.params;
        let path = storage.location()?.join(format!("{}.bak", p.name));
        event.log(&format!("writing {}.bak", p.name))?;
        let body = backup_body(&p.name, p.level, p.compress, self.greeted);
        std::fs::write(&path, format!("{body}\n"))?;
        self.backups.push(p.name.clone());
        event.set_results(&json!({
            "path": path.display().to_string(),
            "size": (body.chars().count() + 1).to_string(),
            "meta": {
                "compress": py_bool(p.compress),
                "level": p.level.to_string(),
                "count": self.backups.len().to_string(),
            },
        }))?;
        Ok(())
    }

    #[on(report_action)]
    fn on_report(
        &mut self,
        ctx: &mut Context<Self>,
        event: &ActionEvent<ReportParams>,
    ) -> ops_core::Result<()> {
        let storages = ctx.storages::<Data>()?;
        let ids: Vec<String> = storages.iter().map(|s| s.full_id()).collect();
        let or_none = |s: String| if s.is_empty() { "none".to_string() } else { s };
        event.set_results(&json!({
            "storage": {"count": storages.len().to_string(), "ids": or_none(ids.join(","))},
            "greetings": {"total": self.greeted.to_string()},
            "backups": {"names": or_none(self.backups.join(","))},
            "unit": {"name": ctx.unit().name(), "leader": py_bool(ctx.unit().is_leader()?)},
        }))?;
        Ok(())
    }

    #[on(explode_action)]
    fn on_explode(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &ActionEvent<ExplodeParams>,
    ) -> ops_core::Result<()> {
        event.set_results(&json!({"partial": "yes"}))?;
        event.log("about to fail")?;
        Err("explode action always fails".into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backup_body_is_pythons_json() {
        // json.dumps({"name": "nightly", "level": 3, "compress": False, "greeted": 0}, sort_keys=True)
        assert_eq!(
            super::backup_body("nightly", 3, false, 0),
            r#"{"compress": false, "greeted": 0, "level": 3, "name": "nightly"}"#
        );
    }
}
