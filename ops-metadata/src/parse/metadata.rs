//! `metadata.yaml`, or the metadata keys of a unified `charmcraft.yaml`.

use std::borrow::Cow;

use serde_yaml::Value;

use super::node::{find, kind_of, Diags, Loc, Node};
use super::validate::{check_entry_name, NameKind};
use crate::model::{
    ContainerMeta, MountMeta, RelationMeta, RelationRole, RelationScope, ResourceMeta,
    ResourceType, StorageMeta, StorageType,
};

/// Which layout the metadata comes from (decides which top-level keys are allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `metadata.yaml` (with `config.yaml` and `actions.yaml` beside it).
    Separate,
    /// `charmcraft.yaml` holding everything.
    Unified,
}

/// Top-level keys known to Juju or charmcraft, in both layouts (other keys are ignored, as Juju
/// ignores them, with a warning).
const KNOWN_KEYS: &[&str] = &[
    "name",
    "display-name",
    "summary",
    "description",
    "maintainer",
    "maintainers",
    "docs",
    "issues",
    "source",
    "website",
    "contact",
    "tags",
    "categories",
    "terms",
    "series",
    "subordinate",
    "min-juju-version",
    "assumes",
    "requires",
    "provides",
    "peers",
    "storage",
    "devices",
    "containers",
    "resources",
    "extra-bindings",
    "payloads",
    "deployment",
    "platforms",
    "bases",
    "base",
    "build-base",
    "parts",
    "type",
    "charm-libs",
    "links",
    "title",
    "charm-user",
    "analysis",
    "charmhub",
    "extensions",
];

/// Top-level keys only a unified `charmcraft.yaml` may have.
const UNIFIED_KEYS: &[&str] = &["config", "actions"];

const RELATION_KEYS: &[&str] = &["interface", "limit", "scope", "optional", "description"];
const STORAGE_KEYS: &[&str] = &[
    "type",
    "description",
    "shared",
    "read-only",
    "minimum-size",
    "location",
    "multiple",
    "properties",
];
const CONTAINER_KEYS: &[&str] = &["resource", "mounts", "bases", "uid", "gid"];
const MOUNT_KEYS: &[&str] = &["storage", "location"];
const RESOURCE_KEYS: &[&str] = &["type", "filename", "description", "upstream-source"];

/// An entry read from a file, with where its key is.
#[derive(Debug, Clone)]
pub(crate) struct Located<T> {
    /// The entry.
    pub item: T,
    /// Its key.
    pub at: Loc,
}

/// A relation endpoint, with the positions the cross-entry rules report at.
#[derive(Debug, Clone)]
pub(crate) struct ParsedRelation {
    /// The endpoint.
    pub meta: RelationMeta,
    /// Its name's key.
    pub at: Loc,
    /// Its `interface` value (its key when there is none).
    pub interface_at: Loc,
}

/// A container, with the positions of its references to resources and storage.
#[derive(Debug, Clone)]
pub(crate) struct ParsedContainer {
    /// The container.
    pub meta: ContainerMeta,
    /// Its name's key.
    pub at: Loc,
    /// Its `resource` value.
    pub resource_at: Option<Loc>,
    /// The `storage` value of each mount, in order.
    pub mount_storage_at: Vec<Loc>,
}

/// Everything read from the metadata keys.
#[derive(Debug, Default)]
pub(crate) struct ParsedMetadata {
    /// `name` (empty when missing or invalid).
    pub name: String,
    /// `summary`.
    pub summary: String,
    /// `description`.
    pub description: String,
    /// `subordinate`.
    pub subordinate: bool,
    /// Where `subordinate` is.
    pub subordinate_at: Option<Loc>,
    /// `series`.
    pub series: Vec<String>,
    /// `min-juju-version`.
    pub min_juju_version: Option<String>,
    /// `assumes`, flattened.
    pub assumes: Vec<String>,
    /// `requires`, then `provides`, then `peers`.
    pub relations: Vec<ParsedRelation>,
    /// `storage`.
    pub storages: Vec<Located<StorageMeta>>,
    /// `containers`.
    pub containers: Vec<ParsedContainer>,
    /// `resources`.
    pub resources: Vec<Located<ResourceMeta>>,
    /// `extra-bindings`.
    pub extra_bindings: Vec<Located<String>>,
}

/// Reads the metadata keys of `root` (the whole document).
pub(crate) fn parse_metadata(root: &Node<'_>, layout: Layout, diags: &mut Diags) -> ParsedMetadata {
    let mut out = ParsedMetadata::default();
    if root.value().as_mapping().is_none() {
        diags.push(root.value_loc().error(format!(
            "{} must be a mapping of metadata keys (at least `name`), found {}",
            root.describe(),
            kind_of(root.value())
        )));
        return out;
    }
    let Some(entries) = root.entries(diags) else {
        return out;
    };
    check_top_level_keys(root, &entries, layout, diags);

    match find(&entries, "name") {
        None => diags.push(root.missing_loc("name").error(format!(
            "missing required key `name` in {}",
            root.describe()
        ))),
        Some(node) => {
            if let Some(name) = node.string(diags) {
                if is_charm_name(name) {
                    out.name = name.to_string();
                } else {
                    diags.push(node.value_loc().error(format!(
                        "invalid charm name `{name}`: use lowercase letters, digits and `-`, \
                         starting with a letter"
                    )));
                }
            }
        }
    }
    for (key, node) in &entries {
        read_top_level(key, node, &mut out, diags);
    }
    for (section, role) in [
        ("requires", RelationRole::Requires),
        ("provides", RelationRole::Provides),
        ("peers", RelationRole::Peer),
    ] {
        if let Some(node) = find(&entries, section) {
            parse_relations(node, role, &mut out.relations, diags);
        }
    }
    out
}

fn check_top_level_keys(
    root: &Node<'_>,
    entries: &[(String, Node<'_>)],
    layout: Layout,
    diags: &mut Diags,
) {
    for (key, node) in entries {
        let known = KNOWN_KEYS.contains(&key.as_str())
            || (layout == Layout::Unified && UNIFIED_KEYS.contains(&key.as_str()));
        if known {
            continue;
        }
        let hint = match (key.as_str(), layout) {
            ("config", Layout::Separate) => " (config options belong in config.yaml)",
            ("actions", Layout::Separate) => " (actions belong in actions.yaml)",
            ("options", Layout::Separate) => " (config options belong in config.yaml)",
            ("options", Layout::Unified) => " (config options belong under `config: options:`)",
            _ => "",
        };
        diags.warn(node.key_loc().error(format!(
            "unknown top-level key `{key}` in `{}` is ignored, as Juju ignores it{hint}",
            root.file_name()
        )));
    }
}

/// Reads one top-level key other than `name` and the relation sections.
fn read_top_level(key: &str, node: &Node<'_>, out: &mut ParsedMetadata, diags: &mut Diags) {
    match key {
        "summary" => out.summary = string_or_default(node, diags),
        "description" => out.description = string_or_default(node, diags),
        "subordinate" => {
            out.subordinate_at = Some(node.key_loc());
            out.subordinate = node.boolean(diags).unwrap_or(false);
        }
        "series" => out.series = node.string_list(diags).unwrap_or_default(),
        "min-juju-version" => out.min_juju_version = node.string(diags).map(str::to_string),
        "assumes" => {
            if let Some(items) = node.items(diags) {
                for item in items {
                    flatten_assumes(&item, &mut out.assumes, diags);
                }
            }
        }
        "storage" => parse_storages(node, &mut out.storages, diags),
        "containers" => parse_containers(node, &mut out.containers, diags),
        "resources" => parse_resources(node, &mut out.resources, diags),
        "extra-bindings" => parse_extra_bindings(node, &mut out.extra_bindings, diags),
        "display-name" | "maintainer" | "docs" | "title" | "type" | "base" | "build-base" => {
            node.string(diags);
        }
        "charm-user" => {
            if let Some(user) = node.string(diags) {
                if !["root", "sudoer", "non-root"].contains(&user) {
                    diags.push(node.value_loc().error(format!(
                        "{} must be `root`, `sudoer` or `non-root`, found `{user}`",
                        node.describe()
                    )));
                }
            }
        }
        "issues" | "source" | "website" | "contact" => match node.value() {
            Value::String(_) => {}
            Value::Sequence(_) => {
                node.string_list(diags);
            }
            _ => diags.push(node.type_error("a string or a list of strings")),
        },
        "maintainers" | "tags" | "categories" | "terms" => {
            node.string_list(diags);
        }
        "bases" | "charm-libs" | "extensions" => {
            node.items(diags);
        }
        "devices" | "payloads" | "deployment" | "parts" | "links" | "analysis" | "charmhub" => {
            node.entries(diags);
        }
        "platforms" => match node.value() {
            Value::Mapping(_) | Value::Sequence(_) => {}
            _ => diags.push(node.type_error("a mapping or a list")),
        },
        _ => {}
    }
}

/// A string value, or `""` (after reporting) when it is not one; null is `""`.
fn string_or_default(node: &Node<'_>, diags: &mut Diags) -> String {
    if node.is_null() {
        return String::new();
    }
    node.string(diags).unwrap_or_default().to_string()
}

/// Appends the strings of one `assumes` item: a string, or `any-of:`/`all-of:` with a list of items.
fn flatten_assumes(node: &Node<'_>, out: &mut Vec<String>, diags: &mut Diags) {
    if let Some(s) = node.value().as_str() {
        out.push(s.to_string());
        return;
    }
    let expected = "a string or a mapping with a single `any-of` or `all-of` list";
    let Some(entries) = node.value().as_mapping().and_then(|_| node.entries(diags)) else {
        diags.push(node.type_error(expected));
        return;
    };
    if entries.len() != 1 {
        diags.push(node.type_error(expected));
        return;
    }
    for (key, child) in &entries {
        if key != "any-of" && key != "all-of" {
            diags.push(child.key_loc().error(format!(
                "unknown key `{key}` in {} (expected `any-of` or `all-of`)",
                node.describe()
            )));
            continue;
        }
        if let Some(items) = child.items(diags) {
            for item in items {
                flatten_assumes(&item, out, diags);
            }
        }
    }
}

/// One entry of a section (`requires`, `storage`...): its name, its node and its fields.
struct SectionEntry<'a> {
    name: String,
    node: Node<'a>,
    fields: Vec<(String, Node<'a>)>,
}

/// The entries of a section, each checked to be a validly named mapping.
fn section_entries<'a>(
    section: &Node<'a>,
    kind: NameKind,
    diags: &mut Diags,
) -> Vec<SectionEntry<'a>> {
    let Some(entries) = section.entries_or_empty(diags) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(entries.len());
    for (name, node) in entries {
        check_entry_name(&name, kind, &node.key_loc(), diags);
        if let Some(fields) = node.entries(diags) {
            out.push(SectionEntry { name, node, fields });
        }
    }
    out
}

fn parse_relations(
    section: &Node<'_>,
    role: RelationRole,
    out: &mut Vec<ParsedRelation>,
    diags: &mut Diags,
) {
    for SectionEntry { name, node, fields } in section_entries(section, NameKind::Relation, diags) {
        node.check_keys(&fields, RELATION_KEYS, diags);
        let (interface, interface_at) = match find(&fields, "interface") {
            None => {
                let at = node.missing_loc("interface");
                diags.push(at.error(format!("relation `{name}` has no `interface`")));
                (String::new(), at)
            }
            Some(iface) => {
                let value = iface.string(diags).unwrap_or_default();
                if iface.value().is_string() && value.is_empty() {
                    diags.push(
                        iface
                            .value_loc()
                            .error(format!("relation `{name}` has an empty `interface`")),
                    );
                }
                (value.to_string(), iface.value_loc())
            }
        };
        let limit = find(&fields, "limit")
            .filter(|n| !n.is_null())
            .and_then(|n| n.u32(diags));
        let scope = match find(&fields, "scope") {
            None => RelationScope::Global,
            Some(n) => match n.string(diags) {
                Some("global") | None => RelationScope::Global,
                Some("container") => RelationScope::Container,
                Some(other) => {
                    diags.push(n.value_loc().error(format!(
                        "{} must be `global` or `container`, found `{other}`",
                        n.describe()
                    )));
                    RelationScope::Global
                }
            },
        };
        let optional = find(&fields, "optional")
            .and_then(|n| n.boolean(diags))
            .unwrap_or(false);
        let description = find(&fields, "description")
            .map(|n| string_or_default(n, diags))
            .unwrap_or_default();
        out.push(ParsedRelation {
            meta: RelationMeta {
                name: Cow::Owned(name),
                role,
                interface: Cow::Owned(interface),
                limit,
                scope,
                optional,
                description: Cow::Owned(description),
            },
            at: node.key_loc(),
            interface_at,
        });
    }
}

fn parse_storages(section: &Node<'_>, out: &mut Vec<Located<StorageMeta>>, diags: &mut Diags) {
    for SectionEntry { name, node, fields } in section_entries(section, NameKind::Storage, diags) {
        node.check_keys(&fields, STORAGE_KEYS, diags);
        let kind = match find(&fields, "type") {
            None => {
                diags.push(node.missing_loc("type").error(format!(
                    "storage `{name}` has no `type` (expected `filesystem` or `block`)"
                )));
                None
            }
            Some(n) => match n.string(diags) {
                Some("filesystem") => Some(StorageType::Filesystem),
                Some("block") => Some(StorageType::Block),
                Some(other) => {
                    diags.push(n.value_loc().error(format!(
                        "{} must be `filesystem` or `block`, found `{other}`",
                        n.describe()
                    )));
                    None
                }
                None => None,
            },
        };
        let flag = |key: &str, diags: &mut Diags| {
            find(&fields, key)
                .and_then(|n| n.boolean(diags))
                .unwrap_or(false)
        };
        let shared = flag("shared", diags);
        let read_only = flag("read-only", diags);
        let description = find(&fields, "description")
            .map(|n| string_or_default(n, diags))
            .unwrap_or_default();
        let minimum_size = find(&fields, "minimum-size").and_then(|n| minimum_size(n, diags));
        let location = find(&fields, "location").and_then(|n| {
            let location = absolute_path(n, diags)?;
            if kind == Some(StorageType::Block) {
                diags.push(n.key_loc().error(format!(
                    "storage `{name}` has a `location`, which only `filesystem` storage may have"
                )));
            }
            Some(location)
        });
        let multiple = find(&fields, "multiple").and_then(|n| multiple(n, diags));
        if let Some(props) = find(&fields, "properties").and_then(|n| n.items(diags)) {
            for prop in props {
                match prop.string(diags) {
                    Some("transient") | None => {}
                    Some(other) => diags.push(prop.value_loc().error(format!(
                        "{} must be `transient`, found `{other}`",
                        prop.describe()
                    ))),
                }
            }
        }
        out.push(Located {
            item: StorageMeta {
                name: Cow::Owned(name),
                kind: kind.unwrap_or(StorageType::Filesystem),
                description: Cow::Owned(description),
                shared,
                read_only,
                minimum_size: minimum_size.map(Cow::Owned),
                location: location.map(Cow::Owned),
                multiple,
            },
            at: node.key_loc(),
        });
    }
}

/// `minimum-size`: a number with an optional `M`/`G`/`T`/`P`/`E` unit (as Juju reads it).
fn minimum_size(node: &Node<'_>, diags: &mut Diags) -> Option<String> {
    let text = match node.value() {
        Value::String(s) => s.clone(),
        Value::Number(n) if !n.is_f64() => n.to_string(),
        _ => {
            diags.push(node.type_error("a size such as `1G` or `512M`"));
            return None;
        }
    };
    if is_size(&text) {
        Some(text)
    } else {
        diags.push(node.value_loc().error(format!(
            "{} must be a size such as `1G` or `512M`, found `{text}`",
            node.describe()
        )));
        None
    }
}

fn is_size(text: &str) -> bool {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number_ok = !number.is_empty()
        && !number.starts_with('.')
        && !number.ends_with('.')
        && number.matches('.').count() <= 1;
    let unit = unit.to_ascii_uppercase();
    let unit_ok = match unit.chars().next() {
        None => true,
        Some(c) => {
            "MGTPE".contains(c)
                && unit
                    .get(1..)
                    .is_some_and(|rest| ["", "B", "IB"].contains(&rest))
        }
    };
    number_ok && unit_ok
}

/// A string value that must be an absolute path.
fn absolute_path(node: &Node<'_>, diags: &mut Diags) -> Option<String> {
    let path = node.string(diags)?;
    if path.starts_with('/') {
        Some(path.to_string())
    } else {
        diags.push(node.value_loc().error(format!(
            "{} must be an absolute path, found `{path}`",
            node.describe()
        )));
        None
    }
}

/// `multiple: {range: ...}`.
fn multiple(node: &Node<'_>, diags: &mut Diags) -> Option<(u32, Option<u32>)> {
    let fields = node.entries(diags)?;
    node.check_keys(&fields, &["range"], diags);
    let Some(range) = find(&fields, "range") else {
        diags.push(
            node.missing_loc("range")
                .error(format!("{} has no `range`", node.describe())),
        );
        return None;
    };
    let parsed = match range.value() {
        Value::Number(n) => match (n.as_u64().map(u32::try_from), n.as_i64()) {
            (Some(Ok(count)), _) if count > 0 => Ok((count, Some(count))),
            (Some(Err(_)), _) => Err(format!("`{n}` is too large (at most {})", u32::MAX)),
            (_, Some(_)) => Err("the count must be at least 1".to_string()),
            _ => Err(format!("`{n}` is not a count or a range")),
        },
        Value::String(s) => parse_range(s),
        _ => {
            diags.push(range.type_error("a count or a range such as `1-3` or `2-`"));
            return None;
        }
    };
    match parsed {
        Ok(r) => Some(r),
        Err(why) => {
            diags.push(range.value_loc().error(format!(
                "{} must be `N`, `A-B`, `A-` or `A+` (e.g. `1-3`): {why}",
                range.describe()
            )));
            None
        }
    }
}

/// Parses a storage count range: `N`, `A-B`, `A-` or `A+`.
pub(crate) fn parse_range(text: &str) -> Result<(u32, Option<u32>), String> {
    let number = |s: &str| -> Result<u32, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{text}` is not a count or a range"));
        }
        s.parse::<u32>()
            .map_err(|_| format!("`{s}` is too large (at most {})", u32::MAX))
    };
    if let Some(min) = text.strip_suffix('-').or_else(|| text.strip_suffix('+')) {
        return Ok((number(min)?, None));
    }
    match text.split_once('-') {
        Some((min, max)) => {
            let (min, max) = (number(min)?, number(max)?);
            if max == 0 {
                Err("the maximum must be at least 1".to_string())
            } else if max < min {
                Err(format!("the maximum {max} is less than the minimum {min}"))
            } else {
                Ok((min, Some(max)))
            }
        }
        None => match number(text)? {
            0 => Err("the count must be at least 1".to_string()),
            n => Ok((n, Some(n))),
        },
    }
}

fn parse_containers(section: &Node<'_>, out: &mut Vec<ParsedContainer>, diags: &mut Diags) {
    for SectionEntry { name, node, fields } in section_entries(section, NameKind::Container, diags)
    {
        node.check_keys(&fields, CONTAINER_KEYS, diags);
        let mut resource_at = None;
        let resource = find(&fields, "resource").and_then(|n| {
            let r = n.string(diags)?;
            resource_at = Some(n.value_loc());
            Some(r.to_string())
        });
        let mut mounts = Vec::new();
        let mut mount_storage_at = Vec::new();
        if let Some(items) = find(&fields, "mounts").and_then(|n| n.items(diags)) {
            for (i, item) in items.iter().enumerate() {
                let Some(mount) = item.entries(diags) else {
                    continue;
                };
                item.check_keys(&mount, MOUNT_KEYS, diags);
                let storage = match find(&mount, "storage") {
                    None => {
                        diags
                            .push(item.missing_loc("storage").error(format!(
                                "mount {i} of container `{name}` has no `storage`"
                            )));
                        None
                    }
                    Some(n) => n.string(diags).map(|s| (s.to_string(), n.value_loc())),
                };
                let location =
                    match find(&mount, "location") {
                        None => {
                            diags.push(item.missing_loc("location").error(format!(
                                "mount {i} of container `{name}` has no `location`"
                            )));
                            None
                        }
                        Some(n) => absolute_path(n, diags),
                    };
                if let (Some((storage, at)), Some(location)) = (storage, location) {
                    mounts.push(MountMeta {
                        storage: Cow::Owned(storage),
                        location: Cow::Owned(location),
                    });
                    mount_storage_at.push(at);
                }
            }
        }
        if let Some(bases) = find(&fields, "bases") {
            bases.items(diags);
        }
        for id in ["uid", "gid"] {
            if let Some(n) = find(&fields, id) {
                // Juju reserves 1000-9999 (juju/charm meta.go).
                if let Some(value @ 1000..=9999) = n.u32(diags) {
                    diags.push(n.value_loc().error(format!(
                        "container `{name}` has invalid {id} {value}: {id} cannot be in reserved \
                         range 1000-9999"
                    )));
                }
            }
        }
        out.push(ParsedContainer {
            meta: ContainerMeta {
                name: Cow::Owned(name),
                resource: resource.map(Cow::Owned),
                mounts: Cow::Owned(mounts),
            },
            at: node.key_loc(),
            resource_at,
            mount_storage_at,
        });
    }
}

fn parse_resources(section: &Node<'_>, out: &mut Vec<Located<ResourceMeta>>, diags: &mut Diags) {
    for SectionEntry { name, node, fields } in section_entries(section, NameKind::Resource, diags) {
        node.check_keys(&fields, RESOURCE_KEYS, diags);
        let kind = match find(&fields, "type") {
            None => {
                diags.push(node.missing_loc("type").error(format!(
                    "resource `{name}` has no `type` (expected `file` or `oci-image`)"
                )));
                None
            }
            Some(n) => match n.string(diags) {
                Some("file") => Some(ResourceType::File),
                Some("oci-image") => Some(ResourceType::OciImage),
                Some(other) => {
                    diags.push(n.value_loc().error(format!(
                        "{} must be `file` or `oci-image`, found `{other}`",
                        n.describe()
                    )));
                    None
                }
                None => None,
            },
        };
        let filename = find(&fields, "filename")
            .and_then(|n| n.string(diags))
            .map(|s| Cow::Owned(s.to_string()));
        let description = find(&fields, "description")
            .map(|n| string_or_default(n, diags))
            .unwrap_or_default();
        if let Some(n) = find(&fields, "upstream-source") {
            n.string(diags);
        }
        out.push(Located {
            item: ResourceMeta {
                name: Cow::Owned(name),
                kind: kind.unwrap_or(ResourceType::File),
                filename,
                description: Cow::Owned(description),
            },
            at: node.key_loc(),
        });
    }
}

fn parse_extra_bindings(section: &Node<'_>, out: &mut Vec<Located<String>>, diags: &mut Diags) {
    let Some(entries) = section.entries_or_empty(diags) else {
        return;
    };
    for (name, node) in entries {
        check_entry_name(&name, NameKind::ExtraBinding, &node.key_loc(), diags);
        if !node.is_null() {
            diags.push(node.value_loc().error(format!(
                "{} must have no value (extra bindings are names only), found {}",
                node.describe(),
                kind_of(node.value())
            )));
        }
        out.push(Located {
            item: name,
            at: node.key_loc(),
        });
    }
}

/// Juju's charm name rule as documented for ops: lowercase letters, digits and `-`, starting with a
/// letter.
pub(crate) fn is_charm_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("1"), Ok((1, Some(1))));
        assert_eq!(parse_range("2-5"), Ok((2, Some(5))));
        assert_eq!(parse_range("0-"), Ok((0, None)));
        assert_eq!(parse_range("3+"), Ok((3, None)));
        assert_eq!(parse_range("3-3"), Ok((3, Some(3))));
        for bad in [
            "", "-", "-2", "a-b", "3-1", "0", "0-0", "1-2-3", " 1", "1.5",
        ] {
            assert!(parse_range(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn sizes() {
        for good in ["1", "10G", "1.5G", "512M", "1GB", "1GiB", "2t", "3e"] {
            assert!(is_size(good), "{good:?}");
        }
        for bad in ["", "G", "1X", "1..2G", ".5G", "1GBB", "1 G", "-1G"] {
            assert!(!is_size(bad), "{bad:?}");
        }
    }

    #[test]
    fn charm_names() {
        for good in ["a", "db-consumer", "k8s-2"] {
            assert!(is_charm_name(good), "{good:?}");
        }
        for bad in ["", "1db", "Db", "db_x", "-db", "db.x"] {
            assert!(!is_charm_name(bad), "{bad:?}");
        }
    }
}
