//! Reading and validating a charm's YAML files into a [`CharmMeta`].
//!
//! A charm declares itself either in separate files (`metadata.yaml`, plus optional `config.yaml`
//! and `actions.yaml`) or in a unified `charmcraft.yaml` that also holds the metadata keys.
//! [`load_dir`] finds and reads them; [`parse_separate`] and [`parse_unified`] work on text already
//! read. Every problem found is reported, each with the `file:line:col` of the offending key or
//! value, in one [`MetaErrors`].
//!
//! ```
//! use ops_metadata::parse_metadata_str;
//!
//! let errors = parse_metadata_str("name: db\nrequires:\n  db: {limit: 1}\n").unwrap_err();
//! assert_eq!(errors.to_string(), "relation `db` has no `interface`\n --> metadata.yaml:3:3");
//! ```

mod actions;
mod config;
mod locate;
mod metadata;
mod node;
mod validate;
mod yaml11;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use self::metadata::{Layout, Located, ParsedMetadata};
use self::node::{Diags, Doc};
use crate::error::{MetaError, MetaErrors};
use crate::model::{ActionMeta, CharmMeta, ConfigOption};

/// The text of one YAML file, and the path to show in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as displayed in errors (it is not read).
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

impl SourceFile {
    /// A file with the given displayed path and contents.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads the file at `path` (which is also the displayed path).
    pub fn read(path: &Path) -> Result<SourceFile, MetaErrors> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(e) => Err(MetaError::new(path, 1, 1, format!("cannot read the file: {e}")).into()),
        }
    }
}

/// Which files make up a charm and where they are.
///
/// charmcraft's rules (`charmcraft/preprocess.py`, at pack time): the metadata comes from
/// `metadata.yaml` when there is one, else from `charmcraft.yaml`; the config from
/// `charmcraft.yaml`'s `config` or from `config.yaml` (both is an error), the actions likewise from
/// `actions` or `actions.yaml`. So a `charmcraft.yaml` that only holds build settings may still hold
/// the charm's `config` and `actions` beside a `metadata.yaml`, and a unified `charmcraft.yaml` may
/// leave its config to a `config.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharmFiles {
    /// `metadata.yaml`, with `config.yaml`, `actions.yaml` and `charmcraft.yaml` when present.
    Separate {
        /// `metadata.yaml`.
        metadata: PathBuf,
        /// `config.yaml`, if present.
        config: Option<PathBuf>,
        /// `actions.yaml`, if present.
        actions: Option<PathBuf>,
        /// `charmcraft.yaml` (without `name`: build settings), if present; its `config` and
        /// `actions` keys are the charm's when `config.yaml` / `actions.yaml` are absent.
        charmcraft: Option<PathBuf>,
    },
    /// A `charmcraft.yaml` holding the metadata (it has a `name`), and usually the config and
    /// actions.
    Unified {
        /// `charmcraft.yaml`.
        charmcraft: PathBuf,
        /// `config.yaml`, if present (then `charmcraft.yaml` must not have `config`).
        config: Option<PathBuf>,
        /// `actions.yaml`, if present (then `charmcraft.yaml` must not have `actions`).
        actions: Option<PathBuf>,
    },
}

impl CharmFiles {
    /// Finds the charm's files in `dir`.
    ///
    /// A `charmcraft.yaml` with metadata keys (`name` at its top level) makes a unified charm; then
    /// a `metadata.yaml` beside it is an error (charmcraft refuses `name` in both). Otherwise
    /// `metadata.yaml` is required. `config.yaml`, `actions.yaml` and a `charmcraft.yaml` without
    /// `name` are used when present. Neither file is an error.
    pub fn discover(dir: &Path) -> Result<CharmFiles, MetaErrors> {
        let charmcraft = dir.join("charmcraft.yaml");
        let metadata = dir.join("metadata.yaml");
        let config = dir.join("config.yaml");
        let actions = dir.join("actions.yaml");
        // Present is anything at the path, even a directory or a dangling link: reading it then
        // fails with a clear error instead of the file silently counting as absent.
        let present = |p: &Path| p.symlink_metadata().is_ok();
        let config = present(&config).then_some(config);
        let actions = present(&actions).then_some(actions);
        let mut build_settings = None;
        if charmcraft.is_file() {
            let source = SourceFile::read(&charmcraft)?;
            let doc = Doc::load(&source).map_err(MetaErrors)?;
            if doc.root().get("name").is_none() {
                build_settings = Some(charmcraft);
            } else if metadata.is_file() {
                return Err(MetaError::new(
                    metadata.as_path(),
                    1,
                    1,
                    format!(
                        "`metadata.yaml` would be ignored: `{}` declares the charm's metadata (it \
                         has a `name`); move this file's content into charmcraft.yaml",
                        charmcraft.display()
                    ),
                )
                .into());
            } else {
                return Ok(CharmFiles::Unified {
                    charmcraft,
                    config,
                    actions,
                });
            }
        }
        if metadata.is_file() {
            return Ok(CharmFiles::Separate {
                metadata,
                config,
                actions,
                charmcraft: build_settings,
            });
        }
        Err(MetaError::new(
            dir,
            1,
            1,
            format!(
                "no charm metadata in `{}`: expected a `metadata.yaml`, or a `charmcraft.yaml` \
                 with a `name`",
                dir.display()
            ),
        )
        .into())
    }

    /// Every file read (for rebuild tracking).
    pub fn paths(&self) -> Vec<PathBuf> {
        let (first, second, config, actions) = self.parts();
        [Some(first), second, config, actions]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// (the metadata file, `charmcraft.yaml` when it holds build settings only, config, actions)
    fn parts(&self) -> PartPaths<'_> {
        match self {
            CharmFiles::Separate {
                metadata,
                config,
                actions,
                charmcraft,
            } => (
                metadata,
                charmcraft.as_ref(),
                config.as_ref(),
                actions.as_ref(),
            ),
            CharmFiles::Unified {
                charmcraft,
                config,
                actions,
            } => (charmcraft, None, config.as_ref(), actions.as_ref()),
        }
    }

    /// Reads the files (`read` turns a path into its source, e.g. to display it differently).
    pub fn read_with<E>(
        &self,
        mut read: impl FnMut(&Path) -> Result<SourceFile, E>,
    ) -> Result<ProjectSources, E> {
        let (first, build_settings, config, actions) = self.parts();
        let first = read(first)?;
        let mut optional = |p: Option<&PathBuf>| p.map(|p| read(p)).transpose();
        let build_settings = optional(build_settings)?;
        let config = optional(config)?;
        let actions = optional(actions)?;
        Ok(match self {
            CharmFiles::Separate { .. } => ProjectSources {
                metadata: Some(first),
                charmcraft: build_settings,
                config,
                actions,
            },
            CharmFiles::Unified { .. } => ProjectSources {
                metadata: None,
                charmcraft: Some(first),
                config,
                actions,
            },
        })
    }

    /// Reads, parses and validates the files.
    pub fn load(&self) -> Result<CharmMeta, MetaErrors> {
        self.load_with_warnings().map(|parsed| parsed.meta)
    }

    /// Reads, parses and validates the files, keeping the warnings.
    pub fn load_with_warnings(&self) -> Result<Parsed, MetaErrors> {
        parse_project(&self.read_with(SourceFile::read)?)
    }
}

type PartPaths<'a> = (
    &'a PathBuf,
    Option<&'a PathBuf>,
    Option<&'a PathBuf>,
    Option<&'a PathBuf>,
);

/// The text of a charm's files, as [`CharmFiles`] finds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSources {
    /// `metadata.yaml`; when absent, `charmcraft` holds the metadata keys.
    pub metadata: Option<SourceFile>,
    /// `charmcraft.yaml`: the metadata, config and actions (unified), or build settings with
    /// perhaps `config` and `actions` (beside a `metadata.yaml`).
    pub charmcraft: Option<SourceFile>,
    /// `config.yaml`.
    pub config: Option<SourceFile>,
    /// `actions.yaml`.
    pub actions: Option<SourceFile>,
}

/// A charm's metadata, and what Juju accepts but is probably a mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The validated metadata.
    pub meta: CharmMeta,
    /// Warnings, e.g. unknown keys (which Juju ignores), each with its `file:line:col`.
    pub warnings: Vec<MetaError>,
}

/// Finds, reads, parses and validates the charm in `dir` (see [`CharmFiles::discover`]).
pub fn load_dir(dir: &Path) -> Result<CharmMeta, MetaErrors> {
    CharmFiles::discover(dir)?.load()
}

/// Parses and validates `metadata.yaml`, with `config.yaml` and `actions.yaml` if the charm has
/// them. All errors in all three files are reported.
pub fn parse_separate(
    metadata: &SourceFile,
    config: Option<&SourceFile>,
    actions: Option<&SourceFile>,
) -> Result<CharmMeta, MetaErrors> {
    parse_project(&ProjectSources {
        metadata: Some(metadata.clone()),
        charmcraft: None,
        config: config.cloned(),
        actions: actions.cloned(),
    })
    .map(|parsed| parsed.meta)
}

/// Parses and validates a unified `charmcraft.yaml` (metadata keys, `config: options:` and
/// `actions:`).
pub fn parse_unified(charmcraft: &SourceFile) -> Result<CharmMeta, MetaErrors> {
    parse_project(&ProjectSources {
        charmcraft: Some(charmcraft.clone()),
        ..ProjectSources::default()
    })
    .map(|parsed| parsed.meta)
}

/// Parses and validates a charm's files with charmcraft's precedence (see [`CharmFiles`]): the
/// metadata from `metadata.yaml`, else from `charmcraft.yaml`; the config from `charmcraft.yaml`'s
/// `config` or `config.yaml`, the actions from its `actions` or `actions.yaml`, where both is an
/// error (as charmcraft refuses it). Every error in every file is reported.
pub fn parse_project(sources: &ProjectSources) -> Result<Parsed, MetaErrors> {
    let mut diags = Diags::default();
    let mut load = |source: Option<&SourceFile>| {
        source.and_then(|source| match Doc::load(source) {
            Ok(doc) => Some(doc),
            Err(errors) => {
                diags.extend(errors);
                None
            }
        })
    };
    let metadata_doc = load(sources.metadata.as_ref());
    let charmcraft_doc = load(sources.charmcraft.as_ref());
    let config_doc = load(sources.config.as_ref());
    let actions_doc = load(sources.actions.as_ref());
    let files: Vec<&Path> = [
        &sources.metadata,
        &sources.charmcraft,
        &sources.config,
        &sources.actions,
    ]
    .into_iter()
    .flatten()
    .map(|s| s.path.as_path())
    .collect();
    let charmcraft_root = charmcraft_doc.as_ref().map(Doc::root);
    let parsed = match (&metadata_doc, &charmcraft_root) {
        (Some(doc), _) => {
            let root = doc.root();
            if let Some(cc) = charmcraft_root.as_ref() {
                duplicated_fields(&root, cc, &mut diags);
            }
            Some(metadata::parse_metadata(
                &root,
                Layout::Separate,
                &mut diags,
            ))
        }
        (None, Some(cc)) if sources.metadata.is_none() => {
            Some(metadata::parse_metadata(cc, Layout::Unified, &mut diags))
        }
        _ => {
            if sources.metadata.is_none() && sources.charmcraft.is_none() {
                diags.push(MetaError::new(
                    "metadata.yaml",
                    1,
                    1,
                    "no charm metadata: neither a `metadata.yaml` nor a `charmcraft.yaml` was given",
                ));
            }
            None
        }
    };
    let cc = charmcraft_root.as_ref();
    let options = section(
        cc,
        "config",
        &config_doc,
        sources.config.is_some(),
        &mut diags,
    )
    .map(|node| config::parse_config(&node, &mut diags))
    .unwrap_or_default();
    let actions_list = section(
        cc,
        "actions",
        &actions_doc,
        sources.actions.is_some(),
        &mut diags,
    )
    .map(|node| actions::parse_actions(&node, &mut diags))
    .unwrap_or_default();
    if let Some(parsed) = &parsed {
        validate::validate(parsed, &actions_list, &mut diags);
    }
    let warnings = diags.take_warnings(&files);
    match parsed {
        Some(parsed) if diags.is_empty() => Ok(Parsed {
            meta: assemble(parsed, options, actions_list),
            warnings,
        }),
        _ => Err(MetaErrors(diags.into_sorted(&files))),
    }
}

/// Where the config or actions are: `charmcraft.yaml`'s `key`, or the file `key.yaml` (`file`, or
/// `file_given` when it failed to load); both is an error, as charmcraft refuses it.
fn section<'a>(
    charmcraft: Option<&node::Node<'a>>,
    key: &str,
    file: &'a Option<Doc>,
    file_given: bool,
    diags: &mut Diags,
) -> Option<node::Node<'a>> {
    match (charmcraft.and_then(|cc| cc.get(key)), file) {
        (Some(node), _) if file_given => {
            diags.push(node.key_loc().error(format!(
                "`{key}` is defined both here and in `{key}.yaml`: charmcraft refuses this (move \
                 the content of `{key}.yaml` into charmcraft.yaml's `{key}`)"
            )));
            None
        }
        (Some(node), _) => Some(node),
        (None, Some(doc)) => Some(doc.root()),
        (None, None) => None,
    }
}

/// charmcraft refuses `name`, `summary` and `description` in both `charmcraft.yaml` and
/// `metadata.yaml` (`METADATA_YAML_MIGRATE_FIELDS`).
fn duplicated_fields(metadata: &node::Node<'_>, charmcraft: &node::Node<'_>, diags: &mut Diags) {
    for key in ["name", "summary", "description"] {
        if let (Some(_), Some(node)) = (metadata.get(key), charmcraft.get(key)) {
            diags.push(node.key_loc().error(format!(
                "`{key}` is in both charmcraft.yaml and `metadata.yaml`: charmcraft refuses \
                 duplicated fields; keep one"
            )));
        }
    }
}

/// Parses and validates `text` as a `metadata.yaml` alone (displayed as `metadata.yaml`).
pub fn parse_metadata_str(text: &str) -> Result<CharmMeta, MetaErrors> {
    parse_separate(&SourceFile::new("metadata.yaml", text), None, None)
}

/// Parses and validates `text` as a unified `charmcraft.yaml` (displayed as `charmcraft.yaml`).
pub fn parse_charmcraft_str(text: &str) -> Result<CharmMeta, MetaErrors> {
    parse_unified(&SourceFile::new("charmcraft.yaml", text))
}

/// Parses and validates `text` as a `config.yaml` (displayed as `config.yaml`).
pub fn parse_config_str(text: &str) -> Result<Vec<ConfigOption>, MetaErrors> {
    let source = SourceFile::new("config.yaml", text);
    let doc = Doc::load(&source).map_err(MetaErrors)?;
    let mut diags = Diags::default();
    let options = config::parse_config(&doc.root(), &mut diags);
    if diags.is_empty() {
        Ok(options)
    } else {
        Err(MetaErrors(diags.into_sorted(&[doc.file()])))
    }
}

/// Parses and validates `text` as an `actions.yaml` (displayed as `actions.yaml`).
pub fn parse_actions_str(text: &str) -> Result<Vec<ActionMeta>, MetaErrors> {
    let source = SourceFile::new("actions.yaml", text);
    let doc = Doc::load(&source).map_err(MetaErrors)?;
    let mut diags = Diags::default();
    let actions = actions::parse_actions(&doc.root(), &mut diags);
    if diags.is_empty() {
        Ok(actions.into_iter().map(|a| a.item).collect())
    } else {
        Err(MetaErrors(diags.into_sorted(&[doc.file()])))
    }
}

/// Builds the model from what was read.
fn assemble(
    parsed: ParsedMetadata,
    config: Vec<ConfigOption>,
    actions: Vec<Located<ActionMeta>>,
) -> CharmMeta {
    let owned = |strings: Vec<String>| -> Vec<Cow<'static, str>> {
        strings.into_iter().map(Cow::Owned).collect()
    };
    CharmMeta {
        name: Cow::Owned(parsed.name),
        summary: Cow::Owned(parsed.summary),
        description: Cow::Owned(parsed.description),
        subordinate: parsed.subordinate,
        series: Cow::Owned(owned(parsed.series)),
        min_juju_version: parsed.min_juju_version.map(Cow::Owned),
        assumes: Cow::Owned(owned(parsed.assumes)),
        relations: Cow::Owned(parsed.relations.into_iter().map(|r| r.meta).collect()),
        storages: Cow::Owned(parsed.storages.into_iter().map(|s| s.item).collect()),
        containers: Cow::Owned(parsed.containers.into_iter().map(|c| c.meta).collect()),
        resources: Cow::Owned(parsed.resources.into_iter().map(|r| r.item).collect()),
        extra_bindings: Cow::Owned(
            parsed
                .extra_bindings
                .into_iter()
                .map(|b| Cow::Owned(b.item))
                .collect(),
        ),
        config: Cow::Owned(config),
        actions: Cow::Owned(actions.into_iter().map(|a| a.item).collect()),
    }
}
