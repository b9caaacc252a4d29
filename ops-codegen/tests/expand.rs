//! Golden expansion tests: what `#[charm]` generates for the fixture charm in `tests/expand/fixture`
//! (config of every type, relations of every role, a storage, a container, a resource and an
//! action with params), pretty-printed and compared with `tests/expand/<case>.expanded.rs`.
//!
//! ```text
//! cargo test -p ops-codegen --test expand                      # compare
//! UPDATE_EXPANDED=1 cargo test -p ops-codegen --test expand    # rewrite the golden files
//! ```
//!
//! Then review the diff of the golden files: it is the diff of the generated code.
//!
//! The generated code names the files it read with absolute paths (`include_bytes!` makes Cargo
//! rebuild the charm when they change); the fixture's directory is replaced by `$FIXTURE` so the
//! golden files hold no path of this machine.

use proc_macro2::TokenStream;
use quote::quote;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand/fixture")
}

/// Expand `#[charm(attr)] item` with the fixture directory as the crate directory, pretty-printed.
fn expand(attr: TokenStream, item: TokenStream) -> String {
    let dir = fixture_dir();
    let tokens = ops_codegen::expand::charm_with(attr, item, Some(&dir));
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a Rust file");
    let text = prettyplease::unparse(&file);
    let shown = dir.display().to_string();
    assert!(!shown.is_empty());
    text.replace(&shown, "$FIXTURE")
}

/// Compare with (or, with `UPDATE_EXPANDED=1`, write) `tests/expand/<case>.expanded.rs`.
fn check_golden(case: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{case}.expanded.rs"));
    assert!(
        !actual.contains(env!("CARGO_MANIFEST_DIR")),
        "the expansion of `{case}` still holds an absolute path"
    );
    if std::env::var_os("UPDATE_EXPANDED").is_some() {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_EXPANDED=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}:\n  golden: {e}\n  actual: {a}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "the golden file has {} lines, the expansion {}",
                    expected.lines().count(),
                    actual.lines().count()
                )
            });
        panic!(
            "the expansion of `{case}` differs from {} at {first_difference}\n\
             (if the change is intended, run with UPDATE_EXPANDED=1 and review the diff)",
            path.display()
        );
    }
}

#[test]
fn full_charm() {
    let item = quote! {
        impl WebShop {
            fn helper(&self) -> u32 {
                1
            }

            #[on(install)]
            fn on_install(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
                Ok(())
            }

            #[on(config_changed, upgrade_charm)]
            fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}

            #[on(database_relation_joined, database_relation_changed)]
            fn database(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) {}

            #[on(website_relation_joined)]
            #[on(shop_peers_relation_changed)]
            fn relations(&self, ctx: &mut Context<Self>, event: &RelationEvent) {}

            #[on(data_storage_attached)]
            fn storage(&mut self, ctx: &mut Context<Self>, event: &StorageEvent) {}

            #[on(web_pebble_ready)]
            fn web_ready(&mut self, ctx: &mut Context<Self>, event: &PebbleReadyEvent) {}

            #[on(restock_action)]
            fn restock(&mut self, ctx: &mut Context<Self>, event: &ActionEvent<web_shop::actions::RestockParams>) {}

            #[on(secret_changed)]
            fn secret(&mut self, ctx: &mut Context<Self>, event: &SecretEvent) {}

            #[on(collect_metrics)]
            fn metrics(&mut self, ctx: &mut Context<Self>, event: &CollectMetricsEvent) {}

            #[on(custom(crate::events::StockLow))]
            fn stock_low(&mut self, ctx: &mut Context<Self>, event: &CustomEvent<crate::events::StockLow>) {}

            #[on(install)]
            fn also_on_install(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
        }
    };
    check_golden("full_charm", &expand(quote!(), item));
}

#[test]
fn module_crate_and_storage_arguments() {
    let item = quote! {
        impl WebShop {
            #[on(start)]
            fn on_start(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
        }
    };
    let attr = quote!(
        module = shop_meta,
        crate = "::my_ops",
        storage = "controller"
    );
    check_golden("module_crate_and_storage", &expand(attr, item));
}

#[test]
fn config_and_params_error_modes() {
    let item = quote! {
        impl WebShop {
            #[on(config_changed)]
            fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
        }
    };
    let text = expand(
        quote!(config_errors = "blocked", params_errors = "fail"),
        item,
    );
    assert!(
        text.contains(
            "const CONFIG_ERRORS: ::ops_core::ConfigErrors = ::ops_core::ConfigErrors::Blocked;"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "const PARAMS_ERRORS: ::ops_core::ParamsErrors = ::ops_core::ParamsErrors::Fail;"
        ),
        "{text}"
    );
    check_golden("error_modes", &text);
    // Without the arguments, the trait's defaults (raise) apply: no const is generated.
    let plain = expand(quote!(), quote!(impl WebShop {}));
    assert!(!plain.contains("CONFIG_ERRORS") && !plain.contains("PARAMS_ERRORS"));
}

#[test]
fn explicit_config_file() {
    let item = quote! {
        impl WebShop {}
    };
    let text = expand(quote!(config = "alt/config.yaml"), item);
    // The named config file replaces `config.yaml`; `metadata.yaml` and `actions.yaml` are still
    // found in the directory.
    assert!(
        text.contains("pub greeting: ::core::option::Option<::std::string::String>"),
        "{text}"
    );
    assert!(!text.contains("shop_name"), "{text}");
    assert!(text.contains("RestockParams"), "{text}");
    let tracked: Vec<&str> = text
        .split('"')
        .filter(|s| s.starts_with("$FIXTURE/"))
        .collect();
    assert_eq!(
        tracked,
        [
            "$FIXTURE/metadata.yaml",
            "$FIXTURE/alt/config.yaml",
            "$FIXTURE/actions.yaml"
        ]
    );
}

#[test]
fn unknown_event_is_reported_and_the_items_still_generated() {
    let item = quote! {
        impl WebShop {
            #[on(config_chnaged)]
            fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}

            #[on(install)]
            fn install(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
        }
    };
    let text = expand(quote!(), item);
    assert!(text.contains("did you mean `config_changed`?"), "{text}");
    assert!(
        !text.contains("#[on"),
        "the `#[on]` attributes are removed: {text}"
    );
    // The handler of the unknown event is left out of the table; the other one is there.
    assert!(text.contains("method: \"install\""), "{text}");
    assert!(!text.contains("method: \"configure\""), "{text}");
    check_golden("unknown_event", &text);
}

#[test]
fn file_errors_keep_the_impl_block_and_a_stub() {
    let item = quote! {
        impl WebShop {
            #[on(install)]
            fn install(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {}
        }
    };
    let text = expand(quote!(config = "alt/broken-config.yaml"), item);
    assert!(
        text.contains("--> alt/broken-config.yaml:3:11"),
        "errors name the file relative to the crate directory: {text}"
    );
    assert!(!text.contains("pub mod web_shop"), "{text}");
    assert!(text.contains("type Config = ();"), "{text}");
    check_golden("file_error_fallback", &text);
}

/// `#[derive(RelationData)]`, pretty-printed.
fn expand_relation_data(item: TokenStream) -> String {
    let tokens = ops_codegen::derive::relation_data(item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a Rust file");
    prettyplease::unparse(&file)
}

#[test]
fn relation_data_raw_encoding() {
    let text = expand_relation_data(quote! {
        #[databag(rename_all = "kebab-case")]
        struct Db {
            host: String,
            replica_set: Option<String>,
            port: u16,
            #[databag(rename = "read-only", json)]
            ro: Option<bool>,
            #[databag(json)]
            user: String,
        }
    });
    assert!(text.contains("Encoding::Raw"), "{text}");
    assert!(!text.contains("to_py_json"), "{text}");
    check_golden("relation_data_raw", &text);
}

#[test]
fn relation_data_json_encoding() {
    let text = expand_relation_data(quote! {
        #[databag(encoding = "json")]
        struct Db {
            host: String,
            port: u16,
            #[databag(rename = "secret-id")]
            secret_id: String,
            note: Option<String>,
        }
    });
    assert!(text.contains("Encoding::Json"), "{text}");
    assert!(!text.contains("get_raw"), "{text}");
    // The optional field: read as `Option<Option<String>>` (absent, or `null`), flattened.
    assert!(text.contains(".flatten()"), "{text}");
    check_golden("relation_data_json", &text);
}

#[test]
fn relation_data_unknown_encoding_is_an_error() {
    let text = ops_codegen::derive::relation_data(quote! {
        #[databag(encoding = "yaml")]
        struct Db {
            host: String,
        }
    })
    .to_string();
    assert!(text.contains("compile_error"), "{text}");
    assert!(text.contains("encoding must be"), "{text}");
}
