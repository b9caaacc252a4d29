//! Behaviour of the macros' output: real charms compiled from the fixture charm `shop`, in both
//! layouts (`tests/fixtures/shop/`: `metadata.yaml` + `config.yaml` + `actions.yaml`;
//! `tests/fixtures/shop-unified/charmcraft.yaml`: the same content in one file), and the derives.
//!
//! Types are checked by construction and exhaustive destructuring, so a field of another type, a
//! missing field or an extra one fails to compile; values are checked at run time.

use ops_core::databag::{DatabagError, RelationData};
use ops_core::endpoints::{
    ActionEndpoint, ContainerEndpoint, RelationEndpoint, ResourceEndpoint, StorageEndpoint,
};
use ops_core::events::CustomEventData;
use ops_core::meta::{RelationRole, RelationScope};
use ops_core::prelude::*;
use ops_core::StorageChoice;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The charm in separate files; stateful.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
struct Shop {
    sold: u32,
    log: Vec<String>,
}

/// A custom event the charm observes.
#[derive(Debug, Serialize, Deserialize, ops_core::CustomEvent)]
struct StockLow {
    sku: String,
}

#[charm(dir = "tests/fixtures/shop")]
impl Shop {
    #[on(install)]
    fn install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        Ok(())
    }

    #[on(config_changed, upgrade_charm)]
    fn configure(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {}

    #[on(database_relation_joined, database_relation_changed)]
    #[on(shop_peers_relation_departed)]
    fn relations(&mut self, _ctx: &mut Context<Self>, _event: &RelationEvent) {}

    #[on(data_storage_attached, cache_storage_detaching)]
    fn storage(&mut self, _ctx: &mut Context<Self>, _event: &StorageEvent) {}

    #[on(web_pebble_ready)]
    fn web_ready(&mut self, _ctx: &mut Context<Self>, _event: &PebbleReadyEvent) {}

    #[on(restock_action)]
    fn restock(&mut self, _ctx: &mut Context<Self>, _event: &ActionEvent<actions::RestockParams>) {}

    #[on(flush_cache_action)]
    fn flush_cache(
        &mut self,
        _ctx: &mut Context<Self>,
        _event: &ActionEvent<actions::FlushCacheParams>,
    ) {
    }

    #[on(secret_rotate)]
    fn rotate(&mut self, _ctx: &mut Context<Self>, _event: &SecretEvent) {}

    #[on(collect_metrics)]
    fn metrics(&mut self, _ctx: &mut Context<Self>, _event: &CollectMetricsEvent) {}

    #[on(custom(StockLow))]
    fn stock_low(&mut self, _ctx: &mut Context<Self>, _event: &CustomEvent<StockLow>) {}

    /// A second observer of `install`, taking `&self`: it runs after `install`.
    #[on(install)]
    fn audit(&self, _ctx: &mut Context<Self>, _event: &HookEvent) {}

    /// Not a handler.
    #[allow(dead_code)]
    fn helper(&self) -> u32 {
        self.sold
    }
}

/// The charm in one charmcraft.yaml; stateless.
#[derive(Debug, Default, StoredState)]
struct UnifiedShop;

#[charm(
    dir = "tests/fixtures/shop-unified",
    module = shop_unified,
    storage = "controller"
)]
impl UnifiedShop {
    #[on(restock_action)]
    fn restock(
        &mut self,
        _ctx: &mut Context<Self>,
        _event: &ActionEvent<shop_unified::actions::RestockParams>,
    ) {
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

mod config {
    use super::*;

    #[test]
    fn fields_are_typed_and_default_to_the_metadata_defaults() {
        // Exhaustive: a missing or extra field does not compile; each binding is typed.
        let crate::Config {
            shop_name,
            port,
            tax_rate,
            debug,
            api_key,
            motd,
            max_items,
            discount,
            maintenance,
        } = crate::Config::default();
        let (shop_name, port, tax_rate, debug): (String, i64, f64, bool) =
            (shop_name, port, tax_rate, debug);
        assert_eq!(shop_name, "My shop");
        assert_eq!(port, 8080);
        assert_eq!(tax_rate, 0.2);
        assert!(!debug);
        // No default: `Option`, `None` until set. A secret is its URI, a string.
        type Unset = (
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<f64>,
            Option<bool>,
        );
        let unset: Unset = (api_key, motd, max_items, discount, maintenance);
        assert_eq!(unset, (None, None, None, None, None));
    }

    #[test]
    fn both_layouts_generate_the_same_config() {
        let separate = serde_json::to_value(crate::Config::default()).expect("serializes");
        let unified = serde_json::to_value(shop_unified::Config::default()).expect("serializes");
        assert_eq!(separate, unified);
        // Serialized with the options' own names.
        assert_eq!(
            separate,
            json!({
                "shop-name": "My shop", "port": 8080, "tax-rate": 0.2, "debug": false,
                "api-key": null, "motd": null, "max-items": null, "discount": null,
                "maintenance": null,
            })
        );
    }

    #[test]
    fn deserializes_config_get_output() {
        // `config-get` gives every option with a value; an option without default nor value is
        // absent.
        let config: crate::Config = serde_json::from_value(json!({
            "shop-name": "Corner shop", "port": 80, "tax-rate": 0.1, "debug": true,
            "api-key": "secret:cu2ilj3rs0lbavb3kcgg", "max-items": 12,
        }))
        .expect("deserializes");
        assert_eq!(config.shop_name, "Corner shop");
        assert_eq!(config.port, 80);
        assert_eq!(config.tax_rate, 0.1);
        assert!(config.debug);
        assert_eq!(
            config.api_key.as_deref(),
            Some("secret:cu2ilj3rs0lbavb3kcgg")
        );
        assert_eq!(config.max_items, Some(12));
        assert_eq!(
            (config.motd, config.discount, config.maintenance),
            (None, None, None)
        );

        let wrong = serde_json::from_value::<crate::Config>(json!({
            "shop-name": "x", "port": "eighty", "tax-rate": 0.1, "debug": true,
        }));
        let message = wrong.expect_err("a string is not an int").to_string();
        assert!(
            message.contains("invalid type: string \"eighty\""),
            "{message}"
        );
    }

    #[test]
    fn the_charm_s_config_type() {
        fn config_of<C: Charm>() -> &'static str {
            std::any::type_name::<C::Config>()
        }
        assert_eq!(config_of::<Shop>(), std::any::type_name::<crate::Config>());
        assert_eq!(
            config_of::<UnifiedShop>(),
            std::any::type_name::<shop_unified::Config>()
        );
    }
}

/// Where the generated items are: next to the charm type by default (`crate::Config`, read once
/// from a test as `mycharm::Config`), in a module of their own with `module = name`.
mod placement {
    use super::*;

    #[test]
    fn the_items_are_next_to_the_charm_and_the_former_path_still_names_them() {
        fn same<A: 'static, B: 'static>() -> bool {
            std::any::TypeId::of::<A>() == std::any::TypeId::of::<B>()
        }
        assert!(same::<<Shop as Charm>::Config, crate::Config>());
        assert!(same::<crate::Config, crate::shop::Config>());
        assert!(same::<
            crate::relations::Database,
            crate::shop::relations::Database,
        >());
        assert!(std::ptr::eq(<Shop as Charm>::meta(), &crate::shop::META));
    }

    /// A charm in a function body (as in a doc test) places its items in the body's scope.
    #[test]
    fn a_charm_in_a_block_places_its_items_in_the_block() {
        #[derive(Default, StoredState)]
        struct InBlock;

        #[charm(dir = "tests/fixtures/shop")]
        impl InBlock {}

        assert_eq!(
            <relations::Database as ops_core::endpoints::RelationEndpoint>::NAME,
            "database"
        );
        assert_eq!(
            std::any::type_name::<<InBlock as Charm>::Config>(),
            std::any::type_name::<Config>()
        );
        assert_ne!(
            std::any::TypeId::of::<Config>(),
            std::any::TypeId::of::<crate::Config>()
        );
    }
}

mod endpoints {
    use super::*;

    type Relation = (
        &'static str,
        RelationRole,
        &'static str,
        Option<u32>,
        RelationScope,
    );

    fn relation<R: RelationEndpoint>() -> Relation {
        (R::NAME, R::ROLE, R::INTERFACE, R::LIMIT, R::SCOPE)
    }

    fn storage<S: StorageEndpoint>() -> (&'static str, bool) {
        (S::NAME, S::MULTIPLE)
    }

    #[test]
    fn relations() {
        use crate::relations::*;
        let expected: [Relation; 4] = [
            (
                "database",
                RelationRole::Requires,
                "postgresql_client",
                Some(1),
                RelationScope::Global,
            ),
            (
                "logging",
                RelationRole::Requires,
                "logging",
                None,
                RelationScope::Container,
            ),
            (
                "website",
                RelationRole::Provides,
                "http",
                None,
                RelationScope::Global,
            ),
            (
                "shop-peers",
                RelationRole::Peer,
                "shop_peers",
                None,
                RelationScope::Global,
            ),
        ];
        assert_eq!(
            [
                relation::<Database>(),
                relation::<Logging>(),
                relation::<Website>(),
                relation::<ShopPeers>()
            ],
            expected
        );
        use shop_unified::relations as u;
        assert_eq!(
            [
                relation::<u::Database>(),
                relation::<u::Logging>(),
                relation::<u::Website>(),
                relation::<u::ShopPeers>()
            ],
            expected
        );
    }

    #[test]
    fn storages_containers_resources() {
        assert_eq!(storage::<crate::storages::Data>(), ("data", false));
        assert_eq!(storage::<crate::storages::Cache>(), ("cache", true));
        assert_eq!(<crate::containers::Web as ContainerEndpoint>::NAME, "web");
        assert_eq!(
            <crate::resources::WebImage as ResourceEndpoint>::NAME,
            "web-image"
        );
        assert_eq!(
            <crate::resources::PriceList as ResourceEndpoint>::NAME,
            "price-list"
        );
        assert_eq!(storage::<shop_unified::storages::Cache>(), ("cache", true));
        assert_eq!(
            <shop_unified::resources::PriceList as ResourceEndpoint>::NAME,
            "price-list"
        );
    }

    #[test]
    fn actions() {
        assert_eq!(<crate::actions::Restock as ActionEndpoint>::NAME, "restock");
        assert_eq!(
            <crate::actions::FlushCache as ActionEndpoint>::NAME,
            "flush-cache"
        );
        // The marker names its params type.
        let params: <crate::actions::FlushCache as ActionEndpoint>::Params =
            crate::actions::FlushCacheParams {};
        assert_eq!(params, crate::actions::FlushCacheParams {});
    }
}

mod action_params {
    use super::*;
    use crate::actions::RestockParams;

    #[test]
    fn fields_are_typed_by_the_schema() {
        // Required or defaulted: `T`; otherwise `Option<T>`. Exhaustive construction: a field of
        // another type, or a missing or extra field, does not compile.
        let params: <crate::actions::Restock as ActionEndpoint>::Params = RestockParams {
            item: String::from("sku-1"),
            quantity: 1_i64,
            price: None::<f64>,
            express: false,
            tags: None::<Vec<Value>>,
            options: None::<Map<String, Value>>,
            note: None::<Value>,
        };
        assert_eq!(params.item, "sku-1");
    }

    #[test]
    fn deserializes_action_get_output() {
        let params: RestockParams = serde_json::from_value(json!({
            "item": "sku-1", "quantity": 3, "price": 9.5, "express": true,
            "tags": ["a", 1], "options": {"gift": true}, "note": [null],
        }))
        .expect("deserializes");
        assert_eq!(
            params,
            RestockParams {
                item: "sku-1".into(),
                quantity: 3,
                price: Some(9.5),
                express: true,
                tags: Some(vec![json!("a"), json!(1)]),
                options: Some(Map::from_iter([("gift".to_string(), json!(true))])),
                note: Some(json!([null])),
            }
        );
        // Juju fills in the defaults; optional params may be absent.
        let params: RestockParams =
            serde_json::from_value(json!({"item": "sku-2", "quantity": 1, "express": false}))
                .expect("deserializes");
        assert_eq!(
            (params.price, params.tags, params.options, params.note),
            (None, None, None, None)
        );
    }

    #[test]
    fn defaulted_params_fall_back_to_the_schema_default() {
        // When the controller (or a test) leaves a defaulted param out, its schema default applies.
        let params: RestockParams =
            serde_json::from_value(json!({"item": "sku-3"})).expect("deserializes");
        assert_eq!((params.quantity, params.express), (1, false));
    }

    #[test]
    fn a_missing_required_param_is_an_error() {
        let error =
            serde_json::from_value::<RestockParams>(json!({"quantity": 1, "express": false}))
                .expect_err("`item` is required");
        assert!(
            error.to_string().contains("missing field `item`"),
            "{error}"
        );
    }

    #[test]
    fn a_param_of_the_wrong_type_is_an_error() {
        let error = serde_json::from_value::<RestockParams>(
            json!({"item": "sku", "quantity": "three", "express": false}),
        )
        .expect_err("`quantity` is an integer");
        assert!(
            error.to_string().contains("invalid type: string \"three\""),
            "{error}"
        );
    }

    #[test]
    fn additional_properties() {
        // `additionalProperties: false`: an unknown param is an error.
        let error = serde_json::from_value::<RestockParams>(
            json!({"item": "sku", "quantity": 1, "express": false, "colour": "red"}),
        )
        .expect_err("no additional properties");
        assert!(
            error.to_string().contains("unknown field `colour`"),
            "{error}"
        );
        // By default they are allowed (and ignored).
        let params: crate::actions::FlushCacheParams =
            serde_json::from_value(json!({"colour": "red"})).expect("deserializes");
        assert_eq!(params, crate::actions::FlushCacheParams {});
    }

    #[test]
    fn both_layouts_generate_the_same_params() {
        let value = json!({"item": "sku", "quantity": 2, "express": true, "price": 1.5});
        let separate: RestockParams = serde_json::from_value(value.clone()).expect("separate");
        let unified: shop_unified::actions::RestockParams =
            serde_json::from_value(value).expect("unified");
        assert_eq!(
            serde_json::to_value(separate).expect("serializes"),
            serde_json::to_value(unified).expect("serializes")
        );
    }
}

mod charm {
    use super::*;

    #[test]
    fn meta_is_what_the_loader_reads_from_the_same_files() {
        let separate = ops_metadata::load_dir(&fixture("shop")).expect("the fixture loads");
        assert_eq!(crate::META, separate);
        let unified = ops_metadata::load_dir(&fixture("shop-unified")).expect("the fixture loads");
        assert_eq!(shop_unified::META, unified);
        // The two layouts say the same thing.
        assert_eq!(crate::META, shop_unified::META);
        // Spot checks, so that a loader and a generator both wrong cannot pass.
        assert_eq!(crate::META.name, "shop");
        assert_eq!(crate::META.assumes.as_ref(), ["juju >= 3.1"]);
        assert_eq!(crate::META.relations.len(), 4);
        assert_eq!(crate::META.storages[1].multiple, Some((1, Some(3))));
        assert_eq!(crate::META.storages[1].minimum_size.as_deref(), Some("1G"));
        assert_eq!(crate::META.containers[0].mounts[0].location, "/srv/data");
        assert_eq!(
            crate::META.resources[1].filename.as_deref(),
            Some("prices.csv")
        );
        assert_eq!(crate::META.config.len(), 9);
        let restock = crate::META.action("restock").expect("restock");
        assert!(!restock.additional_properties);
        assert_eq!(restock.params.len(), 7);
        assert!(restock.param("item").expect("item").required);
        assert_eq!(
            restock
                .param("quantity")
                .expect("quantity")
                .default
                .as_deref(),
            Some("1")
        );
        assert!(
            crate::META
                .action("flush-cache")
                .expect("flush-cache")
                .additional_properties
        );
    }

    #[test]
    fn meta_is_the_static() {
        assert!(std::ptr::eq(<Shop as Charm>::meta(), &crate::META));
        assert!(std::ptr::eq(
            <UnifiedShop as Charm>::meta(),
            &shop_unified::META
        ));
    }

    #[test]
    fn handlers_in_declaration_order() {
        let handlers: Vec<(&str, &str)> = <Shop as Charm>::HANDLERS
            .iter()
            .map(|h| (h.event, h.method))
            .collect();
        assert_eq!(
            handlers,
            [
                ("install", "install"),
                ("config_changed", "configure"),
                ("upgrade_charm", "configure"),
                ("database_relation_joined", "relations"),
                ("database_relation_changed", "relations"),
                ("shop_peers_relation_departed", "relations"),
                ("data_storage_attached", "storage"),
                ("cache_storage_detaching", "storage"),
                ("web_pebble_ready", "web_ready"),
                ("restock_action", "restock"),
                ("flush_cache_action", "flush_cache"),
                ("secret_rotate", "rotate"),
                ("collect_metrics", "metrics"),
                (<StockLow as CustomEventData>::NAME, "stock_low"),
                ("install", "audit"),
            ]
        );
        // Every handled event is one the metadata defines (or a custom one).
        let events = crate::META.events();
        for h in <Shop as Charm>::HANDLERS {
            assert!(
                h.event.starts_with("custom:") || events.iter().any(|e| e.name == h.event),
                "{h:?}"
            );
        }
        assert_eq!(
            <UnifiedShop as Charm>::HANDLERS,
            [ops_core::Handler {
                event: "restock_action",
                method: "restock"
            }]
        );
    }

    #[test]
    fn type_name_and_storage() {
        assert_eq!(<Shop as Charm>::TYPE_NAME, "Shop");
        assert_eq!(<UnifiedShop as Charm>::TYPE_NAME, "UnifiedShop");
        assert_eq!(<Shop as Charm>::STORAGE, StorageChoice::Auto);
        assert_eq!(<UnifiedShop as Charm>::STORAGE, StorageChoice::Controller);
    }
}

mod stored_state {
    use super::*;
    use ops_core::stored::StateError;

    #[derive(Debug, Default, StoredState)]
    struct Braces {}

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
    #[stored(key = "Counter/StoredStateData[_stored]")]
    struct Renamed {
        count: u64,
    }

    #[test]
    fn a_struct_with_fields_is_stored_as_json() {
        let stateful = [
            <Shop as ops_core::StoredState>::STATEFUL,
            <UnifiedShop as ops_core::StoredState>::STATEFUL,
            <Braces as ops_core::StoredState>::STATEFUL,
        ];
        assert_eq!(stateful, [true, false, false]);
        assert_eq!(
            <Shop as ops_core::StoredState>::KEY,
            "Shop/StoredStateData[_stored]"
        );
        let shop = Shop {
            sold: 3,
            log: vec!["install".into()],
        };
        let bytes = shop.to_stored().expect("encodes");
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).expect("JSON"),
            json!({"sold": 3, "log": ["install"]})
        );
        assert_eq!(Shop::from_stored(Some(&bytes)).expect("decodes"), shop);
        // Nothing stored yet: the default.
        assert_eq!(Shop::from_stored(None).expect("default"), Shop::default());
        match Shop::from_stored(Some(b"{not json")) {
            Err(StateError::Decode { key, .. }) => {
                assert_eq!(key, "Shop/StoredStateData[_stored]")
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn a_struct_without_fields_is_stateless() {
        assert!(UnifiedShop.to_stored().expect("encodes").is_empty());
        // Whatever was stored, it is not read.
        UnifiedShop::from_stored(Some(b"{not json")).expect("stateless");
        assert!(Braces {}.to_stored().expect("encodes").is_empty());
    }

    #[test]
    fn key_can_be_set() {
        assert_eq!(
            <Renamed as ops_core::StoredState>::KEY,
            "Counter/StoredStateData[_stored]"
        );
        let bytes = Renamed { count: 7 }.to_stored().expect("encodes");
        assert_eq!(
            Renamed::from_stored(Some(&bytes)).expect("decodes"),
            Renamed { count: 7 }
        );
    }
}

mod relation_data {
    use super::*;

    #[derive(Debug, Clone, PartialEq, RelationData)]
    #[databag(rename_all = "kebab-case")]
    struct Credentials {
        user_name: String,
        port: u16,
        endpoints: Option<Vec<String>>,
        note: Option<String>,
        #[databag(rename = "tls")]
        tls_enabled: bool,
        #[databag(json)]
        label: String,
        r#type: String,
    }

    #[derive(Debug, PartialEq, RelationData)]
    struct Plain {
        user_name: String,
    }

    fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn credentials() -> Credentials {
        Credentials {
            user_name: "alice".into(),
            port: 5432,
            endpoints: Some(vec!["10.0.0.1:5432".into()]),
            note: Some("{\"not\": \"json\"}".into()),
            tls_enabled: true,
            label: "primary".into(),
            r#type: "pg".into(),
        }
    }

    #[test]
    fn keys() {
        assert_eq!(
            Credentials::KEYS,
            [
                "user-name",
                "port",
                "endpoints",
                "note",
                "tls",
                "label",
                "type"
            ]
        );
        assert_eq!(Plain::KEYS, ["user_name"]);
    }

    #[test]
    fn strings_are_stored_as_they_are_other_types_as_json() {
        let written = credentials().to_databag().expect("encodes");
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            written,
            [
                ("user-name".to_string(), some("alice")),
                ("port".to_string(), some("5432")),
                ("endpoints".to_string(), some("[\"10.0.0.1:5432\"]")),
                ("note".to_string(), some("{\"not\": \"json\"}")),
                ("tls".to_string(), some("true")),
                ("label".to_string(), some("\"primary\"")),
                ("type".to_string(), some("pg")),
            ]
        );
    }

    #[test]
    fn round_trip() {
        let written = credentials().to_databag().expect("encodes");
        let mut bag: BTreeMap<String, String> = written
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        // Keys of others are ignored.
        bag.insert("unrelated".into(), "x".into());
        assert_eq!(
            Credentials::from_databag(&bag).expect("decodes"),
            credentials()
        );
    }

    #[test]
    fn absent_options_are_none_and_none_removes_the_key() {
        let creds = Credentials {
            endpoints: None,
            note: None,
            ..credentials()
        };
        let written = creds.to_databag().expect("encodes");
        assert!(
            written.contains(&("endpoints".to_string(), None)),
            "{written:?}"
        );
        assert!(written.contains(&("note".to_string(), None)), "{written:?}");
        let bag = bag(&[
            ("user-name", "alice"),
            ("port", "5432"),
            ("tls", "true"),
            ("label", "\"primary\""),
            ("type", "pg"),
        ]);
        assert_eq!(Credentials::from_databag(&bag).expect("decodes"), creds);
    }

    #[test]
    fn a_missing_required_key() {
        let bag = bag(&[("port", "5432")]);
        assert_eq!(
            Credentials::from_databag(&bag),
            Err(DatabagError::Missing {
                key: "user-name".into()
            })
        );
        assert_eq!(
            Plain::from_databag(&BTreeMap::new()),
            Err(DatabagError::Missing {
                key: "user_name".into()
            })
        );
    }

    #[test]
    fn a_value_that_does_not_decode() {
        let bad_port = bag(&[
            ("user-name", "alice"),
            ("port", "not a number"),
            ("tls", "true"),
            ("label", "\"primary\""),
            ("type", "pg"),
        ]);
        match Credentials::from_databag(&bad_port) {
            Err(DatabagError::Invalid { key, value, .. }) => {
                assert_eq!((key.as_str(), value.as_str()), ("port", "not a number"))
            }
            other => panic!("expected an invalid value, got {other:?}"),
        }
        // A JSON-forced `String` must hold a JSON string.
        let mut bad_label = bad_port.clone();
        bad_label.insert("port".into(), "5432".into());
        bad_label.insert("label".into(), "primary".into());
        assert!(matches!(
            Credentials::from_databag(&bad_label),
            Err(DatabagError::Invalid { key, .. }) if key == "label"
        ));
        // An optional JSON value present but invalid is an error, not `None`.
        let mut bad_endpoints = bad_label.clone();
        bad_endpoints.insert("label".into(), "\"primary\"".into());
        bad_endpoints.insert("endpoints".into(), "[1, 2".into());
        assert!(matches!(
            Credentials::from_databag(&bad_endpoints),
            Err(DatabagError::Invalid { key, .. }) if key == "endpoints"
        ));
    }

    /// ops 3's encoding: every field JSON, as Python's `json.dumps` writes it (the bytes are
    /// checked against ops 3 itself in ops-testing/tests/databag_encoding.rs).
    #[derive(Debug, Clone, PartialEq, RelationData)]
    #[databag(encoding = "json", rename_all = "kebab-case")]
    struct Published {
        user_name: String,
        port: u16,
        hosts: Vec<String>,
        note: Option<String>,
        #[databag(rename = "secret-id")]
        secret: Option<String>,
    }

    fn published() -> Published {
        Published {
            user_name: "zoë".into(),
            port: 5432,
            hosts: vec!["a".into(), "b".into()],
            note: None,
            secret: Some("secret:1".into()),
        }
    }

    #[test]
    fn json_encoding_quotes_strings_and_stores_none_as_null() {
        assert_eq!(Published::ENCODING, ops_core::databag::Encoding::Json);
        assert_eq!(Credentials::ENCODING, ops_core::databag::Encoding::Raw);
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            published().to_databag().expect("encodes"),
            [
                ("user-name".to_string(), some("\"zo\\u00eb\"")),
                ("port".to_string(), some("5432")),
                ("hosts".to_string(), some("[\"a\", \"b\"]")),
                ("note".to_string(), some("null")),
                ("secret-id".to_string(), some("\"secret:1\"")),
            ]
        );
    }

    #[test]
    fn json_encoding_reads_absent_and_null_as_none_and_refuses_raw_strings() {
        let full = bag(&[
            ("user-name", "\"zo\\u00eb\""),
            ("port", "5432"),
            ("hosts", "[\"a\",\"b\"]"),
            ("note", "null"),
            ("secret-id", "\"secret:1\""),
        ]);
        assert_eq!(
            Published::from_databag(&full).expect("decodes"),
            published()
        );
        let mut absent = full.clone();
        absent.remove("note");
        absent.remove("secret-id");
        assert_eq!(
            Published::from_databag(&absent).expect("decodes"),
            Published {
                secret: None,
                ..published()
            }
        );
        // What a raw interface writes is not JSON.
        let mut raw = full.clone();
        raw.insert("user-name".into(), "zoë".into());
        assert!(matches!(
            Published::from_databag(&raw),
            Err(DatabagError::Invalid { key, value, .. }) if key == "user-name" && value == "zoë"
        ));
        // A `null` where a value is required is invalid too.
        let mut null = full.clone();
        null.insert("port".into(), "null".into());
        assert!(matches!(
            Published::from_databag(&null),
            Err(DatabagError::Invalid { key, .. }) if key == "port"
        ));
        assert_eq!(
            Published::from_databag(&bag(&[("port", "1")])),
            Err(DatabagError::Missing {
                key: "user-name".into()
            })
        );
    }

    /// A generic struct takes the derive's unchecked path.
    #[derive(Debug, PartialEq, RelationData)]
    #[databag(encoding = "json")]
    struct Tagged<T: Serialize + serde::de::DeserializeOwned> {
        value: T,
        extra: Option<T>,
    }

    #[test]
    fn json_encoding_of_a_generic_struct() {
        let tagged = Tagged {
            value: "x".to_string(),
            extra: None,
        };
        let written = tagged.to_databag().expect("encodes");
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            written,
            [
                ("value".to_string(), some("\"x\"")),
                ("extra".to_string(), some("null"))
            ]
        );
        assert_eq!(
            Tagged::<String>::from_databag(&bag(&[("value", "\"x\""), ("extra", "null")])),
            Ok(tagged)
        );
        assert_eq!(
            Tagged::<u8>::from_databag(&bag(&[("value", "1"), ("extra", "2")])),
            Ok(Tagged {
                value: 1,
                extra: Some(2)
            })
        );
        assert!(matches!(
            Tagged::<u8>::from_databag(&bag(&[("value", "1"), ("extra", "x")])),
            Err(DatabagError::Invalid { key, .. }) if key == "extra"
        ));
    }
}

mod custom_event {
    use super::*;

    #[derive(Serialize, Deserialize, ops_core::CustomEvent)]
    struct DatabaseReady {
        endpoint: String,
    }

    #[test]
    fn name_is_custom_and_the_type_name() {
        assert_eq!(<StockLow as CustomEventData>::NAME, "custom:StockLow");
        assert_eq!(
            <DatabaseReady as CustomEventData>::NAME,
            "custom:DatabaseReady"
        );
    }
}
