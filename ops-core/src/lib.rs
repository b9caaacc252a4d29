//! # ops for Rust
//!
//! The runtime of charms written in Rust: the counterpart of Python's `ops` library. A charm is a
//! struct (its stored state), an impl block of `#[on(...)]` handlers and the usual
//! `metadata.yaml` / `config.yaml` / `actions.yaml` (or one `charmcraft.yaml`). The `#[charm]`
//! macro reads those files **at compile time**, checks every handler against them and generates
//! the dispatch table plus typed config, relation, storage, container, resource and action items.
//! The compiled binary is the charm's `dispatch`: it runs one hook per process, in milliseconds.
//!
//! ```
//! use ops_core::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Default, Serialize, Deserialize, StoredState)]
//! struct Counter {
//!     events: u64,
//! }
//!
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Counter {
//!     #[on(install)]
//!     fn install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
//!         self.events += 1;
//!         ctx.unit().set_status(Status::maintenance("installing"))?;
//!         Ok(())
//!     }
//!
//!     #[on(config_changed)]
//!     fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
//!         let config = ctx.config()?;
//!         if config.name.is_empty() {
//!             ctx.unit().set_status(Status::blocked("set `name`"))?;
//!             event.defer()?;
//!             return Ok(());
//!         }
//!         ctx.unit().set_status(Status::active(format!("hello, {}", config.name)))?;
//!         Ok(())
//!     }
//! }
//!
//! // The charm binary's main:
//! // fn main() { ops_core::main::<Counter>() }
//! ```
//!
//! See [`reference`](mod@reference) for every macro attribute, and `ARCHITECTURE.md` in the repository for how
//! YAML becomes generated code, dispatch, model calls and stored state.

pub mod charm;
pub mod context;
pub mod databag;
pub mod dispatch;
pub mod endpoints;
pub mod env;
pub mod events;
pub mod hooktools;
pub mod logging;
pub mod migrate;
pub mod model;
mod panic;
pub mod pebble;
pub mod reference;
pub mod storage;
pub mod stored;
pub mod version;

pub use charm::{
    Charm, ConfigErrors, Handler, HandlerError, IntoHandlerResult, ParamsErrors, StorageChoice,
};
pub use context::Context;
pub use dispatch::{
    main, run, run_custom, run_with, DispatchError, HookReport, HookSetup, StatusEvaluation,
};
pub use model::{ModelError, Status};
pub use ops_macros::{charm, on, ActionResults, CustomEvent, RelationData, StoredState};
pub use stored::StoredState;

/// The metadata model (re-exported from `ops-metadata`).
pub use ops_metadata as meta;

/// A handler's result: any error converts into it (`?` works on every error type).
pub type Result<T, E = Box<dyn std::error::Error + Send + Sync + 'static>> =
    std::result::Result<T, E>;

/// What a charm usually needs.
pub mod prelude {
    pub use crate::databag::RelationData;
    pub use crate::events::{
        ActionEvent, CollectMetricsEvent, CollectStatusEvent, CustomEvent, HookEvent,
        PebbleCheckEvent, PebbleNoticeEvent, PebbleReadyEvent, RelationEvent, SecretEvent,
        StorageEvent,
    };
    pub use crate::model::{
        App, Databag, Relation, Secret, SecretContent, SecretOptions, Status, Unit,
    };
    pub use crate::{
        charm, on, ActionResults, Charm, ConfigErrors, Context, CustomEvent, ParamsErrors,
        RelationData, StoredState,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
