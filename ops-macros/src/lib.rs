//! The macros of ops for Rust. This crate only declares the proc macros: every one is a single call
//! into `ops-codegen`, a plain library. Charm authors use them through `ops-core`, which re-exports
//! them; see `ops_core` for the full reference of every attribute, with examples.

use proc_macro::TokenStream;

/// Turns the charm's impl block into a charm: reads its YAML at compile time, checks every
/// `#[on(...)]` handler against it and generates the dispatch table and typed items.
/// See `ops_core::charm` for the reference.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// #[derive(Default, StoredState)]
/// struct MyCharm;
///
/// #[charm(dir = "tests/ui/fixtures/good")]
/// impl MyCharm {
///     #[on(config_changed)]
///     fn configure(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         let port: i64 = ctx.config()?.port;
///         ctx.unit().set_status(Status::active(format!("port {port}")))?;
///         Ok(())
///     }
/// }
///
/// // The generated items sit next to the charm type: `Config`, `relations`, `storages`, `actions`...
/// assert_eq!(Config::default().port, 8080);
/// let _: relations::Db;
/// assert_eq!(<MyCharm as Charm>::HANDLERS[0].event, "config_changed");
/// ```
#[proc_macro_attribute]
pub fn charm(attr: TokenStream, item: TokenStream) -> TokenStream {
    ops_codegen::charm(attr.into(), item.into()).into()
}

/// Marks a handler inside a `#[charm]` impl block. Used anywhere else it is an error.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// #[derive(Default, StoredState)]
/// struct MyCharm;
///
/// #[charm(dir = "tests/ui/fixtures/good")]
/// impl MyCharm {
///     // One handler, several events; the event type is checked against each.
///     #[on(install, upgrade_charm)]
///     fn setup(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {}
///
///     #[on(db_relation_changed)]
///     fn db(&mut self, _ctx: &mut Context<Self>, _event: &RelationEvent) {}
///
///     #[on(greet_action)]
///     fn greet(&mut self, _ctx: &mut Context<Self>, event: &ActionEvent<actions::GreetParams>) {
///         let _who: &String = &event.params.who;
///     }
/// }
///
/// let events: Vec<&str> = <MyCharm as Charm>::HANDLERS.iter().map(|h| h.event).collect();
/// assert_eq!(events, ["install", "upgrade_charm", "db_relation_changed", "greet_action"]);
/// ```
#[proc_macro_attribute]
pub fn on(attr: TokenStream, item: TokenStream) -> TokenStream {
    ops_codegen::on(attr.into(), item.into()).into()
}

/// Implements `StoredState`: the struct is kept between hooks (JSON through serde).
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
/// struct MyCharm {
///     installed: bool,
///     restarts: u32,
/// }
///
/// let state = MyCharm { installed: true, restarts: 2 };
/// let _ = (state.installed, state.restarts);
/// ```
#[proc_macro_derive(StoredState, attributes(stored))]
pub fn derive_stored_state(input: TokenStream) -> TokenStream {
    ops_codegen::derive::stored_state(input.into()).into()
}

/// Implements `RelationData`: each field is a relation databag key. `#[databag(encoding = "json")]`
/// encodes every field as ops 3's `Relation.save` does; the default (`"raw"`) stores `String`s as
/// they are and other types as JSON.
///
/// # Examples
///
/// ```
/// use ops_core::databag::RelationData;
/// use ops_core::prelude::*;
///
/// #[derive(Debug, PartialEq, RelationData)]
/// struct Endpoint {
///     host: String,     // text, as it is
///     port: u16,        // JSON-encoded
///     tls: Option<bool>, // may be absent
/// }
///
/// assert_eq!(Endpoint::KEYS, ["host", "port", "tls"]);
/// ```
#[proc_macro_derive(RelationData, attributes(databag))]
pub fn derive_relation_data(input: TokenStream) -> TokenStream {
    ops_codegen::derive::relation_data(input.into()).into()
}

/// Implements `CustomEventData`: a typed event that charm code emits and handlers observe with
/// `#[on(custom(Type))]`.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// #[derive(serde::Serialize, serde::Deserialize, CustomEvent)]
/// struct Restocked {
///     sku: String,
/// }
///
/// #[derive(Default, StoredState)]
/// struct Shop;
///
/// #[charm(dir = "tests/ui/fixtures/good")]
/// impl Shop {
///     #[on(config_changed)]
///     fn configure(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         ctx.emit(&Restocked { sku: "tea".into() })?;
///         Ok(())
///     }
///
///     #[on(custom(Restocked))]
///     fn restocked(&mut self, _ctx: &mut Context<Self>, event: &CustomEvent<Restocked>) {
///         let _sku: &str = &event.data.sku;
///     }
/// }
/// ```
#[proc_macro_derive(CustomEvent, attributes(custom_event))]
pub fn derive_custom_event(input: TokenStream) -> TokenStream {
    ops_codegen::derive::custom_event(input.into()).into()
}

/// Implements `Serialize` as action results: each field is a result key (`_` becomes `-`, or
/// `#[result(rename = "...")]`), every key checked against Juju's rule at compile time.
///
/// # Examples
///
/// ```
/// use ops_core::prelude::*;
///
/// #[derive(ActionResults)]
/// struct Backup {
///     backup_path: String, // the key `backup-path`
///     #[result(rename = "size-mb")]
///     size: u64,
/// }
///
/// let results = serde_json::to_value(Backup { backup_path: "/srv/b1".into(), size: 3 })?;
/// assert_eq!(results, serde_json::json!({"backup-path": "/srv/b1", "size-mb": 3}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[proc_macro_derive(ActionResults, attributes(result))]
pub fn derive_action_results(input: TokenStream) -> TokenStream {
    ops_codegen::derive::action_results(input.into()).into()
}
