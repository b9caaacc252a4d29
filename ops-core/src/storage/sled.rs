//! [`SledStore`]: unit state in a local sled database, `<charm_dir>/.unit-state.db`.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{check_key, Changes, Store, StoreError, SCHEMA_VERSION};

/// The key under which [`SledStore`] keeps the [`SCHEMA_VERSION`] it wrote (decimal ASCII).
///
/// It starts with NUL, so it can never clash with a framework key (those are refused by
/// [`Store::commit`]).
pub const SCHEMA_KEY: &str = "\0schema";

/// Mode of the database directory and of every directory in it.
const DIR_MODE: u32 = 0o700;
/// Mode of every file in the database directory.
const FILE_MODE: u32 = 0o600;

/// What sled 0.34 says when another process holds the database lock (`Config::try_lock`).
const SLED_LOCK_MESSAGE: &str = "could not acquire lock on";

/// How long [`SledStore::open`] waits for the database lock before it reports [`StoreError::Locked`].
///
/// sled 0.34 releases its lock asynchronously: after a database is dropped, its I/O threads may hold the
/// file for a moment longer. Juju runs one hook at a time per unit, so in production the lock is only
/// ever contended in that moment.
pub const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Unit state in a local [sled](https://docs.rs/sled/0.34.7) database.
///
/// The database is a directory (the charm's `.unit-state.db`), private to the unit: the directory is
/// made mode `0700` and every file in it `0600`, whatever the umask.
///
/// * [`Store::commit`] writes all of a hook's changes as one sled batch (atomic: after a crash at any
///   instant the database holds the previous commit or the new one, never a mix) and then flushes it to
///   disk with an fsync (durable once `commit` returns).
/// * The [`SCHEMA_VERSION`] is stored under [`SCHEMA_KEY`], written with the first commit (a database
///   that is opened and never committed to holds no entry at all). Opening a database written with a
///   newer version fails with [`StoreError::Schema`].
/// * sled locks the database while it is open: opening it again (from another process, or from this one
///   before the first store is dropped) fails with [`StoreError::Locked`] after waiting up to
///   [`LOCK_WAIT`] for the lock.
///
/// sled is configured lean for a process that lives for one hook: small cache, no background flusher
/// thread (commit flushes explicitly), [`sled::Mode::LowSpace`](::sled::Mode::LowSpace).
///
/// # Crashes
///
/// A process killed at any instant (during open, load or commit) leaves the last commit that returned
/// `Ok`, or the one in flight, complete; this is checked by SIGKILLing a committing process thousands of
/// times (`tests/storage_crash.rs`). Opening works around a sled 0.34 recovery bug (an unfinished
/// snapshot file left by a kill during open makes the next open fail with a corruption error; see
/// sled issues #1527 and #1533). SIGKILL does not test power loss: that relies on sled's fsync.
///
/// If [`Store::commit`] fails, the batch may or may not have reached the disk (whole or not at all):
/// drop the store and fail the hook.
pub struct SledStore {
    db: ::sled::Db,
    path: PathBuf,
    schema_present: bool,
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .field("schema_present", &self.schema_present)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Open (creating if needed) the database at `path` (the charm's `.unit-state.db`, a directory).
    ///
    /// The parent directory must exist. Fails with [`StoreError::Locked`] when the database stays open
    /// elsewhere for [`LOCK_WAIT`], and with [`StoreError::Schema`] when it was written with a newer
    /// [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        prepare_dir(path)?;
        let db = match open_db_waiting(path) {
            Err(
                err @ StoreError::Sled {
                    source: ::sled::Error::Corruption { .. },
                    ..
                },
            ) => {
                if discard_torn_snapshot(path)? {
                    open_db_waiting(path)?
                } else {
                    return Err(err);
                }
            }
            other => other?,
        };
        restrict_files(path)?;
        let schema_present = match db.get(SCHEMA_KEY).map_err(|e| sled_error(path, e))? {
            None => false,
            Some(raw) => {
                let found = parse_version(&raw)?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                true
            }
        };
        Ok(SledStore {
            db,
            path: path.to_path_buf(),
            schema_present,
        })
    }

    /// Whether a database was ever created at `path`: a cheap check that lets a hook skip opening it
    /// when nothing was ever stored (a missing database reads as empty).
    pub fn exists(path: &Path) -> bool {
        path.join("db").is_file()
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for SledStore {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let mut entries = BTreeMap::new();
        for item in self.db.iter() {
            let (key, value) = item.map_err(|e| sled_error(&self.path, e))?;
            if key.first() == Some(&0) {
                continue; // reserved for the store (the schema version)
            }
            let key = String::from_utf8(key.to_vec()).map_err(|e| StoreError::Encoding {
                key: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                reason: "the stored key is not UTF-8".to_string(),
            })?;
            entries.insert(key, value.to_vec());
        }
        Ok(entries)
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        for key in changes.keys() {
            check_key(key)?;
        }
        if changes.is_empty() {
            return Ok(());
        }
        let mut batch = ::sled::Batch::default();
        if !self.schema_present {
            batch.insert(SCHEMA_KEY.as_bytes(), SCHEMA_VERSION.to_string().as_bytes());
        }
        for (key, value) in changes {
            match value {
                Some(value) => batch.insert(key.as_bytes(), value.as_slice()),
                None => batch.remove(key.as_bytes()),
            }
        }
        self.db
            .apply_batch(batch)
            .map_err(|e| sled_error(&self.path, e))?;
        self.db.flush().map_err(|e| sled_error(&self.path, e))?;
        self.schema_present = true;
        // sled may have created files (blobs for large values): keep them private too.
        restrict_files(&self.path)
    }
}

/// [`open_db`], retrying while the lock is held, for up to [`LOCK_WAIT`].
fn open_db_waiting(path: &Path) -> Result<::sled::Db, StoreError> {
    let deadline = Instant::now() + LOCK_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        match open_db(path) {
            Err(StoreError::Locked { .. }) if Instant::now() + pause < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

fn open_db(path: &Path) -> Result<::sled::Db, StoreError> {
    ::sled::Config::new()
        .path(path)
        .mode(::sled::Mode::LowSpace)
        .cache_capacity(4 * 1024 * 1024)
        .flush_every_ms(None)
        .open()
        .map_err(|e| sled_error(path, e))
}

fn sled_error(path: &Path, source: ::sled::Error) -> StoreError {
    if let ::sled::Error::Io(io) = &source {
        if io.kind() == io::ErrorKind::Other && io.to_string().starts_with(SLED_LOCK_MESSAGE) {
            return StoreError::Locked {
                path: path.to_path_buf(),
            };
        }
    }
    StoreError::Sled {
        path: path.to_path_buf(),
        source,
    }
}

fn parse_version(raw: &[u8]) -> Result<u32, StoreError> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|text| text.parse::<u32>().ok())
        .filter(|&version| version > 0)
        .ok_or_else(|| StoreError::Encoding {
            key: SCHEMA_KEY.to_string(),
            reason: format!(
                "unreadable schema version {:?}",
                String::from_utf8_lossy(raw)
            ),
        })
}

/// Create the database directory with mode 0700 (or tighten an existing one), whatever the umask.
fn prepare_dir(path: &Path) -> Result<(), StoreError> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(StoreError::io(
                "open the database directory",
                path,
                io::Error::new(
                    io::ErrorKind::NotADirectory,
                    "it exists and is not a directory",
                ),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(StoreError::io("create the database directory", path, e)),
            }
        }
        Err(e) => return Err(StoreError::io("inspect the database directory", path, e)),
    }
    // mkdir's mode is masked by the umask; chmod is not.
    set_mode(path, DIR_MODE)
}

/// Make every file under `dir` mode 0600 and every directory 0700 (symbolic links are left alone).
fn restrict_files(dir: &Path) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::io("inspect", &path, e))?;
        if kind.is_dir() {
            set_mode(&path, DIR_MODE)?;
            restrict_files(&path)?;
        } else if kind.is_file() {
            set_mode(&path, FILE_MODE)?;
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), StoreError> {
    let meta = fs::symlink_metadata(path).map_err(|e| StoreError::io("inspect", path, e))?;
    if meta.permissions().mode() & 0o7777 != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| StoreError::io("set the permissions of", path, e))?;
    }
    Ok(())
}

/// Work around a sled 0.34 recovery bug (sled issues #1527, #1533).
///
/// At open, sled writes a recovery snapshot to `snap.<lsn>.generating`, fsyncs it and renames it to
/// `snap.<lsn>`. A process killed before the rename leaves the temporary behind, and the next open takes
/// the newest `snap.*` file, temporaries included. A complete temporary is a valid snapshot (and once
/// an open has recovered from it, the database depends on it: it must stay). A truncated one fails
/// sled's checksum and the database does not open at all, although the previous snapshot and the log
/// are intact.
///
/// So after sled reports corruption: if the file sled picks is such a temporary and fails sled's own
/// check, remove it (sled then recovers from the previous snapshot and the log) and return `true`.
fn discard_torn_snapshot(dir: &Path) -> Result<bool, StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    let mut candidates = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // sled's `get_snapshot_files`.
        if name.starts_with("snap.") && !name.ends_with(".in___motion") {
            candidates.push(name);
        }
    }
    candidates.sort();
    let Some(newest) = candidates.pop() else {
        return Ok(false);
    };
    if !newest.ends_with(".generating") {
        return Ok(false);
    }
    let path = dir.join(&newest);
    let bytes = fs::read(&path).map_err(|e| StoreError::io("read", &path, e))?;
    if snapshot_checksum_ok(&bytes) {
        return Ok(false); // a valid snapshot: the corruption is elsewhere
    }
    log::warn!(
        "removing {}: a snapshot left unfinished by a crash (sled 0.34 cannot open the database with it)",
        path.display()
    );
    fs::remove_file(&path)
        .map_err(|e| StoreError::io("remove the unfinished snapshot", &path, e))?;
    Ok(true)
}

/// sled 0.34's snapshot check: content, then its length (8 bytes), then the CRC-32 of the content (4 bytes,
/// little-endian).
fn snapshot_checksum_ok(bytes: &[u8]) -> bool {
    if bytes.len() <= 12 {
        return false;
    }
    let (content, trailer) = bytes.split_at(bytes.len() - 12);
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&trailer[8..]);
    crc32(content) == u32::from_le_bytes(stored)
}

/// CRC-32 (IEEE 802.3, the one `crc32fast` computes), bitwise: snapshots are small and this runs only
/// after a crash.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn snapshot_check_needs_a_matching_trailer() {
        let content = b"some snapshot bytes";
        let mut snapshot = content.to_vec();
        snapshot.extend_from_slice(&(content.len() as u64).to_le_bytes());
        snapshot.extend_from_slice(&crc32(content).to_le_bytes());
        assert!(snapshot_checksum_ok(&snapshot));
        assert!(!snapshot_checksum_ok(&snapshot[..snapshot.len() - 1]));
        assert!(!snapshot_checksum_ok(&snapshot[..12]));
        snapshot[0] ^= 1;
        assert!(!snapshot_checksum_ok(&snapshot));
    }
}
