//! Unit tests for ops charms, through the same runtime code path as production.
//!
//! Every test here runs the charm's real dispatcher ([`ops_core::run`]), framework, model and
//! stored-state code. What is simulated is Juju, behind the hook-tool boundary: [`SimJuju`]
//! implements ops-core's [`ToolRunner`](ops_core::hooktools::ToolRunner) and answers `relation-get`,
//! `secret-add`, `status-set`, ... in-process, with Juju's output formats and error messages (as
//! the juju-sim conformance kit does), from a model held in memory. The unit's database is an
//! in-memory store shared by the hooks of a test ([`SharedStore`]). No process is spawned.
//!
//! Two styles:
//!
//! * [`Harness`] — imperative, with the API of Python ops 2.1.1's `ops.testing.Harness`
//!   (`add_relation`, `update_config`, `set_leader`, `run_action`, ...). Each model change Juju
//!   would answer with a hook runs that hook.
//! * [`Context`] + [`State`] — state transitions, as ops 3's `ops.testing` (Scenario): an
//!   immutable input [`State`], one [`Event`], the output `State`. A consistency checker
//!   ([`consistency`]) refuses states Juju could never produce.
//!
//! Relations, storages, containers, resources, actions and config options are named by the items
//! `#[charm]` generates, so a test naming something the charm lacks does not compile:
//!
//! ```
//! use ops_core::prelude::*;
//! use ops_testing::{Event, Harness, State};
//!
//! /// Greets whoever the `name` option says, counting its greetings (its stored state).
//! #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
//! struct Greeter {
//!     greetings: u32,
//! }
//!
//! #[charm(dir = "tests/fixtures/testcharm")]
//! impl Greeter {
//!     #[on(config_changed)]
//!     fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
//!         self.greetings += 1;
//!         let status = Status::active(format!("hello, {}", ctx.config()?.name));
//!         ctx.unit().set_status(status)?;
//!         Ok(())
//!     }
//! }
//!
//! // Imperative, as ops 2's Harness: each model change runs the hook Juju would run.
//! let mut harness = Harness::<Greeter>::new();
//! harness.begin()?;
//! harness.update_config([("name", "world")])?;
//! assert_eq!(harness.unit_status(), Status::active("hello, world"));
//! assert_eq!(harness.charm()?.greetings, 1);
//!
//! // State transitions, as ops 3's `ops.testing`: one event on an immutable state.
//! let ctx = ops_testing::Context::<Greeter>::new();
//! let input = State::default().with_config(|c: &mut testcharm::Config| c.name = "you".into());
//! let out = ctx.run(Event::config_changed(), &input)?;
//! assert_eq!(out.unit_status(), &Status::active("hello, you"));
//! assert_eq!(out.stored_state::<Greeter>()?.greetings, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Kubernetes charms talk to their containers through Pebble as in production: each container
//! of a test is served by a [`FakePebble`](pebble::FakePebble) on a real Unix socket in a
//! directory private to the test (given to the hook as `OPS_PEBBLE_CONTAINERS_DIR` in its
//! environment map, never in the process environment, so tests run in parallel threads).
//! Storage the metadata mounts into a container (`containers.<c>.mounts`) shows up in its
//! filesystem. A charm declaring `#[charm(storage = "controller")]` keeps its state on the
//! simulated controller (`state-get`/`state-set`), as it would under Juju.
//!
//! Modules:
//!
//! * [`prop`]: property tests: random Juju-valid event sequences from the charm's metadata,
//!   invariants checked after every step, failures shrunk to a minimal sequence.
//! * [`pebble`]: the fake Pebble.
//! * [`conformance`]: run a compiled charm through the juju-sim scenarios recorded from Python ops.
//! * [`replay`]: replay the same scenarios in-process, through [`SimJuju`], and compare each step
//!   with the recording: the check that the simulator behaves as juju-sim.

pub mod conformance;
pub mod consistency;
pub mod context;
pub mod error;
pub mod harness;
pub mod pebble;
pub mod prop;
pub mod replay;
pub mod sim;
pub mod state;
pub mod store;

pub use consistency::{Inconsistency, InconsistentState, Rule};
pub use context::{Context, Event, RunError, RunRecord};
pub use error::{CharmError, ConfigError, UnknownName};
pub use harness::{Harness, HarnessError};
pub use sim::{ActionOutput, LogRecord, SimError, SimEvent, SimJuju, ToolCall};
pub use state::{
    Address, BindAddress, Container, DeferredEvent, Model, Network, Owner, Port, Relation, Secret,
    State, Storage,
};
pub use store::SharedStore;
