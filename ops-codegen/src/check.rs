//! Checking handlers against the charm's metadata.

use crate::attrs::{did_you_mean, OnTarget};
use crate::errors::Errors;
use crate::expand::items::params_ident;
use crate::expand::names::{field_ident, type_ident};
use crate::handlers::HandlerDef;
use ops_metadata::{
    CharmMeta, EventKind, EventMeta, RELATION_EVENT_SUFFIXES, STORAGE_EVENT_SUFFIXES,
};
use proc_macro2::Span;
use syn::Ident;

/// What a handler is bound to.
#[derive(Clone)]
pub enum Bound {
    /// A Juju event the metadata defines.
    Juju(EventMeta),
    /// A custom event type.
    Custom(syn::Path),
    /// One of ops' framework events run at the end of every hook: `pre_commit`, `commit`.
    Framework(&'static str),
}

/// ops' framework events a handler can observe, in the order they run at the end of a hook.
pub const FRAMEWORK_EVENTS: [&str; 2] = ["pre_commit", "commit"];

/// One (event, handler) pair, in declaration order.
#[derive(Clone)]
pub struct Binding {
    /// The event.
    pub event: Bound,
    /// The token naming the event in `#[on(...)]`.
    pub span: Span,
    /// The handler.
    pub handler: HandlerDef,
}

impl Binding {
    /// The event's name in the dispatch table.
    pub fn event_name(&self) -> String {
        match &self.event {
            Bound::Juju(e) => e.name.clone(),
            Bound::Custom(p) => custom_event_name(p),
            Bound::Framework(name) => name.to_string(),
        }
    }
}

/// The dispatch-table name of a custom event type: `custom:<TypeName>`.
pub fn custom_event_name(path: &syn::Path) -> String {
    let last = path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    format!("custom:{last}")
}

fn describe(kind: EventKind) -> &'static str {
    match kind {
        EventKind::RelationCreated
        | EventKind::RelationJoined
        | EventKind::RelationChanged
        | EventKind::RelationDeparted
        | EventKind::RelationBroken => "relation",
        EventKind::StorageAttached | EventKind::StorageDetaching => "storage",
        EventKind::PebbleReady
        | EventKind::PebbleCustomNotice
        | EventKind::PebbleCheckFailed
        | EventKind::PebbleCheckRecovered => "container",
        EventKind::Action => "action",
        _ => "event",
    }
}

/// Explain why `name` is not an event of this charm.
fn unknown_event_message(name: &Ident, meta: &CharmMeta, events: &[EventMeta]) -> String {
    let n = name.to_string();
    let mut msg = format!("charm `{}` has no event `{n}`", meta.name);
    // Say what the name looks like it refers to.
    let families: [(&str, &str, Vec<String>); 4] = [
        (
            "_relation_",
            "relations",
            meta.relations.iter().map(|r| r.name.to_string()).collect(),
        ),
        (
            "_storage_",
            "storages",
            meta.storages.iter().map(|s| s.name.to_string()).collect(),
        ),
        (
            "_pebble_ready",
            "containers",
            meta.containers.iter().map(|c| c.name.to_string()).collect(),
        ),
        (
            "_action",
            "actions",
            meta.actions.iter().map(|a| a.name.to_string()).collect(),
        ),
    ];
    for (marker, what, names) in families {
        if n.contains(marker) {
            let listed = if names.is_empty() {
                "none".to_string()
            } else {
                names
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            msg.push_str(&format!("; {what} declared in the metadata: {listed}"));
            break;
        }
    }
    // A name of a relation, storage, container or action event is compared with the events of that
    // kind only (`database_relation_changed`: `db_relation_changed`, not `data_storage_detaching`).
    let suffix = RELATION_EVENT_SUFFIXES
        .iter()
        .chain(STORAGE_EVENT_SUFFIXES)
        .map(|(suffix, _)| *suffix)
        .chain(["_pebble_ready", "_action"])
        .find(|suffix| n.ends_with(suffix));
    let candidates = events
        .iter()
        .map(|e| e.name.as_str())
        .filter(|c| suffix.is_none_or(|suffix| c.ends_with(suffix)));
    if let Some(s) = did_you_mean(&n, candidates) {
        msg.push_str(&format!("\n  help: did you mean `{s}`?"));
    }
    msg
}

/// Resolve every handler's events; unknown events and duplicates are errors.
pub fn bind(handlers: &[HandlerDef], meta: &CharmMeta, errors: &mut Errors) -> Vec<Binding> {
    let events = meta.events();
    let mut out: Vec<Binding> = Vec::new();
    for h in handlers {
        for target in &h.targets {
            let (event, span) = match target {
                OnTarget::Event(id) => {
                    let name = id.to_string();
                    match events.iter().find(|e| e.name == name) {
                        Some(e) => (Bound::Juju(e.clone()), id.span()),
                        None if FRAMEWORK_EVENTS.contains(&name.as_str()) => {
                            let name = FRAMEWORK_EVENTS
                                .into_iter()
                                .find(|n| *n == name)
                                .unwrap_or("commit");
                            (Bound::Framework(name), id.span())
                        }
                        None => {
                            errors.error(id.span(), unknown_event_message(id, meta, &events));
                            continue;
                        }
                    }
                }
                OnTarget::Custom(p) => (Bound::Custom(p.clone()), syn::spanned::Spanned::span(p)),
            };
            let binding = Binding {
                event,
                span,
                handler: h.clone(),
            };
            if out
                .iter()
                .any(|b| b.event_name() == binding.event_name() && b.handler.method == h.method)
            {
                errors.error(
                    span,
                    format!(
                        "`{}` already handles `{}`: a method can observe an event only once",
                        h.method,
                        binding.event_name()
                    ),
                );
                continue;
            }
            out.push(binding);
        }
    }
    out
}

/// Report metadata names that become the same Rust name in the generated items (config options
/// `log-level` and `log_level` would both be the field `Config::log_level`), which rustc would
/// otherwise report as a cascade of errors inside the macro's output.
pub fn generated_names(meta: &CharmMeta, span: Span, errors: &mut Errors) {
    let mut report = |entries: Vec<(String, String)>, what: &str, place: &str| {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (rust, from) in entries {
            match seen.iter().find(|(r, _)| *r == rust) {
                Some((_, first)) => errors.error(
                    span,
                    format!(
                        "{first} and {from} both become the {what} `{place}{rust}` in the code \
                         #[charm] generates: rename one of them"
                    ),
                ),
                None => seen.push((rust, from)),
            }
        }
    };
    report(
        meta.config
            .iter()
            .map(|o| {
                (
                    field_ident(&o.name).to_string(),
                    format!("config option `{}`", o.name),
                )
            })
            .collect(),
        "field",
        "Config::",
    );
    for a in meta.actions.iter() {
        report(
            a.params
                .iter()
                .map(|p| {
                    (
                        field_ident(&p.name).to_string(),
                        format!("param `{}` of action `{}`", p.name, a.name),
                    )
                })
                .collect(),
            "field",
            &format!("actions::{}::", params_ident(a)),
        );
    }
    let types = |kind: &str, names: Vec<&str>| -> Vec<(String, String)> {
        names
            .into_iter()
            .map(|n| (type_ident(n, "").to_string(), format!("{kind} `{n}`")))
            .collect()
    };
    report(
        types(
            "relation",
            meta.relations.iter().map(|r| &*r.name).collect(),
        ),
        "type",
        "relations::",
    );
    report(
        types("storage", meta.storages.iter().map(|s| &*s.name).collect()),
        "type",
        "storages::",
    );
    report(
        types(
            "container",
            meta.containers.iter().map(|c| &*c.name).collect(),
        ),
        "type",
        "containers::",
    );
    report(
        types(
            "resource",
            meta.resources.iter().map(|r| &*r.name).collect(),
        ),
        "type",
        "resources::",
    );
    report(
        meta.actions
            .iter()
            .flat_map(|a| {
                [
                    (
                        type_ident(&a.name, "").to_string(),
                        format!("action `{}`", a.name),
                    ),
                    (
                        params_ident(a).to_string(),
                        format!("the params of action `{}`", a.name),
                    ),
                ]
            })
            .collect(),
        "type",
        "actions::",
    );
}

/// A readable name of what an event is attached to, for docs.
pub fn event_family(kind: EventKind) -> &'static str {
    describe(kind)
}
