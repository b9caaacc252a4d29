//! One test per `metadata.yaml` rule: the exact message and `line:column` of each error.
#![cfg(feature = "parse")]

mod common;

use common::{assert_errors, assert_metadata_error, metadata_errors, metadata_ok, warnings_of};
use ops_metadata::{RelationRole, RelationScope, StorageType};

// ---------------------------------------------------------------- YAML and the top level

#[test]
fn invalid_yaml_reports_the_parser_location() {
    assert_metadata_error(
        "name: x\nsummary: [a\n",
        "invalid YAML: did not find expected ',' or ']', while parsing a flow sequence at line 2 \
         column 10",
        3,
        1,
    );
}

#[test]
fn invalid_yaml_with_a_tab_reports_the_parser_location() {
    let errors = metadata_errors("name: x\nrequires:\n\tdb: {}\n");
    assert_eq!(errors.len(), 1, "{errors}");
    let e = &errors.errors()[0];
    assert!(e.message.starts_with("invalid YAML: "), "{e}");
    assert_eq!((e.line, e.column), (3, 1), "{e}");
}

#[test]
fn duplicate_keys_are_reported_at_the_second_occurrence() {
    let yaml = "\
name: x
requires:
  db:
    interface: a
  db:
    interface: b
";
    let errors = metadata_errors(yaml);
    assert_errors(
        &errors,
        &[("duplicate key `db` (first defined at line 3)", 5, 3)],
    );
    assert_eq!(errors.errors()[0].key_path, ["requires", "db"]);
}

#[test]
fn a_second_document_is_an_error() {
    assert_metadata_error(
        "name: x\n---\nname: y\n",
        "a second YAML document; a charm file must hold exactly one",
        2,
        1,
    );
}

#[test]
fn the_top_level_must_be_a_mapping() {
    let message = |found: &str| {
        format!(
            "the top level of `metadata.yaml` must be a mapping of metadata keys (at least \
             `name`), found {found}"
        )
    };
    assert_metadata_error("- a\n- b\n", &message("a list"), 1, 1);
    assert_metadata_error("\n  just text\n", &message("a string"), 2, 3);
    assert_metadata_error("", &message("nothing (null)"), 1, 1);
    assert_metadata_error(
        "# nothing but a comment\n",
        &message("nothing (null)"),
        1,
        1,
    );
}

#[test]
fn name_is_required() {
    let errors = metadata_errors("# comment\nsummary: hi\n");
    assert_errors(
        &errors,
        &[(
            "missing required key `name` in the top level of `metadata.yaml`",
            2,
            1,
        )],
    );
    assert_eq!(errors.errors()[0].key_path, ["name"]);
}

#[test]
fn name_must_be_a_string() {
    assert_metadata_error(
        "name: 42\n",
        "`name` must be a string, found an integer",
        1,
        7,
    );
    assert_metadata_error("name: [a]\n", "`name` must be a string, found a list", 1, 7);
}

#[test]
fn name_must_be_a_valid_charm_name() {
    let invalid = |name: &str| {
        format!(
            "invalid charm name `{name}`: use lowercase letters, digits and `-`, starting with a \
             letter"
        )
    };
    assert_metadata_error("summary: x\nname: My-Charm\n", &invalid("My-Charm"), 2, 7);
    assert_metadata_error("name: my_charm\n", &invalid("my_charm"), 1, 7);
    assert_metadata_error("name: 1charm\n", &invalid("1charm"), 1, 7);
    assert_metadata_error("name: ''\n", &invalid(""), 1, 7);
    assert_eq!(metadata_ok("name: k8s-charm-2\n").name, "k8s-charm-2");
}

#[test]
fn unknown_top_level_keys_are_warnings() {
    // Juju ignores unknown keys (nrpe's metadata.yaml has `format: 2`), so they are accepted.
    let warnings = warnings_of(
        "metadata.yaml",
        "name: x\nformat: 2\nrevision: 3\nrequirse:\n  db: {interface: y}\n",
    );
    let ignored = |key: &str| {
        format!("unknown top-level key `{key}` in `metadata.yaml` is ignored, as Juju ignores it")
    };
    assert_errors(
        &warnings,
        &[
            (&ignored("format"), 2, 1),
            (&ignored("revision"), 3, 1),
            (&ignored("requirse"), 4, 1),
        ],
    );
    assert_eq!(warnings.errors()[2].key_path, ["requirse"]);
}

#[test]
fn config_and_actions_keys_are_unknown_in_metadata_yaml() {
    let yaml = "\
name: x
config:
  options: {}
actions: {}
options: {}
";
    assert_errors(
        &warnings_of("metadata.yaml", yaml),
        &[
            (
                "unknown top-level key `config` in `metadata.yaml` is ignored, as Juju ignores \
                 it (config options belong in config.yaml)",
                2,
                1,
            ),
            (
                "unknown top-level key `actions` in `metadata.yaml` is ignored, as Juju ignores \
                 it (actions belong in actions.yaml)",
                4,
                1,
            ),
            (
                "unknown top-level key `options` in `metadata.yaml` is ignored, as Juju ignores \
                 it (config options belong in config.yaml)",
                5,
                1,
            ),
        ],
    );
}

#[test]
fn known_juju_and_charmcraft_keys_are_accepted() {
    let yaml = "\
name: x
display-name: X
title: X
maintainer: Jane <jane@example.com>
maintainers: [Jane <jane@example.com>]
docs: https://example.com/docs
issues: [https://example.com/issues]
source: https://example.com/src
website: [https://example.com]
contact: jane@example.com
categories: [misc]
type: charm
base: ubuntu@24.04
build-base: ubuntu@24.04
bases:
  - name: ubuntu
    channel: '22.04'
platforms:
  amd64:
parts:
  charm: {plugin: charm}
links:
  documentation: https://example.com/docs
charm-libs:
  - lib: operator-libs-linux.apt
    version: '0'
charm-user: non-root
analysis:
  ignore:
    attributes: [framework]
devices:
  gpu: {type: gpu}
payloads:
  monitor: {type: docker}
";
    assert_eq!(metadata_ok(yaml).name, "x");
}

#[test]
fn charm_user_must_be_a_known_user() {
    assert_metadata_error(
        "name: x\ncharm-user: admin\n",
        "`charm-user` must be `root`, `sudoer` or `non-root`, found `admin`",
        2,
        13,
    );
}

#[test]
fn wrong_types_are_errors() {
    let yaml = "\
name: x
subordinate: \"yes\"
requires: [a]
tags: foo
series:
  - 20.04
summary: {a: 1}
maintainers: jane
terms:
  - [nested]
website: 12
min-juju-version: 3.1
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`subordinate` must be a boolean (`true` or `false`), found a string",
                2,
                14,
            ),
            ("`requires` must be a mapping, found a list", 3, 11),
            ("`tags` must be a list, found a string", 4, 7),
            ("`series.0` must be a string, found a float", 6, 5),
            ("`summary` must be a string, found a mapping", 7, 10),
            ("`maintainers` must be a list, found a string", 8, 14),
            ("`terms.0` must be a string, found a list", 10, 5),
            (
                "`website` must be a string or a list of strings, found an integer",
                11,
                10,
            ),
            ("`min-juju-version` must be a string, found a float", 12, 19),
        ],
    );
}

#[test]
fn keys_must_be_strings() {
    assert_metadata_error(
        "name: x\nrequires:\n  1: {interface: a}\n",
        "keys of `requires` must be strings, found an integer",
        3,
        3,
    );
}

#[test]
fn empty_sections_are_allowed() {
    let meta = metadata_ok("name: x\nrequires:\nprovides: {}\nstorage:\n");
    assert!(meta.relations.is_empty());
    assert!(meta.storages.is_empty());
}

// ---------------------------------------------------------------- relations

#[test]
fn relation_entries_must_be_mappings() {
    assert_metadata_error(
        "name: x\nprovides:\n  db: mysql\n",
        "`provides.db` must be a mapping, found a string",
        3,
        7,
    );
}

#[test]
fn a_relation_needs_an_interface() {
    let errors = metadata_errors("name: x\nrequires:\n  db:\n    limit: 1\n");
    assert_errors(&errors, &[("relation `db` has no `interface`", 3, 3)]);
    assert_eq!(errors.errors()[0].key_path, ["requires", "db", "interface"]);
}

#[test]
fn a_relation_interface_must_be_a_non_empty_string() {
    assert_metadata_error(
        "name: x\nrequires:\n  db:\n    interface: [a]\n",
        "`requires.db.interface` must be a string, found a list",
        4,
        16,
    );
    assert_metadata_error(
        "name: x\nrequires:\n  db:\n    interface: ''\n",
        "relation `db` has an empty `interface`",
        4,
        16,
    );
}

#[test]
fn unknown_relation_keys_are_warnings() {
    // kfp-api's relations carry `schema:`, `versions:` and `__schema_source:` (serialized-data
    // interfaces); Juju ignores them.
    let yaml = "\
name: x
requires:
  object-storage:
    interface: object-storage
    schema: {v1: {provides: {type: object}}}
    versions: [v1]
peers:
  cluster:
    interface: c
    limits: 2
";
    let warnings = warnings_of("metadata.yaml", yaml);
    let ignored = |key: &str, path: &str| {
        format!(
            "unknown key `{key}` in `{path}` is ignored, as Juju ignores it (known keys: \
             interface, limit, scope, optional, description)"
        )
    };
    assert_errors(
        &warnings,
        &[
            (&ignored("schema", "requires.object-storage"), 5, 5),
            (&ignored("versions", "requires.object-storage"), 6, 5),
            (&ignored("limits", "peers.cluster"), 10, 5),
        ],
    );
    assert_eq!(
        warnings.errors()[2].key_path,
        ["peers", "cluster", "limits"]
    );
    assert_eq!(metadata_ok(yaml).relations.len(), 2);
}

#[test]
fn a_relation_limit_must_be_a_non_negative_integer() {
    let yaml = "\
name: x
requires:
  a:
    interface: a
    limit: one
  b:
    interface: b
    limit: -1
  c:
    interface: c
    limit: 1.5
  d:
    interface: d
    limit: 0
  e:
    interface: e
    limit:
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`requires.a.limit` must be a non-negative integer, found a string",
                5,
                12,
            ),
            (
                "`requires.b.limit` must be a non-negative integer, found `-1`",
                8,
                12,
            ),
            (
                "`requires.c.limit` must be a non-negative integer, found a float",
                11,
                12,
            ),
        ],
    );
}

#[test]
fn a_relation_scope_must_be_global_or_container() {
    assert_metadata_error(
        "name: x\nrequires:\n  db:\n    interface: a\n    scope: pod\n",
        "`requires.db.scope` must be `global` or `container`, found `pod`",
        5,
        12,
    );
}

#[test]
fn relation_optional_and_description_are_typed() {
    let yaml = "\
name: x
requires:
  db:
    interface: a
    optional: maybe
    description: 3
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`requires.db.optional` must be a boolean (`true` or `false`), found a string",
                5,
                15,
            ),
            (
                "`requires.db.description` must be a string, found an integer",
                6,
                18,
            ),
        ],
    );
}

#[test]
fn relation_names_must_be_lowercase_identifiers() {
    let invalid = |name: &str| {
        format!(
            "invalid relation name `{name}`: use lowercase letters, digits, `-` and `_`, \
             starting with a letter"
        )
    };
    let yaml = "\
name: x
requires:
  Database:
    interface: a
  2nd:
    interface: b
  web.site:
    interface: c
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (&invalid("Database"), 3, 3),
            (&invalid("2nd"), 5, 3),
            (&invalid("web.site"), 7, 3),
        ],
    );
}

#[test]
fn juju_prefixed_endpoint_names_are_reserved() {
    let reserved = |name: &str| {
        format!("relation name `{name}` is reserved: Juju reserves `juju` and the `juju-` prefix")
    };
    let yaml = "\
name: x
requires:
  juju-info:
    interface: juju-info
provides:
  juju:
    interface: a
peers:
  juju-peers:
    interface: b
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (&reserved("juju-info"), 3, 3),
            (&reserved("juju"), 6, 3),
            (&reserved("juju-peers"), 9, 3),
        ],
    );
}

#[test]
fn subordinates_may_require_reserved_names_with_container_scope() {
    let meta = metadata_ok(
        "name: x\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    \
         scope: container\n",
    );
    assert_eq!(meta.relations[0].name, "juju-info");
    assert_eq!(meta.relations[0].scope, RelationScope::Container);
    assert!(meta.subordinate);
}

#[test]
fn juju_interfaces_are_reserved_for_provides_and_peers() {
    let yaml = "\
name: x
requires:
  host:
    interface: juju-info
provides:
  info:
    interface: juju-info
peers:
  cluster:
    interface: juju
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`provides` relation `info` uses the reserved interface `juju-info`: Juju \
                 reserves `juju` and the `juju-` prefix (only `requires` relations may use them)",
                7,
                16,
            ),
            (
                "`peers` relation `cluster` uses the reserved interface `juju`: Juju reserves \
                 `juju` and the `juju-` prefix (only `requires` relations may use them)",
                10,
                16,
            ),
        ],
    );
}

#[test]
fn relation_names_must_be_unique_across_sections() {
    let yaml = "\
name: x
requires:
  db:
    interface: a
provides:
  web:
    interface: http
peers:
  db:
    interface: b
  web:
    interface: c
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "relation `db` is declared in both `requires` and `peers`",
                9,
                3,
            ),
            (
                "relation `web` is declared in both `provides` and `peers`",
                11,
                3,
            ),
        ],
    );
}

#[test]
fn endpoint_names_colliding_after_dash_to_underscore_are_errors() {
    let yaml = "\
name: x
requires:
  db-admin:
    interface: a
provides:
  db_admin:
    interface: b
";
    let errors = metadata_errors(yaml);
    assert_errors(
        &errors,
        &[(
            "relation `db_admin` collides with relation `db-admin`: both define the event \
             `db_admin_relation_created`",
            6,
            3,
        )],
    );
    assert_eq!(errors.errors()[0].key_path, ["provides", "db_admin"]);
}

#[test]
fn storage_and_container_names_colliding_after_dash_to_underscore_are_errors() {
    let yaml = "\
name: x
storage:
  data-dir:
    type: filesystem
  data_dir:
    type: filesystem
containers:
  web-app: {}
  web_app: {}
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "storage `data_dir` collides with storage `data-dir`: both define the event \
                 `data_dir_storage_attached`",
                5,
                3,
            ),
            (
                "container `web_app` collides with container `web-app`: both define the event \
                 `web_app_pebble_ready`",
                9,
                3,
            ),
        ],
    );
}

#[test]
fn relations_keep_section_then_file_order() {
    let yaml = "\
name: x
peers:
  cluster: {interface: c}
provides:
  website: {interface: http}
  metrics: {interface: prometheus_scrape}
requires:
  db: {interface: pg, limit: 2, optional: true, scope: container, description: The DB.}
  cache: {interface: redis}
";
    let meta = metadata_ok(yaml);
    let order: Vec<(&str, RelationRole)> = meta
        .relations
        .iter()
        .map(|r| (r.name.as_ref(), r.role))
        .collect();
    assert_eq!(
        order,
        [
            ("db", RelationRole::Requires),
            ("cache", RelationRole::Requires),
            ("website", RelationRole::Provides),
            ("metrics", RelationRole::Provides),
            ("cluster", RelationRole::Peer),
        ]
    );
    let db = &meta.relations[0];
    assert_eq!(db.interface, "pg");
    assert_eq!(db.limit, Some(2));
    assert!(db.optional);
    assert_eq!(db.scope, RelationScope::Container);
    assert_eq!(db.description, "The DB.");
    let cache = &meta.relations[1];
    assert_eq!(
        (cache.limit, cache.optional, cache.scope),
        (None, false, RelationScope::Global)
    );
}

// ---------------------------------------------------------------- storage

#[test]
fn storage_needs_a_valid_type() {
    let yaml = "\
name: x
storage:
  data:
    location: /srv
  tape:
    type: tape
";
    let errors = metadata_errors(yaml);
    assert_errors(
        &errors,
        &[
            (
                "storage `data` has no `type` (expected `filesystem` or `block`)",
                3,
                3,
            ),
            (
                "`storage.tape.type` must be `filesystem` or `block`, found `tape`",
                6,
                11,
            ),
        ],
    );
    assert_eq!(errors.errors()[0].key_path, ["storage", "data", "type"]);
}

#[test]
fn unknown_storage_keys_are_warnings() {
    assert_errors(
        &warnings_of(
            "metadata.yaml",
            "name: x\nstorage:\n  data:\n    type: block\n    size: 1G\n",
        ),
        &[(
            "unknown key `size` in `storage.data` is ignored, as Juju ignores it (known keys: \
             type, description, shared, read-only, minimum-size, location, multiple, properties)",
            5,
            5,
        )],
    );
}

#[test]
fn storage_entries_must_be_mappings() {
    assert_metadata_error(
        "name: x\nstorage:\n  data: filesystem\n",
        "`storage.data` must be a mapping, found a string",
        3,
        9,
    );
}

#[test]
fn storage_multiple_ranges_are_parsed() {
    let yaml = "\
name: x
storage:
  a: {type: block, multiple: {range: '4'}}
  b: {type: block, multiple: {range: 1-3}}
  c: {type: block, multiple: {range: 0-}}
  d: {type: block, multiple: {range: 2+}}
  e: {type: block, multiple: {range: 2}}
  f: {type: block}
";
    let meta = metadata_ok(yaml);
    let ranges: Vec<_> = meta.storages.iter().map(|s| s.multiple).collect();
    assert_eq!(
        ranges,
        [
            Some((4, Some(4))),
            Some((1, Some(3))),
            Some((0, None)),
            Some((2, None)),
            Some((2, Some(2))),
            None,
        ]
    );
}

#[test]
fn malformed_storage_ranges_are_errors() {
    let cases = [
        ("3-1", "the maximum 1 is less than the minimum 3"),
        ("a-b", "`a-b` is not a count or a range"),
        ("'-2'", "`-2` is not a count or a range"),
        ("-2", "the count must be at least 1"),
        ("0", "the count must be at least 1"),
        ("1.5", "`1.5` is not a count or a range"),
        (
            "99999999999",
            "`99999999999` is too large (at most 4294967295)",
        ),
        ("''", "`` is not a count or a range"),
        ("'0'", "the count must be at least 1"),
        ("0-0", "the maximum must be at least 1"),
        ("1-2-3", "`1-2-3` is not a count or a range"),
    ];
    for (range, why) in cases {
        let yaml = format!(
            "name: x\nstorage:\n  data:\n    type: block\n    multiple:\n      range: {range}\n"
        );
        let message = format!(
            "`storage.data.multiple.range` must be `N`, `A-B`, `A-` or `A+` (e.g. `1-3`): {why}"
        );
        assert_metadata_error(&yaml, &message, 6, 14);
    }
    assert_metadata_error(
        "name: x\nstorage:\n  data:\n    type: block\n    multiple:\n      range: [1, 2]\n",
        "`storage.data.multiple.range` must be a count or a range such as `1-3` or `2-`, found a \
         list",
        6,
        14,
    );
    assert_metadata_error(
        "name: x\nstorage:\n  data:\n    type: block\n    multiple: {}\n",
        "`storage.data.multiple` has no `range`",
        5,
        5,
    );
}

#[test]
fn storage_location_must_be_absolute() {
    assert_metadata_error(
        "name: x\nstorage:\n  data:\n    type: filesystem\n    location: srv/data\n",
        "`storage.data.location` must be an absolute path, found `srv/data`",
        5,
        15,
    );
}

#[test]
fn block_storage_has_no_location() {
    assert_metadata_error(
        "name: x\nstorage:\n  disk:\n    type: block\n    location: /dev/x\n",
        "storage `disk` has a `location`, which only `filesystem` storage may have",
        5,
        5,
    );
}

#[test]
fn storage_minimum_size_and_properties_are_checked() {
    let yaml = "\
name: x
storage:
  data:
    type: filesystem
    minimum-size: lots
    properties: [transient, fast]
    shared: 1
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`storage.data.minimum-size` must be a size such as `1G` or `512M`, found `lots`",
                5,
                19,
            ),
            (
                "`storage.data.properties.1` must be `transient`, found `fast`",
                6,
                29,
            ),
            (
                "`storage.data.shared` must be a boolean (`true` or `false`), found an integer",
                7,
                13,
            ),
        ],
    );
}

#[test]
fn storage_fields_are_read() {
    let yaml = "\
name: x
storage:
  data:
    type: filesystem
    description: Data.
    location: /srv
    minimum-size: 10G
    shared: true
    read-only: true
  disk:
    type: block
    minimum-size: 512
";
    let meta = metadata_ok(yaml);
    let data = &meta.storages[0];
    assert_eq!(data.kind, StorageType::Filesystem);
    assert_eq!(data.description, "Data.");
    assert_eq!(data.location.as_deref(), Some("/srv"));
    assert_eq!(data.minimum_size.as_deref(), Some("10G"));
    assert!(data.shared && data.read_only);
    let disk = &meta.storages[1];
    assert_eq!(disk.kind, StorageType::Block);
    assert_eq!(disk.minimum_size.as_deref(), Some("512"));
    assert_eq!(disk.location, None);
}

// ---------------------------------------------------------------- containers and resources

#[test]
fn container_mounts_must_name_declared_storage() {
    let yaml = "\
name: x
storage:
  data: {type: filesystem}
containers:
  web:
    mounts:
      - storage: data
        location: /data
      - storage: x
        location: /x
";
    let errors = metadata_errors(yaml);
    assert_errors(
        &errors,
        &[("container `web` mounts undeclared storage `x`", 9, 18)],
    );
    assert_eq!(
        errors.errors()[0].key_path,
        ["containers", "web", "mounts", "1", "storage"]
    );
}

#[test]
fn container_mounts_need_storage_and_an_absolute_location() {
    let yaml = "\
name: x
storage:
  data: {type: filesystem}
containers:
  web:
    mounts:
      - location: /data
      - storage: data
      - storage: data
        location: data
      - storage: data
        location: /data
        mode: rw
      - data
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            ("mount 0 of container `web` has no `storage`", 7, 9),
            ("mount 1 of container `web` has no `location`", 8, 9),
            (
                "`containers.web.mounts.2.location` must be an absolute path, found `data`",
                10,
                19,
            ),
            (
                "`containers.web.mounts.4` must be a mapping, found a string",
                14,
                9,
            ),
        ],
    );
}

#[test]
fn a_container_resource_must_be_a_declared_oci_image() {
    let yaml = "\
name: x
resources:
  license:
    type: file
    filename: license.txt
containers:
  web:
    resource: web-image
  db:
    resource: license
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "container `web` uses undeclared resource `web-image`",
                8,
                15,
            ),
            (
                "container `db` uses resource `license`, which is a `file` resource, not an \
                 `oci-image`",
                10,
                15,
            ),
        ],
    );
}

#[test]
fn container_keys_are_checked() {
    let yaml = "\
name: x
containers:
  web:
    image: nginx
    uid: root
    bases: ubuntu
  db: null
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`containers.web.uid` must be a non-negative integer, found a string",
                5,
                10,
            ),
            (
                "`containers.web.bases` must be a list, found a string",
                6,
                12,
            ),
            (
                "`containers.db` must be a mapping, found nothing (null)",
                7,
                7,
            ),
        ],
    );
}

#[test]
fn resources_need_a_valid_type() {
    let yaml = "\
name: x
resources:
  image:
    description: The image.
  blob:
    type: binary
";
    let errors = metadata_errors(yaml);
    assert_errors(
        &errors,
        &[
            (
                "resource `image` has no `type` (expected `file` or `oci-image`)",
                3,
                3,
            ),
            (
                "`resources.blob.type` must be `file` or `oci-image`, found `binary`",
                6,
                11,
            ),
        ],
    );
    assert_eq!(errors.errors()[0].key_path, ["resources", "image", "type"]);
}

#[test]
fn resource_keys_are_checked() {
    let yaml = "\
name: x
resources:
  image:
    type: oci-image
    upstream: nginx
    filename: 7
";
    assert_errors(
        &metadata_errors(yaml),
        &[(
            "`resources.image.filename` must be a string, found an integer",
            6,
            15,
        )],
    );
}

// ---------------------------------------------------------------- other keys

#[test]
fn extra_bindings_are_names_only() {
    let yaml = "\
name: x
extra-bindings:
  public:
  internal: yes
  Admin:
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`extra-bindings.internal` must have no value (extra bindings are names only), \
                 found a boolean",
                4,
                13,
            ),
            (
                "invalid extra binding name `Admin`: use lowercase letters, digits, `-` and `_`, \
                 starting with a letter",
                5,
                3,
            ),
        ],
    );
    assert_metadata_error(
        "name: x\nextra-bindings: [public]\n",
        "`extra-bindings` must be a mapping, found a list",
        2,
        17,
    );
}

#[test]
fn extra_bindings_may_not_reuse_relation_names() {
    assert_metadata_error(
        "name: x\nprovides:\n  website: {interface: http}\nextra-bindings:\n  website:\n",
        "extra binding `website` has the same name as a relation endpoint",
        5,
        3,
    );
}

#[test]
fn assumes_is_flattened() {
    let yaml = "\
name: x
assumes:
  - juju >= 3.1
  - any-of:
      - k8s-api
      - all-of: [juju >= 3.4, juju < 4]
";
    let meta = metadata_ok(yaml);
    assert_eq!(
        meta.assumes.as_ref(),
        ["juju >= 3.1", "k8s-api", "juju >= 3.4", "juju < 4"]
    );
}

#[test]
fn malformed_assumes_are_errors() {
    let yaml = "\
name: x
assumes:
  - 3
  - one-of: [a]
  - any-of: a
  - {any-of: [a], all-of: [b]}
";
    let expected = "a string or a mapping with a single `any-of` or `all-of` list";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                &format!("`assumes.0` must be {expected}, found an integer"),
                3,
                5,
            ),
            (
                "unknown key `one-of` in `assumes.1` (expected `any-of` or `all-of`)",
                4,
                5,
            ),
            ("`assumes.2.any-of` must be a list, found a string", 5, 13),
            (
                &format!("`assumes.3` must be {expected}, found a mapping"),
                6,
                5,
            ),
        ],
    );
    assert_metadata_error(
        "name: x\nassumes: juju\n",
        "`assumes` must be a list, found a string",
        2,
        10,
    );
}

#[test]
fn a_subordinate_needs_a_container_scoped_requires() {
    let yaml = "\
name: x
subordinate: true
requires:
  host:
    interface: juju-info
";
    assert_metadata_error(
        yaml,
        "a subordinate charm needs a `requires` relation with `scope: container`",
        2,
        1,
    );
}

#[test]
fn every_error_in_a_file_is_reported_in_file_order() {
    let yaml = "\
name: Bad
extra-bindings:
  db:
requires:
  db:
    limit: x
storage:
  data:
    type: tape
containers:
  web:
    mounts:
      - storage: missing
        location: /m
unknown: 1
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "invalid charm name `Bad`: use lowercase letters, digits and `-`, starting with a \
                 letter",
                1,
                7,
            ),
            (
                "extra binding `db` has the same name as a relation endpoint",
                3,
                3,
            ),
            ("relation `db` has no `interface`", 5, 3),
            (
                "`requires.db.limit` must be a non-negative integer, found a string",
                6,
                12,
            ),
            (
                "`storage.data.type` must be `filesystem` or `block`, found `tape`",
                9,
                11,
            ),
            (
                "container `web` mounts undeclared storage `missing`",
                13,
                18,
            ),
        ],
    );
}

#[test]
fn errors_display_with_their_location() {
    let errors = metadata_errors("name: x\nrequires:\n  db: {}\nsubordinate: 1\n");
    assert_eq!(
        errors.to_string(),
        "relation `db` has no `interface`\n --> metadata.yaml:3:3\n\n`subordinate` must be a \
         boolean (`true` or `false`), found an integer\n --> metadata.yaml:4:14"
    );
}

#[test]
fn anchors_and_merge_keys_are_resolved() {
    let yaml = "\
name: x
requires:
  db: &rel
    interface: pg
    limit: 1
  cache:
    <<: *rel
    interface: redis
";
    let meta = metadata_ok(yaml);
    assert_eq!(meta.relations[1].interface, "redis");
    assert_eq!(meta.relations[1].limit, Some(1));
}

#[test]
fn errors_inside_aliases_point_at_the_aliasing_key() {
    let yaml = "\
name: x
requires:
  db: &bad {interface: a, limit: one}
  cache: *bad
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`requires.db.limit` must be a non-negative integer, found a string",
                3,
                34,
            ),
            (
                "`requires.cache.limit` must be a non-negative integer, found a string",
                4,
                3,
            ),
        ],
    );
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_keep_positions() {
    assert_metadata_error(
        "\u{feff}name: x\r\nsummary: s\r\nsubordinate: 1\r\n",
        "`subordinate` must be a boolean (`true` or `false`), found an integer",
        3,
        14,
    );
}

// juju/charm meta.go: "container %q has invalid uid %d: uid cannot be in reserved range 1000-9999".
#[test]
fn container_ids_in_jujus_reserved_range_are_errors() {
    let yaml = "name: x\ncontainers:\n  web:\n    uid: 1000\n    gid: 9999\n  db:\n    uid: 999\n    gid: 10000\n";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "container `web` has invalid uid 1000: uid cannot be in reserved range 1000-9999",
                4,
                10,
            ),
            (
                "container `web` has invalid gid 9999: gid cannot be in reserved range 1000-9999",
                5,
                10,
            ),
        ],
    );
}

// Unknown keys Juju ignores in containers (grafana-agent-style `image:`), mounts and resources
// (`upstream:`, as older charms wrote `upstream-source`) are warnings.
#[test]
fn unknown_container_mount_and_resource_keys_are_warnings() {
    let yaml = "\
name: x
storage:
  data: {type: filesystem}
resources:
  image: {type: oci-image, upstream: nginx}
containers:
  web:
    resource: image
    image: nginx
    mounts:
      - {storage: data, location: /d, mode: rw}
";
    let warnings = warnings_of("metadata.yaml", yaml);
    let found: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "unknown key `upstream` in `resources.image` is ignored, as Juju ignores it (known \
             keys: type, filename, description, upstream-source)",
            "unknown key `image` in `containers.web` is ignored, as Juju ignores it (known keys: \
             resource, mounts, bases, uid, gid)",
            "unknown key `mode` in `containers.web.mounts.0` is ignored, as Juju ignores it \
             (known keys: storage, location)",
        ]
    );
}

// YAML 1.1 resolution looks through aliases and merge keys: a plain `yes` reached through `*rel`
// or `<<: *rel` is the boolean its anchor is, a quoted one stays a string.
#[test]
fn yaml_1_1_scalars_resolve_through_aliases_and_merge_keys() {
    let yaml = "\
name: x
requires:
  db: &rel
    interface: pg
    optional: yes
  cache: *rel
  queue:
    <<: *rel
    interface: amqp
";
    let meta = metadata_ok(yaml);
    let optional: Vec<bool> = meta.relations.iter().map(|r| r.optional).collect();
    assert_eq!(optional, [true, true, true]);
    let yaml = "name: x\nrequires:\n  db: {interface: pg, optional: &q 'yes'}\n  cache: {interface: c, optional: *q}\n";
    assert_errors(
        &metadata_errors(yaml),
        &[
            (
                "`requires.db.optional` must be a boolean (`true` or `false`), found a string",
                3,
                36,
            ),
            (
                "`requires.cache.optional` must be a boolean (`true` or `false`), found a string",
                4,
                35,
            ),
        ],
    );
}
