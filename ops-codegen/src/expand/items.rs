//! Typed items generated from the metadata: config, relations, storages, containers, resources,
//! actions and their params.

use super::names::{doc, field_ident, type_ident};
use ops_metadata::*;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

fn config_type(kind: ConfigType) -> TokenStream {
    match kind {
        ConfigType::String | ConfigType::Secret => quote!(::std::string::String),
        ConfigType::Int => quote!(i64),
        ConfigType::Float => quote!(f64),
        ConfigType::Boolean => quote!(bool),
    }
}

fn config_default(v: &ConfigValue) -> TokenStream {
    match v {
        ConfigValue::String(s) => {
            let s: &str = s;
            quote!(::std::string::String::from(#s))
        }
        ConfigValue::Int(i) => quote!(#i),
        ConfigValue::Float(f) => {
            let f = if f.is_finite() { *f } else { 0.0 };
            quote!(#f)
        }
        ConfigValue::Boolean(b) => quote!(#b),
    }
}

/// The typed `Config` struct.
pub fn config(meta: &CharmMeta, krate: &TokenStream) -> TokenStream {
    let serde_path = quote!(#krate::__private::serde)
        .to_string()
        .replace(' ', "");
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    for o in meta.config.iter() {
        let ident = field_ident(&o.name);
        let name: &str = &o.name;
        let ty = config_type(o.kind);
        let kind = o.kind.yaml_name();
        let d = doc(&o.description, "(no description)");
        let default_doc = match &o.default {
            Some(ConfigValue::String(s)) => format!("Default: `{s:?}`."),
            Some(ConfigValue::Int(i)) => format!("Default: `{i}`."),
            Some(ConfigValue::Float(f)) => format!("Default: `{f}`."),
            Some(ConfigValue::Boolean(b)) => format!("Default: `{b}`."),
            None => "No default: `None` until set.".to_string(),
        };
        let head = format!(" `{name}` ({kind}). {default_doc}");
        let (field_ty, default) = match &o.default {
            Some(v) => (ty, config_default(v)),
            None => (
                quote!(::core::option::Option<#ty>),
                quote!(::core::option::Option::None),
            ),
        };
        let serde_default = if o.default.is_none() {
            quote!(#[serde(default)])
        } else {
            quote!()
        };
        fields.push(quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = #head]
            #[serde(rename = #name)]
            #serde_default
            pub #ident: #field_ty
        });
        defaults.push(quote!(#ident: #default));
    }
    let struct_doc = format!(
        " The typed config of charm `{}`, generated from its config options.",
        meta.name
    );
    quote! {
        #[doc = #struct_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq,
                 #krate::__private::serde::Deserialize, #krate::__private::serde::Serialize)]
        #[serde(crate = #serde_path)]
        pub struct Config {
            #(#fields,)*
        }

        impl ::core::default::Default for Config {
            /// Every option at its default (options without a default are `None`).
            fn default() -> Self {
                Config { #(#defaults,)* }
            }
        }
    }
}

/// Marker types for relations, storages, containers and resources.
pub fn endpoints(meta: &CharmMeta, krate: &TokenStream) -> TokenStream {
    let m = quote!(#krate::meta);
    let relations = meta.relations.iter().map(|r| {
        let ty = type_ident(&r.name, "");
        let name: &str = &r.name;
        let interface: &str = &r.interface;
        let (role, role_s) = match r.role {
            RelationRole::Requires => (quote!(#m::RelationRole::Requires), "requires"),
            RelationRole::Provides => (quote!(#m::RelationRole::Provides), "provides"),
            RelationRole::Peer => (quote!(#m::RelationRole::Peer), "peers"),
        };
        let limit = match r.limit {
            Some(l) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None),
        };
        let scope = match r.scope {
            RelationScope::Global => quote!(#m::RelationScope::Global),
            RelationScope::Container => quote!(#m::RelationScope::Container),
        };
        let d = format!(
            " The `{name}` relation endpoint ({role_s}, interface `{interface}`{}).",
            r.limit.map(|l| format!(", limit {l}")).unwrap_or_default()
        );
        let desc = doc(&r.description, "");
        quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = #desc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
            pub struct #ty;
            impl #krate::endpoints::RelationEndpoint for #ty {
                const NAME: &'static str = #name;
                const ROLE: #m::RelationRole = #role;
                const INTERFACE: &'static str = #interface;
                const LIMIT: ::core::option::Option<u32> = #limit;
                const SCOPE: #m::RelationScope = #scope;
            }
        }
    });
    let storages = meta.storages.iter().map(|s| {
        let ty = type_ident(&s.name, "");
        let name: &str = &s.name;
        let d = format!(" The `{name}` storage.");
        let desc = doc(&s.description, "");
        let multiple = s.multiple.is_some();
        quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = #desc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
            pub struct #ty;
            impl #krate::endpoints::StorageEndpoint for #ty {
                const NAME: &'static str = #name;
                const MULTIPLE: bool = #multiple;
            }
        }
    });
    let containers = meta.containers.iter().map(|c| {
        let ty = type_ident(&c.name, "");
        let name: &str = &c.name;
        let d = format!(" The `{name}` workload container.");
        quote! {
            #[doc = #d]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
            pub struct #ty;
            impl #krate::endpoints::ContainerEndpoint for #ty {
                const NAME: &'static str = #name;
            }
        }
    });
    let resources = meta.resources.iter().map(|r| {
        let ty = type_ident(&r.name, "");
        let name: &str = &r.name;
        let d = format!(" The `{name}` resource.");
        let desc = doc(&r.description, "");
        quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = #desc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
            pub struct #ty;
            impl #krate::endpoints::ResourceEndpoint for #ty {
                const NAME: &'static str = #name;
            }
        }
    });
    quote! {
        /// The charm's relation endpoints.
        pub mod relations {
            #[doc(hidden)]
            pub struct __CharmModule;
            #(#relations)*
        }
        /// The charm's storages.
        pub mod storages {
            #[doc(hidden)]
            pub struct __CharmModule;
            #(#storages)*
        }
        /// The charm's workload containers.
        pub mod containers {
            #[doc(hidden)]
            pub struct __CharmModule;
            #(#containers)*
        }
        /// The charm's resources.
        pub mod resources {
            #[doc(hidden)]
            pub struct __CharmModule;
            #(#resources)*
        }
    }
}

fn param_type(kind: ParamType, krate: &TokenStream) -> TokenStream {
    match kind {
        ParamType::String => quote!(::std::string::String),
        ParamType::Integer => quote!(i64),
        ParamType::Number => quote!(f64),
        ParamType::Boolean => quote!(bool),
        ParamType::Array => quote!(::std::vec::Vec<#krate::__private::serde_json::Value>),
        ParamType::Object => {
            quote!(#krate::__private::serde_json::Map<::std::string::String, #krate::__private::serde_json::Value>)
        }
        ParamType::Any => quote!(#krate::__private::serde_json::Value),
    }
}

/// The name of the params type of `action`.
pub fn params_ident(action: &ActionMeta) -> proc_macro2::Ident {
    type_ident(&action.name, "Params")
}

/// Action marker types and typed params.
pub fn actions(meta: &CharmMeta, krate: &TokenStream) -> TokenStream {
    let serde_path = quote!(#krate::__private::serde)
        .to_string()
        .replace(' ', "");
    let items: Vec<TokenStream> = meta.actions.iter().map(|a| {
        // The schema defaults, as associated functions of the params type: named after the field
        // alone, so they cannot collide across actions (`set-tls`'s `key` and `set`'s `tls-key`).
        let mut defaults: Vec<TokenStream> = Vec::new();
        let ty = type_ident(&a.name, "");
        let params_ty = params_ident(a);
        let name: &str = &a.name;
        let d = format!(" The `{name}` action.");
        let desc = doc(&a.description, "");
        let fields = a.params.iter().map(|p| {
            let ident = field_ident(&p.name);
            let pname: &str = &p.name;
            let ty = param_type(p.kind, krate);
            // A nullable param (`type: [string, "null"]`) may be `null` even when required.
            let has_value = (p.required || p.default.is_some()) && !p.nullable;
            let field_ty = if has_value {
                ty.clone()
            } else {
                quote!(::core::option::Option<#ty>)
            };
            let pd = doc(&p.description, "(no description)");
            let extra = match (&p.default, p.required) {
                (_, true) => " Required.".to_string(),
                (Some(d), _) => format!(" Default: `{d}`."),
                (None, false) => " Optional.".to_string(),
            };
            // A defaulted param falls back to its schema default when absent (Juju fills it in;
            // a test harness or an older controller may not). The JSON was checked against the
            // type at compile time, so it decodes.
            let serde_default = match (&p.default, p.required) {
                (Some(json), false) => {
                    let f = quote::format_ident!("__default_{}", ident.unraw());
                    let json: &str = json;
                    defaults.push(quote! {
                        #[doc(hidden)]
                        fn #f() -> #field_ty {
                            #krate::__private::serde_json::from_str(#json).unwrap_or_default()
                        }
                    });
                    let path = format!("{params_ty}::{f}");
                    quote!(#[serde(default = #path)])
                }
                _ if has_value => quote!(),
                _ => quote!(#[serde(default)]),
            };
            quote! {
                #[doc = #pd]
                #[doc = ""]
                #[doc = #extra]
                #[serde(rename = #pname)]
                #serde_default
                pub #ident: #field_ty
            }
        });
        let deny = if a.additional_properties {
            quote!()
        } else {
            quote!(#[serde(deny_unknown_fields)])
        };
        let pdoc = format!(" The params of the `{name}` action.");
        quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = #desc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
            pub struct #ty;
            impl #krate::endpoints::ActionEndpoint for #ty {
                const NAME: &'static str = #name;
                type Params = #params_ty;
            }
            #[doc = #pdoc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq,
                     #krate::__private::serde::Deserialize, #krate::__private::serde::Serialize)]
            #[serde(crate = #serde_path)]
            #deny
            pub struct #params_ty {
                #(#fields,)*
            }
            impl #params_ty {
                #(#defaults)*
            }
        }
    }).collect();
    quote! {
        /// The charm's actions and their typed params.
        pub mod actions {
            #[doc(hidden)]
            pub struct __CharmModule;
            #(#items)*
        }
    }
}
