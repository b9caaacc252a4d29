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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharmFiles {
    /// `metadata.yaml`, with `config.yaml` and `actions.yaml` when present.
    Separate {
        /// `metadata.yaml`.
        metadata: PathBuf,
        /// `config.yaml`, if present.
        config: Option<PathBuf>,
        /// `actions.yaml`, if present.
        actions: Option<PathBuf>,
    },
    /// A `charmcraft.yaml` holding the metadata, config and actions.
    Unified {
        /// `charmcraft.yaml`.
        charmcraft: PathBuf,
    },
}

impl CharmFiles {
    /// Finds the charm's files in `dir`.
    ///
    /// A `charmcraft.yaml` with metadata keys (`name` at its top level) makes a unified charm; then
    /// a `metadata.yaml`, `config.yaml` or `actions.yaml` beside it is an error (it would be
    /// ignored). Otherwise `metadata.yaml` is required, and `config.yaml` and `actions.yaml` are
    /// used when present. Neither is an error.
    pub fn discover(dir: &Path) -> Result<CharmFiles, MetaErrors> {
        let charmcraft = dir.join("charmcraft.yaml");
        let metadata = dir.join("metadata.yaml");
        let config = dir.join("config.yaml");
        let actions = dir.join("actions.yaml");
        if charmcraft.is_file() {
            let source = SourceFile::read(&charmcraft)?;
            let doc = Doc::load(&source).map_err(MetaErrors)?;
            if doc.root().get("name").is_some() {
                let stray: Vec<MetaError> = [&metadata, &config, &actions]
                    .into_iter()
                    .filter(|p| p.is_file())
                    .map(|p| {
                        MetaError::new(
                            p.as_path(),
                            1,
                            1,
                            format!(
                                "`{}` would be ignored: `{}` declares the charm's metadata (it \
                                 has a `name`); move this file's content into charmcraft.yaml",
                                file_name(p),
                                charmcraft.display()
                            ),
                        )
                    })
                    .collect();
                if !stray.is_empty() {
                    return Err(MetaErrors(stray));
                }
                return Ok(CharmFiles::Unified { charmcraft });
            }
        }
        if metadata.is_file() {
            return Ok(CharmFiles::Separate {
                metadata,
                config: config.is_file().then_some(config),
                actions: actions.is_file().then_some(actions),
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
        match self {
            CharmFiles::Separate {
                metadata,
                config,
                actions,
            } => std::iter::once(metadata)
                .chain(config)
                .chain(actions)
                .cloned()
                .collect(),
            CharmFiles::Unified { charmcraft } => vec![charmcraft.clone()],
        }
    }

    /// Reads, parses and validates the files.
    pub fn load(&self) -> Result<CharmMeta, MetaErrors> {
        match self {
            CharmFiles::Separate {
                metadata,
                config,
                actions,
            } => {
                let mut errors = Vec::new();
                let mut read = |path: &Path| match SourceFile::read(path) {
                    Ok(source) => Some(source),
                    Err(e) => {
                        errors.extend(e);
                        None
                    }
                };
                let metadata = read(metadata);
                let config = config.as_deref().and_then(&mut read);
                let actions = actions.as_deref().and_then(&mut read);
                match metadata {
                    Some(metadata) if errors.is_empty() => {
                        parse_separate(&metadata, config.as_ref(), actions.as_ref())
                    }
                    _ => Err(MetaErrors(errors)),
                }
            }
            CharmFiles::Unified { charmcraft } => parse_unified(&SourceFile::read(charmcraft)?),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
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
    let mut diags = Diags::default();
    let parsed = load(metadata, &mut diags)
        .map(|doc| metadata::parse_metadata(&doc.root(), Layout::Separate, &mut diags));
    let options = config
        .and_then(|source| load(source, &mut diags))
        .map(|doc| config::parse_config(&doc.root(), &mut diags))
        .unwrap_or_default();
    let actions_list = actions
        .and_then(|source| load(source, &mut diags))
        .map(|doc| actions::parse_actions(&doc.root(), &mut diags))
        .unwrap_or_default();
    if let Some(parsed) = &parsed {
        validate::validate(parsed, &actions_list, &mut diags);
    }
    let files: Vec<&Path> = [Some(metadata), config, actions]
        .into_iter()
        .flatten()
        .map(|s| s.path.as_path())
        .collect();
    match parsed {
        Some(parsed) if diags.is_empty() => Ok(assemble(parsed, options, actions_list)),
        _ => Err(MetaErrors(diags.into_sorted(&files))),
    }
}

/// Parses and validates a unified `charmcraft.yaml` (metadata keys, `config: options:` and
/// `actions:`).
pub fn parse_unified(charmcraft: &SourceFile) -> Result<CharmMeta, MetaErrors> {
    let doc = Doc::load(charmcraft).map_err(MetaErrors)?;
    let root = doc.root();
    let mut diags = Diags::default();
    let parsed = metadata::parse_metadata(&root, Layout::Unified, &mut diags);
    let options = root
        .get("config")
        .map(|node| config::parse_config(&node, &mut diags))
        .unwrap_or_default();
    let actions_list = root
        .get("actions")
        .map(|node| actions::parse_actions(&node, &mut diags))
        .unwrap_or_default();
    validate::validate(&parsed, &actions_list, &mut diags);
    if diags.is_empty() {
        Ok(assemble(parsed, options, actions_list))
    } else {
        Err(MetaErrors(diags.into_sorted(&[doc.file()])))
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

/// Loads a document, recording its errors.
fn load(source: &SourceFile, diags: &mut Diags) -> Option<Doc> {
    match Doc::load(source) {
        Ok(doc) => Some(doc),
        Err(errors) => {
            diags.extend(errors);
            None
        }
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
