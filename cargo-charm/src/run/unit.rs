//! The simulated unit of a run: the charm's private directory, the hook-tool bin dir and socket,
//! the [`SimJuju`] answering the tools, and the hooks run one process each.

use super::report::{self, HookRecord};
use super::scenario::{DataChange, ScenarioStep, Step, Units};
use super::tools::{self, Reply, ToolServer, Wake};
use super::RunError;
use ops_metadata::{CharmMeta, RelationRole};
use ops_testing::sim::{Databag, JujuState, SecretRevision, SimRelation, SimSecret, SimStorage};
use ops_testing::{SimEvent, SimJuju};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `PATH` after the tool dir, as Juju gives hooks.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin";

/// What the unit agent sets for every hook besides the hook's own context (which
/// `SimJuju::begin` gives): the shell environment of a Juju machine, the agent's API address
/// and socket, and the model's (empty) proxy settings.
const AGENT_ENV: &[(&str, &str)] = &[
    ("LANG", "C.UTF-8"),
    ("DEBIAN_FRONTEND", "noninteractive"),
    ("APT_LISTCHANGES_FRONTEND", "none"),
    ("JUJU_SLA", "unsupported"),
    ("JUJU_API_ADDRESSES", "10.0.0.1:17070"),
    ("JUJU_AGENT_SOCKET_NETWORK", "unix"),
    ("CLOUD_API_VERSION", ""),
    ("JUJU_CHARM_HTTP_PROXY", ""),
    ("JUJU_CHARM_HTTPS_PROXY", ""),
    ("JUJU_CHARM_FTP_PROXY", ""),
    ("JUJU_CHARM_NO_PROXY", ""),
];

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The unit's name (default `<charm>/0`).
    pub unit: Option<String>,
    /// How long a hook may run before it is killed.
    pub timeout: Duration,
    /// Print every tool call and log line.
    pub verbose: bool,
    /// Set `JUJU_DEBUG` in hooks (and print as `verbose` does).
    pub debug: bool,
    /// `JUJU_VERSION`.
    pub juju_version: String,
}

/// One simulated unit and the hooks run on it.
pub struct Unit {
    sim: SimJuju,
    meta: &'static CharmMeta,
    dir: tempfile::TempDir,
    charm_dir: PathBuf,
    bin_dir: PathBuf,
    server: ToolServer,
    options: Options,
    hooks: usize,
    /// Whether the current step is expected to fail.
    expecting_failure: bool,
    next_relation: i64,
    /// Hooks that failed (or steps that did not) against expectations: `[n] hook (origin)`.
    pub unexpected: Vec<String>,
}

impl std::fmt::Debug for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unit")
            .field("charm_dir", &self.charm_dir)
            .field("hooks", &self.hooks)
            .finish_non_exhaustive()
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RunError {
    let what = what.into();
    move |source| RunError::Io { what, source }
}

impl Unit {
    /// Lays out the unit for `source`: the charm copy, the tools, the socket.
    pub fn new(source: &super::charm::Source, options: Options) -> Result<Unit, RunError> {
        let dir = tempfile::Builder::new()
            .prefix("cargo-charm-run-")
            .tempdir()
            .map_err(io_err("creating the run's temporary directory"))?;
        let charm_dir = dir.path().join("charm");
        let meta: &'static CharmMeta = Box::leak(Box::new(source.install(&charm_dir)?));
        let bin_dir = dir.path().join("bin");
        std::fs::create_dir(&bin_dir).map_err(io_err("creating the hook-tool directory"))?;
        let exe = std::env::current_exe().map_err(io_err("finding the cargo-charm executable"))?;
        for tool in ops_testing::sim::tool_names() {
            std::os::unix::fs::symlink(&exe, bin_dir.join(tool))
                .map_err(io_err(format!("linking hook tool {tool}")))?;
        }
        let server = ToolServer::bind(&dir.path().join("tools.sock"))
            .map_err(io_err("listening on the hook-tool socket"))?;
        let unit = options
            .unit
            .clone()
            .unwrap_or_else(|| format!("{}/0", meta.name));
        if !ops_testing::sim::is_valid_unit_name(&unit)
            || unit.split('/').next() != Some(&meta.name)
        {
            return Err(RunError::Usage(format!(
                "`{unit}` is not a unit of `{}` (e.g. `{}/0`)",
                meta.name, meta.name
            )));
        }
        let mut state = JujuState::new(meta, unit);
        state.juju_version = options.juju_version.clone();
        let mut sim = SimJuju::new(meta, state);
        sim.set_charm_dir(&charm_dir);
        Ok(Unit {
            sim,
            meta,
            dir,
            charm_dir,
            bin_dir,
            server,
            options,
            hooks: 0,
            expecting_failure: false,
            next_relation: 1,
            unexpected: Vec::new(),
        })
    }

    /// Sets config options before the first hook, as `juju deploy --config` does.
    pub fn deploy_config(&self, config: std::collections::BTreeMap<String, serde_json::Value>) {
        self.sim.state_mut().config.extend(config);
    }

    /// The charm's metadata.
    pub fn meta(&self) -> &'static CharmMeta {
        self.meta
    }

    /// The unit's charm directory (`JUJU_CHARM_DIR`).
    pub fn charm_dir(&self) -> &Path {
        &self.charm_dir
    }

    /// Runs one step: its hooks, each reported as it ends.
    pub fn step(&mut self, step: &ScenarioStep) -> Result<(), RunError> {
        let before = self.unexpected.len();
        let origin = step.origin.as_str();
        self.expecting_failure = step.expect_failure;
        let outcomes = self.step_hooks(&step.step, origin);
        self.expecting_failure = false;
        let outcomes = outcomes?;
        let failed = outcomes.iter().any(|ok| !ok);
        if step.expect_failure {
            // The failures were expected: they do not count.
            self.unexpected.truncate(before);
            if !failed {
                self.unexpected
                    .push(format!("{origin}: expected a hook to fail, none did"));
                println!("    !! expected a hook of this step to fail; none did");
            }
        }
        Ok(())
    }

    fn step_error(origin: &str, message: impl Into<String>) -> RunError {
        RunError::Step {
            origin: origin.to_string(),
            message: message.into(),
        }
    }

    /// The hooks of `step`; returns whether each succeeded.
    fn step_hooks(&mut self, step: &Step, origin: &str) -> Result<Vec<bool>, RunError> {
        let mut out = Vec::new();
        match step {
            Step::Lifecycle => {
                for s in self.meta.storages.iter() {
                    // Juju provisions the minimum count at deployment (one for a storage
                    // without `multiple`; none for a range starting at 0).
                    let count = s.multiple.map(|(min, _)| min).unwrap_or(1);
                    for _ in 0..count {
                        out.push(self.attach_storage(&s.name, origin)?);
                    }
                }
                out.push(self.run_hook(SimEvent::hook("install"), origin)?);
                let peers: Vec<String> = self
                    .meta
                    .relations
                    .iter()
                    .filter(|r| r.role == RelationRole::Peer)
                    .map(|r| r.name.to_string())
                    .collect();
                for peer in peers {
                    if self.relation_id(&peer).is_none() {
                        let app = self.sim.state().app().to_string();
                        let id = self.add_relation(&peer, &app, &DataChange::new());
                        let ev = SimEvent::hook(format!("{peer}-relation-created")).relation(id);
                        out.push(self.run_hook(ev, origin)?);
                    }
                }
                self.sim.state_mut().leader = true;
                out.push(self.run_hook(SimEvent::hook("leader-elected"), origin)?);
                for hook in ["config-changed", "start"] {
                    out.push(self.run_hook(SimEvent::hook(hook), origin)?);
                }
                for c in self.meta.containers.iter() {
                    let ev = SimEvent::hook(format!("{}-pebble-ready", c.name)).workload(&*c.name);
                    out.push(self.run_hook(ev, origin)?);
                }
                out.push(self.run_hook(SimEvent::hook("update-status"), origin)?);
            }
            Step::Hook(name) => {
                let mut ev = SimEvent::hook(name.clone());
                if let Some(c) = name.strip_suffix("-pebble-ready") {
                    // Juju says so when the container's Pebble is up.
                    self.set_can_connect(c, true);
                    ev = ev.workload(c);
                }
                out.push(self.run_hook(ev, origin)?);
            }
            Step::ContainerDown(name) => {
                self.set_can_connect(name, false);
                report::note(&format!(
                    "container {name}: Pebble unreachable (Juju runs no hook)"
                ));
            }
            Step::Config(values) => {
                {
                    let mut state = self.sim.state_mut();
                    for (k, v) in values {
                        match v {
                            Some(v) => state.config.insert(k.clone(), v.clone()),
                            None => state.config.remove(k),
                        };
                    }
                }
                out.push(self.run_hook(SimEvent::hook("config-changed"), origin)?);
            }
            Step::Leader(true) => {
                if self.sim.state().leader {
                    report::note("already the leader: Juju runs no hook");
                } else {
                    self.sim.state_mut().leader = true;
                    out.push(self.run_hook(SimEvent::hook("leader-elected"), origin)?);
                }
            }
            Step::Leader(false) => {
                self.sim.state_mut().leader = false;
                report::note("leadership lost: Juju runs no hook (the charm sees it at its next)");
            }
            Step::RelationJoined {
                endpoint,
                app,
                units,
                app_data,
                unit_data,
            } => {
                let own_app = self.sim.state().app().to_string();
                let app = app.clone().unwrap_or_else(|| own_app.clone());
                let id = match self.relation_id(endpoint) {
                    Some(id) => {
                        let remote = self
                            .sim
                            .state()
                            .relation(id)
                            .map(|r| r.remote_app.clone())
                            .unwrap_or_default();
                        if remote != app {
                            return Err(Self::step_error(
                                origin,
                                format!("`{endpoint}` is already related to `{remote}` (break it first: relation-broken)"),
                            ));
                        }
                        if let Some(r) = self.sim.state_mut().relation_mut(id) {
                            apply(&mut r.remote_app_data, app_data);
                        }
                        id
                    }
                    None => {
                        let id = self.add_relation(endpoint, &app, app_data);
                        let ev =
                            SimEvent::hook(format!("{endpoint}-relation-created")).relation(id);
                        out.push(self.run_hook(ev, origin)?);
                        id
                    }
                };
                let names = self.unit_names(id, &app, units);
                if names.is_empty() && !app_data.is_empty() {
                    let ev = SimEvent::hook(format!("{endpoint}-relation-changed")).relation(id);
                    out.push(self.run_hook(ev, origin)?);
                }
                for name in names {
                    if let Some(r) = self.sim.state_mut().relation_mut(id) {
                        let bag = r.remote_units.entry(name.clone()).or_default();
                        apply(bag, unit_data);
                    }
                    for hook in ["joined", "changed"] {
                        let ev = SimEvent::hook(format!("{endpoint}-relation-{hook}"))
                            .relation(id)
                            .remote_unit(&name);
                        out.push(self.run_hook(ev, origin)?);
                    }
                }
            }
            Step::RelationChanged {
                endpoint,
                unit,
                app_data,
                unit_data,
            } => {
                let id = self.existing_relation(endpoint, origin)?;
                let remote_unit = if unit.is_some() || !unit_data.is_empty() {
                    let first = self
                        .sim
                        .state()
                        .relation(id)
                        .and_then(|r| r.remote_units.keys().next().cloned());
                    let name = unit.clone().or(first).ok_or_else(|| {
                        Self::step_error(origin, format!("`{endpoint}` has no remote unit"))
                    })?;
                    Some(name)
                } else {
                    None
                };
                {
                    let mut state = self.sim.state_mut();
                    let Some(r) = state.relation_mut(id) else {
                        return Err(Self::step_error(origin, "the relation is gone"));
                    };
                    apply(&mut r.remote_app_data, app_data);
                    if let Some(name) = &remote_unit {
                        let Some(bag) = r.remote_units.get_mut(name) else {
                            let known: Vec<&String> = r.remote_units.keys().collect();
                            return Err(Self::step_error(
                                origin,
                                format!("`{name}` is not a remote unit of `{endpoint}` (its units: {known:?})"),
                            ));
                        };
                        apply(bag, unit_data);
                    }
                }
                let mut ev = SimEvent::hook(format!("{endpoint}-relation-changed")).relation(id);
                if let Some(name) = remote_unit {
                    ev = ev.remote_unit(name);
                }
                out.push(self.run_hook(ev, origin)?);
            }
            Step::RelationDeparted { endpoint, unit } => {
                let id = self.existing_relation(endpoint, origin)?;
                let last = self
                    .sim
                    .state()
                    .relation(id)
                    .and_then(|r| r.remote_units.keys().next_back().cloned());
                let name = unit.clone().or(last).ok_or_else(|| {
                    Self::step_error(origin, format!("`{endpoint}` has no remote unit left"))
                })?;
                out.push(self.depart(endpoint, id, &name, origin)?);
            }
            Step::RelationBroken { endpoint } => {
                let id = self.existing_relation(endpoint, origin)?;
                let names: Vec<String> = self
                    .sim
                    .state()
                    .relation(id)
                    .map(|r| r.remote_units.keys().cloned().collect())
                    .unwrap_or_default();
                for name in names {
                    out.push(self.depart(endpoint, id, &name, origin)?);
                }
                if let Some(r) = self.sim.state_mut().relation_mut(id) {
                    r.broken = true;
                }
                let ev = SimEvent::hook(format!("{endpoint}-relation-broken")).relation(id);
                out.push(self.run_hook(ev, origin)?);
            }
            Step::Action { name, params } => {
                out.push(self.run_hook(SimEvent::action(name.clone(), params.clone()), origin)?);
            }
            Step::Secret {
                id,
                owner,
                content,
                grant,
            } => {
                let rid = self.existing_relation(grant, origin)?;
                let mut state = self.sim.state_mut();
                if state.secret(id).is_some() {
                    return Err(Self::step_error(
                        origin,
                        format!("secret `{id}` already exists"),
                    ));
                }
                if owner == state.app() {
                    return Err(Self::step_error(
                        origin,
                        "`secret` adds a remote application's secret: the owner is not this application",
                    ));
                }
                let grantee = state.app().to_string();
                state.secrets.push(SimSecret {
                    id: id.clone(),
                    owner: owner.clone(),
                    label: None,
                    description: None,
                    expire: None,
                    rotate: None,
                    revisions: vec![SecretRevision {
                        revision: 1,
                        content: content.clone(),
                    }],
                    grants: [(rid, vec![grantee])].into_iter().collect(),
                    consumer_label: None,
                    consumer_revision: None,
                });
                drop(state);
                report::note(&format!(
                    "secret {id} of {owner} granted on {grant}:{rid} (Juju runs no hook)"
                ));
            }
            Step::SecretChanged { id, content } => {
                {
                    let mut state = self.sim.state_mut();
                    let app = state.app().to_string();
                    let Some(secret) = state.secret_mut(id) else {
                        return Err(Self::step_error(
                            origin,
                            format!("no secret `{id}`: add it first (secret)"),
                        ));
                    };
                    if secret.owner == app {
                        return Err(Self::step_error(
                            origin,
                            "Juju sends secret-changed to the secret's consumers, not its owner",
                        ));
                    }
                    let revision = secret.latest_revision() + 1;
                    secret.revisions.push(SecretRevision {
                        revision,
                        content: content.clone(),
                    });
                }
                let ev = SimEvent::hook("secret-changed").secret(id.clone());
                out.push(self.run_hook(ev, origin)?);
            }
            Step::StorageAttached(name) => out.push(self.attach_storage(name, origin)?),
            Step::StorageDetaching(name) => {
                let id = self
                    .sim
                    .state()
                    .storage
                    .iter()
                    .filter(|s| s.name == *name && s.attached)
                    .max_by_key(|s| s.index)
                    .map(SimStorage::id)
                    .ok_or_else(|| {
                        Self::step_error(origin, format!("no `{name}` storage is attached"))
                    })?;
                let ev = SimEvent::hook(format!("{name}-storage-detaching")).storage(id);
                out.push(self.run_hook(ev, origin)?);
            }
        }
        Ok(out)
    }

    fn set_can_connect(&self, container: &str, up: bool) {
        if let Some(c) = self.sim.state_mut().containers.get_mut(container) {
            c.can_connect = up;
        }
    }

    fn relation_id(&self, endpoint: &str) -> Option<i64> {
        self.sim
            .state()
            .relations
            .iter()
            .find(|r| r.endpoint == endpoint)
            .map(|r| r.id)
    }

    fn existing_relation(&self, endpoint: &str, origin: &str) -> Result<i64, RunError> {
        self.relation_id(endpoint).ok_or_else(|| {
            Self::step_error(
                origin,
                format!("no `{endpoint}` relation: join one first (relation-joined)"),
            )
        })
    }

    fn add_relation(&mut self, endpoint: &str, app: &str, app_data: &DataChange) -> i64 {
        let id = self.next_relation;
        self.next_relation += 1;
        let (interface, role) = self
            .meta
            .relation(endpoint)
            .map(|r| (r.interface.to_string(), r.role))
            .unwrap_or((String::new(), RelationRole::Requires));
        let mut remote_app_data = Databag::new();
        apply(&mut remote_app_data, app_data);
        self.sim.state_mut().relations.push(SimRelation {
            id,
            endpoint: endpoint.to_string(),
            interface,
            role,
            remote_app: app.to_string(),
            local_unit_data: Databag::new(),
            local_app_data: Databag::new(),
            remote_app_data,
            remote_units: Default::default(),
            departed_units: Default::default(),
            broken: false,
        });
        id
    }

    /// The names of the units joining relation `id`.
    fn unit_names(&self, id: i64, app: &str, units: &Units) -> Vec<String> {
        match units {
            Units::Names(names) => names.clone(),
            Units::Count(n) => {
                let state = self.sim.state();
                let taken = |name: &str| {
                    name == state.unit
                        || state
                            .relation(id)
                            .is_some_and(|r| r.remote_units.contains_key(name))
                };
                let mut names = Vec::new();
                let mut i = 0u32;
                while names.len() < *n as usize {
                    let name = format!("{app}/{i}");
                    if !taken(&name) {
                        names.push(name);
                    }
                    i += 1;
                }
                names
            }
        }
    }

    fn depart(
        &mut self,
        endpoint: &str,
        id: i64,
        name: &str,
        origin: &str,
    ) -> Result<bool, RunError> {
        {
            let mut state = self.sim.state_mut();
            let Some(r) = state.relation_mut(id) else {
                return Err(Self::step_error(origin, "the relation is gone"));
            };
            let Some(bag) = r.remote_units.remove(name) else {
                return Err(Self::step_error(
                    origin,
                    format!("`{name}` is not a remote unit of `{endpoint}`"),
                ));
            };
            r.departed_units.insert(name.to_string(), bag);
        }
        let ev = SimEvent::hook(format!("{endpoint}-relation-departed"))
            .relation(id)
            .remote_unit(name)
            .departing_unit(name);
        let ok = self.run_hook(ev, origin)?;
        if let Some(r) = self.sim.state_mut().relation_mut(id) {
            r.departed_units.remove(name);
        }
        Ok(ok)
    }

    fn attach_storage(&mut self, name: &str, origin: &str) -> Result<bool, RunError> {
        let index = self
            .sim
            .state()
            .storage
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.index + 1)
            .max()
            .unwrap_or(0);
        let location = self
            .dir
            .path()
            .join("storage")
            .join(name)
            .join(index.to_string());
        std::fs::create_dir_all(&location).map_err(io_err("creating a storage directory"))?;
        let kind = match self.meta.storage(name).map(|s| s.kind) {
            Some(ops_metadata::StorageType::Block) => "block",
            _ => "filesystem",
        };
        let storage = SimStorage {
            name: name.to_string(),
            index,
            kind: kind.to_string(),
            location,
            attached: true,
        };
        let id = storage.id();
        self.sim.state_mut().storage.push(storage);
        self.run_hook(
            SimEvent::hook(format!("{name}-storage-attached")).storage(id),
            origin,
        )
    }

    /// Answers tools that connected while no hook ran (a process the charm left behind).
    fn refuse_strays(&self) {
        for wake in self.server.drain() {
            if let Wake::Tool(stream) = wake {
                let _ = tools::serve(stream, |r| Reply {
                    code: 1,
                    stdout: String::new(),
                    stderr: format!("ERROR {}: not running in a hook\n", r.tool),
                });
            }
        }
    }

    /// Runs one hook process for `event` and reports it; returns whether it succeeded.
    fn run_hook(&mut self, event: SimEvent, origin: &str) -> Result<bool, RunError> {
        self.refuse_strays();
        self.hooks += 1;
        let number = self.hooks;
        let before = report::Snapshot::take(&self.sim);
        let env = self
            .sim
            .begin(&event)
            .map_err(|e| Self::step_error(origin, e.to_string()))?;
        let started = Instant::now();
        let mut cmd = Command::new(self.charm_dir.join("dispatch"));
        cmd.env_clear()
            .envs(env)
            .env(
                "PATH",
                format!("{}:{SYSTEM_PATH}", self.bin_dir.to_string_lossy()),
            )
            .envs(AGENT_ENV.iter().copied())
            .env(
                "JUJU_AGENT_SOCKET_ADDRESS",
                format!(
                    "@/var/lib/juju/agents/unit-{}/agent.socket",
                    self.sim.state().unit.replace('/', "-")
                ),
            )
            .env(tools::SOCKET_ENV, self.server.socket())
            .current_dir(&self.charm_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.options.debug {
            cmd.env("JUJU_DEBUG", "1");
        }
        if let Some(v) = std::env::var_os("RUST_BACKTRACE") {
            cmd.env("RUST_BACKTRACE", v);
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                self.sim.finish(1);
                return Err(RunError::Spawn(e));
            }
        };
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut open = 0;
        if let Some(pipe) = child.stdout.take() {
            open += 1;
            read_pipe(pipe, Arc::clone(&stdout), self.server.sender(), number);
        }
        if let Some(pipe) = child.stderr.take() {
            open += 1;
            read_pipe(pipe, Arc::clone(&stderr), self.server.sender(), number);
        }
        let mut timed_out = false;
        let mut closed_at: Option<Instant> = None;
        let status = loop {
            let left = self.options.timeout.saturating_sub(started.elapsed());
            // Once both pipes are closed the process is exiting (or closed them and runs on:
            // it may still call tools, so keep serving): look for its exit often.
            let tick = match closed_at {
                Some(at) if at.elapsed() < Duration::from_millis(100) => Duration::from_millis(1),
                Some(_) => Duration::from_millis(20),
                None => Duration::from_millis(200),
            };
            match self.server.next(left.min(tick)) {
                Some(Wake::Tool(stream)) => self.answer(stream),
                Some(Wake::PipeClosed(n)) => {
                    if n == number {
                        open -= 1;
                        if open == 0 {
                            closed_at = Some(Instant::now());
                            if let Ok(Some(status)) = child.try_wait() {
                                break Ok(status);
                            }
                        }
                    }
                }
                None => match child.try_wait() {
                    Ok(Some(status)) => break Ok(status),
                    Ok(None) if left.is_zero() => {
                        timed_out = true;
                        let _ = child.kill();
                        break child.wait();
                    }
                    Ok(None) => {}
                    Err(e) => break Err(e),
                },
            }
        };
        let elapsed = started.elapsed();
        let code = match &status {
            Ok(s) => s.code().unwrap_or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                128 + s.signal().unwrap_or(0)
            }),
            Err(_) => 1,
        };
        self.sim.finish(code);
        let take = |b: &Arc<Mutex<Vec<u8>>>| {
            b.lock()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        let record = HookRecord {
            number,
            label: label(&event),
            code,
            failure_expected: self.expecting_failure,
            timed_out: timed_out.then_some(self.options.timeout),
            elapsed,
            calls: self.sim.take_trace(),
            logs: self.sim.take_logs(),
            stdout: take(&stdout),
            stderr: take(&stderr),
        };
        let ok = code == 0;
        report::print_hook(
            &record,
            &before,
            &self.sim,
            &self.charm_dir,
            self.options.verbose || self.options.debug,
        );
        if !ok {
            self.unexpected
                .push(format!("[{number}] {} ({origin})", record.label));
        }
        Ok(ok)
    }

    /// Serves one tool call of the running hook.
    fn answer(&self, stream: std::os::unix::net::UnixStream) {
        let served = tools::serve(stream, |request| {
            let here = std::env::current_dir().ok();
            if let Some(cwd) = &request.cwd {
                let _ = std::env::set_current_dir(cwd);
            }
            use ops_core::hooktools::ToolRunner;
            let out = self.sim.run(
                &request.tool,
                &request.args,
                request.stdin.as_deref().map(str::as_bytes),
            );
            if let Some(here) = here {
                let _ = std::env::set_current_dir(here);
            }
            match out {
                Ok(out) => Reply {
                    code: out.code.unwrap_or(1),
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                },
                Err(e) => Reply {
                    code: 127,
                    stdout: String::new(),
                    stderr: format!("ERROR {e}\n"),
                },
            }
        });
        if let Err(e) = served {
            report::note(&format!("a hook-tool call was lost: {e}"));
        }
    }
}

/// Reads `pipe` into `buf` in a thread; says so on `tx` when it closes.
fn read_pipe(
    mut pipe: impl Read + Send + 'static,
    buf: Arc<Mutex<Vec<u8>>>,
    tx: std::sync::mpsc::Sender<Wake>,
    number: usize,
) {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut b) = buf.lock() {
                        b.extend_from_slice(&chunk[..n]);
                    }
                }
            }
        }
        let _ = tx.send(Wake::PipeClosed(number));
    });
}

/// What a hook is called in the report: the hook, or `action NAME`.
fn label(event: &SimEvent) -> String {
    let mut label = if event.is_action {
        format!("action {}", event.name)
    } else {
        event.name.clone()
    };
    if let Some(u) = &event.remote_unit {
        label.push_str(&format!(" ({u})"));
    } else if let Some(s) = &event.storage {
        label.push_str(&format!(" ({s})"));
    }
    label
}

/// Applies `change` to `bag` (`None` removes the key).
fn apply(bag: &mut Databag, change: &DataChange) {
    for (k, v) in change {
        match v {
            Some(v) => bag.insert(k.clone(), v.clone()),
            None => bag.remove(k),
        };
    }
}
