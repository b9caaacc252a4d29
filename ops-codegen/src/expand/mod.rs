//! Expansion of `#[charm]`.

pub mod items;
pub mod meta;
pub mod names;

use crate::attrs::CharmArgs;
use crate::check::{self, bind, Binding, Bound};
use crate::errors::Errors;
use crate::files;
use crate::handlers;
use ops_metadata::{CharmMeta, EventKind};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ItemImpl;

/// `#[charm]` on an impl block: the entry point behind the proc macro.
pub fn charm(attr: TokenStream, item: TokenStream) -> TokenStream {
    charm_with(attr, item, None)
}

/// [`charm`] with an explicit crate directory (golden tests use fixture directories).
pub fn charm_with(
    attr: TokenStream,
    item: TokenStream,
    dir: Option<&std::path::Path>,
) -> TokenStream {
    let mut errors = Errors::new();
    let attr_span = if attr.is_empty() {
        Span::call_site()
    } else {
        attr.span()
    };
    let args = CharmArgs::parse(attr, &mut errors);
    // With a mistaken argument (a misspelt `dir`...), loading files would only add errors about
    // the wrong files.
    let args_ok = errors.is_empty();
    let mut imp: ItemImpl = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "#[charm] goes on the charm's inherent impl block: `#[charm] impl MyCharm { ... }`",
            );
            let mut out = e.to_compile_error();
            out.extend(item);
            return out;
        }
    };
    if let Some((_, path, _)) = &imp.trait_ {
        errors.spanned(
            path,
            "#[charm] goes on the charm's inherent impl block, not on a trait impl",
        );
    }
    if !imp.generics.params.is_empty() {
        errors.spanned(
            &imp.generics,
            "#[charm] does not support generic charm types",
        );
    }
    let handlers = handlers::collect(&mut imp, &mut errors);
    let krate = args
        .krate
        .as_ref()
        .map(|p| p.to_token_stream())
        .unwrap_or_else(|| quote!(::ops_core));

    if !args_ok {
        return fallback(&imp, &krate, errors);
    }
    let loaded = match dir {
        Some(d) => files::load_from(d, &args, attr_span, &mut errors),
        None => files::load(&args, attr_span, &mut errors),
    };
    let Some(loaded) = loaded else {
        return fallback(&imp, &krate, errors);
    };
    // Names that collide in the generated items: generating them would only add rustc errors.
    let mut name_errors = Errors::new();
    check::generated_names(&loaded.meta, loaded.span, &mut name_errors);
    if let Some(e) = name_errors.combined() {
        errors.push(e);
        return fallback(&imp, &krate, errors);
    }
    let mut bindings = bind(&handlers, &loaded.meta, &mut errors);
    // A handler with a wrong signature (already reported) is not called by the dispatch code.
    bindings.retain(|b| b.handler.signature_ok);
    let placement = match args.module.clone() {
        Some(module) => Placement::Module(module),
        None => {
            let manifest_dir = dir.map_or_else(files::manifest_dir, std::path::Path::to_path_buf);
            let compiling = std::env::var("CARGO_CRATE_NAME").ok();
            let crates = names::extern_crates(&manifest_dir, compiling.as_deref());
            Placement::Flat(names::module_ident(&loaded.meta.name, &crates))
        }
    };
    let storage = match args.storage.as_ref().map(|(s, _)| s.as_str()) {
        Some("local") => quote!(#krate::StorageChoice::Local),
        Some("controller") => quote!(#krate::StorageChoice::Controller),
        _ => quote!(#krate::StorageChoice::Auto),
    };
    let skip_duplicates = args
        .skip_duplicate_events
        .map(|skip| quote!(const SKIP_DUPLICATE_EVENTS: bool = #skip;));
    let config_errors = match args.config_errors.as_ref().map(|(s, _)| s.as_str()) {
        Some("blocked") => {
            Some(quote!(const CONFIG_ERRORS: #krate::ConfigErrors = #krate::ConfigErrors::Blocked;))
        }
        Some(_) => {
            Some(quote!(const CONFIG_ERRORS: #krate::ConfigErrors = #krate::ConfigErrors::Raise;))
        }
        None => None,
    };
    let params_errors = match args.params_errors.as_ref().map(|(s, _)| s.as_str()) {
        Some("fail") => {
            Some(quote!(const PARAMS_ERRORS: #krate::ParamsErrors = #krate::ParamsErrors::Fail;))
        }
        Some(_) => {
            Some(quote!(const PARAMS_ERRORS: #krate::ParamsErrors = #krate::ParamsErrors::Raise;))
        }
        None => None,
    };
    // The charm-level options: the `Charm` trait's consts they set.
    let options = quote! {
        const STORAGE: #krate::StorageChoice = #storage;
        #skip_duplicates
        #config_errors
        #params_errors
    };
    // With valid metadata, the generated items are emitted even when some handlers are wrong, so
    // the only errors the user sees are the real ones (no cascade from a missing `Config`).
    let mut out = errors.to_compile_errors();
    out.extend(generate(
        &imp, &krate, &placement, &loaded, &bindings, options,
    ));
    out
}

/// Where `#[charm]` puts the items it generates (`Config`, `relations`, `actions`, ...).
enum Placement {
    /// The default: next to the charm type, so a test reads `mycharm::Config` and
    /// `mycharm::relations::Db`. They are defined in a hidden module, `__charm_<name>` (`<name>` is
    /// the charm's name as an identifier, which also names a hidden alias module for the
    /// former path `mycharm::<name>::Config`), and re-exported by a glob: an item of the user's
    /// own with the same name shadows the glob without a rustc error, and a check then reports
    /// the clash once, naming the fix.
    Flat(syn::Ident),
    /// `#[charm(module = name)]`: in `pub mod name`, and nothing next to the charm type.
    Module(syn::Ident),
}

impl Placement {
    /// The module where the items are defined.
    fn module(&self) -> syn::Ident {
        match self {
            Placement::Flat(name) => {
                let name = name.to_string();
                let name = name.trim_start_matches("r#");
                syn::Ident::new(&format!("__charm_{name}"), Span::call_site())
            }
            Placement::Module(name) => name.clone(),
        }
    }

    /// The path prefix a user writes for the items, in messages (`""` or `"name::"`).
    fn shown_prefix(&self) -> String {
        match self {
            Placement::Flat(_) => String::new(),
            Placement::Module(name) => format!("{name}::"),
        }
    }
}

/// The items of [`Placement::Flat`]: the hidden module holding `items`, its glob re-export next
/// to the charm type, and the checks that the names a user reads there are the generated ones.
fn flat_items(
    meta: &CharmMeta,
    name: &syn::Ident,
    module: &syn::Ident,
    items: &TokenStream,
) -> TokenStream {
    let shown = name.to_string();
    let shown = shown.trim_start_matches("r#");
    // The generated modules, and whether each has items (an empty one is not checked: a module of
    // the user's with that name hides nothing the charm has).
    let modules = [
        ("relations", !meta.relations.is_empty()),
        ("storages", !meta.storages.is_empty()),
        ("containers", !meta.containers.is_empty()),
        ("resources", !meta.resources.is_empty()),
        ("actions", !meta.actions.is_empty()),
    ];
    // The former path, `mycharm::<name>::Config`, kept hidden for code written before (rustc
    // reports no deprecation on a path through a deprecated module, so it cannot warn); left out
    // where `<name>` is itself a generated name (a charm called `actions`), which it would hide.
    let alias = (!modules.iter().any(|(m, _)| *m == shown)).then(|| {
        quote! {
            #[doc(hidden)]
            pub mod #name {
                pub use super::*;
            }
        }
    });
    let charm = &meta.name;
    let fix = format!(
        "`#[charm]` places `Config`, `relations`, `actions`, ... next to the charm type: rename \
         yours, or keep the generated items in a module of their own with \
         `#[charm(module = {shown})]` and write `{shown}::Config`, `{shown}::relations::...`"
    );
    let config_message =
        format!("`Config` here is not the config type `#[charm]` generated for charm `{charm}`");
    let config_label = "another `Config` in this module hides the generated one";
    // A module of the user's hides a generated one the same way; a path into it cannot fall back
    // on anything, so this one is rustc's "cannot find type `__CharmModule` in module `relations`"
    // at `#[charm]` (an import with a fallback would be ambiguous where an outer scope has the
    // same name).
    let module_checks = modules.iter().filter(|(_, used)| *used).map(|(m, _)| {
        let m = syn::Ident::new(m, Span::call_site());
        quote!(let _: #m::__CharmModule = #module::#m::__CharmModule;)
    });
    quote! {
        #[doc(hidden)]
        #[allow(dead_code, clippy::all)]
        pub mod #module {
            #items
            #alias
        }

        #[allow(unused_imports)]
        pub use #module::*;

        // A `Config` or module of the user's own hides the generated one silently (a glob import
        // yields to any other item): then one error here names the clash and the fix.
        #[allow(dead_code, unused_imports, clippy::all)]
        const _: () = {
            #[diagnostic::on_unimplemented(message = #config_message, label = #config_label, note = #fix)]
            trait GeneratedConfig {}
            impl GeneratedConfig for #module::Config {}
            fn generated<T: GeneratedConfig>() {}
            let _ = generated::<Config>;
            #(#module_checks)*
        };
    }
}

/// On error: the impl block without its `#[on]` attributes, every error, and a stub `Charm` impl so
/// that code using the charm type does not add a cascade of unrelated errors.
///
/// The methods keep their signatures (code calling them still type-checks) but lose their bodies:
/// without the generated module, a handler's `ctx.config()?.port` or `relations::Db` would each add
/// an error about code the user did not get wrong, so the one real error would drown.
fn fallback(imp: &ItemImpl, krate: &TokenStream, errors: Errors) -> TokenStream {
    let errs = errors.to_compile_errors();
    let mut imp = imp.clone();
    for item in imp.items.iter_mut() {
        if let syn::ImplItem::Fn(f) = item {
            f.attrs
                .push(syn::parse_quote!(#[allow(unused_variables, unused_mut, dead_code)]));
            f.block =
                syn::parse_quote!({ ::core::unreachable!("#[charm] reported a compile error") });
        }
    }
    let ty = &imp.self_ty;
    let stub = if imp.trait_.is_none() && imp.generics.params.is_empty() {
        quote! {
            #[automatically_derived]
            #[allow(unreachable_code, unused_variables)]
            impl #krate::Charm for #ty {
                type Config = ();
                const TYPE_NAME: &'static str = "";
                const HANDLERS: &'static [#krate::Handler] = &[];
                fn meta() -> &'static #krate::meta::CharmMeta {
                    ::core::unreachable!()
                }
                fn call_handler(
                    &mut self,
                    _method: &str,
                    _ctx: &mut #krate::Context<Self>,
                    _event: &#krate::events::EventSnapshot,
                ) -> ::core::result::Result<bool, #krate::HandlerError> {
                    ::core::unreachable!()
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        #errs
        #imp
        #stub
    }
}

/// The event type a handler of `kind` receives.
fn event_type(
    binding: &Binding,
    meta: &CharmMeta,
    krate: &TokenStream,
    module: &syn::Ident,
) -> TokenStream {
    let e = quote!(#krate::events);
    match &binding.event {
        Bound::Custom(p) => quote!(#e::CustomEvent<#p>),
        Bound::Framework(_) => quote!(#e::HookEvent),
        Bound::Juju(ev) => match ev.kind {
            EventKind::RelationCreated
            | EventKind::RelationJoined
            | EventKind::RelationChanged
            | EventKind::RelationDeparted
            | EventKind::RelationBroken => quote!(#e::RelationEvent),
            EventKind::StorageAttached | EventKind::StorageDetaching => quote!(#e::StorageEvent),
            EventKind::PebbleReady => quote!(#e::PebbleReadyEvent),
            EventKind::PebbleCustomNotice => quote!(#e::PebbleNoticeEvent),
            EventKind::PebbleCheckFailed | EventKind::PebbleCheckRecovered => {
                quote!(#e::PebbleCheckEvent)
            }
            EventKind::SecretChanged
            | EventKind::SecretRotate
            | EventKind::SecretRemove
            | EventKind::SecretExpired => quote!(#e::SecretEvent),
            EventKind::CollectMetrics => quote!(#e::CollectMetricsEvent),
            EventKind::CollectAppStatus | EventKind::CollectUnitStatus => {
                quote!(#e::CollectStatusEvent)
            }
            EventKind::Action => {
                let action = ev.source.as_deref().and_then(|name| meta.action(name));
                match action {
                    Some(a) => {
                        let p = items::params_ident(a);
                        quote!(#e::ActionEvent<#module::actions::#p>)
                    }
                    None => quote!(#e::ActionEvent<()>),
                }
            }
            _ => quote!(#e::HookEvent),
        },
    }
}

/// What a handler's event parameter needs.
enum EventTypeCheck {
    /// It is syntactically the type the event delivers: a plain `let` (a wrong `ActionEvent<...>`
    /// argument is left to rustc's `mismatched types`).
    Right,
    /// It is syntactically another of ops' event types: this error, and no call.
    Wrong(TokenStream),
    /// An alias or another type: the `let` goes through a trait implemented only for the type the
    /// event delivers, whose `#[diagnostic::on_unimplemented]` gives the same message.
    Typed(TokenStream),
}

/// Check the event type a handler takes, `written`, against the one its event delivers, so a wrong
/// type gets one error that names the right type and the signature to write (rustc's own
/// `expected &A, found &B` reads backwards from the handler's side and suggests nothing).
fn check_event_type(
    binding: &Binding,
    meta: &CharmMeta,
    placement: &Placement,
    written: &syn::Type,
    ev_ty: &TokenStream,
) -> EventTypeCheck {
    let method = &binding.handler.method;
    let event = binding.event_name();
    let expected = shown_event_type(binding, meta, placement);
    let written_base = event_type_name(written);
    let expected_base = expected.split('<').next().unwrap_or(&expected);
    if written_base.as_deref() == Some(expected_base) {
        return EventTypeCheck::Right;
    }
    let written_shown = written
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace(',', ", ");
    let message = format!(
        "handler `{method}` handles `{event}`, whose event type is `{expected}`, \
         not `{written_shown}`"
    );
    let label = format!("expected `&{expected}` here");
    let note = format!(
        "write the handler as: fn {method}(&mut self, ctx: &mut Context<Self>, event: &{expected})"
    );
    if written_base.is_some() {
        let err = syn::Error::new_spanned(written, format!("{message}\n  help: {note}"));
        return EventTypeCheck::Wrong(err.to_compile_error());
    }
    // `{` and `}` are format syntax in `on_unimplemented` strings.
    let escape = |s: String| s.replace('{', "{{").replace('}', "}}");
    let (message, label, note) = (escape(message), escape(label), escape(note));
    let check =
        quote_spanned!(written.span()=> <#written as HandlerEventIs<#ev_ty>>::__same(&__ev));
    EventTypeCheck::Typed(quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait HandlerEventIs<T> {
            fn __same(event: &T) -> &Self;
        }
        impl<T> HandlerEventIs<T> for T {
            fn __same(event: &T) -> &T {
                event
            }
        }
        let __ev_ref: &#written = #check;
    })
}

/// The event types of ops a handler can take (`ops_core::events`).
const EVENT_TYPES: &[&str] = &[
    "HookEvent",
    "RelationEvent",
    "StorageEvent",
    "PebbleReadyEvent",
    "PebbleNoticeEvent",
    "PebbleCheckEvent",
    "SecretEvent",
    "CollectMetricsEvent",
    "ActionEvent",
    "CustomEvent",
];

/// The name of ops' event type `written` names syntactically, if it does (`HookEvent`,
/// `ops_core::events::RelationEvent`, `ActionEvent<...>`); `None` for an alias or another type,
/// which only the type checker can compare.
fn event_type_name(written: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = written else {
        return None;
    };
    let last = p.path.segments.last()?.ident.to_string();
    (p.qself.is_none() && EVENT_TYPES.contains(&last.as_str())).then_some(last)
}

/// The event type a handler of `binding` receives, as a user writes it (for messages).
fn shown_event_type(binding: &Binding, meta: &CharmMeta, placement: &Placement) -> String {
    let module = syn::Ident::new("__module", Span::call_site());
    let ty = event_type(binding, meta, &quote!(__krate), &module)
        .to_string()
        .replace(' ', "");
    ty.strip_prefix("__krate::events::")
        .unwrap_or(&ty)
        .replace("__module::", &placement.shown_prefix())
        .replace(',', ", ")
}

fn generate(
    imp: &ItemImpl,
    krate: &TokenStream,
    placement: &Placement,
    loaded: &files::Loaded,
    bindings: &[Binding],
    options: TokenStream,
) -> TokenStream {
    let meta = &loaded.meta;
    let module = &placement.module();
    let ty = &imp.self_ty;
    let type_name = match &**ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        other => other.to_token_stream().to_string(),
    };
    let meta_value = meta::meta_tokens(meta, &quote!(#krate::meta));
    let config = items::config(meta, krate);
    let endpoints = items::endpoints(meta, krate);
    let actions = items::actions(meta, krate);
    let includes = loaded.files.iter().map(|f| {
        let p = f.to_string_lossy().into_owned();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#p);
        )
    });

    let table = bindings.iter().map(|b| {
        let event = b.event_name();
        let method = b.handler.method.to_string();
        quote!(#krate::Handler { event: #event, method: #method })
    });
    let arms = bindings.iter().map(|b| {
        let event = b.event_name();
        let method_ident = &b.handler.method;
        let method = method_ident.to_string();
        let ev_ty = event_type(b, meta, krate, module);
        let user_ty = b
            .handler
            .event_ty
            .as_ref()
            .map(|t| t.to_token_stream())
            .unwrap_or_else(|| ev_ty.clone());
        let user_span = b
            .handler
            .event_ty
            .as_ref()
            .map(|t| t.span())
            .unwrap_or(b.span);
        let plain = quote_spanned!(user_span=> let __ev_ref: &#user_ty = &__ev;);
        let call = quote_spanned!(method_ident.span()=> Self::#method_ident(self, __ctx, __ev_ref));
        let typed = match &b.handler.event_ty {
            Some(written) => match check_event_type(b, meta, placement, written, &ev_ty) {
                EventTypeCheck::Right => plain,
                EventTypeCheck::Typed(typed) => typed,
                EventTypeCheck::Wrong(err) => {
                    return quote! {
                        (#event, #method) => {
                            #err
                            ::core::unreachable!()
                        }
                    };
                }
            },
            None => plain,
        };
        quote! {
            (#event, #method) => {
                let __ev = <#ev_ty as #krate::events::FromSnapshot>::restore(__ctx, __event)
                    .map_err(|e| #krate::HandlerError::new(#method, e))?;
                #typed
                let __res = #call;
                #krate::IntoHandlerResult::into_handler_result(__res)
                    .map_err(|e| #krate::HandlerError::new(#method, e))?;
                ::core::result::Result::Ok(#krate::events::Event::is_deferred(&__ev))
            }
        }
    });
    // Juju ignores unknown keys, so they are accepted; each is reported as a warning, the one
    // kind a proc macro can raise on stable Rust: the use of a deprecated item whose note is the
    // message (`#![allow(deprecated)]` in the enclosing module silences it; `#![deny(deprecated)]`
    // makes it an error).
    let warnings = loaded.warnings.iter().map(|w| {
        let note = w.to_string();
        quote_spanned! {loaded.span=>
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_camel_case_types)]
                struct charm_yaml_warning;
                let _ = charm_yaml_warning;
            };
        }
    });
    let module_doc = format!(
        " Items generated by `#[charm]` from the metadata of charm `{}`.",
        meta.name
    );
    let files_doc = format!(
        " Read from: {}.",
        loaded
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| format!("`{}`", n.to_string_lossy())))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let items = quote! {
        #(#includes)*

        /// The charm's metadata, embedded at compile time.
        pub static META: #krate::meta::CharmMeta = #meta_value;

        #config
        #endpoints
        #actions
    };
    let placed = match placement {
        Placement::Module(_) => quote! {
            #[doc = #module_doc]
            #[doc = ""]
            #[doc = #files_doc]
            #[allow(dead_code, clippy::all)]
            pub mod #module {
                #items
            }
        },
        Placement::Flat(name) => flat_items(meta, name, module, &items),
    };
    quote! {
        #imp

        #(#warnings)*

        #placed

        #[automatically_derived]
        impl #krate::Charm for #ty {
            type Config = #module::Config;
            const TYPE_NAME: &'static str = #type_name;
            const HANDLERS: &'static [#krate::Handler] = &[#(#table),*];
            #options

            fn meta() -> &'static #krate::meta::CharmMeta {
                &#module::META
            }

            #[allow(unreachable_code, clippy::match_single_binding)]
            fn call_handler(
                &mut self,
                __method: &str,
                __ctx: &mut #krate::Context<Self>,
                __event: &#krate::events::EventSnapshot,
            ) -> ::core::result::Result<bool, #krate::HandlerError> {
                match (__event.name.as_str(), __method) {
                    #(#arms)*
                    _ => ::core::result::Result::Err(#krate::HandlerError::unknown_method(__method)),
                }
            }
        }
    }
}
