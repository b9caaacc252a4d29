//! Parsing `#[charm(...)]` and `#[on(...)]` arguments.

use crate::errors::Errors;
use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

/// The keys `#[charm(...)]` accepts.
pub const CHARM_KEYS: &[&str] = &[
    "dir",
    "metadata",
    "config",
    "actions",
    "charmcraft",
    "crate",
    "module",
    "storage",
    "skip_duplicate_events",
    "config_errors",
    "params_errors",
];

/// A path given to `#[charm]`, with the literal it came from (errors point at it).
#[derive(Clone)]
pub struct PathArg {
    /// The path as written.
    pub value: String,
    /// The literal.
    pub lit: LitStr,
}

/// Parsed `#[charm(...)]` arguments.
#[derive(Default, Clone)]
pub struct CharmArgs {
    /// `dir = "..."`: the charm directory (default: `CARGO_MANIFEST_DIR`).
    pub dir: Option<PathArg>,
    /// `metadata = "..."`.
    pub metadata: Option<PathArg>,
    /// `config = "..."`.
    pub config: Option<PathArg>,
    /// `actions = "..."`.
    pub actions: Option<PathArg>,
    /// `charmcraft = "..."`.
    pub charmcraft: Option<PathArg>,
    /// `crate = "..."`: the path of the runtime crate (default `::ops_core`).
    pub krate: Option<syn::Path>,
    /// `module = name`: the generated module (default: the charm name in snake case).
    pub module: Option<Ident>,
    /// `storage = "local" | "controller" | "auto"`.
    pub storage: Option<(String, Span)>,
    /// `skip_duplicate_events = true | false` (default: the `Charm` trait's, `true`).
    pub skip_duplicate_events: Option<bool>,
    /// `config_errors = "raise" | "blocked"` (ops 3's `load_config(errors=...)`).
    pub config_errors: Option<(String, Span)>,
    /// `params_errors = "raise" | "fail"` (ops 3's `load_params(errors=...)`).
    pub params_errors: Option<(String, Span)>,
}

/// One `key = value` argument.
struct Arg {
    key: Ident,
    value: syn::Expr,
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = if input.peek(Token![crate]) {
            let k: Token![crate] = input.parse()?;
            Ident::new("crate", k.span)
        } else {
            input.parse()?
        };
        input.parse::<Token![=]>()?;
        let value: syn::Expr = input.parse()?;
        Ok(Arg { key, value })
    }
}

fn lit_str(value: &syn::Expr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = value
    {
        Some(s.clone())
    } else {
        errors.spanned(
            value,
            format!("#[charm] `{key}` expects a string literal, e.g. `{key} = \"...\"`"),
        );
        None
    }
}

/// Suggest the closest of `candidates` to `name`, if close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl CharmArgs {
    /// Parse the attribute's tokens, recording every problem in `errors`.
    pub fn parse(tokens: proc_macro2::TokenStream, errors: &mut Errors) -> CharmArgs {
        let mut args = CharmArgs::default();
        if tokens.is_empty() {
            return args;
        }
        let parsed = match syn::parse::Parser::parse2(
            Punctuated::<Arg, Token![,]>::parse_terminated,
            tokens,
        ) {
            Ok(p) => p,
            Err(e) => {
                errors.push(syn::Error::new(
                    e.span(),
                    format!("#[charm] arguments must be `key = value` pairs: {e}"),
                ));
                return args;
            }
        };
        for arg in parsed {
            let key = arg.key.to_string();
            let dup = |errors: &mut Errors| {
                errors.spanned(&arg.key, format!("duplicate #[charm] argument `{key}`"))
            };
            match key.as_str() {
                "dir" | "metadata" | "config" | "actions" | "charmcraft" => {
                    let Some(lit) = lit_str(&arg.value, &key, errors) else {
                        continue;
                    };
                    let value = PathArg {
                        value: lit.value(),
                        lit,
                    };
                    let slot = match key.as_str() {
                        "dir" => &mut args.dir,
                        "metadata" => &mut args.metadata,
                        "config" => &mut args.config,
                        "actions" => &mut args.actions,
                        _ => &mut args.charmcraft,
                    };
                    if slot.is_some() {
                        dup(errors);
                    }
                    *slot = Some(value);
                }
                "crate" => {
                    let Some(lit) = lit_str(&arg.value, &key, errors) else {
                        continue;
                    };
                    match lit.parse::<syn::Path>() {
                        Ok(p) => {
                            if args.krate.is_some() {
                                dup(errors);
                            }
                            args.krate = Some(p);
                        }
                        Err(_) => errors.spanned(
                            &lit,
                            "#[charm] `crate` must be a path, e.g. `crate = \"::ops_core\"`",
                        ),
                    }
                }
                "module" => match &arg.value {
                    syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                        if args.module.is_some() {
                            dup(errors);
                        }
                        args.module = p.path.get_ident().cloned();
                    }
                    other => errors.spanned(
                        other,
                        "#[charm] `module` expects an identifier, e.g. `module = counter_meta`",
                    ),
                },
                "storage" => {
                    let Some(lit) = lit_str(&arg.value, &key, errors) else {
                        continue;
                    };
                    let v = lit.value();
                    if !matches!(v.as_str(), "auto" | "local" | "controller") {
                        errors.spanned(
                            &lit,
                            format!("#[charm] `storage` must be \"auto\", \"local\" or \"controller\", not {v:?}"),
                        );
                        continue;
                    }
                    if args.storage.is_some() {
                        dup(errors);
                    }
                    args.storage = Some((v, lit.span()));
                }
                "config_errors" | "params_errors" => {
                    let Some(lit) = lit_str(&arg.value, &key, errors) else {
                        continue;
                    };
                    let v = lit.value();
                    let (allowed, slot) = if key == "config_errors" {
                        ("blocked", &mut args.config_errors)
                    } else {
                        ("fail", &mut args.params_errors)
                    };
                    if v != "raise" && v != allowed {
                        errors.spanned(
                            &lit,
                            format!(
                                "#[charm] `{key}` must be \"raise\" or \"{allowed}\", not {v:?}"
                            ),
                        );
                        continue;
                    }
                    if slot.is_some() {
                        dup(errors);
                    }
                    *slot = Some((v, lit.span()));
                }
                "skip_duplicate_events" => match &arg.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Bool(b),
                        ..
                    }) => {
                        if args.skip_duplicate_events.is_some() {
                            dup(errors);
                        }
                        args.skip_duplicate_events = Some(b.value);
                    }
                    other => errors.spanned(
                        other,
                        "#[charm] `skip_duplicate_events` expects `true` or `false`",
                    ),
                },
                other => {
                    let hint = did_you_mean(other, CHARM_KEYS.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    errors.spanned(
                        &arg.key,
                        format!(
                            "unknown #[charm] argument `{other}`{hint} (expected one of: {})",
                            CHARM_KEYS.join(", ")
                        ),
                    );
                }
            }
        }
        if args.charmcraft.is_some() {
            for (arg, name) in [
                (&args.metadata, "metadata"),
                (&args.config, "config"),
                (&args.actions, "actions"),
            ] {
                if let Some(a) = arg {
                    errors.spanned(
                        &a.lit,
                        format!("#[charm] `{name}` cannot be combined with `charmcraft`: charmcraft.yaml holds the metadata, config and actions"),
                    );
                }
            }
        }
        args
    }
}

/// One event named in `#[on(...)]`.
#[derive(Clone)]
pub enum OnTarget {
    /// A Juju event by its ops name, e.g. `config_changed`.
    Event(Ident),
    /// A custom event type: `#[on(custom(MyEvent))]`.
    Custom(syn::Path),
}

/// Parse the arguments of one `#[on(...)]` attribute: one or more events.
pub fn parse_on(attr: &syn::Attribute) -> syn::Result<Vec<OnTarget>> {
    let list = match &attr.meta {
        syn::Meta::List(l) => l,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`",
            ))
        }
    };
    if list.tokens.is_empty() {
        return Err(syn::Error::new_spanned(
            list,
            "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`",
        ));
    }
    let items = list.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)?;
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Meta::Path(p) => match p.get_ident() {
                Some(id) => out.push(OnTarget::Event(id.clone())),
                None => {
                    return Err(syn::Error::new_spanned(
                        p,
                        "`#[on]` takes event names such as `install` or `db_relation_changed`, or `custom(Type)`",
                    ))
                }
            },
            syn::Meta::List(l) if l.path.is_ident("custom") => {
                let path: syn::Path = l.parse_args().map_err(|e| {
                    syn::Error::new(e.span(), "`custom(...)` takes the custom event's type, e.g. `custom(DatabaseReady)`")
                })?;
                out.push(OnTarget::Custom(path));
            }
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "`#[on]` takes event names such as `install` or `db_relation_changed`, or `custom(Type)`",
                ))
            }
        }
    }
    Ok(out)
}
