//! The code generator behind the ops macros.
//!
//! `ops-macros` is a thin proc-macro shim: every macro is one call into this plain library, which
//! works on `proc_macro2` token streams so it can be unit-tested and its expansion compared with
//! golden files. The pipeline is **parse → check → expand**:
//!
//! * [`attrs`] parses `#[charm(...)]` and `#[on(...)]`;
//! * [`files`] finds and loads the charm's YAML through `ops-metadata` (cached per process);
//! * [`handlers`] collects the `#[on]` handlers of the impl block and checks their signatures;
//! * [`check`] checks the handlers against the metadata (unknown events with a "did you mean");
//! * [`expand`] generates the metadata static, typed config/relations/actions and the dispatch table;
//! * [`derive`](mod@derive) implements the derive macros (stored state, relation databags, custom events).
//!
//! Every error is a spanned `syn::Error`; all errors of one invocation are combined and reported
//! together, and the macro never panics. When the metadata cannot be read, a skeleton is emitted
//! instead of the generated items: the impl block without its `#[on]` attributes and with its
//! methods' bodies replaced (their signatures kept), and a stub `Charm` impl, so the user sees the
//! real error, not a cascade from the bodies that use the config and relations it would have
//! generated.

pub mod attrs;
pub mod check;
pub mod derive;
pub mod errors;
pub mod expand;
pub mod files;
pub mod handlers;

use proc_macro2::TokenStream;

/// `#[charm]` on an `impl` block.
pub fn charm(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::charm(attr, item)
}

/// `#[on(...)]` used on its own: it is only meaningful inside a `#[charm]` impl block.
pub fn on(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let err = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[on(...)]` must be used on a method inside a `#[charm]` impl block \
         (put `#[charm]` on the impl block that holds this handler)",
    );
    let mut out = err.to_compile_error();
    out.extend(item);
    out
}
