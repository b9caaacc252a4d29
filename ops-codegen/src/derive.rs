//! The derive macros: `StoredState`, `RelationData` and `CustomEvent`.

use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Fields, LitStr, Token};

/// Options shared by the derives: `#[<helper>(crate = "...", key = "...", rename_all = "...")]`.
#[derive(Default)]
struct ContainerOpts {
    krate: Option<syn::Path>,
    key: Option<LitStr>,
    rename_all: Option<LitStr>,
    encoding: Option<LitStr>,
}

fn container_opts(
    input: &DeriveInput,
    helper: &str,
    allowed: &[&str],
    errors: &mut Errors,
) -> ContainerOpts {
    let mut opts = ContainerOpts::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(helper)) {
        let parsed =
            attr.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated);
        let list = match parsed {
            Ok(l) => l,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for nv in list {
            let key = nv.path.to_token_stream().to_string();
            let lit = match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.clone(),
                other => {
                    errors.spanned(
                        other,
                        format!("#[{helper}({key} = ...)] expects a string literal"),
                    );
                    continue;
                }
            };
            if !allowed.contains(&key.as_str()) {
                errors.spanned(
                    &nv.path,
                    format!(
                        "unknown #[{helper}] option `{key}` (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
                continue;
            }
            match key.as_str() {
                "crate" => match lit.parse::<syn::Path>() {
                    Ok(p) => opts.krate = Some(p),
                    Err(_) => errors.spanned(&lit, "expected a path such as \"::ops_core\""),
                },
                "key" => opts.key = Some(lit),
                "encoding" => {
                    if !matches!(lit.value().as_str(), "raw" | "json") {
                        errors.spanned(
                            &lit,
                            "encoding must be \"raw\" (strings as they are, the default) or \"json\" \
                             (every field JSON-encoded, as ops 3's Relation.save/load)",
                        );
                    }
                    opts.encoding = Some(lit)
                }
                "rename_all" => {
                    let v = lit.value();
                    if !matches!(v.as_str(), "kebab-case" | "snake_case") {
                        errors.spanned(&lit, "rename_all must be \"kebab-case\" or \"snake_case\"");
                    }
                    opts.rename_all = Some(lit)
                }
                _ => {}
            }
        }
    }
    opts
}

fn krate_of(opts: &ContainerOpts) -> TokenStream {
    opts.krate
        .as_ref()
        .map(|p| p.to_token_stream())
        .unwrap_or_else(|| quote!(::ops_core))
}

/// `#[derive(StoredState)]`.
pub fn stored_state(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let opts = container_opts(&input, "stored", &["crate", "key"], &mut errors);
    let krate = krate_of(&opts);
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let key = opts
        .key
        .as_ref()
        .map(|k| k.value())
        .unwrap_or_else(|| format!("{name}/StoredStateData[_stored]"));
    let stateless = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Unit => Some(quote!(#name)),
            Fields::Named(f) if f.named.is_empty() => Some(quote!(#name {})),
            Fields::Unnamed(f) if f.unnamed.is_empty() => Some(quote!(#name())),
            _ => None,
        },
        _ => None,
    };
    if let Some(e) = errors.combined() {
        return e.to_compile_error();
    }
    let stateful = stateless.is_none();
    let body = match stateless {
        Some(ctor) => quote! {
            const STATEFUL: bool = false;
            fn from_stored(_bytes: ::core::option::Option<&[u8]>) -> ::core::result::Result<Self, #krate::stored::StateError> {
                ::core::result::Result::Ok(#ctor)
            }
            fn to_stored(&self) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::stored::StateError> {
                ::core::result::Result::Ok(::std::vec::Vec::new())
            }
        },
        None => quote! {
            const STATEFUL: bool = true;
            fn from_stored(bytes: ::core::option::Option<&[u8]>) -> ::core::result::Result<Self, #krate::stored::StateError> {
                #krate::stored::decode_json(<Self as #krate::StoredState>::KEY, bytes)
            }
            fn to_stored(&self) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::stored::StateError> {
                #krate::stored::encode_json(<Self as #krate::StoredState>::KEY, self)
            }
        },
    };
    if stateful && input.generics.params.is_empty() {
        return stored_state_checked(&krate, name, &key);
    }
    quote! {
        #[automatically_derived]
        impl #impl_g #krate::StoredState for #name #ty_g #where_g {
            const KEY: &'static str = #key;
            #body
        }
    }
}

/// `StoredState` for a struct with fields and no generic parameters: the JSON functions come from
/// [`serde_probe`], so a struct without the serde derives gets one error naming them.
fn stored_state_checked(krate: &TokenStream, name: &syn::Ident, key: &str) -> TokenStream {
    let s = quote!(#krate::stored);
    let serde = quote!(#krate::__private::serde);
    let message = format!(
        "`{name}` is the charm's stored state, saved as JSON between hooks: \
         it needs `#[derive(Default, Serialize, Deserialize)]`"
    );
    let label = format!("add `#[derive(Default, Serialize, Deserialize)]` to `{name}`");
    let note = "Serialize and Deserialize come from serde (Cargo.toml: serde with the `derive` \
                feature; then `use serde::[Deserialize, Serialize];`); Default gives the state \
                of the first hook";
    let note = note.replace('[', "{{").replace(']', "}}");
    let probe = serde_probe(
        &quote!(#name),
        quote!(#serde::Serialize + #serde::de::DeserializeOwned + ::core::default::Default),
        quote!(__OpsJson(#s::decode_json::<T>, #s::encode_json::<T>)),
        name.span(),
        &message,
        &label,
        &note,
    );
    quote! {
        const _: () = {
            #[doc(hidden)]
            struct __OpsJson<T>(
                fn(&'static str, ::core::option::Option<&[u8]>) -> ::core::result::Result<T, #s::StateError>,
                fn(&'static str, &T) -> ::core::result::Result<::std::vec::Vec<u8>, #s::StateError>,
            );
            #[allow(dead_code)]
            fn __ops_json() -> __OpsJson<#name> {
                #probe
            }
            #[automatically_derived]
            impl #krate::StoredState for #name {
                const KEY: &'static str = #key;
                const STATEFUL: bool = true;
                fn from_stored(bytes: ::core::option::Option<&[u8]>) -> ::core::result::Result<Self, #s::StateError> {
                    (__ops_json().0)(<Self as #krate::StoredState>::KEY, bytes)
                }
                fn to_stored(&self) -> ::core::result::Result<::std::vec::Vec<u8>, #s::StateError> {
                    (__ops_json().1)(<Self as #krate::StoredState>::KEY, self)
                }
            }
        };
    }
}

/// How a databag field is encoded.
#[derive(Clone, Copy, PartialEq)]
enum FieldCodec {
    /// `String` (raw encoding): stored as is.
    Raw,
    /// `Option<String>` (raw encoding): stored as is, absent when `None`.
    OptRaw,
    /// Any other `T` (raw encoding): compact JSON.
    Json,
    /// `Option<T>` (raw encoding): compact JSON, absent when `None`.
    OptJson,
    /// Any `T` (JSON encoding): JSON as Python's `json.dumps` writes it.
    PyJson,
    /// `Option<T>` (JSON encoding): as `PyJson`, `None` stored as `null`, absent read as `None`.
    PyOptJson,
}

fn is_string(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "String" && s.arguments.is_empty()))
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// `#[derive(RelationData)]`.
pub fn relation_data(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let opts = container_opts(
        &input,
        "databag",
        &["crate", "rename_all", "encoding"],
        &mut errors,
    );
    let krate = krate_of(&opts);
    let py_json = opts.encoding.as_ref().is_some_and(|l| l.value() == "json");
    let kebab = opts
        .rename_all
        .as_ref()
        .is_some_and(|l| l.value() == "kebab-case");
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => f.named.iter().cloned().collect::<Vec<_>>(),
            other => {
                errors.spanned(other, "#[derive(RelationData)] needs a struct with named fields (each field is a databag key)");
                Vec::new()
            }
        },
        _ => {
            errors.spanned(
                &input.ident,
                "#[derive(RelationData)] works on structs only",
            );
            Vec::new()
        }
    };
    let mut loads = Vec::new();
    let mut saves = Vec::new();
    let mut keys = Vec::new();
    // The JSON fields' functions, checked for the serde derives (see `serde_probe`).
    let mut probes = Vec::new();
    let mut probe_types: Vec<String> = Vec::new();
    let checked = input.generics.params.is_empty();
    let serde = quote!(#krate::__private::serde);
    for f in &fields {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut key = ident.to_string().trim_start_matches("r#").to_string();
        if kebab {
            key = key.replace('_', "-");
        }
        let mut force_json = false;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("databag")) {
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    key = lit.value();
                    Ok(())
                } else if meta.path.is_ident("json") {
                    force_json = true;
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown #[databag] field option (expected `rename = \"...\"` or `json`)",
                    ))
                }
            });
            if let Err(e) = res {
                errors.push(e);
            }
        }
        if keys.contains(&key) {
            errors.spanned(&ident, format!("two fields use the databag key `{key}`"));
        }
        keys.push(key.clone());
        let codec = match option_inner(&f.ty) {
            Some(_) if py_json => FieldCodec::PyOptJson,
            None if py_json => FieldCodec::PyJson,
            Some(inner) if is_string(inner) && !force_json => FieldCodec::OptRaw,
            Some(_) => FieldCodec::OptJson,
            None if is_string(&f.ty) && !force_json => FieldCodec::Raw,
            None => FieldCodec::Json,
        };
        let d = quote!(#krate::databag);
        let (load, save) = match codec {
            FieldCodec::Raw => (
                quote!(#d::get_raw(bag, #key)?),
                quote!(out.push((#key.to_string(), ::core::option::Option::Some(self.#ident.clone())));),
            ),
            FieldCodec::OptRaw => (
                quote!(#d::get_opt_raw(bag, #key)),
                quote!(out.push((#key.to_string(), self.#ident.clone()));),
            ),
            _ if checked => {
                // The type the JSON functions work on, and the one named in the error.
                let (json_ty, shown_ty) = match codec {
                    FieldCodec::OptJson => {
                        let inner = option_inner(&f.ty).unwrap_or(&f.ty);
                        (inner, inner)
                    }
                    FieldCodec::PyOptJson => (&f.ty, option_inner(&f.ty).unwrap_or(&f.ty)),
                    _ => (&f.ty, &f.ty),
                };
                let probed = json_ty.to_token_stream().to_string().replace(' ', "");
                let shown = shown_ty.to_token_stream().to_string().replace(' ', "");
                // One check (so at most one error) per JSON type.
                let known = probe_types.iter().position(|t| *t == probed);
                let fn_name =
                    quote::format_ident!("__ops_json_{}", known.unwrap_or(probe_types.len()));
                let message = format!(
                    "field `{ident}` of `{name}` is stored in the databag as JSON: its type \
                     `{shown}` needs `#[derive(Serialize, Deserialize)]`"
                );
                let label = format!("`{shown}` does not implement `Serialize` and `Deserialize`");
                let note = if py_json {
                    "with #[databag(encoding = \"json\")] every field is encoded as JSON with serde \
                     (Cargo.toml: serde with the `derive` feature)"
                } else {
                    "a `String` field is stored as is; any other type is encoded as JSON \
                     with serde (Cargo.toml: serde with the `derive` feature)"
                };
                let encode = if py_json {
                    quote!(#d::to_py_json::<T>)
                } else {
                    quote!(#d::to_json::<T>)
                };
                let probe = serde_probe(
                    &json_ty.to_token_stream(),
                    quote!(#serde::Serialize + #serde::de::DeserializeOwned),
                    quote!(__OpsJson(#d::get_json::<T>, #d::get_opt_json::<T>, #encode)),
                    syn::spanned::Spanned::span(&f.ty),
                    &message,
                    &label,
                    note,
                );
                if known.is_none() {
                    probe_types.push(probed.clone());
                    probes.push(quote! {
                        #[allow(dead_code)]
                        fn #fn_name() -> __OpsJson<#json_ty> {
                            #probe
                        }
                    });
                }
                match codec {
                    FieldCodec::OptJson => (
                        quote!((#fn_name().1)(bag, #key)?),
                        quote!(out.push((#key.to_string(), match &self.#ident {
                            ::core::option::Option::Some(v) => ::core::option::Option::Some((#fn_name().2)(#key, v)?),
                            ::core::option::Option::None => ::core::option::Option::None,
                        }));),
                    ),
                    // Absent and `null` are both `None`.
                    FieldCodec::PyOptJson => (
                        quote!((#fn_name().1)(bag, #key)?.flatten()),
                        quote!(out.push((#key.to_string(), ::core::option::Option::Some((#fn_name().2)(#key, &self.#ident)?)));),
                    ),
                    _ => (
                        quote!((#fn_name().0)(bag, #key)?),
                        quote!(out.push((#key.to_string(), ::core::option::Option::Some((#fn_name().2)(#key, &self.#ident)?)));),
                    ),
                }
            }
            FieldCodec::Json => (
                quote!(#d::get_json(bag, #key)?),
                quote!(out.push((#key.to_string(), ::core::option::Option::Some(#d::to_json(#key, &self.#ident)?)));),
            ),
            FieldCodec::OptJson => (
                quote!(#d::get_opt_json(bag, #key)?),
                quote!(out.push((#key.to_string(), match &self.#ident {
                    ::core::option::Option::Some(v) => ::core::option::Option::Some(#d::to_json(#key, v)?),
                    ::core::option::Option::None => ::core::option::Option::None,
                }));),
            ),
            FieldCodec::PyJson => (
                quote!(#d::get_json(bag, #key)?),
                quote!(out.push((#key.to_string(), ::core::option::Option::Some(#d::to_py_json(#key, &self.#ident)?)));),
            ),
            FieldCodec::PyOptJson => {
                let ty = &f.ty;
                (
                    quote!(#d::get_opt_json::<#ty>(bag, #key)?.flatten()),
                    quote!(out.push((#key.to_string(), ::core::option::Option::Some(#d::to_py_json(#key, &self.#ident)?)));),
                )
            }
        };
        loads.push(quote!(#ident: #load));
        saves.push(save);
    }
    if let Some(e) = errors.combined() {
        return e.to_compile_error();
    }
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let dmod = quote!(#krate::databag);
    let encoding = if py_json {
        quote!(#dmod::Encoding::Json)
    } else {
        quote!(#dmod::Encoding::Raw)
    };
    let json_fns = if probes.is_empty() {
        quote!()
    } else {
        quote! {
            #[doc(hidden)]
            struct __OpsJson<T>(
                fn(&::std::collections::BTreeMap<::std::string::String, ::std::string::String>, &str) -> ::core::result::Result<T, #dmod::DatabagError>,
                fn(&::std::collections::BTreeMap<::std::string::String, ::std::string::String>, &str) -> ::core::result::Result<::core::option::Option<T>, #dmod::DatabagError>,
                fn(&str, &T) -> ::core::result::Result<::std::string::String, #dmod::DatabagError>,
            );
            #(#probes)*
        }
    };
    quote! {
        const _: () = {
        #json_fns
        #[automatically_derived]
        impl #impl_g #krate::databag::RelationData for #name #ty_g #where_g {
            const KEYS: &'static [&'static str] = &[#(#keys),*];
            const ENCODING: #dmod::Encoding = #encoding;
            fn from_databag(
                bag: &::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
            ) -> ::core::result::Result<Self, #krate::databag::DatabagError> {
                ::core::result::Result::Ok(#name { #(#loads,)* })
            }
            fn to_databag(
                &self,
            ) -> ::core::result::Result<
                ::std::vec::Vec<(::std::string::String, ::core::option::Option<::std::string::String>)>,
                #krate::databag::DatabagError,
            > {
                let mut out = ::std::vec::Vec::new();
                #(#saves)*
                ::core::result::Result::Ok(out)
            }
        }
        };
    }
}

/// `#[derive(CustomEvent)]`.
pub fn custom_event(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let opts = container_opts(&input, "custom_event", &["crate"], &mut errors);
    if let Some(e) = errors.combined() {
        return e.to_compile_error();
    }
    let krate = krate_of(&opts);
    let name = &input.ident;
    let event_name = format!("custom:{name}");
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_g #krate::events::CustomEventData for #name #ty_g #where_g {
            const NAME: &'static str = #event_name;
        }
    }
}

/// Juju's rule for action result keys (ops checks it at run time; we check it at compile time):
/// lowercase letters and digits, with `-` and `.` inside.
pub fn is_valid_result_key(key: &str) -> bool {
    let end_ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let inner_ok = |c: char| end_ok(c) || c == '-' || c == '.';
    let mut chars = key.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), None) => end_ok(first),
        (Some(first), Some(last)) => end_ok(first) && end_ok(last) && chars.all(inner_ok),
        _ => false,
    }
}

/// `#[derive(ActionResults)]`: serializes the struct as action results, each field a key
/// (`_` becomes `-`, or `#[result(rename = "...")]`), every key checked against Juju's rule at
/// compile time. Nested values are flattened to dotted keys by `set_results`.
pub fn action_results(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let opts = container_opts(&input, "results", &["crate"], &mut errors);
    let krate = krate_of(&opts);
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => f.named.iter().cloned().collect::<Vec<_>>(),
            other => {
                errors.spanned(
                    other,
                    "#[derive(ActionResults)] needs a struct with named fields (each field is a result key)",
                );
                Vec::new()
            }
        },
        _ => {
            errors.spanned(
                &input.ident,
                "#[derive(ActionResults)] works on structs only",
            );
            Vec::new()
        }
    };
    let mut entries = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for f in &fields {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut key = ident.to_string().trim_start_matches("r#").replace('_', "-");
        let mut key_span = ident.span();
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("result")) {
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    key = lit.value();
                    key_span = lit.span();
                    Ok(())
                } else {
                    Err(meta.error("unknown #[result] option (expected `rename = \"...\"`)"))
                }
            });
            if let Err(e) = res {
                errors.push(e);
            }
        }
        if !is_valid_result_key(&key) {
            errors.error(
                key_span,
                format!(
                    "`{key}` is not a valid action result key: Juju wants lowercase letters and digits, \
                     with `-` or `.` inside (rename it with #[result(rename = \"...\")])"
                ),
            );
        }
        if keys.contains(&key) {
            errors.error(key_span, format!("two fields use the result key `{key}`"));
        }
        keys.push(key.clone());
        entries.push(quote!(#krate::__private::serde::ser::SerializeMap::serialize_entry(&mut map, #key, &self.#ident)?;));
    }
    if let Some(e) = errors.combined() {
        return e.to_compile_error();
    }
    let n = entries.len();
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_g #krate::__private::serde::Serialize for #name #ty_g #where_g {
            fn serialize<S: #krate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(::core::option::Option::Some(#n))?;
                #(#entries)*
                #krate::__private::serde::ser::SerializeMap::end(map)
            }
        }
    }
}

/// A function body producing `__OpsJson<ty>` (a struct of the JSON functions for `ty`, declared by
/// the caller) that checks the serde derives with one clear error when they are missing.
///
/// Calling `decode_json::<T>` and `encode_json::<T>` directly would report serde's generic trait
/// error once per call (and per missing trait). Here the functions are picked by autoref
/// specialisation: `__Probe<T>` has the real functions when `T` has the derives, and `&__Probe<T>`
/// otherwise gives `SerdeDerivesMissing`, whose only use is a bound on a trait with
/// `#[diagnostic::on_unimplemented]`: one error, with our message, at `span`. Only for types
/// without generic parameters (a generic `T` always takes the `SerdeDerivesMissing` path).
fn serde_probe(
    ty: &TokenStream,
    bounds: TokenStream,
    good: TokenStream,
    span: proc_macro2::Span,
    message: &str,
    label: &str,
    note: &str,
) -> TokenStream {
    let check = quote::quote_spanned! {span=>
        HasSerdeDerives::<#ty>::__codec(__picked)
    };
    quote! {
        struct __Probe<T>(::core::marker::PhantomData<T>);
        struct SerdeDerivesMissing;
        trait __Good<T> {
            fn __pick(&self) -> __OpsJson<T>;
        }
        impl<T: #bounds> __Good<T> for __Probe<T> {
            fn __pick(&self) -> __OpsJson<T> {
                #good
            }
        }
        trait __Bad {
            fn __pick(&self) -> SerdeDerivesMissing;
        }
        impl<T> __Bad for &__Probe<T> {
            fn __pick(&self) -> SerdeDerivesMissing {
                SerdeDerivesMissing
            }
        }
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait HasSerdeDerives<T> {
            fn __codec(self) -> __OpsJson<T>;
        }
        impl<T> HasSerdeDerives<T> for __OpsJson<T> {
            fn __codec(self) -> __OpsJson<T> {
                self
            }
        }
        let __picked = (&__Probe::<#ty>(::core::marker::PhantomData)).__pick();
        #check
    }
}
