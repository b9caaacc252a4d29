//! The refused side of every accepted key (a wrong type, a value out of range, the limits of an
//! exemption) and charm files that exist but cannot be read: gaps mutation testing found (see
//! docs/src/reference/test-strength.md).
#![cfg(feature = "parse")]

mod common;

use common::{assert_errors, charmcraft_errors, metadata_errors, metadata_ok};
use ops_metadata::{load_dir, parse_config_str};

// ---------------------------------------------------------------- wrong-typed top-level keys

#[test]
fn string_keys_refuse_other_types() {
    let yaml = "\
name: x
display-name: 3
maintainer: [a]
docs: {a: b}
title: true
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            ("`display-name` must be a string, found an integer", 2, 15),
            ("`maintainer` must be a string, found a list", 3, 13),
            ("`docs` must be a string, found a mapping", 4, 7),
            ("`title` must be a string, found a boolean", 5, 8),
        ],
    );
}

#[test]
fn charmcraft_build_keys_refuse_other_types() {
    let yaml = "\
name: x
type: 1
base: [ubuntu@22.04]
build-base: {a: b}
bases: ubuntu
charm-libs: {lib: x}
extensions: 2
platforms: amd64
parts: [charm]
";
    assert_errors(
        &charmcraft_errors(yaml),
        &[
            ("`type` must be a string, found an integer", 2, 7),
            ("`base` must be a string, found a list", 3, 7),
            ("`build-base` must be a string, found a mapping", 4, 13),
            ("`bases` must be a list, found a string", 5, 8),
            ("`charm-libs` must be a list, found a mapping", 6, 13),
            ("`extensions` must be a list, found an integer", 7, 13),
            (
                "`platforms` must be a mapping or a list, found a string",
                8,
                12,
            ),
            ("`parts` must be a mapping, found a list", 9, 8),
        ],
    );
}

#[test]
fn mapping_keys_refuse_other_types() {
    let yaml = "\
name: x
devices: [gpu]
payloads: 1
deployment: a
links: [a]
analysis: true
charmhub: 2
";
    assert_errors(
        &metadata_errors(yaml),
        &[
            ("`devices` must be a mapping, found a list", 2, 10),
            ("`payloads` must be a mapping, found an integer", 3, 11),
            ("`deployment` must be a mapping, found a string", 4, 13),
            ("`links` must be a mapping, found a list", 5, 8),
            ("`analysis` must be a mapping, found a boolean", 6, 11),
            ("`charmhub` must be a mapping, found an integer", 7, 11),
        ],
    );
}

#[test]
fn the_right_types_are_accepted() {
    let meta = metadata_ok(
        "name: x\ndisplay-name: X\ndevices: {gpu: {type: gpu}}\nplatforms: {amd64: }\n\
         bases: []\ncharm-libs: []\nparts: {charm: {}}\n",
    );
    assert_eq!(meta.name, "x");
}

// ---------------------------------------------------------------- values

#[test]
fn a_fractional_minimum_size_number_is_refused() {
    let yaml = "name: x\nstorage:\n  data:\n    type: filesystem\n    minimum-size: 1.5\n";
    assert_errors(
        &metadata_errors(yaml),
        &[(
            "`storage.data.minimum-size` must be a size such as `1G` or `512M`, found a float",
            5,
            19,
        )],
    );
}

#[test]
fn a_null_config_description_is_accepted_as_empty() {
    // charmcraft accepts `description:` with no value.
    let options =
        parse_config_str("options:\n  a:\n    type: string\n    description:\n").expect("valid");
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].description, "");
}

// ---------------------------------------------------------------- the reserved `juju-*` exemption

fn reserved(name: &str) -> String {
    format!("relation name `{name}` is reserved: Juju reserves `juju` and the `juju-` prefix")
}

#[test]
fn a_subordinate_global_requires_may_not_use_a_reserved_name() {
    let yaml = "\
name: x
subordinate: true
requires:
  juju-info:
    interface: juju-info
  host:
    interface: juju-info
    scope: container
";
    assert_errors(&metadata_errors(yaml), &[(&reserved("juju-info"), 4, 3)]);
}

#[test]
fn a_principal_container_requires_may_not_use_a_reserved_name() {
    let yaml = "\
name: x
requires:
  juju-info:
    interface: juju-info
    scope: container
";
    assert_errors(&metadata_errors(yaml), &[(&reserved("juju-info"), 3, 3)]);
}

#[test]
fn a_subordinate_container_provides_may_not_use_a_reserved_name() {
    let yaml = "\
name: x
subordinate: true
requires:
  host:
    interface: juju-info
    scope: container
provides:
  juju-stats:
    interface: stats
    scope: container
";
    assert_errors(&metadata_errors(yaml), &[(&reserved("juju-stats"), 8, 3)]);
}

// ---------------------------------------------------------------- files that cannot be read

fn charm_dir(config: Option<&[u8]>, actions: Option<&[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("metadata.yaml"), "name: x\n").expect("write");
    if let Some(bytes) = config {
        std::fs::write(dir.path().join("config.yaml"), bytes).expect("write");
    }
    if let Some(bytes) = actions {
        std::fs::write(dir.path().join("actions.yaml"), bytes).expect("write");
    }
    dir
}

#[track_caller]
fn assert_unreadable(dir: &std::path::Path, file: &str) {
    let errors = match load_dir(dir) {
        Ok(meta) => panic!("{file} cannot be read, but the charm loaded: {meta:#?}"),
        Err(errors) => errors,
    };
    let text = errors.to_string();
    assert!(text.contains(file), "{text}");
    assert!(text.contains("cannot read the file"), "{text}");
}

#[test]
fn a_config_yaml_that_is_not_utf8_is_an_error() {
    let dir = charm_dir(
        Some(b"options:\n  a:\n    type: string\n    default: \xff\n"),
        None,
    );
    assert_unreadable(dir.path(), "config.yaml");
}

#[test]
fn an_actions_yaml_that_is_not_utf8_is_an_error() {
    let dir = charm_dir(None, Some(b"go:\n  description: \xfe\xff\n"));
    assert_unreadable(dir.path(), "actions.yaml");
}

#[test]
fn a_config_or_actions_yaml_that_is_not_a_file_is_an_error_not_absent() {
    for file in ["config.yaml", "actions.yaml"] {
        let dir = charm_dir(None, None);
        std::fs::create_dir(dir.path().join(file)).expect("mkdir");
        assert_unreadable(dir.path(), file);
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_config_yaml_symlink_is_an_error_not_absent() {
    let dir = charm_dir(None, None);
    std::os::unix::fs::symlink("nowhere.yaml", dir.path().join("config.yaml")).expect("symlink");
    assert_unreadable(dir.path(), "config.yaml");
}

#[test]
fn absent_config_and_actions_are_fine() {
    let dir = charm_dir(None, None);
    let meta = load_dir(dir.path()).expect("loads");
    assert!(meta.config.is_empty() && meta.actions.is_empty());
}
