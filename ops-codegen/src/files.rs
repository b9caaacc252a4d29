//! Finding, reading and parsing the charm's YAML files at compile time.

use crate::attrs::{CharmArgs, PathArg};
use crate::errors::Errors;
use ops_metadata::parse::{parse_project, CharmFiles, Parsed, ProjectSources, SourceFile};
use ops_metadata::{CharmMeta, MetaError};
use proc_macro2::Span;
use std::path::{Path, PathBuf};

/// The loaded metadata and every file it came from (for rebuild tracking).
pub struct Loaded {
    /// The parsed and validated metadata.
    pub meta: CharmMeta,
    /// Absolute paths of the files read.
    pub files: Vec<PathBuf>,
    /// Where errors about the files' content are reported (the path literal, else the attribute).
    pub span: Span,
    /// What Juju accepts but is probably a mistake (unknown keys), each with its `file:line:col`.
    pub warnings: Vec<MetaError>,
}

/// Where errors about the files are reported: the path literal if one was given, else the attribute.
fn span_of(arg: &Option<PathArg>, fallback: Span) -> Span {
    arg.as_ref().map(|a| a.lit.span()).unwrap_or(fallback)
}

fn resolve(base: &Path, arg: &PathArg, errors: &mut Errors) -> Option<PathBuf> {
    let p = Path::new(&arg.value);
    if p.is_absolute() {
        errors.spanned(
            &arg.lit,
            format!(
                "#[charm] paths are relative to the crate's directory (CARGO_MANIFEST_DIR); `{}` is absolute",
                arg.value
            ),
        );
        return None;
    }
    Some(base.join(p))
}

/// Read a file, showing it in messages relative to `shown_from`.
fn read(path: &Path, shown_from: &Path, span: Span, errors: &mut Errors) -> Option<SourceFile> {
    let shown = path
        .strip_prefix(shown_from)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    match std::fs::read_to_string(path) {
        Ok(text) => Some(SourceFile { path: shown, text }),
        Err(e) => {
            errors.error(
                span,
                format!("#[charm] cannot read `{}`: {e}", shown.display()),
            );
            None
        }
    }
}

/// An error of `CharmFiles::discover`, which names files by their full paths: shown relative to the
/// crate's directory as every other error is, with its `file:line:col` when it points into a file
/// (a stray `metadata.yaml`, invalid YAML in `charmcraft.yaml`).
fn discovery_error(e: &MetaError, base: &Path) -> String {
    let base_shown = base.display().to_string();
    let message = e
        .message
        .replace(&format!("{base_shown}{}", std::path::MAIN_SEPARATOR), "")
        .replace(&format!("`{base_shown}`"), "the crate's directory");
    if e.file.is_file() {
        let file = e.file.strip_prefix(base).unwrap_or(&e.file);
        format!(
            "#[charm] {message}\n --> {}:{}:{}",
            file.display(),
            e.line,
            e.column
        )
    } else {
        format!("#[charm] {message}")
    }
}

/// The crate's directory, as Cargo tells the macro.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Find, read and parse the charm's files as `#[charm(...)]` says.
pub fn load(args: &CharmArgs, attr_span: Span, errors: &mut Errors) -> Option<Loaded> {
    load_from(&manifest_dir(), args, attr_span, errors)
}

/// [`load`] with an explicit crate directory (for tests).
pub fn load_from(
    base: &Path,
    args: &CharmArgs,
    attr_span: Span,
    errors: &mut Errors,
) -> Option<Loaded> {
    let dir = match &args.dir {
        Some(d) => resolve(base, d, errors)?,
        None => base.to_path_buf(),
    };
    let dir_span = span_of(&args.dir, attr_span);
    let mut files = Vec::new();

    let result = if let Some(cc) = &args.charmcraft {
        let path = resolve(base, cc, errors)?;
        let src = read(&path, base, cc.lit.span(), errors)?;
        files.push(path);
        let sources = ProjectSources {
            charmcraft: Some(src),
            ..ProjectSources::default()
        };
        (parse_project(&sources), cc.lit.span())
    } else {
        let explicit = args.metadata.is_some() || args.config.is_some() || args.actions.is_some();
        if !explicit {
            // The same discovery (and charmcraft's precedence between the files) as the harness.
            match CharmFiles::discover(&dir) {
                Ok(found) => {
                    let sources = found.read_with(|p| read(p, base, dir_span, errors).ok_or(()));
                    let Ok(sources) = sources else {
                        return None;
                    };
                    files.extend(found.paths());
                    (parse_project(&sources), dir_span)
                }
                Err(errs) => {
                    for e in errs.0 {
                        errors.error(dir_span, discovery_error(&e, base));
                    }
                    return None;
                }
            }
        } else {
            let metadata = match &args.metadata {
                Some(m) => resolve(base, m, errors)?,
                None => dir.join("metadata.yaml"),
            };
            let md = read(&metadata, base, span_of(&args.metadata, dir_span), errors)?;
            files.push(metadata);
            let mut optional =
                |arg: &Option<PathArg>, default: &str| -> Option<Option<SourceFile>> {
                    let path = match arg {
                        Some(a) => resolve(base, a, errors)?,
                        None => dir.join(default),
                    };
                    if arg.is_none() && !path.exists() {
                        return Some(None);
                    }
                    let src = read(&path, base, span_of(arg, dir_span), errors)?;
                    files.push(path);
                    Some(Some(src))
                };
            let config = optional(&args.config, "config.yaml")?;
            let actions = optional(&args.actions, "actions.yaml")?;
            let sources = ProjectSources {
                metadata: Some(md),
                config,
                actions,
                charmcraft: None,
            };
            (parse_project(&sources), span_of(&args.metadata, dir_span))
        }
    };
    match result {
        (Ok(Parsed { meta, warnings }), span) => Some(Loaded {
            meta,
            files,
            span,
            warnings,
        }),
        (Err(errs), span) => {
            for e in errs.0 {
                errors.error(span, e.to_string());
            }
            None
        }
    }
}
