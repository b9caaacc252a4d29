//! The macros of ops for Rust. This crate only declares the proc macros: every one is a single call
//! into `ops-codegen`, a plain library. Charm authors use them through `ops-core`, which re-exports
//! them; see `ops_core` for the full reference of every attribute, with examples.

use proc_macro::TokenStream;

/// Turns the charm's impl block into a charm: reads its YAML at compile time, checks every
/// `#[on(...)]` handler against it and generates the dispatch table and typed items.
/// See `ops_core::charm` for the reference.
#[proc_macro_attribute]
pub fn charm(attr: TokenStream, item: TokenStream) -> TokenStream {
    ops_codegen::charm(attr.into(), item.into()).into()
}

/// Marks a handler inside a `#[charm]` impl block. Used anywhere else it is an error.
#[proc_macro_attribute]
pub fn on(attr: TokenStream, item: TokenStream) -> TokenStream {
    ops_codegen::on(attr.into(), item.into()).into()
}

/// Implements `StoredState`: the struct is kept between hooks (JSON through serde).
#[proc_macro_derive(StoredState, attributes(stored))]
pub fn derive_stored_state(input: TokenStream) -> TokenStream {
    ops_codegen::derive::stored_state(input.into()).into()
}

/// Implements `RelationData`: each field is a relation databag key. `#[databag(encoding = "json")]`
/// encodes every field as ops 3's `Relation.save` does; the default (`"raw"`) stores `String`s as
/// they are and other types as JSON.
#[proc_macro_derive(RelationData, attributes(databag))]
pub fn derive_relation_data(input: TokenStream) -> TokenStream {
    ops_codegen::derive::relation_data(input.into()).into()
}

/// Implements `CustomEventData`: a typed event that charm code emits and handlers observe with
/// `#[on(custom(Type))]`.
#[proc_macro_derive(CustomEvent, attributes(custom_event))]
pub fn derive_custom_event(input: TokenStream) -> TokenStream {
    ops_codegen::derive::custom_event(input.into()).into()
}

/// Implements `Serialize` as action results: each field is a result key (`_` becomes `-`, or
/// `#[result(rename = "...")]`), every key checked against Juju's rule at compile time.
#[proc_macro_derive(ActionResults, attributes(result))]
pub fn derive_action_results(input: TokenStream) -> TokenStream {
    ops_codegen::derive::action_results(input.into()).into()
}
