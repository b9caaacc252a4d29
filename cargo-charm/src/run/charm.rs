//! The charm under `cargo charm run`: a charm directory, a `.charm` archive, or a package packed
//! first, laid out as the unit's private charm directory (`JUJU_CHARM_DIR`) with its metadata.

use super::RunError;
use ops_metadata::CharmMeta;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Copies the charm directory `src` to `dest` (which must not exist), without the unit state a
/// previous run may have left (`.unit-state.db`), keeping file modes and symbolic links.
pub fn copy_dir(src: &Path, dest: &Path) -> Result<(), RunError> {
    let io = |path: &Path, source: std::io::Error| RunError::Io {
        what: format!("copying the charm directory ({})", path.display()),
        source,
    };
    fs::create_dir(dest).map_err(|e| io(dest, e))?;
    for entry in fs::read_dir(src).map_err(|e| io(src, e))? {
        let entry = entry.map_err(|e| io(src, e))?;
        let name = entry.file_name();
        if name == ops_core::dispatch::STATE_FILE {
            continue;
        }
        let from = entry.path();
        let to = dest.join(&name);
        let kind = entry.file_type().map_err(|e| io(&from, e))?;
        if kind.is_symlink() {
            let target = fs::read_link(&from).map_err(|e| io(&from, e))?;
            std::os::unix::fs::symlink(target, &to).map_err(|e| io(&to, e))?;
        } else if kind.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            fs::copy(&from, &to).map_err(|e| io(&from, e))?;
        }
    }
    Ok(())
}

/// Unpacks the `.charm` archive `file` into `dest`, keeping the files' modes.
pub fn unzip(file: &Path, dest: &Path) -> Result<(), RunError> {
    let bad = |message: String| RunError::Archive {
        path: file.to_path_buf(),
        message,
    };
    let reader = fs::File::open(file).map_err(|e| bad(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| bad(e.to_string()))?;
    fs::create_dir(dest).map_err(|e| bad(format!("{}: {e}", dest.display())))?;
    archive.extract(dest).map_err(|e| bad(e.to_string()))?;
    // A `.charm` written without Unix modes (by a tool on another OS): Juju runs `dispatch`
    // anyway, so make it executable as the archive meant.
    let dispatch = dest.join("dispatch");
    if let Ok(meta) = fs::metadata(&dispatch) {
        if meta.is_file() && meta.permissions().mode() & 0o111 == 0 {
            let mut perms = meta.permissions();
            perms.set_mode(perms.mode() | 0o755);
            fs::set_permissions(&dispatch, perms).map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(())
}

/// Checks that `dir` is a charm directory as Juju runs it: an executable `dispatch` and metadata.
/// Returns the metadata.
pub fn load(dir: &Path, origin: &Path) -> Result<CharmMeta, RunError> {
    let dispatch = dir.join("dispatch");
    match fs::metadata(&dispatch) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {}
        Ok(m) if m.is_file() => {
            return Err(RunError::Charm {
                path: origin.to_path_buf(),
                message: "its `dispatch` is not executable".into(),
            })
        }
        _ => {
            let hint = if origin.join("Cargo.toml").is_file() {
                " (this is a crate: run `cargo charm run -p <package>` to pack and run it)"
            } else {
                ""
            };
            return Err(RunError::Charm {
                path: origin.to_path_buf(),
                message: format!("no `dispatch` file: not a charm directory{hint}"),
            });
        }
    }
    ops_metadata::load_dir(dir).map_err(|errors| RunError::Metadata {
        path: origin.to_path_buf(),
        message: errors.to_string(),
    })
}

/// Where the charm comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A charm directory.
    Dir(PathBuf),
    /// A `.charm` archive.
    Archive(PathBuf),
}

impl Source {
    /// The path given.
    pub fn path(&self) -> &Path {
        match self {
            Source::Dir(p) | Source::Archive(p) => p,
        }
    }

    /// Lays the charm out at `dest` and reads its metadata.
    pub fn install(&self, dest: &Path) -> Result<CharmMeta, RunError> {
        match self {
            Source::Dir(dir) => {
                if !dir.is_dir() {
                    return Err(RunError::Charm {
                        path: dir.clone(),
                        message: "no such directory".into(),
                    });
                }
                // Check before copying, so that the error names the user's directory.
                load(dir, dir)?;
                copy_dir(dir, dest)?;
            }
            Source::Archive(file) => unzip(file, dest)?,
        }
        load(dest, self.path())
    }
}
