//! What `cargo charm run` prints after each hook: exit code, hook-tool writes and failures, unit
//! and app status, ports, relation data, deferred events, action output, Pebble plan and
//! services, and the hook's stderr when it failed.

use ops_core::dispatch::{Notice, NOTICES_KEY, STATE_FILE};
use ops_core::storage::{SledStore, Store};
use ops_testing::sim::{JujuState, StatusRecord};
use ops_testing::{LogRecord, SimJuju, ToolCall};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What one hook did.
#[derive(Debug)]
pub struct HookRecord {
    /// Its number in the run, from 1.
    pub number: usize,
    /// The hook (`install`, `action greet`, `db-relation-joined (pg/0)`).
    pub label: String,
    /// Its exit code.
    pub code: i32,
    /// Whether its step is expected to fail.
    pub failure_expected: bool,
    /// Set when it was killed after this long.
    pub timed_out: Option<Duration>,
    /// How long it ran.
    pub elapsed: Duration,
    /// Its tool calls.
    pub calls: Vec<ToolCall>,
    /// Its `juju-log` records.
    pub logs: Vec<LogRecord>,
    /// What it printed.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

/// The model before a hook, to show what changed.
#[derive(Debug)]
pub struct Snapshot {
    state: JujuState,
    plans: BTreeMap<String, Map<String, Value>>,
    service_log: BTreeMap<String, usize>,
}

impl Snapshot {
    /// The model now.
    pub fn take(sim: &SimJuju) -> Snapshot {
        let mut plans = BTreeMap::new();
        let mut service_log = BTreeMap::new();
        for c in sim.meta().containers.iter() {
            if let Some(p) = sim.pebble(&c.name) {
                let state = p.state();
                plans.insert(c.name.to_string(), state.plan);
                service_log.insert(c.name.to_string(), state.service_log.len());
            }
        }
        Snapshot {
            state: sim.state().clone(),
            plans,
            service_log,
        }
    }
}

/// Prints a line about the run that is not a hook's.
pub fn note(message: &str) {
    println!("    -- {message}");
}

/// An argument as a shell would need it to read it back.
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@%+".contains(&b));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The command line of `call` as printed: secret contents are never shown.
fn command_line(call: &ToolCall) -> String {
    let secret_content = matches!(call.argv[0].as_str(), "secret-add" | "secret-set");
    call.argv
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                return a.clone();
            }
            match a.split_once('=') {
                Some((k, _)) if secret_content && !a.starts_with('-') && !k.contains('#') => {
                    format!("{k}=<redacted>")
                }
                _ => quote(a),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn status_text(s: &StatusRecord) -> String {
    format!("{} {}", s.status, quote_msg(&s.message))
}

fn quote_msg(m: &str) -> String {
    format!("'{}'", m.replace('\'', "\\'"))
}

fn bag(b: &BTreeMap<String, String>) -> String {
    serde_json::to_string(b).unwrap_or_default()
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The events the charm deferred, as its state holds them after a hook: on the controller for a
/// charm that keeps its state there, else in its local `.unit-state.db` (read as ops-core reads
/// it, from the snapshot it writes beside the database, without taking its lock).
pub fn deferred(sim: &SimJuju, charm_dir: &Path) -> Result<Vec<Notice>, String> {
    let mut entries = sim.controller_entries().map_err(|e| e.to_string())?;
    if !entries.contains_key(NOTICES_KEY) {
        let path = charm_dir.join(STATE_FILE);
        if SledStore::exists(&path) {
            entries = SledStore::open_lazy(&path)
                .load_all()
                .map_err(|e| e.to_string())?;
        }
    }
    match entries.get(NOTICES_KEY) {
        None => Ok(Vec::new()),
        Some(bytes) => {
            serde_json::from_slice(bytes).map_err(|e| format!("unreadable deferred events: {e}"))
        }
    }
}

/// Prints the block of one hook.
pub fn print_hook(
    record: &HookRecord,
    before: &Snapshot,
    sim: &SimJuju,
    charm_dir: &Path,
    verbose: bool,
) {
    let outcome = match (record.code, record.timed_out) {
        (_, Some(t)) => format!("KILLED after {}s", t.as_secs()),
        (0, None) => "exit 0".to_string(),
        (c, None) => format!("FAILED exit {c}"),
    };
    let outcome = if record.failure_expected && record.code != 0 {
        format!("{outcome} (expected)")
    } else {
        outcome
    };
    println!(
        "\n[{}] {}  {outcome}  ({} tool calls, {} ms)",
        record.number,
        record.label,
        record.calls.len(),
        record.elapsed.as_millis()
    );
    for call in &record.calls {
        let tool = call.argv[0].as_str();
        let writes = ops_testing::sim::writes(tool).is_some();
        if call.exit != 0 {
            println!("    {}  -> exit {}", command_line(call), call.exit);
            if !call.stderr.trim().is_empty() {
                println!("{}", indent(call.stderr.trim_end(), "        "));
            }
        } else if tool != "juju-log" && (writes || verbose) {
            println!("    {}", command_line(call));
        }
    }
    for log in &record.logs {
        if verbose || matches!(log.level.as_str(), "WARNING" | "ERROR" | "CRITICAL") {
            let mut lines = log.message.lines();
            println!(
                "    log {}: {}",
                log.level,
                lines.next().unwrap_or_default()
            );
            for l in lines {
                println!("        {l}");
            }
        }
    }
    let state = sim.state();
    println!("    unit status: {}", status_text(&state.unit_status));
    println!("    app status:  {}", status_text(&state.app_status));
    if before.state.leader != state.leader || state.leader {
        println!("    leader: {}", if state.leader { "yes" } else { "no" });
    }
    if !state.opened_ports.is_empty() || !before.state.opened_ports.is_empty() {
        println!("    opened ports: {}", state.opened_ports.join(", "));
    }
    if !state.workload_version.is_empty() {
        println!("    workload version: {}", state.workload_version);
    }
    for r in &state.relations {
        println!(
            "    relation {}:{} ({}, units {:?}): local unit {} local app {}",
            r.endpoint,
            r.id,
            r.remote_app,
            r.remote_units.keys().collect::<Vec<_>>(),
            bag(&r.local_unit_data),
            bag(&r.local_app_data)
        );
    }
    for s in &state.secrets {
        if state.owns(s) {
            println!(
                "    secret {} (label {:?}, revision {})",
                s.id,
                s.label.as_deref().unwrap_or(""),
                s.latest_revision()
            );
        }
    }
    if state.actions.len() > before.state.actions.len() {
        if let Some(a) = state.actions.last() {
            let results = serde_json::to_string(&a.results).unwrap_or_default();
            let failed = if a.message.is_empty() {
                String::new()
            } else {
                format!(" message={}", quote_msg(&a.message))
            };
            println!(
                "    action {}: {}{failed} results={results}",
                a.name, a.status
            );
            for l in &a.log {
                println!("        action-log: {l}");
            }
        }
    }
    drop(state);
    match deferred(sim, charm_dir) {
        Ok(notices) => {
            for n in notices {
                println!("    deferred: {} (handler {})", n.path, n.method);
            }
        }
        Err(e) => println!("    deferred: cannot read the charm's state: {e}"),
    }
    for c in sim.meta().containers.iter() {
        let Some(pebble) = sim.pebble(&c.name) else {
            continue;
        };
        let now = pebble.state();
        let services: Vec<String> = now
            .services
            .iter()
            .map(|(n, s)| format!("{n}={}", s.current))
            .collect();
        println!(
            "    pebble {}: services {}",
            c.name,
            if services.is_empty() {
                "none".to_string()
            } else {
                services.join(", ")
            }
        );
        let seen = before
            .service_log
            .get(c.name.as_ref())
            .copied()
            .unwrap_or(0);
        if now.service_log.len() > seen {
            println!(
                "        service changes: {}",
                now.service_log[seen..].join(", ")
            );
        }
        let changed = before.plans.get(c.name.as_ref()) != Some(&now.plan);
        if changed || record.label.ends_with("-pebble-ready") {
            println!("        plan:");
            println!(
                "{}",
                indent(pebble.plan().to_yaml().trim_end(), "          ")
            );
        }
    }
    if record.code != 0 || verbose {
        if !record.stdout.trim().is_empty() {
            println!(
                "    stdout:\n{}",
                indent(record.stdout.trim_end(), "      | ")
            );
        }
        if !record.stderr.trim().is_empty() {
            println!(
                "    stderr:\n{}",
                indent(record.stderr.trim_end(), "      | ")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_contents_are_never_printed() {
        let call = |argv: &[&str]| ToolCall {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            stdin: None,
            exit: 0,
            stdout: String::new(),
            stderr: String::new(),
        };
        assert_eq!(
            command_line(&call(&[
                "secret-add",
                "--label",
                "db",
                "password=hunter2",
                "cert#file=/tmp/c"
            ])),
            "secret-add --label db password=<redacted> 'cert#file=/tmp/c'"
        );
        assert_eq!(
            command_line(&call(&["status-set", "active", "it's ready"])),
            "status-set active 'it'\\''s ready'"
        );
    }
}
