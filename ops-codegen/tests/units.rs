//! Unit tests of the generator's stages on tokens: `#[charm(...)]` and `#[on(...)]` parsing,
//! metadata names turned into Rust names, handler signatures, binding handlers to the metadata's
//! events (with "did you mean"), the names the generated items would share, and loading files.

use ops_codegen::attrs::{did_you_mean, parse_on, CharmArgs, OnTarget};
use ops_codegen::check::{bind, custom_event_name, generated_names, Bound};
use ops_codegen::errors::Errors;
use ops_codegen::expand::names::{field_ident, type_ident};
use ops_codegen::files::load_from;
use ops_codegen::handlers::{collect, HandlerDef};
use ops_metadata::{parse_charmcraft_str, parse_metadata_str, CharmMeta, EventKind};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use std::path::Path;

/// Every error message recorded, in order.
fn messages(errors: Errors) -> Vec<String> {
    errors
        .combined()
        .map(|e| e.into_iter().map(|e| e.to_string()).collect())
        .unwrap_or_default()
}

fn charm_args(tokens: TokenStream) -> (CharmArgs, Vec<String>) {
    let mut errors = Errors::new();
    let args = CharmArgs::parse(tokens, &mut errors);
    (args, messages(errors))
}

mod attrs {
    use super::*;

    #[test]
    fn no_arguments() {
        let (args, errors) = charm_args(quote!());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(args.dir.is_none() && args.metadata.is_none() && args.charmcraft.is_none());
        assert!(args.krate.is_none() && args.module.is_none() && args.storage.is_none());
    }

    #[test]
    fn every_argument() {
        let (args, errors) = charm_args(quote!(
            dir = "charm",
            metadata = "m.yaml",
            config = "c.yaml",
            actions = "a.yaml",
            crate = "::my_ops",
            module = meta_items,
            storage = "controller",
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let value = |a: &Option<ops_codegen::attrs::PathArg>| a.as_ref().map(|p| p.value.clone());
        assert_eq!(value(&args.dir).as_deref(), Some("charm"));
        assert_eq!(value(&args.metadata).as_deref(), Some("m.yaml"));
        assert_eq!(value(&args.config).as_deref(), Some("c.yaml"));
        assert_eq!(value(&args.actions).as_deref(), Some("a.yaml"));
        let krate = args.krate.expect("crate");
        assert_eq!(quote!(#krate).to_string(), ":: my_ops");
        assert_eq!(args.module.expect("module").to_string(), "meta_items");
        assert_eq!(args.storage.expect("storage").0, "controller");
    }

    #[test]
    fn charmcraft_alone() {
        let (args, errors) = charm_args(quote!(charmcraft = "charmcraft.yaml"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            args.charmcraft.expect("charmcraft").value,
            "charmcraft.yaml"
        );
    }

    #[test]
    fn unknown_argument_suggests_the_closest() {
        let (_, errors) = charm_args(quote!(metdata = "m.yaml"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("unknown #[charm] argument `metdata`; did you mean `metadata`?"),
            "{errors:?}"
        );
        let (_, errors) = charm_args(quote!(wibble = "x"));
        assert_eq!(errors.len(), 1);
        assert!(!errors[0].contains("did you mean"), "{errors:?}");
        assert!(
            errors[0].contains("expected one of: dir, metadata"),
            "{errors:?}"
        );
    }

    #[test]
    fn duplicate_argument() {
        let (args, errors) = charm_args(quote!(dir = "a", dir = "b"));
        assert_eq!(errors, ["duplicate #[charm] argument `dir`"]);
        assert_eq!(args.dir.expect("dir").value, "b");
    }

    #[test]
    fn paths_must_be_string_literals() {
        let (_, errors) = charm_args(quote!(dir = charm));
        assert_eq!(
            errors,
            ["#[charm] `dir` expects a string literal, e.g. `dir = \"...\"`"]
        );
    }

    #[test]
    fn module_must_be_an_identifier() {
        let (_, errors) = charm_args(quote!(module = "meta"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("`module` expects an identifier"),
            "{errors:?}"
        );
    }

    #[test]
    fn crate_must_be_a_path() {
        let (_, errors) = charm_args(quote!(crate = "not a path"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("`crate` must be a path"), "{errors:?}");
    }

    #[test]
    fn storage_choices() {
        for choice in ["auto", "local", "controller"] {
            let (args, errors) = charm_args(quote!(storage = #choice));
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(args.storage.expect("storage").0, choice);
        }
        let (args, errors) = charm_args(quote!(storage = "cloud"));
        assert!(args.storage.is_none());
        assert_eq!(
            errors,
            ["#[charm] `storage` must be \"auto\", \"local\" or \"controller\", not \"cloud\""]
        );
    }

    #[test]
    fn skip_duplicate_events_takes_a_bool() {
        let (args, errors) = charm_args(quote!());
        assert!(errors.is_empty() && args.skip_duplicate_events.is_none());
        for skip in [true, false] {
            let (args, errors) = charm_args(quote!(skip_duplicate_events = #skip));
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(args.skip_duplicate_events, Some(skip));
        }
        let (args, errors) = charm_args(quote!(skip_duplicate_events = "no"));
        assert!(args.skip_duplicate_events.is_none());
        assert_eq!(
            errors,
            ["#[charm] `skip_duplicate_events` expects `true` or `false`"]
        );
        let (args, errors) = charm_args(quote!(
            skip_duplicate_events = true,
            skip_duplicate_events = false
        ));
        assert_eq!(
            errors,
            ["duplicate #[charm] argument `skip_duplicate_events`"]
        );
        assert_eq!(args.skip_duplicate_events, Some(false));
    }

    #[test]
    fn error_modes_take_ops_3_choices() {
        let (args, errors) = charm_args(quote!());
        assert!(errors.is_empty() && args.config_errors.is_none() && args.params_errors.is_none());
        let (args, errors) = charm_args(quote!(config_errors = "blocked", params_errors = "fail"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.config_errors.expect("config_errors").0, "blocked");
        assert_eq!(args.params_errors.expect("params_errors").0, "fail");
        let (args, errors) = charm_args(quote!(config_errors = "raise", params_errors = "raise"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.config_errors.expect("config_errors").0, "raise");
        assert_eq!(args.params_errors.expect("params_errors").0, "raise");
        // Each takes only its own ops 3 choice: a config cannot "fail", params are not "blocked".
        let (args, errors) = charm_args(quote!(config_errors = "fail", params_errors = "blocked"));
        assert!(args.config_errors.is_none() && args.params_errors.is_none());
        assert_eq!(
            errors,
            [
                "#[charm] `config_errors` must be \"raise\" or \"blocked\", not \"fail\"",
                "#[charm] `params_errors` must be \"raise\" or \"fail\", not \"blocked\""
            ]
        );
        let (_, errors) = charm_args(quote!(config_errors = blocked));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("`config_errors`"), "{errors:?}");
        let (args, errors) = charm_args(quote!(params_errors = "fail", params_errors = "raise"));
        assert_eq!(errors, ["duplicate #[charm] argument `params_errors`"]);
        assert_eq!(args.params_errors.expect("params_errors").0, "raise");
        let (_, errors) = charm_args(quote!(config_error = "blocked"));
        assert!(
            errors[0].contains("did you mean `config_errors`?"),
            "{errors:?}"
        );
    }

    #[test]
    fn charmcraft_excludes_separate_files() {
        let (_, errors) = charm_args(quote!(
            charmcraft = "charmcraft.yaml",
            metadata = "m.yaml",
            config = "c.yaml",
            actions = "a.yaml"
        ));
        assert_eq!(errors.len(), 3, "{errors:?}");
        for (error, name) in errors.iter().zip(["metadata", "config", "actions"]) {
            assert!(
                error.starts_with(&format!(
                    "#[charm] `{name}` cannot be combined with `charmcraft`"
                )),
                "{error}"
            );
        }
    }

    #[test]
    fn not_key_value_pairs() {
        let (_, errors) = charm_args(quote!("charm"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("#[charm] arguments must be `key = value` pairs"),
            "{errors:?}"
        );
    }

    fn on(attr: syn::Attribute) -> Result<Vec<String>, String> {
        parse_on(&attr)
            .map(|targets| {
                targets
                    .into_iter()
                    .map(|t| match t {
                        OnTarget::Event(id) => id.to_string(),
                        OnTarget::Custom(p) => format!("custom({})", quote!(#p)),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn on_events_and_custom_types() {
        let attr: syn::Attribute =
            syn::parse_quote!(#[on(install, db_relation_changed, custom(crate::Ready))]);
        assert_eq!(
            on(attr).expect("parses"),
            ["install", "db_relation_changed", "custom(crate :: Ready)"]
        );
    }

    #[test]
    fn on_rejects_what_is_not_an_event() {
        let needs = "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`";
        assert_eq!(on(syn::parse_quote!(#[on])), Err(needs.to_string()));
        assert_eq!(on(syn::parse_quote!(#[on()])), Err(needs.to_string()));
        assert_eq!(
            on(syn::parse_quote!(#[on = "install"])),
            Err(needs.to_string())
        );
        let takes = "`#[on]` takes event names such as `install` or `db_relation_changed`, or \
                     `custom(Type)`";
        assert_eq!(on(syn::parse_quote!(#[on(a::b)])), Err(takes.to_string()));
        assert_eq!(
            on(syn::parse_quote!(#[on(install = 1)])),
            Err(takes.to_string())
        );
        assert_eq!(
            on(syn::parse_quote!(#[on(other(X))])),
            Err(takes.to_string())
        );
        assert_eq!(
            on(syn::parse_quote!(#[on(custom(1))])),
            Err(
                "`custom(...)` takes the custom event's type, e.g. `custom(DatabaseReady)`"
                    .to_string()
            )
        );
    }

    #[test]
    fn did_you_mean_picks_the_closest_close_candidate() {
        let candidates = ["install", "config_changed", "start"];
        assert_eq!(
            did_you_mean("config_chnaged", candidates),
            Some("config_changed")
        );
        assert_eq!(did_you_mean("instal", candidates), Some("install"));
        assert_eq!(did_you_mean("zzzz", candidates), None);
        assert_eq!(did_you_mean("install", std::iter::empty()), None);
    }
}

mod names {
    use super::*;

    #[test]
    fn field_idents() {
        let f = |name: &str| field_ident(name).to_string();
        assert_eq!(f("port"), "port");
        assert_eq!(f("database-name"), "database_name");
        assert_eq!(f("log.level"), "log_level");
        assert_eq!(f("Mixed-Case"), "mixed_case");
        assert_eq!(f("2fa"), "_2fa");
        assert_eq!(f(""), "__");
        // Keywords become raw identifiers, except those that cannot be raw.
        assert_eq!(f("type"), "r#type");
        assert_eq!(f("async"), "r#async");
        assert_eq!(f("gen"), "r#gen");
        assert_eq!(f("self"), "self_");
        assert_eq!(f("crate"), "crate_");
        assert_eq!(f("super"), "super_");
        assert_eq!(f("_"), "__");
        assert_eq!(f("-"), "__");
    }

    #[test]
    fn field_idents_are_valid_rust() {
        for name in ["type", "self", "2fa", "", "-", "match", "a-b", "Self"] {
            let ident = field_ident(name);
            syn::parse2::<syn::Ident>(quote!(#ident))
                .unwrap_or_else(|e| panic!("{name:?} gives {ident}: {e}"));
            // And usable as a struct field.
            syn::parse2::<syn::ItemStruct>(quote!(struct S { #ident: u8 }))
                .unwrap_or_else(|e| panic!("{name:?} gives {ident}: {e}"));
        }
    }

    #[test]
    fn type_idents() {
        let t = |name: &str, suffix: &str| type_ident(name, suffix).to_string();
        assert_eq!(t("db", ""), "Db");
        assert_eq!(t("web-image", ""), "WebImage");
        assert_eq!(t("shop_peers", ""), "ShopPeers");
        assert_eq!(t("restock", "Params"), "RestockParams");
        assert_eq!(t("do-backup", "Params"), "DoBackupParams");
        assert_eq!(t("2fa", ""), "T2fa");
        assert_eq!(t("", ""), "T");
        assert_eq!(t("self", ""), "Self_");
        assert_eq!(t("type", ""), "Type");
        assert_eq!(t("HTTP-API", ""), "HttpApi");
    }
}

mod handlers {
    use super::*;

    fn handlers(item: TokenStream) -> (Vec<HandlerDef>, Vec<String>, syn::ItemImpl) {
        let mut imp: syn::ItemImpl = syn::parse2(item).expect("an impl block");
        let mut errors = Errors::new();
        let handlers = collect(&mut imp, &mut errors);
        (handlers, messages(errors), imp)
    }

    #[test]
    fn collects_handlers_in_order_and_strips_on() {
        let (handlers, errors, imp) = handlers(quote! {
            impl C {
                fn helper(&self) {}
                #[on(install, start)]
                #[doc = "kept"]
                fn a(&mut self, ctx: &mut Context<Self>, e: &HookEvent) {}
                #[on(db_relation_changed)]
                #[on(db_relation_joined)]
                fn b(&self, ctx: &mut Context<Self>, e: &RelationEvent) -> Result<(), E> { Ok(()) }
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
        let summary: Vec<(String, usize, bool, bool)> = handlers
            .iter()
            .map(|h| {
                (
                    h.method.to_string(),
                    h.targets.len(),
                    h.mut_self,
                    h.signature_ok,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a".to_string(), 2, true, true),
                ("b".to_string(), 2, false, true)
            ]
        );
        let ty = handlers[1].event_ty.as_ref().expect("event type");
        assert_eq!(quote!(#ty).to_string(), "RelationEvent");
        let text = quote!(#imp).to_string();
        assert!(!text.contains("on ("), "{text}");
        assert!(text.contains("doc = \"kept\""), "{text}");
    }

    #[test]
    fn wrong_signatures() {
        let cases: &[(TokenStream, &str)] = &[
            (
                quote!(
                    async fn h(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                ),
                "cannot be `async`",
            ),
            (
                quote!(
                    fn h<T>(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                ),
                "cannot be generic",
            ),
            (
                quote!(
                    fn h(self, c: &mut Context<Self>, e: &HookEvent) {}
                ),
                "must take `&mut self` or `&self`, not `self`",
            ),
            (
                quote!(
                    fn h(c: &mut Context<C>, e: &HookEvent) {}
                ),
                "must be a method taking `&mut self`",
            ),
            (
                quote!(
                    fn h(&mut self, c: &Context<Self>, e: &HookEvent) {}
                ),
                "must take the context as `&mut Context<Self>`",
            ),
            (
                quote!(
                    fn h(&mut self, c: &mut Context<Self>, e: HookEvent) {}
                ),
                "must take its event by shared reference (`&EventType`)",
            ),
            (
                quote!(
                    fn h(&mut self, c: &mut Context<Self>, e: &mut HookEvent) {}
                ),
                "must take its event by shared reference (`&EventType`)",
            ),
            (
                quote!(
                    fn h(&mut self, c: &mut Context<Self>) {}
                ),
                "must take a context and an event",
            ),
            (
                quote!(
                    fn h(&mut self, c: &mut Context<Self>, e: &HookEvent, x: u8) {}
                ),
                "takes too many parameters",
            ),
        ];
        for (method, what) in cases {
            let (handlers, errors, _) = handlers(quote!(impl C { #[on(install)] #method }));
            assert_eq!(errors.len(), 1, "{method}: {errors:?}");
            assert!(
                errors[0].starts_with(&format!("handler `h` {what}; a handler has the signature")),
                "{method}: {errors:?}"
            );
            // Still checked against the metadata, but marked so no code calls it.
            assert_eq!(handlers.len(), 1);
            assert!(!handlers[0].signature_ok, "{method}");
        }
    }
}

mod check {
    use super::*;

    const METADATA: &str = "\
name: shop
requires:
  database:
    interface: pgsql
peers:
  shop-peers:
    interface: shop_peers
storage:
  data:
    type: filesystem
containers:
  web:
    resource: web-image
resources:
  web-image:
    type: oci-image
";

    fn meta() -> CharmMeta {
        parse_metadata_str(METADATA).expect("valid metadata")
    }

    fn bind_impl(item: TokenStream, meta: &CharmMeta) -> (Vec<(String, String)>, Vec<String>) {
        let mut imp: syn::ItemImpl = syn::parse2(item).expect("an impl block");
        let mut errors = Errors::new();
        let handlers = collect(&mut imp, &mut errors);
        assert!(errors.is_empty());
        let bindings = bind(&handlers, meta, &mut errors);
        let pairs = bindings
            .iter()
            .map(|b| (b.event_name(), b.handler.method.to_string()))
            .collect();
        (pairs, messages(errors))
    }

    fn unknown(event: &str) -> String {
        let event = syn::Ident::new(event, Span::call_site());
        let (pairs, errors) = bind_impl(
            quote!(impl C { #[on(#event)] fn h(&mut self, c: &mut Context<Self>, e: &HookEvent) {} }),
            &meta(),
        );
        assert!(pairs.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].clone()
    }

    #[test]
    fn bindings_in_declaration_order() {
        let (pairs, errors) = bind_impl(
            quote! {
                impl C {
                    #[on(start, install)]
                    fn a(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                    #[on(database_relation_changed, shop_peers_relation_joined)]
                    fn b(&mut self, c: &mut Context<Self>, e: &RelationEvent) {}
                    #[on(data_storage_attached)]
                    fn c(&mut self, c: &mut Context<Self>, e: &StorageEvent) {}
                    #[on(web_pebble_ready)]
                    fn d(&mut self, c: &mut Context<Self>, e: &PebbleReadyEvent) {}
                    #[on(custom(events::Ready))]
                    fn e(&mut self, c: &mut Context<Self>, e: &CustomEvent<events::Ready>) {}
                    #[on(install)]
                    fn f(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                }
            },
            &meta(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        let expected = [
            ("start", "a"),
            ("install", "a"),
            ("database_relation_changed", "b"),
            ("shop_peers_relation_joined", "b"),
            ("data_storage_attached", "c"),
            ("web_pebble_ready", "d"),
            ("custom:Ready", "e"),
            ("install", "f"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(e, m)| (e.to_string(), m.to_string()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn bound_events_carry_their_kind_and_source() {
        let mut imp: syn::ItemImpl = syn::parse2(quote! {
            impl C {
                #[on(shop_peers_relation_departed, custom(Ready))]
                fn h(&mut self, c: &mut Context<Self>, e: &RelationEvent) {}
            }
        })
        .expect("impl");
        let mut errors = Errors::new();
        let handlers = collect(&mut imp, &mut errors);
        let bindings = bind(&handlers, &meta(), &mut errors);
        assert!(errors.is_empty());
        match &bindings[0].event {
            Bound::Juju(e) => {
                assert_eq!(e.kind, EventKind::RelationDeparted);
                assert_eq!(e.source.as_deref(), Some("shop-peers"));
            }
            Bound::Custom(_) | Bound::Framework(_) => panic!("a Juju event"),
        }
        assert!(matches!(&bindings[1].event, Bound::Custom(p) if p.is_ident("Ready")));
    }

    #[test]
    fn framework_commit_events_bind_by_name() {
        let mut imp: syn::ItemImpl = syn::parse2(quote! {
            impl C {
                #[on(pre_commit, commit)]
                fn h(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                #[on(comit)]
                fn g(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
            }
        })
        .expect("impl");
        let mut errors = Errors::new();
        let handlers = collect(&mut imp, &mut errors);
        let bindings = bind(&handlers, &meta(), &mut errors);
        let names: Vec<String> = bindings.iter().map(|b| b.event_name()).collect();
        assert_eq!(names, ["pre_commit", "commit"]);
        assert!(matches!(bindings[0].event, Bound::Framework("pre_commit")));
        assert!(!errors.is_empty(), "a misspelt name is still an error");
    }

    #[test]
    fn typo_of_a_builtin_event() {
        assert_eq!(
            unknown("config_chnaged"),
            "charm `shop` has no event `config_chnaged`\n  help: did you mean `config_changed`?"
        );
    }

    #[test]
    fn relation_event_of_an_undeclared_relation() {
        assert_eq!(
            unknown("db_relation_changed"),
            "charm `shop` has no event `db_relation_changed`; relations declared in the \
             metadata: `database`, `shop-peers`\n  help: did you mean `database_relation_changed`?"
        );
    }

    #[test]
    fn suggestions_stay_within_the_event_family() {
        // `data_storage_detaching` is closer in spelling, but a relation event is meant.
        let meta = parse_metadata_str(
            "name: shop\nrequires:\n  db:\n    interface: pgsql\nstorage:\n  data:\n    type: \
             filesystem\n",
        )
        .expect("valid metadata");
        let (_, errors) = bind_impl(
            quote!(impl C {
                #[on(database_relation_changed)]
                fn h(&mut self, c: &mut Context<Self>, e: &RelationEvent) {}
            }),
            &meta,
        );
        assert_eq!(
            errors,
            [
                "charm `shop` has no event `database_relation_changed`; relations declared in the \
              metadata: `db`\n  help: did you mean `db_relation_changed`?"
            ]
        );
        // Nothing of the family is close: no suggestion.
        assert_eq!(
            unknown("zzz_storage_attached"),
            "charm `shop` has no event `zzz_storage_attached`; storages declared in the metadata: \
             `data`"
        );
    }

    #[test]
    fn events_of_undeclared_containers_and_actions() {
        assert_eq!(
            unknown("api_pebble_ready"),
            "charm `shop` has no event `api_pebble_ready`; containers declared in the metadata: \
             `web`"
        );
        assert_eq!(
            unknown("backup_action"),
            "charm `shop` has no event `backup_action`; actions declared in the metadata: none"
        );
    }

    #[test]
    fn a_method_observes_an_event_once() {
        let (pairs, errors) = bind_impl(
            quote! {
                impl C {
                    #[on(install, start)]
                    #[on(install)]
                    fn a(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                    #[on(install)]
                    fn b(&mut self, c: &mut Context<Self>, e: &HookEvent) {}
                }
            },
            &meta(),
        );
        assert_eq!(
            errors,
            ["`a` already handles `install`: a method can observe an event only once"]
        );
        assert_eq!(pairs.len(), 3, "{pairs:?}");
    }

    #[test]
    fn custom_event_names() {
        let path: syn::Path = syn::parse_quote!(crate::events::DatabaseReady);
        assert_eq!(custom_event_name(&path), "custom:DatabaseReady");
    }

    #[test]
    fn generated_name_collisions() {
        let clash = parse_charmcraft_str(
            "\
name: clash
resources:
  web-image: {type: oci-image}
  web_image: {type: oci-image}
config:
  options:
    log-level: {type: string}
    log_level: {type: int}
    other: {type: int}
actions:
  backup:
    params:
      target-dir: {type: string}
      target.dir: {type: string}
  backup-params: {}
",
        )
        .expect("valid metadata: the names only collide in Rust");
        let mut errors = Errors::new();
        generated_names(&clash, Span::call_site(), &mut errors);
        let errors = messages(errors);
        let rename = "in the code #[charm] generates: rename one of them";
        assert_eq!(
            errors,
            [
                format!(
                    "config option `log-level` and config option `log_level` both become the \
                     field `Config::log_level` {rename}"
                ),
                format!(
                    "param `target-dir` of action `backup` and param `target.dir` of action \
                     `backup` both become the field `actions::BackupParams::target_dir` {rename}"
                ),
                format!(
                    "resource `web-image` and resource `web_image` both become the type \
                     `resources::WebImage` {rename}"
                ),
                format!(
                    "the params of action `backup` and action `backup-params` both become the \
                     type `actions::BackupParams` {rename}"
                ),
            ]
        );
        let mut errors = Errors::new();
        generated_names(&meta(), Span::call_site(), &mut errors);
        assert!(errors.is_empty());
    }
}

mod files {
    use super::*;

    fn fixture() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expand"))
    }

    fn load(tokens: TokenStream) -> (Option<ops_codegen::files::Loaded>, Vec<String>) {
        let (args, errors) = charm_args(tokens);
        assert!(errors.is_empty(), "{errors:?}");
        let mut errors = Errors::new();
        let loaded = load_from(fixture(), &args, Span::call_site(), &mut errors);
        (loaded, messages(errors))
    }

    #[test]
    fn discovers_the_separate_files() {
        let (loaded, errors) = load(quote!(dir = "fixture"));
        assert!(errors.is_empty(), "{errors:?}");
        let loaded = loaded.expect("loaded");
        assert_eq!(loaded.meta.name, "web-shop");
        let names: Vec<String> = loaded
            .files
            .iter()
            .map(|f| {
                f.strip_prefix(fixture())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "fixture/metadata.yaml",
                "fixture/config.yaml",
                "fixture/actions.yaml"
            ]
        );
        // The same metadata as the runtime's and the harness's loader.
        let expected = ops_metadata::load_dir(&fixture().join("fixture")).expect("loads");
        assert_eq!(loaded.meta, expected);
    }

    #[test]
    fn errors_name_files_relative_to_the_crate() {
        let (loaded, errors) = load(quote!(
            dir = "fixture",
            config = "fixture/alt/broken-config.yaml"
        ));
        assert!(loaded.is_none());
        assert_eq!(
            errors,
            [
                "config option `port` has unknown type `integer` (expected one of: string, int, \
              float, boolean, secret)\n --> fixture/alt/broken-config.yaml:3:11"
            ]
        );
    }

    #[test]
    fn missing_directory_is_named_relative_to_the_crate() {
        let (loaded, errors) = load(quote!(dir = "no-such-dir"));
        assert!(loaded.is_none());
        assert_eq!(
            errors,
            [
                "#[charm] no charm metadata in `no-such-dir`: expected a `metadata.yaml`, or a \
              `charmcraft.yaml` with a `name`"
            ]
        );
        // The crate's own directory, when it holds no charm.
        let (loaded, errors) = load(quote!());
        assert!(loaded.is_none());
        assert_eq!(
            errors,
            [
                "#[charm] no charm metadata in the crate's directory: expected a `metadata.yaml`, \
              or a `charmcraft.yaml` with a `name`"
            ]
        );
    }

    #[test]
    fn missing_explicit_file() {
        let (loaded, errors) = load(quote!(metadata = "fixture/nope.yaml"));
        assert!(loaded.is_none());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("#[charm] cannot read `fixture/nope.yaml`: "),
            "{errors:?}"
        );
    }

    #[test]
    fn absolute_paths_are_refused() {
        let (loaded, errors) = load(quote!(dir = "/etc"));
        assert!(loaded.is_none());
        assert_eq!(
            errors,
            ["#[charm] paths are relative to the crate's directory (CARGO_MANIFEST_DIR); `/etc` \
              is absolute"]
        );
    }
}

// The generated module must not shadow a crate the charm uses (`log::info!` in a charm named
// `log`): its crates are read from its Cargo.toml.
#[test]
fn the_module_is_renamed_when_a_crate_has_its_name() {
    use ops_codegen::expand::names::{extern_crates, module_ident};
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        r#"
[package]
name = "my-charm"
[dependencies]
log = "0.4"
json = { package = "serde_json", version = "1" }
[dev-dependencies]
ops-testing = { path = "x" }
[target.'cfg(unix)'.dependencies]
nix-ish = "1"
"#,
    )
    .expect("write Cargo.toml");
    let crates = extern_crates(dir.path(), Some("some_test"));
    for name in [
        "std",
        "core",
        "alloc",
        "ops_core",
        "log",
        "json",
        "ops_testing",
        "nix_ish",
    ] {
        assert!(crates.contains(name), "{name} in {crates:?}");
    }
    assert!(!crates.contains("serde_json"), "renamed: {crates:?}");
    let module = |charm: &str| module_ident(charm, &crates).to_string();
    assert_eq!(module("log"), "log_charm");
    assert_eq!(module("std"), "std_charm");
    assert_eq!(module("core"), "core_charm");
    assert_eq!(module("ops-core"), "ops_core_charm");
    // The package's library, seen by its binaries and tests, not by itself; a package without
    // a library has none.
    assert_eq!(module("my-charm"), "my_charm");
    std::fs::create_dir(dir.path().join("src")).expect("create src");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("write src/lib.rs");
    let crates = extern_crates(dir.path(), Some("some_test"));
    assert_eq!(module_ident("my-charm", &crates), "my_charm_charm");
    let in_the_lib = extern_crates(dir.path(), Some("my_charm"));
    assert_eq!(module_ident("my-charm", &in_the_lib), "my_charm");
    assert_eq!(module("web-shop"), "web_shop");
    // Without a manifest, only the crates every charm has are known.
    let empty = tempfile::tempdir().expect("a temporary directory");
    let none = extern_crates(empty.path(), None);
    assert_eq!(module_ident("log", &none), "log");
    assert_eq!(module_ident("serde", &none), "serde");
}
