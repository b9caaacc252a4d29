//! # Reference of the macros
//!
//! Every example here is compiled and tested (`cargo test --doc`). The fixture charm they use,
//! `ops-core/tests/fixtures/tiny`, declares a `db` relation (interface `pgsql`, limit 1), a `data`
//! storage, config options `name` (string) and `port` (int), and a `greet` action with a required
//! `who` param.
//!
//! ## `#[charm]`
//!
//! Goes on the charm's inherent `impl` block. It reads the charm's files at compile time, relative
//! to the crate's directory (`CARGO_MANIFEST_DIR`):
//!
//! * without arguments: `metadata.yaml` (+ `config.yaml`, `actions.yaml` when present) or, when there
//!   is no `metadata.yaml`, the unified `charmcraft.yaml`;
//! * `dir = "path"`: the same, in another directory;
//! * `metadata = "..."`, `config = "..."`, `actions = "..."`: explicit files;
//! * `charmcraft = "..."`: an explicit unified file;
//! * `module = name`: put the generated items in `pub mod name` instead of next to the charm type
//!   (for two charms in one module, or a module with a `Config` of its own);
//! * `storage = "auto" | "local" | "controller"`: where stored state lives (ops'
//!   `use_juju_for_storage`); `auto` (the default) is ops' heuristic;
//! * `skip_duplicate_events = true | false`: whether an event equal to one still deferred for a
//!   handler is skipped for that handler (`true`, the default, as ops ≥ 2.18) or run and queued
//!   again (`false`, as ops 2.1.1); see [`crate::Charm::SKIP_DUPLICATE_EVENTS`];
//! * `config_errors = "raise" | "blocked"`: what [`crate::Context::config`] does when the config
//!   does not decode (ops 3's `load_config(errors=...)`): return `ModelError::Config` (`raise`,
//!   the default) or set the unit blocked and end the hook with exit status 0 (`blocked`); see
//!   [`crate::ConfigErrors`];
//! * `params_errors = "raise" | "fail"`: what happens when an action's params do not decode into
//!   its params type (ops 3's `load_params(errors=...)`): fail the hook (`raise`, the default) or
//!   fail the action and end the hook with exit status 0 (`fail`); see [`crate::ParamsErrors`];
//! * `crate = "::path"`: where `ops_core` is, if renamed.
//!
//! Cargo rebuilds the charm whenever one of the files read changes. Every problem in the files is a
//! compile error naming `file:line:col`; all of them are reported in one build.
//!
//! It generates, next to the charm type (so a test of crate `mycharm` reads `mycharm::Config`,
//! `mycharm::relations::Db`; with `module = name`, in `pub mod name`):
//!
//! * `META`: the metadata as a static (the runtime never parses YAML);
//! * `Config`: one field per option, typed (`string`/`secret` → `String`, `int` → `i64`,
//!   `float` → `f64`, `boolean` → `bool`), `Option<T>` when there is no default, documented from
//!   `description`; `Config::default()` holds the defaults;
//! * `relations::<Name>`, `storages::<Name>`, `containers::<Name>`, `resources::<Name>`: marker
//!   types implementing [`crate::endpoints`] traits (name, role, interface, limit, scope...);
//! * `actions::<Name>` and `actions::<Name>Params`: the params typed from the JSON schema
//!   (`string`, `integer` → `i64`, `number` → `f64`, `boolean`, `array`, `object`), `Option<T>`
//!   unless required or defaulted;
//! * the [`crate::Charm`] impl: the dispatch table.
//!
//! The items are defined in a hidden module and re-exported by a glob: an item of the module's
//! own with the same name (a `Config` of its own) wins, and `#[charm]` reports the clash once, at
//! the attribute, naming the fix (rename it, or `module = name`). The former path
//! `<crate>::<charm_name>::Config` still resolves.
//!
//! ```
//! # use ops_core::prelude::*;
//! #[derive(Default, StoredState)]
//! struct Tiny;
//!
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Tiny {
//!     #[on(config_changed)]
//!     fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
//!         let port: i64 = ctx.config()?.port;
//!         let db: Option<Relation> = ctx.relation::<relations::Db>()?;
//!         let _ = (port, db);
//!         Ok(())
//!     }
//! }
//!
//! use ops_core::endpoints::RelationEndpoint;
//! assert_eq!(relations::Db::INTERFACE, "pgsql");
//! assert_eq!(relations::Db::LIMIT, Some(1));
//! assert_eq!(Config::default().port, 8080);
//! assert_eq!(<Tiny as Charm>::HANDLERS[0].event, "config_changed");
//! ```
//!
//! A file mistake is a compile error:
//!
//! ```compile_fail
//! # use ops_core::prelude::*;
//! # #[derive(Default, StoredState)] struct Tiny;
//! #[charm(dir = "tests/fixtures/no-such-dir")]
//! impl Tiny {}
//! ```
//!
//! ### Naming
//!
//! Metadata names become Rust names by fixed rules, shown here on the fixture charm
//! `ops-core/tests/fixtures/naming`:
//!
//! | metadata name | becomes | rule |
//! |---|---|---|
//! | option `log-level`, param `tls-key` | field `log_level`, `tls_key` | every character other than an ASCII letter or digit → `_` |
//! | param `clientID` | field `clientid` | field names are lowercased |
//! | option or param `type` | field `r#type` | Rust keywords become raw identifiers |
//! | option `self` | field `self_` | `self`, `super`, `crate` and `_` cannot be raw: `_` is appended |
//! | option `2fa` | field `_2fa` | a leading digit gets a `_` before it |
//! | relation `db-admin`, container `web-ui` | types `relations::DbAdmin`, `containers::WebUi` | types are CamelCase: split at non-alphanumerics, each part capitalised, the rest lowercased (a leading digit gets `T`; `Self` → `Self_`) |
//! | action `do-backup` | types `actions::DoBackup`, `actions::DoBackupParams` | CamelCase, plus `Params` for the params |
//! | relation `db-admin` | event `db_admin_relation_changed` | Python ops' event names: `-` → `_` |
//! | charm `naming-demo` | hidden module `__charm_naming_demo` (and the alias `naming_demo`) | the charm name as a field name |
//! | charm `log` (a crate the charm uses) | alias module `log_charm` | `_charm` is appended when a crate the charm can name has the module's name: `std`, `core`, `alloc`, `proc_macro`, `test`, `ops_core`, its `Cargo.toml` dependencies of every kind and target (by the name the code uses, renames included) and, in its binaries, tests and examples, its own library |
//!
//! Two metadata names that would become the same Rust name (options `log-level` and `log_level`,
//! relations `db-admin` and `db_admin`) are a compile error naming both. The hidden helpers that
//! hold the params' schema defaults are associated functions of each params type, so actions
//! `set-tls` (param `key`) and `set` (param `tls-key`) do not collide.
//!
//! ```
//! # use ops_core::prelude::*;
//! #[derive(Default, StoredState)]
//! struct Demo;
//!
//! #[charm(dir = "tests/fixtures/naming")]
//! impl Demo {
//!     #[on(db_admin_relation_changed)]
//!     fn db(&mut self, _ctx: &mut Context<Self>, _event: &RelationEvent) {}
//!
//!     #[on(do_backup_action)]
//!     fn backup(
//!         &mut self,
//!         _ctx: &mut Context<Self>,
//!         event: &ActionEvent<actions::DoBackupParams>,
//!     ) {
//!         let client: &Option<String> = &event.params.clientid;
//!         let key: &String = &event.params.tls_key;
//!         // `type: [string, "null"]`: may be null, so always an `Option`.
//!         let kind: &Option<String> = &event.params.r#type;
//!         let _ = (client, key, kind);
//!     }
//! }
//!
//! use ops_core::endpoints::{ContainerEndpoint, RelationEndpoint};
//! let config = Config::default();
//! assert_eq!(config.log_level, "info");
//! assert_eq!(config.r#type, "plain");
//! assert!(!config.self_); // `default: off`: YAML 1.1, as Juju reads it
//! assert!(!config._2fa);
//! assert_eq!(relations::DbAdmin::NAME, "db-admin");
//! assert_eq!(containers::WebUi::NAME, "web-ui");
//! let set_tls = actions::SetTlsParams { key: String::new() };
//! let set = actions::SetParams { tls_key: String::new() };
//! let _ = (set_tls, set);
//! ```
//!
//! A charm named `log` keeps `log::info!` usable (this crate depends on `log`):
//!
//! ```
//! # use ops_core::prelude::*;
//! #[derive(Default, StoredState)]
//! struct LogCharm;
//!
//! #[charm(dir = "tests/fixtures/named-log")]
//! impl LogCharm {
//!     #[on(install)]
//!     fn install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {
//!         log::info!("installing");
//!     }
//! }
//!
//! assert_eq!(META.name, "log");
//! assert_eq!(log_charm::META.name, "log"); // the former path
//! ```
//!
//! ### What the files may hold
//!
//! The files are read as Juju and charmcraft read them:
//!
//! * Keys Juju ignores (`format: 2`, a relation's `schema:`, a resource's `upstream:`...) are
//!   accepted, each with a warning (a deprecation warning, the one kind of warning a macro can
//!   give on stable Rust: `#![allow(deprecated)]` in the module holding the charm silences it).
//! * Scalars are YAML 1.1, as Juju's go-yaml v2 reads them: plain `yes`/`no`/`on`/`off`/`y`/`n`
//!   (lower, Capitalised or UPPER case) are booleans, `0644` is octal, `1_000` is 1000. A `string`
//!   option with `default: no` is Juju's error `option "x" expected string, got false`; quote it.
//! * An action's params may be under `params:` or the JSON-schema `properties:`; `title:` is
//!   [`crate::meta::ActionMeta::title`]; a param's `type` may be a list (`[string, "null"]`: an
//!   `Option` always; several types: a `serde_json::Value`).
//! * charmcraft's precedence: a `charmcraft.yaml` without `name` beside a `metadata.yaml` may hold
//!   the charm's `config` and `actions`; a unified `charmcraft.yaml` may leave them to
//!   `config.yaml` / `actions.yaml`; the same section in both places is an error, as for
//!   charmcraft.
//! * A container `uid`/`gid` in 1000-9999 is an error, as for Juju (the range is reserved).
//!
//! ## `#[on(event, ...)]`
//!
//! Marks a handler inside a `#[charm]` block. The events are Python ops' names: `install`,
//! `start`, `stop`, `remove`, `update_status`, `config_changed`, `upgrade_charm`,
//! `pre_series_upgrade`, `post_series_upgrade`, `leader_elected`, `leader_settings_changed`,
//! `collect_metrics`, `secret_changed`, `secret_rotate`, `secret_remove`, `secret_expired`,
//! `<relation>_relation_{created,joined,changed,departed,broken}`,
//! `<storage>_storage_{attached,detaching}`, `<container>_pebble_ready`, `<action>_action`, and
//! `custom(Type)` for a [`crate::CustomEvent`]. A handler may observe several events of the same
//! event type; several handlers may observe one event (they run in declaration order).
//!
//! A handler is `fn(&mut self, ctx: &mut Context<Self>, event: &E)` returning `()` or
//! `Result<(), impl Into<Box<dyn Error + Send + Sync>>>`, where `E` is:
//!
//! | events | `E` |
//! |---|---|
//! | install, start, config_changed, ... | [`crate::events::HookEvent`] |
//! | collect_metrics | [`crate::events::CollectMetricsEvent`] |
//! | relation events | [`crate::events::RelationEvent`] |
//! | storage events | [`crate::events::StorageEvent`] |
//! | pebble-ready | [`crate::events::PebbleReadyEvent`] |
//! | secret events | [`crate::events::SecretEvent`] |
//! | `<action>_action` | [`crate::events::ActionEvent`]`<<charm>::actions::<Action>Params>` |
//! | `custom(T)` | [`crate::events::CustomEvent`]`<T>` |
//!
//! ```
//! # use ops_core::prelude::*;
//! # #[derive(Default, StoredState)] struct Tiny;
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Tiny {
//!     #[on(db_relation_joined, db_relation_changed)]
//!     fn db(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
//!         event.relation.local_unit_data().set("ready", "yes")?;
//!         Ok(())
//!     }
//!
//!     #[on(greet_action)]
//!     fn greet(&mut self, _ctx: &mut Context<Self>, event: &ActionEvent<actions::GreetParams>) -> ops_core::Result<()> {
//!         event.set_results(&serde_json::json!({"greeting": format!("hello {}", event.params.who)}))?;
//!         Ok(())
//!     }
//! }
//! ```
//!
//! An event the metadata does not define does not compile (with a "did you mean"):
//!
//! ```compile_fail
//! # use ops_core::prelude::*;
//! # #[derive(Default, StoredState)] struct Tiny;
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Tiny {
//!     #[on(database_relation_changed)]
//!     fn db(&mut self, _ctx: &mut Context<Self>, _e: &RelationEvent) {}
//! }
//! ```
//!
//! ## `#[derive(StoredState)]`
//!
//! The charm struct is its stored state: loaded before its first handler runs in a hook, saved at
//! commit when it changed. A struct with fields is stored as JSON through serde (it must be
//! `Default + Serialize + Deserialize`; use `#[serde(default)]` to add fields later); a struct
//! without fields is stateless and never opens the database. `#[stored(key = "...")]` changes the
//! key (default `<Type>/StoredStateData[_stored]`).
//!
//! ```
//! use ops_core::StoredState as _;
//! #[derive(Default, serde::Serialize, serde::Deserialize, ops_core::StoredState)]
//! struct Counter { count: u32 }
//! assert!(<Counter as ops_core::StoredState>::STATEFUL);
//! assert_eq!(<Counter as ops_core::StoredState>::KEY, "Counter/StoredStateData[_stored]");
//! ```
//!
//! ## `#[derive(RelationData)]`
//!
//! Each field is a databag key: the field's name (as ops 3's `Relation.save` / `load` use a
//! dataclass field's name), `#[databag(rename = "key")]` (ops' `alias`), or `#[databag(rename_all =
//! "kebab-case")]` on the struct. Unknown keys are ignored; a missing required key or a value that
//! does not decode is a typed [`crate::databag::DatabagError`] naming the key.
//!
//! The struct chooses its encoding (`#[databag(encoding = "...")]`, see
//! [`crate::databag::Encoding`]):
//!
//! * `"raw"`, the default, for interfaces that document plain strings (most of them): `String`
//!   values are stored as they are, other types as compact JSON (`#[databag(json)]` forces JSON
//!   for a `String`); an `Option` that is `None` removes its key, and an absent key reads as `None`.
//! * `"json"`, ops 3's `Relation.save` / `load`: every field JSON-encoded, a `String` included,
//!   byte for byte as Python's `json.dumps` writes it; `None` is stored as `null`; absent or
//!   `null` read as `None`.
//!
//! ```
//! use ops_core::databag::RelationData;
//! use std::collections::BTreeMap;
//!
//! #[derive(Debug, PartialEq, ops_core::RelationData)]
//! #[databag(rename_all = "kebab-case")]
//! struct Credentials {
//!     secret_id: String,
//!     port: u16,
//!     endpoints: Option<Vec<String>>,
//! }
//!
//! let bag = BTreeMap::from([
//!     ("secret-id".to_string(), "secret:abc".to_string()),
//!     ("port".to_string(), "5432".to_string()),
//!     ("other".to_string(), "ignored".to_string()),
//! ]);
//! let c = Credentials::from_databag(&bag).unwrap();
//! assert_eq!(c, Credentials { secret_id: "secret:abc".into(), port: 5432, endpoints: None });
//! assert!(Credentials::from_databag(&BTreeMap::new()).is_err());
//!
//! // The same data as a Python unit's `relation.save(Credentials(...), app)` writes it.
//! #[derive(Debug, PartialEq, ops_core::RelationData)]
//! #[databag(encoding = "json", rename_all = "kebab-case")]
//! struct SavedCredentials {
//!     secret_id: String,
//!     port: u16,
//!     endpoints: Option<Vec<String>>,
//! }
//!
//! let saved = SavedCredentials {
//!     secret_id: "secret:abc".into(),
//!     port: 5432,
//!     endpoints: Some(vec!["10.0.0.1".into(), "10.0.0.2".into()]),
//! };
//! let written: BTreeMap<String, String> = saved
//!     .to_databag()
//!     .unwrap()
//!     .into_iter()
//!     .map(|(k, v)| (k, v.unwrap()))
//!     .collect();
//! assert_eq!(written["secret-id"], r#""secret:abc""#);
//! assert_eq!(written["endpoints"], r#"["10.0.0.1", "10.0.0.2"]"#);
//! assert_eq!(SavedCredentials::from_databag(&written).unwrap(), saved);
//! // The raw databag above is not JSON: `secret:abc` has no quotes.
//! assert!(SavedCredentials::from_databag(&bag).is_err());
//! ```
//!
//! ## `#[derive(CustomEvent)]`
//!
//! A typed event emitted by charm code or a charm library with [`crate::Context::emit`], observed
//! with `#[on(custom(Type))]`; it can be deferred like any event. Its handlers run right after the
//! handler that emitted it returns.
//!
//! ```
//! # use ops_core::prelude::*;
//! #[derive(serde::Serialize, serde::Deserialize, ops_core::CustomEvent)]
//! struct DatabaseReady { endpoint: String }
//!
//! # #[derive(Default, StoredState)] struct Tiny;
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Tiny {
//!     #[on(db_relation_changed)]
//!     fn db(&mut self, ctx: &mut Context<Self>, _e: &RelationEvent) -> ops_core::Result<()> {
//!         ctx.emit(&DatabaseReady { endpoint: "10.0.0.1:5432".into() })?;
//!         Ok(())
//!     }
//!
//!     #[on(custom(DatabaseReady))]
//!     fn ready(&mut self, ctx: &mut Context<Self>, event: &CustomEvent<DatabaseReady>) -> ops_core::Result<()> {
//!         ctx.unit().set_status(Status::active(format!("using {}", event.endpoint)))?;
//!         Ok(())
//!     }
//! }
//! ```
//!
//! ## `#[derive(ActionResults)]`
//!
//! Action results as a struct: each field is a result key (`_` becomes `-`, or
//! `#[result(rename = "key")]`); nested structs and maps are flattened to dotted keys by
//! [`crate::events::ActionEvent::set_results`]. Every key is checked against Juju's rule
//! (lowercase letters and digits, `-` or `.` inside) at compile time, where ops only finds out
//! when the action runs.
//!
//! ```
//! #[derive(ops_core::ActionResults)]
//! struct Backup {
//!     path: String,
//!     size_bytes: u64,
//!     #[result(rename = "meta")]
//!     details: Details,
//! }
//!
//! #[derive(serde::Serialize)]
//! struct Details {
//!     level: i64,
//! }
//!
//! let v = serde_json::to_value(Backup {
//!     path: "/srv/nightly.bak".into(),
//!     size_bytes: 12,
//!     details: Details { level: 3 },
//! })
//! .unwrap();
//! assert_eq!(v["size-bytes"], 12);
//! assert_eq!(v["meta"]["level"], 3);
//! ```
//!
//! ```compile_fail
//! #[derive(ops_core::ActionResults)]
//! struct Bad {
//!     #[result(rename = "Exit_Code")]
//!     code: i32,
//! }
//! ```
//!
//! ## Charm libraries (components)
//!
//! A charm library is a crate. It observes charm events through the charm's handlers (one line
//! of delegation: Rust has no hidden observer registry, so what runs on an event is visible in
//! the charm's `#[charm]` block) and emits its own typed custom events, which the charm observes
//! with `#[on(custom(...))]` like any event. A library is generic over the charm and over the
//! endpoint marker type, so it works for any charm that declares a suitable relation:
//!
//! ```
//! mod database_lib {
//!     // In practice: its own crate, depending on ops-core.
//!     use ops_core::endpoints::RelationEndpoint;
//!     use ops_core::prelude::*;
//!
//!     /// Emitted once the provider has published its endpoints.
//!     #[derive(serde::Serialize, serde::Deserialize, ops_core::CustomEvent)]
//!     pub struct DatabaseReady {
//!         pub endpoints: String,
//!     }
//!
//!     /// The requirer side of the database interface, on endpoint `E`.
//!     pub struct DatabaseRequirer<E>(std::marker::PhantomData<E>);
//!
//!     impl<E: RelationEndpoint> DatabaseRequirer<E> {
//!         /// Call from the charm's `<E>_relation_changed` handler.
//!         pub fn relation_changed<C: Charm>(
//!             ctx: &mut Context<C>,
//!             event: &RelationEvent,
//!         ) -> ops_core::Result<()> {
//!             assert_eq!(event.relation.name(), E::NAME);
//!             if let Some(bag) = event.relation.remote_app_data()? {
//!                 if let Some(endpoints) = bag.get("endpoints")? {
//!                     ctx.emit(&DatabaseReady { endpoints })?;
//!                 }
//!             }
//!             Ok(())
//!         }
//!     }
//! }
//!
//! use database_lib::{DatabaseReady, DatabaseRequirer};
//! use ops_core::prelude::*;
//!
//! # #[derive(Default, StoredState)] struct Tiny;
//! #[charm(dir = "tests/fixtures/tiny")]
//! impl Tiny {
//!     #[on(db_relation_changed)]
//!     fn db_changed(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
//!         DatabaseRequirer::<relations::Db>::relation_changed(ctx, event)
//!     }
//!
//!     #[on(custom(DatabaseReady))]
//!     fn db_ready(&mut self, ctx: &mut Context<Self>, event: &CustomEvent<DatabaseReady>) -> ops_core::Result<()> {
//!         ctx.unit().set_status(Status::active(format!("database at {}", event.endpoints)))?;
//!         Ok(())
//!     }
//! }
//! ```
