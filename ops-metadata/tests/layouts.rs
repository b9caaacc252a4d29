//! Both layouts (separate files and a unified `charmcraft.yaml`), file discovery, and errors across
//! files.
#![cfg(feature = "parse")]

mod common;

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_errors, charmcraft_errors, errors_of, fixtures, warnings_of};
use ops_metadata::{
    load_dir, parse_separate, ActionMeta, ActionParam, CharmFiles, CharmMeta, ConfigOption,
    ConfigType, ConfigValue, ContainerMeta, MetaError, MountMeta, ParamType, RelationMeta,
    RelationRole, RelationScope, ResourceMeta, ResourceType, SourceFile, StorageMeta, StorageType,
};

fn relation(
    name: &'static str,
    role: RelationRole,
    interface: &'static str,
    limit: Option<u32>,
    scope: RelationScope,
    optional: bool,
    description: &'static str,
) -> RelationMeta {
    RelationMeta {
        name: name.into(),
        role,
        interface: interface.into(),
        limit,
        scope,
        optional,
        description: description.into(),
    }
}

fn option(
    name: &'static str,
    kind: ConfigType,
    default: Option<ConfigValue>,
    description: &'static str,
) -> ConfigOption {
    ConfigOption {
        name: name.into(),
        kind,
        default,
        description: description.into(),
    }
}

fn param(
    name: &'static str,
    kind: ParamType,
    default: Option<&'static str>,
    required: bool,
    description: &'static str,
) -> ActionParam {
    ActionParam {
        name: name.into(),
        kind,
        description: description.into(),
        default: default.map(Cow::Borrowed),
        required,
        nullable: false,
    }
}

/// The model of `fixtures/full-separate` and `fixtures/full-unified`, field by field.
fn full_charm() -> CharmMeta {
    CharmMeta {
        name: "full-charm".into(),
        summary: "A charm that declares everything.".into(),
        description: "Exercises every field of the metadata model.\n".into(),
        subordinate: false,
        series: Cow::Owned(vec!["jammy".into(), "kubernetes".into()]),
        min_juju_version: Some("3.1.0".into()),
        assumes: Cow::Owned(vec![
            "k8s-api".into(),
            "juju >= 3.4".into(),
            "juju >= 3.1".into(),
            "juju < 3.2".into(),
        ]),
        relations: Cow::Owned(vec![
            relation(
                "database",
                RelationRole::Requires,
                "postgresql_client",
                Some(1),
                RelationScope::Global,
                true,
                "The database.",
            ),
            relation(
                "logging",
                RelationRole::Requires,
                "loki_push_api",
                None,
                RelationScope::Container,
                false,
                "",
            ),
            relation(
                "metrics-endpoint",
                RelationRole::Provides,
                "prometheus_scrape",
                None,
                RelationScope::Global,
                false,
                "",
            ),
            relation(
                "cluster",
                RelationRole::Peer,
                "full_charm_peers",
                None,
                RelationScope::Global,
                false,
                "",
            ),
        ]),
        storages: Cow::Owned(vec![
            StorageMeta {
                name: "data".into(),
                kind: StorageType::Filesystem,
                description: "Persistent data.".into(),
                shared: true,
                read_only: false,
                minimum_size: Some("1G".into()),
                location: Some("/var/lib/full".into()),
                multiple: Some((1, Some(3))),
            },
            StorageMeta {
                name: "raw".into(),
                kind: StorageType::Block,
                description: "".into(),
                shared: false,
                read_only: false,
                minimum_size: None,
                location: None,
                multiple: Some((2, None)),
            },
        ]),
        containers: Cow::Owned(vec![
            ContainerMeta {
                name: "workload".into(),
                resource: Some("workload-image".into()),
                mounts: Cow::Owned(vec![MountMeta {
                    storage: "data".into(),
                    location: "/data".into(),
                }]),
            },
            ContainerMeta {
                name: "sidecar".into(),
                resource: None,
                mounts: Cow::Owned(vec![]),
            },
        ]),
        resources: Cow::Owned(vec![
            ResourceMeta {
                name: "workload-image".into(),
                kind: ResourceType::OciImage,
                filename: None,
                description: "The workload's image.".into(),
            },
            ResourceMeta {
                name: "license".into(),
                kind: ResourceType::File,
                filename: Some("license.txt".into()),
                description: "".into(),
            },
        ]),
        extra_bindings: Cow::Owned(vec!["public".into(), "replication".into()]),
        config: Cow::Owned(vec![
            option(
                "log-level",
                ConfigType::String,
                Some(ConfigValue::String("info".into())),
                "How much to log.",
            ),
            option("port", ConfigType::Int, Some(ConfigValue::Int(8080)), ""),
            option(
                "ratio",
                ConfigType::Float,
                Some(ConfigValue::Float(2.0)),
                "",
            ),
            option(
                "precise-ratio",
                ConfigType::Float,
                Some(ConfigValue::Float(0.25)),
                "",
            ),
            option(
                "debug",
                ConfigType::Boolean,
                Some(ConfigValue::Boolean(false)),
                "",
            ),
            option("admin-password", ConfigType::Secret, None, "A secret URI."),
            option("hostname", ConfigType::String, None, ""),
        ]),
        actions: Cow::Owned(vec![
            ActionMeta {
                name: "backup".into(),
                description: "Back the database up.".into(),
                title: None,
                params: Cow::Owned(vec![
                    param("target", ParamType::String, None, true, "Where to."),
                    param("retries", ParamType::Integer, Some("3"), false, ""),
                    param("compression", ParamType::Number, Some("0.5"), false, ""),
                    param("verify", ParamType::Boolean, Some("true"), false, ""),
                    param(
                        "tables",
                        ParamType::Array,
                        Some(r#"["users","orders"]"#),
                        false,
                        "",
                    ),
                    param(
                        "options",
                        ParamType::Object,
                        Some(r#"{"level":9,"fast":false}"#),
                        false,
                        "",
                    ),
                    param("anything", ParamType::Any, Some("null"), false, ""),
                ]),
                additional_properties: false,
            },
            ActionMeta {
                name: "restart".into(),
                description: "".into(),
                title: None,
                params: Cow::Owned(vec![]),
                additional_properties: true,
            },
            ActionMeta {
                name: "get-status".into(),
                description: "".into(),
                title: None,
                params: Cow::Owned(vec![]),
                additional_properties: true,
            },
        ]),
    }
}

#[track_caller]
fn loaded(dir: &Path) -> CharmMeta {
    match load_dir(dir) {
        Ok(meta) => meta,
        Err(e) => panic!("{} should load:\n{e}", dir.display()),
    }
}

#[test]
fn a_full_charm_in_separate_files() {
    let meta = loaded(&fixtures().join("full-separate"));
    let expected = full_charm();
    // Field by field first, for readable failures.
    assert_eq!(meta.relations, expected.relations);
    assert_eq!(meta.storages, expected.storages);
    assert_eq!(meta.containers, expected.containers);
    assert_eq!(meta.resources, expected.resources);
    assert_eq!(meta.config, expected.config);
    assert_eq!(meta.actions, expected.actions);
    assert_eq!(meta, expected);
}

#[test]
fn the_same_charm_in_a_unified_charmcraft_yaml() {
    let meta = loaded(&fixtures().join("full-unified"));
    assert_eq!(meta, full_charm());
}

#[test]
fn parsed_text_is_owned() {
    let meta = loaded(&fixtures().join("full-separate"));
    assert!(matches!(meta.name, Cow::Owned(_)));
    assert!(matches!(meta.relations, Cow::Owned(_)));
    assert!(matches!(meta.relations[0].interface, Cow::Owned(_)));
    assert!(matches!(meta.config, Cow::Owned(_)));
    assert!(matches!(meta.actions[0].params, Cow::Owned(_)));
}

#[test]
fn unified_errors_point_into_charmcraft_yaml() {
    let yaml = "\
name: x
type: charm
config:
  options:
    port:
      type: number
actions:
  juju-run:
  backup:
    params:
      level: {type: integer, default: max}
storage:
  data: {type: filesystem}
";
    let errors = charmcraft_errors(yaml);
    assert_errors(
        &errors,
        &[
            (
                "config option `port` has unknown type `number` (expected one of: string, int, \
                 float, boolean, secret)",
                6,
                13,
            ),
            (
                "action name `juju-run` is reserved: Juju reserves the `juju-` prefix",
                8,
                3,
            ),
            (
                "the default of param `level` of action `backup` must be an integer, found a \
                 string",
                11,
                39,
            ),
        ],
    );
    assert!(errors
        .iter()
        .all(|e| e.file == Path::new("charmcraft.yaml")));
    assert_eq!(
        errors.errors()[0].key_path,
        ["config", "options", "port", "type"]
    );
}

#[test]
fn unified_config_has_only_options() {
    let warnings = warnings_of("charmcraft.yaml", "name: x\nconfig:\n  port: {type: int}\n");
    assert_errors(
        &warnings,
        &[(
            "unknown key `port` in `config` is ignored, as Juju ignores it (known keys: options)",
            3,
            3,
        )],
    );
    let warnings = warnings_of(
        "charmcraft.yaml",
        "name: x\noptions:\n  port: {type: int}\n",
    );
    assert_errors(
        &warnings,
        &[(
            "unknown top-level key `options` in `charmcraft.yaml` is ignored, as Juju ignores it \
             (config options belong under `config: options:`)",
            2,
            1,
        )],
    );
}

#[test]
fn unified_sections_may_be_empty() {
    let meta = match ops_metadata::parse_charmcraft_str("name: x\nconfig:\nactions:\n") {
        Ok(meta) => meta,
        Err(e) => panic!("{e}"),
    };
    assert!(meta.config.is_empty() && meta.actions.is_empty());
}

#[test]
fn errors_in_all_files_are_reported_in_file_order() {
    let metadata = SourceFile::new("charm/metadata.yaml", "name: x\nrequires:\n  db: {}\n");
    let config = SourceFile::new("charm/config.yaml", "options:\n  port: {type: integer}\n");
    let actions = SourceFile::new("charm/actions.yaml", "Run:\n");
    let errors = errors_of(parse_separate(&metadata, Some(&config), Some(&actions)));
    let located: Vec<String> = errors.iter().map(MetaError::location).collect();
    assert_eq!(
        located,
        [
            "charm/metadata.yaml:3:3",
            "charm/config.yaml:2:16",
            "charm/actions.yaml:1:1"
        ]
    );
}

#[test]
fn invalid_yaml_in_one_file_does_not_hide_errors_in_the_others() {
    let metadata = SourceFile::new("metadata.yaml", "name: x\nsummary: [\n");
    let actions = SourceFile::new("actions.yaml", "backup:\n  params: 3\n");
    let errors = errors_of(parse_separate(&metadata, None, Some(&actions)));
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(errors.errors()[0].message.starts_with("invalid YAML: "));
    assert_eq!(errors.errors()[0].file, Path::new("metadata.yaml"));
    assert_eq!(
        errors.errors()[1].message,
        "`backup.params` must be a mapping, found an integer"
    );
    assert_eq!(errors.errors()[1].file, Path::new("actions.yaml"));
}

// ---------------------------------------------------------------- discovery

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn temp_dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("cannot create a temporary directory: {e}"),
    }
}

#[track_caller]
fn discovered(dir: &Path) -> CharmFiles {
    match CharmFiles::discover(dir) {
        Ok(files) => files,
        Err(e) => panic!("discovery failed:\n{e}"),
    }
}

#[test]
fn a_charmcraft_yaml_with_a_name_is_unified() {
    let dir = temp_dir();
    let charmcraft = write(dir.path(), "charmcraft.yaml", "name: x\ntype: charm\n");
    let files = discovered(dir.path());
    assert_eq!(
        files,
        CharmFiles::Unified {
            charmcraft: charmcraft.clone(),
            config: None,
            actions: None,
        }
    );
    assert_eq!(files.paths(), [charmcraft]);
    assert_eq!(loaded(dir.path()).name, "x");
}

#[test]
fn a_charmcraft_yaml_without_metadata_uses_metadata_yaml() {
    let dir = temp_dir();
    let charmcraft = write(dir.path(), "charmcraft.yaml", "type: charm\nbases: []\n");
    let metadata = write(dir.path(), "metadata.yaml", "name: x\n");
    let config = write(dir.path(), "config.yaml", "options: {}\n");
    let files = discovered(dir.path());
    assert_eq!(
        files,
        CharmFiles::Separate {
            metadata: metadata.clone(),
            config: Some(config.clone()),
            actions: None,
            charmcraft: Some(charmcraft.clone()),
        }
    );
    assert_eq!(files.paths(), [metadata, charmcraft, config]);
}

#[test]
fn separate_files_are_all_found() {
    let dir = temp_dir();
    let metadata = write(dir.path(), "metadata.yaml", "name: x\n");
    let actions = write(dir.path(), "actions.yaml", "run:\n");
    let files = discovered(dir.path());
    assert_eq!(files.paths(), [metadata, actions]);
    assert_eq!(loaded(dir.path()).actions[0].name, "run");
}

#[test]
fn a_directory_without_metadata_is_an_error() {
    let dir = temp_dir();
    write(dir.path(), "charmcraft.yaml", "type: charm\n");
    let errors = errors_of(CharmFiles::discover(dir.path()));
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(
        e.message,
        format!(
            "no charm metadata in `{}`: expected a `metadata.yaml`, or a `charmcraft.yaml` with \
             a `name`",
            dir.path().display()
        )
    );
    assert_eq!((e.file.as_path(), e.line, e.column), (dir.path(), 1, 1));
}

#[test]
fn a_metadata_yaml_beside_a_unified_charmcraft_yaml_is_an_error() {
    let dir = temp_dir();
    let charmcraft = write(dir.path(), "charmcraft.yaml", "name: x\n");
    let metadata = write(dir.path(), "metadata.yaml", "name: x\n");
    let errors = errors_of(load_dir(dir.path()));
    let found: Vec<(&Path, usize, usize, &str)> = errors
        .iter()
        .map(|e| (e.file.as_path(), e.line, e.column, e.message.as_str()))
        .collect();
    let message = format!(
        "`metadata.yaml` would be ignored: `{}` declares the charm's metadata (it has a `name`); \
         move this file's content into charmcraft.yaml",
        charmcraft.display()
    );
    assert_eq!(found, [(metadata.as_path(), 1, 1, message.as_str())]);
}

// charmcraft (preprocess.py `add_config` / `add_actions`) packs `config.yaml` and `actions.yaml`
// beside a unified charmcraft.yaml that has no `config` / `actions` of its own.
#[test]
fn config_and_actions_files_beside_a_unified_charmcraft_yaml_are_used() {
    let dir = temp_dir();
    let charmcraft = write(dir.path(), "charmcraft.yaml", "name: x\n");
    let actions = write(dir.path(), "actions.yaml", "run:\n");
    let config = write(
        dir.path(),
        "config.yaml",
        "options:\n  port: {type: int, default: 80}\n",
    );
    let files = discovered(dir.path());
    assert_eq!(files.paths(), [charmcraft, config, actions]);
    let meta = loaded(dir.path());
    assert_eq!(meta.actions[0].name, "run");
    assert_eq!(meta.config[0].default, Some(ConfigValue::Int(80)));
}

// charmcraft packs the `actions` and `config` of a build-settings charmcraft.yaml (no `name`)
// beside a metadata.yaml.
#[test]
fn config_and_actions_of_a_build_settings_charmcraft_yaml_are_the_charms() {
    let dir = temp_dir();
    write(
        dir.path(),
        "charmcraft.yaml",
        "type: charm\nbases: []\nactions:\n  run: {}\nconfig:\n  options:\n    debug: {type: boolean, default: off}\n",
    );
    write(dir.path(), "metadata.yaml", "name: x\n");
    let meta = loaded(dir.path());
    assert_eq!(meta.name, "x");
    assert_eq!(meta.actions[0].name, "run");
    assert_eq!(meta.config[0].default, Some(ConfigValue::Boolean(false)));
}

// charmcraft: "Cannot specify 'actions' section in 'charmcraft.yaml' when 'actions.yaml' exists",
// and likewise for `config`; and `name`/`summary`/`description` may not be in both charmcraft.yaml
// and metadata.yaml.
#[test]
fn both_charmcraft_yaml_and_the_files_defining_the_same_section_are_errors() {
    let dir = temp_dir();
    let charmcraft = write(
        dir.path(),
        "charmcraft.yaml",
        "type: charm\nsummary: s\nactions:\n  run: {}\nconfig:\n  options: {}\n",
    );
    write(dir.path(), "metadata.yaml", "name: x\nsummary: s\n");
    write(dir.path(), "actions.yaml", "stop:\n");
    write(dir.path(), "config.yaml", "options: {}\n");
    let errors = errors_of(load_dir(dir.path()));
    let found: Vec<(&Path, usize, usize, &str)> = errors
        .iter()
        .map(|e| (e.file.as_path(), e.line, e.column, e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                charmcraft.as_path(),
                2,
                1,
                "`summary` is in both charmcraft.yaml and `metadata.yaml`: charmcraft refuses \
                 duplicated fields; keep one"
            ),
            (
                charmcraft.as_path(),
                3,
                1,
                "`actions` is defined both here and in `actions.yaml`: charmcraft refuses this \
                 (move the content of `actions.yaml` into charmcraft.yaml's `actions`)"
            ),
            (
                charmcraft.as_path(),
                5,
                1,
                "`config` is defined both here and in `config.yaml`: charmcraft refuses this \
                 (move the content of `config.yaml` into charmcraft.yaml's `config`)"
            ),
        ]
    );
}

#[test]
fn an_invalid_charmcraft_yaml_is_reported_by_discovery() {
    let dir = temp_dir();
    let charmcraft = write(dir.path(), "charmcraft.yaml", "name: x\nname: y\n");
    let errors = errors_of(CharmFiles::discover(dir.path()));
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.message, "duplicate key `name` (first defined at line 1)");
    assert_eq!(
        (e.file.as_path(), e.line, e.column),
        (charmcraft.as_path(), 2, 1)
    );
}

#[test]
fn load_dir_reports_errors_with_the_files_paths() {
    let dir = temp_dir();
    let metadata = write(dir.path(), "metadata.yaml", "name: x\nsubordinate: 2\n");
    let config = write(
        dir.path(),
        "config.yaml",
        "options:\n  a: {type: int, default: b}\n",
    );
    let errors = errors_of(load_dir(dir.path()));
    let located: Vec<String> = errors.iter().map(MetaError::location).collect();
    assert_eq!(
        located,
        [
            format!("{}:2:14", metadata.display()),
            format!("{}:2:27", config.display()),
        ]
    );
}

#[test]
fn an_unreadable_file_is_an_error() {
    let dir = temp_dir();
    let missing = dir.path().join("metadata.yaml");
    let errors = errors_of(SourceFile::read(&missing));
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert!(e.message.starts_with("cannot read the file: "), "{e}");
    assert_eq!(
        (e.file.as_path(), e.line, e.column),
        (missing.as_path(), 1, 1)
    );
}

#[test]
fn a_project_without_metadata_is_an_error() {
    let sources = ops_metadata::ProjectSources {
        config: Some(ops_metadata::SourceFile::new(
            "config.yaml",
            "options: {}\n",
        )),
        ..ops_metadata::ProjectSources::default()
    };
    let errors = errors_of(ops_metadata::parse_project(&sources));
    assert_errors(
        &errors,
        &[(
            "no charm metadata: neither a `metadata.yaml` nor a `charmcraft.yaml` was given",
            1,
            1,
        )],
    );
}
