//! The charm's metadata as a `static` the runtime reads (no YAML at run time).

use ops_metadata::*;
use proc_macro2::TokenStream;
use quote::quote;

fn s(v: &str) -> TokenStream {
    quote!(::std::borrow::Cow::Borrowed(#v))
}

fn opt_s(v: &Option<Str>) -> TokenStream {
    match v {
        Some(v) => {
            let t = s(v);
            quote!(::core::option::Option::Some(#t))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn list(items: Vec<TokenStream>) -> TokenStream {
    quote!(::std::borrow::Cow::Borrowed(&[#(#items),*]))
}

/// Tokens building `meta` in a const context, with `m` the path of the metadata module.
pub fn meta_tokens(meta: &CharmMeta, m: &TokenStream) -> TokenStream {
    let name = s(&meta.name);
    let summary = s(&meta.summary);
    let description = s(&meta.description);
    let subordinate = meta.subordinate;
    let series = list(meta.series.iter().map(|x| s(x)).collect());
    let min_juju = opt_s(&meta.min_juju_version);
    let assumes = list(meta.assumes.iter().map(|x| s(x)).collect());
    let relations = list(
        meta.relations
            .iter()
            .map(|r| {
                let name = s(&r.name);
                let role = match r.role {
                    RelationRole::Requires => quote!(#m::RelationRole::Requires),
                    RelationRole::Provides => quote!(#m::RelationRole::Provides),
                    RelationRole::Peer => quote!(#m::RelationRole::Peer),
                };
                let interface = s(&r.interface);
                let limit = match r.limit {
                    Some(l) => quote!(::core::option::Option::Some(#l)),
                    None => quote!(::core::option::Option::None),
                };
                let scope = match r.scope {
                    RelationScope::Global => quote!(#m::RelationScope::Global),
                    RelationScope::Container => quote!(#m::RelationScope::Container),
                };
                let optional = r.optional;
                let description = s(&r.description);
                quote!(#m::RelationMeta { name: #name, role: #role, interface: #interface, limit: #limit,
                    scope: #scope, optional: #optional, description: #description })
            })
            .collect(),
    );
    let storages = list(
        meta.storages
            .iter()
            .map(|st| {
                let name = s(&st.name);
                let kind = match st.kind {
                    StorageType::Filesystem => quote!(#m::StorageType::Filesystem),
                    StorageType::Block => quote!(#m::StorageType::Block),
                };
                let description = s(&st.description);
                let shared = st.shared;
                let read_only = st.read_only;
                let minimum_size = opt_s(&st.minimum_size);
                let location = opt_s(&st.location);
                let multiple = match st.multiple {
                    Some((a, Some(b))) => {
                        quote!(::core::option::Option::Some((#a, ::core::option::Option::Some(#b))))
                    }
                    Some((a, None)) => {
                        quote!(::core::option::Option::Some((#a, ::core::option::Option::None)))
                    }
                    None => quote!(::core::option::Option::None),
                };
                quote!(#m::StorageMeta { name: #name, kind: #kind, description: #description, shared: #shared,
                    read_only: #read_only, minimum_size: #minimum_size, location: #location, multiple: #multiple })
            })
            .collect(),
    );
    let containers = list(
        meta.containers
            .iter()
            .map(|c| {
                let name = s(&c.name);
                let resource = opt_s(&c.resource);
                let mounts = list(
                    c.mounts
                        .iter()
                        .map(|mt| {
                            let storage = s(&mt.storage);
                            let location = s(&mt.location);
                            quote!(#m::MountMeta { storage: #storage, location: #location })
                        })
                        .collect(),
                );
                quote!(#m::ContainerMeta { name: #name, resource: #resource, mounts: #mounts })
            })
            .collect(),
    );
    let resources = list(
        meta.resources
            .iter()
            .map(|r| {
                let name = s(&r.name);
                let kind = match r.kind {
                    ResourceType::File => quote!(#m::ResourceType::File),
                    ResourceType::OciImage => quote!(#m::ResourceType::OciImage),
                };
                let filename = opt_s(&r.filename);
                let description = s(&r.description);
                quote!(#m::ResourceMeta { name: #name, kind: #kind, filename: #filename, description: #description })
            })
            .collect(),
    );
    let extra_bindings = list(meta.extra_bindings.iter().map(|x| s(x)).collect());
    let config = list(
        meta.config
            .iter()
            .map(|o| {
                let name = s(&o.name);
                let kind = match o.kind {
                    ConfigType::String => quote!(#m::ConfigType::String),
                    ConfigType::Int => quote!(#m::ConfigType::Int),
                    ConfigType::Float => quote!(#m::ConfigType::Float),
                    ConfigType::Boolean => quote!(#m::ConfigType::Boolean),
                    ConfigType::Secret => quote!(#m::ConfigType::Secret),
                };
                let default = match &o.default {
                    None => quote!(::core::option::Option::None),
                    Some(ConfigValue::String(v)) => {
                        let v = s(v);
                        quote!(::core::option::Option::Some(#m::ConfigValue::String(#v)))
                    }
                    Some(ConfigValue::Int(v)) => {
                        quote!(::core::option::Option::Some(#m::ConfigValue::Int(#v)))
                    }
                    Some(ConfigValue::Float(v)) => {
                        let v = if v.is_finite() { *v } else { 0.0 };
                        quote!(::core::option::Option::Some(#m::ConfigValue::Float(#v)))
                    }
                    Some(ConfigValue::Boolean(v)) => {
                        quote!(::core::option::Option::Some(#m::ConfigValue::Boolean(#v)))
                    }
                };
                let description = s(&o.description);
                quote!(#m::ConfigOption { name: #name, kind: #kind, default: #default, description: #description })
            })
            .collect(),
    );
    let actions = list(
        meta.actions
            .iter()
            .map(|a| {
                let name = s(&a.name);
                let description = s(&a.description);
                let params = list(
                    a.params
                        .iter()
                        .map(|p| {
                            let name = s(&p.name);
                            let kind = param_kind(p.kind, m);
                            let description = s(&p.description);
                            let default = opt_s(&p.default);
                            let required = p.required;
                            let nullable = p.nullable;
                            quote!(#m::ActionParam { name: #name, kind: #kind, description: #description,
                                default: #default, required: #required, nullable: #nullable })
                        })
                        .collect(),
                );
                let ap = a.additional_properties;
                let title = opt_s(&a.title);
                quote!(#m::ActionMeta { name: #name, description: #description, title: #title,
                    params: #params, additional_properties: #ap })
            })
            .collect(),
    );
    quote! {
        #m::CharmMeta {
            name: #name,
            summary: #summary,
            description: #description,
            subordinate: #subordinate,
            series: #series,
            min_juju_version: #min_juju,
            assumes: #assumes,
            relations: #relations,
            storages: #storages,
            containers: #containers,
            resources: #resources,
            extra_bindings: #extra_bindings,
            config: #config,
            actions: #actions,
        }
    }
}

fn param_kind(kind: ParamType, m: &TokenStream) -> TokenStream {
    match kind {
        ParamType::String => quote!(#m::ParamType::String),
        ParamType::Integer => quote!(#m::ParamType::Integer),
        ParamType::Number => quote!(#m::ParamType::Number),
        ParamType::Boolean => quote!(#m::ParamType::Boolean),
        ParamType::Array => quote!(#m::ParamType::Array),
        ParamType::Object => quote!(#m::ParamType::Object),
        ParamType::Any => quote!(#m::ParamType::Any),
    }
}
