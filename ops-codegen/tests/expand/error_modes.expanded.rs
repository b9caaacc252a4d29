impl WebShop {
    fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
}
#[doc(hidden)]
#[allow(dead_code, clippy::all)]
pub mod __charm_web_shop {
    const _: &[u8] = ::core::include_bytes!(
        "$FIXTURE/metadata.yaml"
    );
    const _: &[u8] = ::core::include_bytes!(
        "$FIXTURE/config.yaml"
    );
    const _: &[u8] = ::core::include_bytes!(
        "$FIXTURE/actions.yaml"
    );
    /// The charm's metadata, embedded at compile time.
    pub static META: ::ops_core::meta::CharmMeta = ::ops_core::meta::CharmMeta {
        name: ::std::borrow::Cow::Borrowed("web-shop"),
        summary: ::std::borrow::Cow::Borrowed(
            "A fixture charm for the golden expansion tests.",
        ),
        description: ::std::borrow::Cow::Borrowed(
            "Declares one of everything the macro generates items for.\n",
        ),
        subordinate: false,
        series: ::std::borrow::Cow::Borrowed(&[]),
        min_juju_version: ::core::option::Option::None,
        assumes: ::std::borrow::Cow::Borrowed(&[]),
        relations: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::RelationMeta {
                    name: ::std::borrow::Cow::Borrowed("database"),
                    role: ::ops_core::meta::RelationRole::Requires,
                    interface: ::std::borrow::Cow::Borrowed("postgresql_client"),
                    limit: ::core::option::Option::Some(1u32),
                    scope: ::ops_core::meta::RelationScope::Global,
                    optional: false,
                    description: ::std::borrow::Cow::Borrowed("The shop's database."),
                },
                ::ops_core::meta::RelationMeta {
                    name: ::std::borrow::Cow::Borrowed("website"),
                    role: ::ops_core::meta::RelationRole::Provides,
                    interface: ::std::borrow::Cow::Borrowed("http"),
                    limit: ::core::option::Option::None,
                    scope: ::ops_core::meta::RelationScope::Global,
                    optional: false,
                    description: ::std::borrow::Cow::Borrowed(""),
                },
                ::ops_core::meta::RelationMeta {
                    name: ::std::borrow::Cow::Borrowed("shop-peers"),
                    role: ::ops_core::meta::RelationRole::Peer,
                    interface: ::std::borrow::Cow::Borrowed("shop_peers"),
                    limit: ::core::option::Option::None,
                    scope: ::ops_core::meta::RelationScope::Global,
                    optional: false,
                    description: ::std::borrow::Cow::Borrowed(""),
                },
            ],
        ),
        storages: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::StorageMeta {
                    name: ::std::borrow::Cow::Borrowed("data"),
                    kind: ::ops_core::meta::StorageType::Filesystem,
                    description: ::std::borrow::Cow::Borrowed("Uploaded images."),
                    shared: false,
                    read_only: false,
                    minimum_size: ::core::option::Option::None,
                    location: ::core::option::Option::Some(
                        ::std::borrow::Cow::Borrowed("/srv/data"),
                    ),
                    multiple: ::core::option::Option::None,
                },
            ],
        ),
        containers: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::ContainerMeta {
                    name: ::std::borrow::Cow::Borrowed("web"),
                    resource: ::core::option::Option::Some(
                        ::std::borrow::Cow::Borrowed("web-image"),
                    ),
                    mounts: ::std::borrow::Cow::Borrowed(
                        &[
                            ::ops_core::meta::MountMeta {
                                storage: ::std::borrow::Cow::Borrowed("data"),
                                location: ::std::borrow::Cow::Borrowed("/srv/data"),
                            },
                        ],
                    ),
                },
            ],
        ),
        resources: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::ResourceMeta {
                    name: ::std::borrow::Cow::Borrowed("web-image"),
                    kind: ::ops_core::meta::ResourceType::OciImage,
                    filename: ::core::option::Option::None,
                    description: ::std::borrow::Cow::Borrowed("The shop's OCI image."),
                },
            ],
        ),
        extra_bindings: ::std::borrow::Cow::Borrowed(&[]),
        config: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::ConfigOption {
                    name: ::std::borrow::Cow::Borrowed("shop-name"),
                    kind: ::ops_core::meta::ConfigType::String,
                    default: ::core::option::Option::Some(
                        ::ops_core::meta::ConfigValue::String(
                            ::std::borrow::Cow::Borrowed("My shop"),
                        ),
                    ),
                    description: ::std::borrow::Cow::Borrowed("Shown in page titles."),
                },
                ::ops_core::meta::ConfigOption {
                    name: ::std::borrow::Cow::Borrowed("port"),
                    kind: ::ops_core::meta::ConfigType::Int,
                    default: ::core::option::Option::Some(
                        ::ops_core::meta::ConfigValue::Int(8080i64),
                    ),
                    description: ::std::borrow::Cow::Borrowed("HTTP port."),
                },
                ::ops_core::meta::ConfigOption {
                    name: ::std::borrow::Cow::Borrowed("tax-rate"),
                    kind: ::ops_core::meta::ConfigType::Float,
                    default: ::core::option::Option::Some(
                        ::ops_core::meta::ConfigValue::Float(0.2f64),
                    ),
                    description: ::std::borrow::Cow::Borrowed(""),
                },
                ::ops_core::meta::ConfigOption {
                    name: ::std::borrow::Cow::Borrowed("debug"),
                    kind: ::ops_core::meta::ConfigType::Boolean,
                    default: ::core::option::Option::Some(
                        ::ops_core::meta::ConfigValue::Boolean(false),
                    ),
                    description: ::std::borrow::Cow::Borrowed(""),
                },
                ::ops_core::meta::ConfigOption {
                    name: ::std::borrow::Cow::Borrowed("api-key"),
                    kind: ::ops_core::meta::ConfigType::Secret,
                    default: ::core::option::Option::None,
                    description: ::std::borrow::Cow::Borrowed(
                        "A secret URI for the payment API.",
                    ),
                },
            ],
        ),
        actions: ::std::borrow::Cow::Borrowed(
            &[
                ::ops_core::meta::ActionMeta {
                    name: ::std::borrow::Cow::Borrowed("restock"),
                    description: ::std::borrow::Cow::Borrowed("Restock an item."),
                    title: ::core::option::Option::None,
                    params: ::std::borrow::Cow::Borrowed(
                        &[
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("item"),
                                kind: ::ops_core::meta::ParamType::String,
                                description: ::std::borrow::Cow::Borrowed(
                                    "The item's SKU.",
                                ),
                                default: ::core::option::Option::None,
                                required: true,
                                nullable: false,
                            },
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("quantity"),
                                kind: ::ops_core::meta::ParamType::Integer,
                                description: ::std::borrow::Cow::Borrowed(""),
                                default: ::core::option::Option::Some(
                                    ::std::borrow::Cow::Borrowed("1"),
                                ),
                                required: false,
                                nullable: false,
                            },
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("price"),
                                kind: ::ops_core::meta::ParamType::Number,
                                description: ::std::borrow::Cow::Borrowed(""),
                                default: ::core::option::Option::None,
                                required: false,
                                nullable: false,
                            },
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("express"),
                                kind: ::ops_core::meta::ParamType::Boolean,
                                description: ::std::borrow::Cow::Borrowed(""),
                                default: ::core::option::Option::None,
                                required: false,
                                nullable: false,
                            },
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("tags"),
                                kind: ::ops_core::meta::ParamType::Array,
                                description: ::std::borrow::Cow::Borrowed(""),
                                default: ::core::option::Option::None,
                                required: false,
                                nullable: false,
                            },
                            ::ops_core::meta::ActionParam {
                                name: ::std::borrow::Cow::Borrowed("options"),
                                kind: ::ops_core::meta::ParamType::Object,
                                description: ::std::borrow::Cow::Borrowed(""),
                                default: ::core::option::Option::None,
                                required: false,
                                nullable: false,
                            },
                        ],
                    ),
                    additional_properties: false,
                },
            ],
        ),
    };
    /// The typed config of charm `web-shop`, generated from its config options.
    #[derive(
        ::core::fmt::Debug,
        ::core::clone::Clone,
        ::core::cmp::PartialEq,
        ::ops_core::__private::serde::Deserialize,
        ::ops_core::__private::serde::Serialize
    )]
    #[serde(crate = "::ops_core::__private::serde")]
    pub struct Config {
        ///Shown in page titles.
        ///
        /// `shop-name` (string). Default: `"My shop"`.
        #[serde(rename = "shop-name")]
        pub shop_name: ::std::string::String,
        ///HTTP port.
        ///
        /// `port` (int). Default: `8080`.
        #[serde(rename = "port")]
        pub port: i64,
        ///(no description)
        ///
        /// `tax-rate` (float). Default: `0.2`.
        #[serde(rename = "tax-rate")]
        pub tax_rate: f64,
        ///(no description)
        ///
        /// `debug` (boolean). Default: `false`.
        #[serde(rename = "debug")]
        pub debug: bool,
        ///A secret URI for the payment API.
        ///
        /// `api-key` (secret). No default: `None` until set.
        #[serde(rename = "api-key")]
        #[serde(default)]
        pub api_key: ::core::option::Option<::std::string::String>,
    }
    impl ::core::default::Default for Config {
        /// Every option at its default (options without a default are `None`).
        fn default() -> Self {
            Config {
                shop_name: ::std::string::String::from("My shop"),
                port: 8080i64,
                tax_rate: 0.2f64,
                debug: false,
                api_key: ::core::option::Option::None,
            }
        }
    }
    /// The charm's relation endpoints.
    pub mod relations {
        #[doc(hidden)]
        pub struct __CharmModule;
        /// The `database` relation endpoint (requires, interface `postgresql_client`, limit 1).
        ///
        ///The shop's database.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct Database;
        impl ::ops_core::endpoints::RelationEndpoint for Database {
            const NAME: &'static str = "database";
            const ROLE: ::ops_core::meta::RelationRole = ::ops_core::meta::RelationRole::Requires;
            const INTERFACE: &'static str = "postgresql_client";
            const LIMIT: ::core::option::Option<u32> = ::core::option::Option::Some(
                1u32,
            );
            const SCOPE: ::ops_core::meta::RelationScope = ::ops_core::meta::RelationScope::Global;
        }
        /// The `website` relation endpoint (provides, interface `http`).
        ///
        ///
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct Website;
        impl ::ops_core::endpoints::RelationEndpoint for Website {
            const NAME: &'static str = "website";
            const ROLE: ::ops_core::meta::RelationRole = ::ops_core::meta::RelationRole::Provides;
            const INTERFACE: &'static str = "http";
            const LIMIT: ::core::option::Option<u32> = ::core::option::Option::None;
            const SCOPE: ::ops_core::meta::RelationScope = ::ops_core::meta::RelationScope::Global;
        }
        /// The `shop-peers` relation endpoint (peers, interface `shop_peers`).
        ///
        ///
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct ShopPeers;
        impl ::ops_core::endpoints::RelationEndpoint for ShopPeers {
            const NAME: &'static str = "shop-peers";
            const ROLE: ::ops_core::meta::RelationRole = ::ops_core::meta::RelationRole::Peer;
            const INTERFACE: &'static str = "shop_peers";
            const LIMIT: ::core::option::Option<u32> = ::core::option::Option::None;
            const SCOPE: ::ops_core::meta::RelationScope = ::ops_core::meta::RelationScope::Global;
        }
    }
    /// The charm's storages.
    pub mod storages {
        #[doc(hidden)]
        pub struct __CharmModule;
        /// The `data` storage.
        ///
        ///Uploaded images.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct Data;
        impl ::ops_core::endpoints::StorageEndpoint for Data {
            const NAME: &'static str = "data";
            const MULTIPLE: bool = false;
        }
    }
    /// The charm's workload containers.
    pub mod containers {
        #[doc(hidden)]
        pub struct __CharmModule;
        /// The `web` workload container.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct Web;
        impl ::ops_core::endpoints::ContainerEndpoint for Web {
            const NAME: &'static str = "web";
        }
    }
    /// The charm's resources.
    pub mod resources {
        #[doc(hidden)]
        pub struct __CharmModule;
        /// The `web-image` resource.
        ///
        ///The shop's OCI image.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct WebImage;
        impl ::ops_core::endpoints::ResourceEndpoint for WebImage {
            const NAME: &'static str = "web-image";
        }
    }
    /// The charm's actions and their typed params.
    pub mod actions {
        #[doc(hidden)]
        pub struct __CharmModule;
        /// The `restock` action.
        ///
        ///Restock an item.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default
        )]
        pub struct Restock;
        impl ::ops_core::endpoints::ActionEndpoint for Restock {
            const NAME: &'static str = "restock";
            type Params = RestockParams;
        }
        /// The params of the `restock` action.
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::cmp::PartialEq,
            ::ops_core::__private::serde::Deserialize,
            ::ops_core::__private::serde::Serialize
        )]
        #[serde(crate = "::ops_core::__private::serde")]
        #[serde(deny_unknown_fields)]
        pub struct RestockParams {
            ///The item's SKU.
            ///
            /// Required.
            #[serde(rename = "item")]
            pub item: ::std::string::String,
            ///(no description)
            ///
            /// Default: `1`.
            #[serde(rename = "quantity")]
            #[serde(default = "RestockParams::__default_quantity")]
            pub quantity: i64,
            ///(no description)
            ///
            /// Optional.
            #[serde(rename = "price")]
            #[serde(default)]
            pub price: ::core::option::Option<f64>,
            ///(no description)
            ///
            /// Optional.
            #[serde(rename = "express")]
            #[serde(default)]
            pub express: ::core::option::Option<bool>,
            ///(no description)
            ///
            /// Optional.
            #[serde(rename = "tags")]
            #[serde(default)]
            pub tags: ::core::option::Option<
                ::std::vec::Vec<::ops_core::__private::serde_json::Value>,
            >,
            ///(no description)
            ///
            /// Optional.
            #[serde(rename = "options")]
            #[serde(default)]
            pub options: ::core::option::Option<
                ::ops_core::__private::serde_json::Map<
                    ::std::string::String,
                    ::ops_core::__private::serde_json::Value,
                >,
            >,
        }
        impl RestockParams {
            #[doc(hidden)]
            fn __default_quantity() -> i64 {
                ::ops_core::__private::serde_json::from_str("1").unwrap_or_default()
            }
        }
    }
    #[doc(hidden)]
    pub mod web_shop {
        pub use super::*;
    }
}
#[allow(unused_imports)]
pub use __charm_web_shop::*;
#[allow(dead_code, unused_imports, clippy::all)]
const _: () = {
    #[diagnostic::on_unimplemented(
        message = "`Config` here is not the config type `#[charm]` generated for charm `web-shop`",
        label = "another `Config` in this module hides the generated one",
        note = "`#[charm]` places `Config`, `relations`, `actions`, ... next to the charm type: rename yours, or keep the generated items in a module of their own with `#[charm(module = web_shop)]` and write `web_shop::Config`, `web_shop::relations::...`"
    )]
    trait GeneratedConfig {}
    impl GeneratedConfig for __charm_web_shop::Config {}
    fn generated<T: GeneratedConfig>() {}
    let _ = generated::<Config>;
    let _: relations::__CharmModule = __charm_web_shop::relations::__CharmModule;
    let _: storages::__CharmModule = __charm_web_shop::storages::__CharmModule;
    let _: containers::__CharmModule = __charm_web_shop::containers::__CharmModule;
    let _: resources::__CharmModule = __charm_web_shop::resources::__CharmModule;
    let _: actions::__CharmModule = __charm_web_shop::actions::__CharmModule;
};
#[automatically_derived]
impl ::ops_core::Charm for WebShop {
    type Config = __charm_web_shop::Config;
    const TYPE_NAME: &'static str = "WebShop";
    const HANDLERS: &'static [::ops_core::Handler] = &[
        ::ops_core::Handler {
            event: "config_changed",
            method: "configure",
        },
    ];
    const STORAGE: ::ops_core::StorageChoice = ::ops_core::StorageChoice::Auto;
    const CONFIG_ERRORS: ::ops_core::ConfigErrors = ::ops_core::ConfigErrors::Blocked;
    const PARAMS_ERRORS: ::ops_core::ParamsErrors = ::ops_core::ParamsErrors::Fail;
    fn meta() -> &'static ::ops_core::meta::CharmMeta {
        &__charm_web_shop::META
    }
    #[allow(unreachable_code, clippy::match_single_binding)]
    fn call_handler(
        &mut self,
        __method: &str,
        __ctx: &mut ::ops_core::Context<Self>,
        __event: &::ops_core::events::EventSnapshot,
    ) -> ::core::result::Result<bool, ::ops_core::HandlerError> {
        match (__event.name.as_str(), __method) {
            ("config_changed", "configure") => {
                let __ev = <::ops_core::events::HookEvent as ::ops_core::events::FromSnapshot>::restore(
                        __ctx,
                        __event,
                    )
                    .map_err(|e| ::ops_core::HandlerError::new("configure", e))?;
                let __ev_ref: &HookEvent = &__ev;
                let __res = Self::configure(self, __ctx, __ev_ref);
                ::ops_core::IntoHandlerResult::into_handler_result(__res)
                    .map_err(|e| ::ops_core::HandlerError::new("configure", e))?;
                ::core::result::Result::Ok(::ops_core::events::Event::is_deferred(&__ev))
            }
            _ => {
                ::core::result::Result::Err(
                    ::ops_core::HandlerError::unknown_method(__method),
                )
            }
        }
    }
}
