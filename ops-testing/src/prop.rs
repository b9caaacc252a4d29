//! Property tests of charms: random Juju-valid event sequences generated from the charm's
//! metadata, driven through the [`Harness`], with invariants the test states checked after every
//! step; a failure shrinks to a minimal sequence ([proptest]).
//!
//! A sequence starts with the deployment ([`Step::Deploy`]: the hooks of
//! [`Harness::begin_with_initial_hooks`]: install, peer relations created, leadership, config,
//! start, pebble-ready) and goes on with [`Step`]s drawn from what the metadata declares:
//! relations come (`relation-created`) and go (`relation-departed` for each remote unit, then
//! `relation-broken`), remote units join and depart, remote data changes, leadership moves,
//! config options change with values of their type, `update-status` and `upgrade-charm` run,
//! actions whose params are simple run with valid params, containers come and go. Deferred events
//! pile up as the charm defers them. Steps name relations and units by position among those
//! alive when the step runs, so every sequence (and every shrunk one) stays valid: a step with
//! nothing to act on does nothing.
//!
//! ```
//! use ops_core::prelude::*;
//! use ops_testing::prop::CharmProp;
//!
//! /// Counts the config changes it sees.
//! #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
//! struct Greeter {
//!     changes: u32,
//! }
//!
//! #[charm(dir = "tests/fixtures/testcharm")]
//! impl Greeter {
//!     #[on(config_changed)]
//!     fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
//!         self.changes += 1;
//!         ctx.unit().set_status(Status::active(format!("{} changes", self.changes)))?;
//!         Ok(())
//!     }
//! }
//!
//! CharmProp::<Greeter>::new().cases(16).check(|h, step| {
//!     let changes = h.charm().map_err(|e| e.to_string())?.changes;
//!     let configs = h.hook_reports().iter().filter(|r| r.event == "config_changed").count();
//!     if changes as usize != configs {
//!         return Err(format!("after {step}: {changes} changes counted, {configs} seen"));
//!     }
//!     Ok(())
//! });
//! ```
//!
//! [proptest]: https://docs.rs/proptest

use crate::harness::{Harness, HarnessError};
use crate::sim::ToolCall;
use ops_core::dispatch::HookReport;
use ops_core::meta::{CharmMeta, ConfigType, ParamType, RelationScope};
use ops_core::Charm;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// One step of a generated sequence. Relations and units are named by position among those
/// alive when the step runs (modulo their number), so any subsequence is valid too.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The deployment: [`Harness::begin_with_initial_hooks`] (always the first step).
    Deploy,
    /// Set config option `key` to `value` (`null`: back to its default), `config-changed`.
    Config(String, Value),
    /// `update-status`.
    UpdateStatus,
    /// `upgrade-charm`.
    UpgradeCharm,
    /// The unit gains (`leader-elected`) or loses leadership.
    Leader(bool),
    /// Relate endpoint `endpoint` to a new remote application (`relation-created`), if its
    /// `limit` allows.
    Relate(String),
    /// A new remote unit joins a relation (`relation-joined`, `relation-changed`).
    UnitJoins {
        /// Which alive relation.
        relation: usize,
    },
    /// A remote unit leaves a relation (`relation-departed`).
    UnitDeparts {
        /// Which alive relation.
        relation: usize,
        /// Which of its remote units.
        unit: usize,
    },
    /// The remote application's data changes (`relation-changed`; an empty value deletes the
    /// key). On a peer relation, only when this unit is not the leader (the leader writes it).
    RemoteAppData {
        /// Which alive relation.
        relation: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A remote unit's data changes (`relation-changed`).
    RemoteUnitData {
        /// Which alive relation.
        relation: usize,
        /// Which of its remote units.
        unit: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A (non-peer) relation is removed: each remote unit departs, then `relation-broken`.
    Unrelate {
        /// Which alive non-peer relation.
        relation: usize,
    },
    /// Run action `name` with `params`.
    Action(String, Map<String, Value>),
    /// Container `name` comes up: `<name>-pebble-ready`.
    PebbleReady(String),
    /// Container `name`'s Pebble goes away (no hook).
    PebbleGone(String),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Deploy => write!(f, "deploy"),
            Step::Config(k, Value::Null) => write!(f, "unset config {k}"),
            Step::Config(k, v) => write!(f, "config {k}={v}"),
            Step::UpdateStatus => write!(f, "update-status"),
            Step::UpgradeCharm => write!(f, "upgrade-charm"),
            Step::Leader(true) => write!(f, "become leader"),
            Step::Leader(false) => write!(f, "lose leadership"),
            Step::Relate(e) => write!(f, "relate {e}"),
            Step::UnitJoins { relation } => write!(f, "a unit joins relation #{relation}"),
            Step::UnitDeparts { relation, unit } => {
                write!(f, "unit #{unit} departs relation #{relation}")
            }
            Step::RemoteAppData {
                relation,
                key,
                value,
            } => write!(f, "relation #{relation}: remote app sets {key}={value:?}"),
            Step::RemoteUnitData {
                relation,
                unit,
                key,
                value,
            } => write!(f, "relation #{relation}: unit #{unit} sets {key}={value:?}"),
            Step::Unrelate { relation } => write!(f, "remove relation #{relation}"),
            Step::Action(name, params) => {
                write!(f, "action {name} {}", Value::Object(params.clone()))
            }
            Step::PebbleReady(c) => write!(f, "{c} pebble-ready"),
            Step::PebbleGone(c) => write!(f, "{c} Pebble goes away"),
        }
    }
}

/// What an invariant sees after a step.
#[derive(Debug)]
pub struct StepView<'a> {
    /// The step's position (0: [`Step::Deploy`]).
    pub index: usize,
    /// The step.
    pub step: &'a Step,
    /// What the step did, resolved against the model (`relate database → relation 2 with
    /// remote-a`), or why it did nothing.
    pub resolved: &'a str,
    /// The charm's failure, if a hook of the step failed (only with
    /// [`CharmProp::allow_charm_errors`]; otherwise a failure fails the property).
    pub charm_error: Option<&'a str>,
    /// The hook-tool calls of the step.
    pub tool_calls: &'a [ToolCall],
    /// The dispatcher's reports of the hooks the step ran (successful ones).
    pub reports: &'a [HookReport],
    /// Whether the unit was the leader before the step.
    pub leader_before: bool,
}

impl fmt::Display for StepView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {} ({})", self.index, self.resolved)
    }
}

/// A property that does not hold: the minimal sequence that breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct PropFailure {
    /// Why the last step of the sequence fails.
    pub message: String,
    /// The minimal sequence, [`Step::Deploy`] first.
    pub steps: Vec<Step>,
    /// What each step did, resolved against the model.
    pub resolved: Vec<String>,
}

impl fmt::Display for PropFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        writeln!(f, "minimal sequence ({} steps):", self.steps.len())?;
        for (i, r) in self.resolved.iter().enumerate() {
            writeln!(f, "  {i:>2}. {r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PropFailure {}

type Setup<C> = Box<dyn Fn(&mut Harness<C>) -> Result<(), HarnessError>>;

/// A property test of charm `C`. See the [module documentation](self).
pub struct CharmProp<C: Charm> {
    cases: u32,
    max_steps: usize,
    seed: u64,
    allow_errors: bool,
    actions: bool,
    config: BTreeMap<String, Vec<Value>>,
    data_keys: BTreeMap<String, Vec<String>>,
    data_values: Vec<String>,
    setup: Option<Setup<C>>,
}

impl<C: Charm> fmt::Debug for CharmProp<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CharmProp")
            .field("charm", &C::TYPE_NAME)
            .field("cases", &self.cases)
            .field("max_steps", &self.max_steps)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<C: Charm> Default for CharmProp<C> {
    fn default() -> Self {
        Self::new()
    }
}

fn default_values(kind: ConfigType, default: Option<Value>) -> Vec<Value> {
    let mut values: Vec<Value> = match kind {
        ConfigType::String => vec![json!(""), json!("a"), json!("hello world"), json!("x-1")],
        ConfigType::Int => vec![json!(0), json!(1), json!(42), json!(8080)],
        ConfigType::Float => vec![json!(0.0), json!(0.5), json!(2.5)],
        ConfigType::Boolean => vec![json!(true), json!(false)],
        ConfigType::Secret => vec![],
    };
    if let Some(d) = default {
        values.retain(|v| *v != d);
        values.insert(0, d);
    }
    values
}

fn param_values(kind: ParamType) -> Option<Vec<Value>> {
    Some(match kind {
        ParamType::String => vec![json!("x"), json!("hello")],
        ParamType::Integer => vec![json!(0), json!(1), json!(5)],
        ParamType::Number => vec![json!(0.5), json!(2)],
        ParamType::Boolean => vec![json!(true), json!(false)],
        ParamType::Array | ParamType::Object | ParamType::Any => return None,
    })
}

impl<C: Charm> CharmProp<C> {
    /// 64 sequences of up to 12 steps after the deployment, from a fixed seed (reproducible),
    /// config values of each option's type, charm failures failing the property.
    pub fn new() -> Self {
        CharmProp {
            cases: 64,
            max_steps: 12,
            seed: 0x0b5_c4a2,
            allow_errors: false,
            actions: true,
            config: BTreeMap::new(),
            data_keys: BTreeMap::new(),
            data_values: vec!["".into(), "a".into(), "b".into(), "value-1".into()],
            setup: None,
        }
    }

    /// Run `cases` sequences.
    pub fn cases(mut self, cases: u32) -> Self {
        self.cases = cases;
        self
    }

    /// Up to `steps` steps after the deployment.
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps;
        self
    }

    /// Draw the sequences from `seed` (the default is fixed, so a run is reproducible).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether a hook that fails is part of the property (`true`: the invariant sees it in
    /// [`StepView::charm_error`] and the sequence goes on, as Juju would retry later) or breaks
    /// it (`false`, the default).
    pub fn allow_charm_errors(mut self, allow: bool) -> Self {
        self.allow_errors = allow;
        self
    }

    /// Never run actions.
    pub fn without_actions(mut self) -> Self {
        self.actions = false;
        self
    }

    /// Draw config option `key` from `values` only (e.g. ports the charm accepts). An empty
    /// list never changes the option.
    pub fn config_values<V: Into<Value>>(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.config.insert(
            key.to_string(),
            values.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Remote data changes on `endpoint` set one of `keys` (default: `key-a`, `key-b`).
    pub fn relation_data_keys<S: Into<String>>(
        mut self,
        endpoint: &str,
        keys: impl IntoIterator<Item = S>,
    ) -> Self {
        self.data_keys.insert(
            endpoint.to_string(),
            keys.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Remote data values are drawn from `values` (default: `""` (deletes), `a`, `b`,
    /// `value-1`).
    pub fn relation_data_values<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.data_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Prepare each harness before the deployment (leadership, storage, resources...).
    pub fn setup(
        mut self,
        setup: impl Fn(&mut Harness<C>) -> Result<(), HarnessError> + 'static,
    ) -> Self {
        self.setup = Some(Box::new(setup));
        self
    }

    fn config_choices(&self, meta: &CharmMeta) -> Vec<(String, Vec<Value>)> {
        meta.config
            .iter()
            .map(|o| {
                let values = match self.config.get(o.name.as_ref()) {
                    Some(v) => v.clone(),
                    None => default_values(
                        o.kind,
                        o.default.as_ref().map(crate::sim::config_value_json),
                    ),
                };
                (o.name.to_string(), values)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    fn action_choices(&self, meta: &CharmMeta) -> Vec<BoxedStrategy<Step>> {
        if !self.actions {
            return Vec::new();
        }
        let mut out = Vec::new();
        'actions: for a in meta.actions.iter() {
            let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
            for p in a.params.iter() {
                let Some(values) = param_values(p.kind) else {
                    if p.required {
                        continue 'actions;
                    }
                    continue;
                };
                let name = p.name.to_string();
                let pick = proptest::sample::select(values);
                let s = if p.required {
                    pick.prop_map(move |v| Some((name.clone(), v))).boxed()
                } else {
                    proptest::option::of(pick)
                        .prop_map(move |v| v.map(|v| (name.clone(), v)))
                        .boxed()
                };
                fields.push(s);
            }
            let name = a.name.to_string();
            out.push(
                fields
                    .prop_map(move |fields| {
                        Step::Action(name.clone(), fields.into_iter().flatten().collect())
                    })
                    .boxed(),
            );
        }
        out
    }

    /// The strategy for one step after the deployment, from the charm's metadata.
    pub fn step_strategy(&self) -> BoxedStrategy<Step> {
        let meta = C::meta();
        let mut arms: Vec<(u32, BoxedStrategy<Step>)> = vec![
            (2, Just(Step::UpdateStatus).boxed()),
            (1, Just(Step::UpgradeCharm).boxed()),
            (2, any::<bool>().prop_map(Step::Leader).boxed()),
        ];
        let config = self.config_choices(meta);
        if !config.is_empty() {
            let s = proptest::sample::select(config).prop_flat_map(|(key, values)| {
                proptest::sample::select(values).prop_map(move |v| Step::Config(key.clone(), v))
            });
            arms.push((3, s.boxed()));
        }
        let relatable: Vec<String> = meta
            .relations
            .iter()
            .filter(|r| !r.role.is_peer())
            .map(|r| r.name.to_string())
            .collect();
        if !relatable.is_empty() {
            arms.push((
                2,
                proptest::sample::select(relatable)
                    .prop_map(Step::Relate)
                    .boxed(),
            ));
            arms.push((
                1,
                (0..4usize)
                    .prop_map(|relation| Step::Unrelate { relation })
                    .boxed(),
            ));
        }
        if !meta.relations.is_empty() {
            let keys: Vec<String> = {
                let mut k: Vec<String> = self.data_keys.values().flatten().cloned().collect();
                if k.is_empty() || self.data_keys.len() < meta.relations.len() {
                    k.extend(["key-a".to_string(), "key-b".to_string()]);
                }
                k.sort();
                k.dedup();
                k
            };
            let values = if self.data_values.is_empty() {
                vec![String::new()]
            } else {
                self.data_values.clone()
            };
            arms.push((
                2,
                (0..4usize)
                    .prop_map(|relation| Step::UnitJoins { relation })
                    .boxed(),
            ));
            arms.push((
                1,
                (0..4usize, 0..4usize)
                    .prop_map(|(relation, unit)| Step::UnitDeparts { relation, unit })
                    .boxed(),
            ));
            arms.push((
                3,
                (
                    0..4usize,
                    proptest::sample::select(keys.clone()),
                    proptest::sample::select(values.clone()),
                )
                    .prop_map(|(relation, key, value)| Step::RemoteAppData {
                        relation,
                        key,
                        value,
                    })
                    .boxed(),
            ));
            arms.push((
                2,
                (
                    0..4usize,
                    0..4usize,
                    proptest::sample::select(keys),
                    proptest::sample::select(values),
                )
                    .prop_map(|(relation, unit, key, value)| Step::RemoteUnitData {
                        relation,
                        unit,
                        key,
                        value,
                    })
                    .boxed(),
            ));
        }
        for a in self.action_choices(meta) {
            arms.push((1, a));
        }
        let containers: Vec<String> = meta.containers.iter().map(|c| c.name.to_string()).collect();
        if !containers.is_empty() {
            arms.push((
                1,
                proptest::sample::select(containers.clone())
                    .prop_map(Step::PebbleReady)
                    .boxed(),
            ));
            arms.push((
                1,
                proptest::sample::select(containers)
                    .prop_map(Step::PebbleGone)
                    .boxed(),
            ));
        }
        Union::new_weighted(arms).boxed()
    }

    /// The strategy for whole sequences: [`Step::Deploy`], then up to
    /// [`CharmProp::max_steps`] steps. Shrinking drops and simplifies steps.
    pub fn strategy(&self) -> BoxedStrategy<Vec<Step>> {
        proptest::collection::vec(self.step_strategy(), 0..=self.max_steps)
            .prop_map(|steps| {
                let mut all = Vec::with_capacity(steps.len() + 1);
                all.push(Step::Deploy);
                all.extend(steps);
                all
            })
            .boxed()
    }

    /// Run `steps` on a fresh harness, checking `invariant` after each; the harness at the end,
    /// or the failure (unshrunk: the steps given).
    pub fn run_sequence<F>(&self, steps: &[Step], invariant: F) -> Result<Harness<C>, PropFailure>
    where
        F: Fn(&Harness<C>, &StepView<'_>) -> Result<(), String>,
    {
        let mut h = Harness::<C>::new();
        let mut resolved = Vec::new();
        let fail = |message: String, resolved: &[String], upto: usize| PropFailure {
            message,
            steps: steps[..upto].to_vec(),
            resolved: resolved.to_vec(),
        };
        if let Some(setup) = &self.setup {
            setup(&mut h).map_err(|e| fail(format!("setup failed: {e}"), &[], 0))?;
        }
        let mut runner = Runner {
            next_app: 0,
            next_unit: BTreeMap::new(),
        };
        for (index, step) in steps.iter().enumerate() {
            let calls_before = h.sim().trace_len();
            let reports_before = h.hook_reports().len();
            let leader_before = h.juju_state().leader;
            let (text, outcome) = runner.apply(&mut h, step);
            resolved.push(text.clone());
            let charm_error = match outcome {
                Ok(()) => None,
                Err(HarnessError::Charm(e)) if self.allow_errors => Some(e.to_string()),
                Err(e) => {
                    return Err(fail(
                        format!("step {index} ({text}) failed: {e}"),
                        &resolved,
                        index + 1,
                    ))
                }
            };
            let trace = h.sim().trace();
            let view = StepView {
                index,
                step,
                resolved: &text,
                charm_error: charm_error.as_deref(),
                tool_calls: &trace[calls_before.min(trace.len())..],
                reports: &h.hook_reports()[reports_before..],
                leader_before,
            };
            invariant(&h, &view).map_err(|m| {
                fail(
                    format!("invariant broken after step {index} ({text}): {m}"),
                    &resolved,
                    index + 1,
                )
            })?;
        }
        Ok(h)
    }

    /// Check `invariant` on [`CharmProp::cases`] random sequences; the minimal failing
    /// sequence if it breaks (a panic in the invariant counts as breaking it).
    pub fn try_check<F>(&self, invariant: F) -> Result<(), PropFailure>
    where
        F: Fn(&Harness<C>, &StepView<'_>) -> Result<(), String>,
    {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&self.seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&self.strategy(), |steps| {
            self.guarded_run(&steps, &invariant)
                .map_err(|f| TestCaseError::fail(f.message))
        });
        match result {
            Ok(()) => Ok(()),
            Err(TestError::Fail(reason, steps)) => {
                // Replay the minimal sequence for its resolved steps and exact message.
                match self.guarded_run(&steps, &invariant) {
                    Err(f) => Err(f),
                    Ok(_) => Err(PropFailure {
                        message: reason.to_string(),
                        resolved: steps.iter().map(ToString::to_string).collect(),
                        steps,
                    }),
                }
            }
            Err(TestError::Abort(reason)) => Err(PropFailure {
                message: format!("the property test aborted: {reason}"),
                steps: Vec::new(),
                resolved: Vec::new(),
            }),
        }
    }

    /// [`CharmProp::run_sequence`], a panic (in the invariant or the charm) being a failure.
    fn guarded_run<F>(&self, steps: &[Step], invariant: &F) -> Result<(), PropFailure>
    where
        F: Fn(&Harness<C>, &StepView<'_>) -> Result<(), String>,
    {
        let panicked = std::cell::RefCell::new(Vec::<String>::new());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.run_sequence(steps, |h, view| {
                panicked.borrow_mut().push(view.resolved.to_string());
                invariant(h, view)
            })
            .map(|_| ())
        }));
        match outcome {
            Ok(result) => result,
            Err(payload) => {
                let why = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".to_string());
                let resolved = panicked.into_inner();
                Err(PropFailure {
                    message: format!(
                        "panicked after step {}: {why}",
                        resolved.len().saturating_sub(1)
                    ),
                    steps: steps[..resolved.len().min(steps.len())].to_vec(),
                    resolved,
                })
            }
        }
    }

    /// [`CharmProp::try_check`], panicking with the minimal failing sequence.
    ///
    /// # Panics
    /// If the invariant breaks.
    pub fn check<F>(&self, invariant: F)
    where
        F: Fn(&Harness<C>, &StepView<'_>) -> Result<(), String>,
    {
        if let Err(f) = self.try_check(invariant) {
            panic!("property of {} does not hold: {f}", C::TYPE_NAME);
        }
    }
}

/// Resolves steps against the harness's model.
struct Runner {
    next_app: usize,
    next_unit: BTreeMap<i64, u32>,
}

fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'a' + (n % 26) as u8) as char);
        if n < 26 {
            return s;
        }
        n = n / 26 - 1;
    }
}

/// An alive relation: (id, endpoint, remote app, peer, subordinate, remote units).
struct Alive {
    id: i64,
    endpoint: String,
    remote_app: String,
    peer: bool,
    subordinate: bool,
    units: Vec<String>,
}

fn alive<C: Charm>(h: &Harness<C>) -> Vec<Alive> {
    let meta = C::meta();
    let mut out: Vec<Alive> = h
        .juju_state()
        .relations
        .iter()
        .filter(|r| !r.broken)
        .map(|r| Alive {
            id: r.id,
            endpoint: r.endpoint.clone(),
            remote_app: r.remote_app.clone(),
            peer: r.role.is_peer(),
            subordinate: meta
                .relation(&r.endpoint)
                .is_some_and(|m| m.scope == RelationScope::Container),
            units: r.remote_units.keys().cloned().collect(),
        })
        .collect();
    out.sort_by_key(|r| r.id);
    out
}

impl Runner {
    fn apply<C: Charm>(
        &mut self,
        h: &mut Harness<C>,
        step: &Step,
    ) -> (String, Result<(), HarnessError>) {
        let nothing = |why: &str| (format!("{step}: nothing to do ({why})"), Ok(()));
        match step {
            Step::Deploy => (
                "deploy (install, leadership, config-changed, start...)".into(),
                h.begin_with_initial_hooks(),
            ),
            Step::Config(key, Value::Null) => (step.to_string(), h.unset_config([key])),
            Step::Config(key, value) => (step.to_string(), h.update_config([(key, value.clone())])),
            Step::UpdateStatus => (step.to_string(), h.emit_hook("update-status")),
            Step::UpgradeCharm => (step.to_string(), h.emit_hook("upgrade-charm")),
            Step::Leader(leader) => (step.to_string(), h.set_leader(*leader)),
            Step::Relate(endpoint) => {
                let limit = C::meta().relation(endpoint).and_then(|m| m.limit);
                let count = h.relation_ids(endpoint).len();
                if limit.is_some_and(|l| count >= l as usize) {
                    return nothing("the endpoint's limit is reached");
                }
                let app = format!("remote-{}", letters(self.next_app));
                self.next_app += 1;
                match h.add_relation(endpoint, &app) {
                    Ok(id) => (format!("relate {endpoint} to {app}: relation {id}"), Ok(())),
                    Err(e) => (format!("relate {endpoint} to {app}"), Err(e)),
                }
            }
            Step::UnitJoins { relation } => {
                let rels = alive(h);
                if rels.is_empty() {
                    return nothing("no relation");
                }
                let r = &rels[relation % rels.len()];
                if r.subordinate && !r.units.is_empty() {
                    return nothing("a subordinate relation has one principal");
                }
                let next = self
                    .next_unit
                    .entry(r.id)
                    .or_insert(if r.peer { 1 } else { 0 });
                let unit = format!("{}/{}", r.remote_app, next);
                *next += 1;
                (
                    format!("{unit} joins relation {} ({})", r.id, r.endpoint),
                    h.add_relation_unit(r.id, &unit),
                )
            }
            Step::UnitDeparts { relation, unit } => {
                let rels: Vec<Alive> = alive(h)
                    .into_iter()
                    .filter(|r| !r.units.is_empty())
                    .collect();
                if rels.is_empty() {
                    return nothing("no remote unit");
                }
                let r = &rels[relation % rels.len()];
                let u = r.units[unit % r.units.len()].clone();
                (
                    format!("{u} departs relation {} ({})", r.id, r.endpoint),
                    h.remove_relation_unit(r.id, &u),
                )
            }
            Step::RemoteAppData {
                relation,
                key,
                value,
            } => {
                let leader = h.juju_state().leader;
                let rels: Vec<Alive> = alive(h)
                    .into_iter()
                    .filter(|r| !(r.peer && leader))
                    .collect();
                if rels.is_empty() {
                    return nothing("no relation whose remote application data may change");
                }
                let r = &rels[relation % rels.len()];
                (
                    format!(
                        "{} sets {key}={value:?} on relation {} ({})",
                        r.remote_app, r.id, r.endpoint
                    ),
                    h.update_relation_data(r.id, &r.remote_app, [(key.clone(), value.clone())]),
                )
            }
            Step::RemoteUnitData {
                relation,
                unit,
                key,
                value,
            } => {
                let rels: Vec<Alive> = alive(h)
                    .into_iter()
                    .filter(|r| !r.units.is_empty())
                    .collect();
                if rels.is_empty() {
                    return nothing("no remote unit");
                }
                let r = &rels[relation % rels.len()];
                let u = r.units[unit % r.units.len()].clone();
                (
                    format!(
                        "{u} sets {key}={value:?} on relation {} ({})",
                        r.id, r.endpoint
                    ),
                    h.update_relation_data(r.id, &u, [(key.clone(), value.clone())]),
                )
            }
            Step::Unrelate { relation } => {
                let rels: Vec<Alive> = alive(h).into_iter().filter(|r| !r.peer).collect();
                if rels.is_empty() {
                    return nothing("no relation to remove");
                }
                let r = &rels[relation % rels.len()];
                (
                    format!(
                        "remove relation {} ({} with {})",
                        r.id, r.endpoint, r.remote_app
                    ),
                    h.remove_relation(r.id),
                )
            }
            Step::Action(name, params) => (
                step.to_string(),
                h.run_action(name, Value::Object(params.clone()))
                    .map(|_| ()),
            ),
            Step::PebbleReady(c) => (step.to_string(), h.container_pebble_ready(c)),
            Step::PebbleGone(c) => (step.to_string(), h.set_can_connect(c, false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::letters;

    #[test]
    fn app_suffixes_are_letters() {
        assert_eq!(letters(0), "a");
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
        assert_eq!(letters(27), "ab");
        assert_eq!(letters(26 + 26 * 26), "aaa");
    }
}
