//! Opening the unit's state files safely: never through a symbolic link, never blocking on a
//! FIFO, always private (mode `0600`, tightened if an existing file is looser).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::OFlags;

use super::StoreError;

/// Mode of every file the stores create.
pub(crate) const FILE_MODE: u32 = 0o600;
/// Mode of every directory the stores create.
pub(crate) const DIR_MODE: u32 = 0o700;

/// Whether [`open_private`] may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    /// Create it if missing.
    IfMissing,
    /// Open it read-only; it must exist.
    No,
}

/// The error for a path that is a symbolic link, FIFO, socket or device where a regular file or
/// directory of the unit's state belongs.
pub(crate) fn not_regular(path: &Path, what: &str) -> StoreError {
    StoreError::io(
        "use",
        path,
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file or directory of the unit state (refused)"),
        ),
    )
}

/// What kind of file `meta` describes, for error messages.
pub(crate) fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "a regular file"
    }
}

/// Open the existing regular file `path` for reading: never through a symbolic link
/// (`O_NOFOLLOW`), never blocking on a FIFO (`O_NONBLOCK`, then refused), and only a regular file
/// (anything else: [`io::ErrorKind::InvalidInput`]).
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a regular file",
                path.display(),
                kind_of(&meta)
            ),
        ));
    }
    let _ = rustix::fs::fcntl_setfl(&file, OFlags::empty());
    Ok(file)
}

/// Check what is at the unit state's directory path `path`: nothing (`Ok(None)`), a directory
/// (`Ok(Some(metadata))`), or something else, which is refused: a symbolic link is never followed.
/// (A regular file is reported as such by the caller that needs a directory.)
pub(crate) fn state_dir(path: &Path) -> Result<Option<std::fs::Metadata>, StoreError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() || meta.is_file() => Ok(Some(meta)),
        Ok(meta) => Err(not_regular(path, kind_of(&meta))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("inspect", path, e)),
    }
}

/// Open (or create) `path` as a private regular file: `O_NOFOLLOW` (a symbolic link is refused),
/// `O_NONBLOCK` (a FIFO cannot block the hook; it is then refused), mode `0600` whatever the umask,
/// and an existing file's looser mode tightened.
pub(crate) fn open_private(path: &Path, create: Create) -> Result<File, StoreError> {
    let mut options = OpenOptions::new();
    match create {
        Create::IfMissing => options.read(true).write(true).create(true),
        Create::No => options.read(true),
    };
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let file = options
        .custom_flags(flags.bits() as i32)
        .mode(FILE_MODE)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                not_regular(path, "a symbolic link")
            } else {
                StoreError::io("open", path, e)
            }
        })?;
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, kind_of(&meta)));
    }
    // Reads and writes of a regular file never block anyway; clear the flag for clarity.
    let _ = rustix::fs::fcntl_setfl(&file, OFlags::empty());
    if create != Create::No && meta.permissions().mode() & 0o7777 != FILE_MODE {
        // The mode given to open is masked by the umask (and does not apply to an existing
        // file); fchmod is neither.
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
            .map_err(|e| StoreError::io("set the permissions of", path, e))?;
    }
    Ok(file)
}
