//! Rules on names, and rules that span several entries or files: duplicate and reserved relation
//! names, colliding event names, references from containers to resources and storage, extra
//! bindings and subordinates.

use std::collections::{HashMap, HashSet};

use super::metadata::{Located, ParsedMetadata};
use super::node::{Diags, Loc};
use crate::model::{
    identifier, ActionMeta, RelationRole, RelationScope, ResourceType, BUILTIN_EVENTS,
    RELATION_EVENT_SUFFIXES, STORAGE_EVENT_SUFFIXES,
};

/// What a name names (each kind has its own naming rule and label in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A relation endpoint.
    Relation,
    /// A storage.
    Storage,
    /// A workload container.
    Container,
    /// A resource.
    Resource,
    /// An extra binding.
    ExtraBinding,
    /// A config option.
    ConfigOption,
    /// An action.
    Action,
}

impl NameKind {
    fn label(self) -> &'static str {
        match self {
            NameKind::Relation => "relation",
            NameKind::Storage => "storage",
            NameKind::Container => "container",
            NameKind::Resource => "resource",
            NameKind::ExtraBinding => "extra binding",
            NameKind::ConfigOption => "config option",
            NameKind::Action => "action",
        }
    }
}

/// Reports `name` (whose key is `at`) if it breaks the naming rule of `kind`.
///
/// Actions: `^[a-z](?:[a-z0-9-]*[a-z0-9])?$`, without the reserved `juju-` prefix. Config options:
/// anything but empty (neither Juju nor charmcraft rules them). Everything else:
/// `^[a-z][a-z0-9_-]*$` (these names become Rust and Python identifiers with `-` → `_`).
pub(crate) fn check_entry_name(name: &str, kind: NameKind, at: &Loc, diags: &mut Diags) {
    let label = kind.label();
    if kind == NameKind::Action {
        if !is_action_name(name) {
            diags.push(at.error(format!(
                "invalid action name `{name}`: use lowercase letters, digits and `-`, starting \
                 with a letter and not ending with `-`"
            )));
        } else if name.starts_with("juju-") {
            diags.push(at.error(format!(
                "action name `{name}` is reserved: Juju reserves the `juju-` prefix"
            )));
        }
    } else if kind == NameKind::ConfigOption {
        // Juju and charmcraft do not rule config option names; the macro sanitizes them.
        if name.is_empty() {
            diags.push(at.error("a config option has an empty name"));
        }
    } else if !is_entry_name(name) {
        diags.push(at.error(format!(
            "invalid {label} name `{name}`: use lowercase letters, digits, `-` and `_`, starting \
             with a letter"
        )));
    }
}

/// `^[a-z][a-z0-9_-]*$`
fn is_entry_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// `^[a-z](?:[a-z0-9-]*[a-z0-9])?$`
fn is_action_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// Whether Juju reserves `name` (as an endpoint or interface name) for a charm called `charm`.
fn is_reserved(charm: &str, name: &str) -> bool {
    !charm.starts_with("juju-") && (name == "juju" || name.starts_with("juju-"))
}

fn section(role: RelationRole) -> &'static str {
    match role {
        RelationRole::Requires => "requires",
        RelationRole::Provides => "provides",
        RelationRole::Peer => "peers",
    }
}

/// Applies every rule that spans entries (and files: actions come from their own file).
pub(crate) fn validate(meta: &ParsedMetadata, actions: &[Located<ActionMeta>], diags: &mut Diags) {
    check_relations(meta, diags);
    check_event_names(meta, actions, diags);
    check_containers(meta, diags);
    check_extra_bindings(meta, diags);
    check_subordinate(meta, diags);
}

/// Duplicates across `requires`/`provides`/`peers`, and Juju's reserved names and interfaces.
fn check_relations(meta: &ParsedMetadata, diags: &mut Diags) {
    let mut first_role: HashMap<&str, RelationRole> = HashMap::new();
    for rel in &meta.relations {
        let r = &rel.meta;
        if let Some(first) = first_role.get(r.name.as_ref()) {
            diags.push(rel.at.error(format!(
                "relation `{}` is declared in both `{}` and `{}`",
                r.name,
                section(*first),
                section(r.role)
            )));
        } else {
            first_role.insert(&r.name, r.role);
        }
        // Juju lets the container-scoped `requires` of a subordinate use reserved names
        // (e.g. `juju-info`).
        let exempt = meta.subordinate
            && r.role == RelationRole::Requires
            && r.scope == RelationScope::Container;
        if !exempt && is_reserved(&meta.name, &r.name) {
            diags.push(rel.at.error(format!(
                "relation name `{}` is reserved: Juju reserves `juju` and the `juju-` prefix",
                r.name
            )));
        }
        if r.role != RelationRole::Requires && is_reserved(&meta.name, &r.interface) {
            diags.push(rel.interface_at.error(format!(
                "`{}` relation `{}` uses the reserved interface `{}`: Juju reserves `juju` and \
                 the `juju-` prefix (only `requires` relations may use them)",
                section(r.role),
                r.name,
                r.interface
            )));
        }
    }
}

/// The event names derived from every entry must differ from each other and from the built-in
/// events (e.g. relations `db-admin` and `db_admin` both define `db_admin_relation_changed`).
fn check_event_names(meta: &ParsedMetadata, actions: &[Located<ActionMeta>], diags: &mut Diags) {
    // What defines each event name seen so far.
    let mut owners: HashMap<String, String> = BUILTIN_EVENTS
        .iter()
        .map(|(name, _)| (name.to_string(), format!("the built-in event `{name}`")))
        .collect();
    let mut reported: HashSet<(String, String)> = HashSet::new();
    let mut entries: Vec<(String, &Loc, Vec<String>)> = Vec::new();
    for rel in &meta.relations {
        let id = identifier(&rel.meta.name);
        let events = RELATION_EVENT_SUFFIXES
            .iter()
            .map(|(suffix, _)| format!("{id}{suffix}"))
            .collect();
        entries.push((format!("relation `{}`", rel.meta.name), &rel.at, events));
    }
    for storage in &meta.storages {
        let id = identifier(&storage.item.name);
        let events = STORAGE_EVENT_SUFFIXES
            .iter()
            .map(|(suffix, _)| format!("{id}{suffix}"))
            .collect();
        entries.push((
            format!("storage `{}`", storage.item.name),
            &storage.at,
            events,
        ));
    }
    for container in &meta.containers {
        let event = format!("{}_pebble_ready", identifier(&container.meta.name));
        entries.push((
            format!("container `{}`", container.meta.name),
            &container.at,
            vec![event],
        ));
    }
    for action in actions {
        let event = format!("{}_action", identifier(&action.item.name));
        entries.push((
            format!("action `{}`", action.item.name),
            &action.at,
            vec![event],
        ));
    }
    for (label, at, events) in &entries {
        for event in events {
            match owners.get(event) {
                // The same relation in two sections is reported by `check_relations`.
                Some(owner) if owner == label => {}
                Some(owner) => {
                    if reported.insert((owner.clone(), label.clone())) {
                        diags.push(at.error(format!(
                            "{label} collides with {owner}: both define the event `{event}`"
                        )));
                    }
                }
                None => {
                    owners.insert(event.clone(), label.clone());
                }
            }
        }
    }
}

/// A container's `resource` must be a declared `oci-image` resource; its mounts must name declared
/// storage.
fn check_containers(meta: &ParsedMetadata, diags: &mut Diags) {
    for container in &meta.containers {
        let c = &container.meta;
        if let (Some(resource), Some(at)) = (&c.resource, &container.resource_at) {
            match meta.resources.iter().find(|r| r.item.name == *resource) {
                None => diags.push(at.error(format!(
                    "container `{}` uses undeclared resource `{resource}`",
                    c.name
                ))),
                Some(r) if r.item.kind != ResourceType::OciImage => diags.push(at.error(format!(
                    "container `{}` uses resource `{resource}`, which is a `file` resource, not \
                     an `oci-image`",
                    c.name
                ))),
                Some(_) => {}
            }
        }
        for (mount, at) in c.mounts.iter().zip(&container.mount_storage_at) {
            if !meta.storages.iter().any(|s| s.item.name == mount.storage) {
                diags.push(at.error(format!(
                    "container `{}` mounts undeclared storage `{}`",
                    c.name, mount.storage
                )));
            }
        }
    }
}

/// Juju refuses extra bindings named like a relation endpoint.
fn check_extra_bindings(meta: &ParsedMetadata, diags: &mut Diags) {
    for binding in &meta.extra_bindings {
        if meta.relations.iter().any(|r| r.meta.name == binding.item) {
            diags.push(binding.at.error(format!(
                "extra binding `{}` has the same name as a relation endpoint",
                binding.item
            )));
        }
    }
}

/// Juju refuses a subordinate charm without a container-scoped `requires` relation.
fn check_subordinate(meta: &ParsedMetadata, diags: &mut Diags) {
    let Some(at) = meta.subordinate_at.as_ref().filter(|_| meta.subordinate) else {
        return;
    };
    let has_container_scope = meta
        .relations
        .iter()
        .any(|r| r.meta.role == RelationRole::Requires && r.meta.scope == RelationScope::Container);
    if !has_container_scope {
        diags.push(at.error(
            "a subordinate charm needs a `requires` relation with `scope: container`".to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        for good in ["db", "db-admin", "db_admin", "a1", "x-"] {
            assert!(is_entry_name(good), "{good:?}");
        }
        for bad in ["", "Db", "1db", "-db", "_db", "db.x", "db admin", "dé"] {
            assert!(!is_entry_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn action_names() {
        for good in ["a", "run", "get-password", "a1", "do-2"] {
            assert!(is_action_name(good), "{good:?}");
        }
        for bad in ["", "Run", "1run", "run-", "get_password", "-run", "run!"] {
            assert!(!is_action_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn reserved_names() {
        assert!(is_reserved("app", "juju"));
        assert!(is_reserved("app", "juju-info"));
        assert!(!is_reserved("app", "jujutsu"));
        assert!(!is_reserved("juju-app", "juju-info"));
    }
}
