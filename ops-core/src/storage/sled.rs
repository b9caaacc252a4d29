//! [`SledStore`]: unit state in a local sled database, `<charm_dir>/.unit-state.db`.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::sidecar::{self, Distrust, Fingerprint, MARKER_FILE};
use super::{check_key, Changes, Store, StoreError, SCHEMA_VERSION};

/// The key under which [`SledStore`] keeps the [`SCHEMA_VERSION`] it wrote (decimal ASCII).
///
/// It starts with NUL, so it can never clash with a framework key (those are refused by
/// [`Store::commit`]).
pub const SCHEMA_KEY: &str = "\0schema";

use super::private::{state_dir, DIR_MODE, FILE_MODE};

/// What sled 0.34 says when another process holds the database lock (`Config::try_lock`).
const SLED_LOCK_MESSAGE: &str = "could not acquire lock on";

/// How long [`SledStore::open`] waits for the database lock before it reports [`StoreError::Locked`].
///
/// sled 0.34 releases its lock asynchronously: after a database is dropped, its I/O threads may hold the
/// file for a moment longer. Juju runs one hook at a time per unit, so in production the lock is only
/// ever contended in that moment.
pub const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Unit state in a local [sled](https://docs.rs/sled/0.34.7) database, with a verified read cache.
///
/// The database is a directory (the charm's `.unit-state.db`), private to the unit: the directory is
/// made mode `0700` and every file in it `0600`, whatever the umask.
///
/// * [`Store::commit`] writes all of a hook's changes as one sled batch (atomic: after a crash at any
///   instant the database holds the previous commit or the new one, never a mix), flushes it and fsyncs
///   sled's files (durable once `commit` returns: sled 0.34's own flush uses `sync_file_range` on Linux,
///   which does not survive a power loss, and does not sync its blob files).
/// * After each commit, every entry is also written to a *sidecar snapshot* (`snapshot` in the
///   database directory, [`SIDECAR_FILE`](super::SIDECAR_FILE)): [`Store::load_all`] reads it instead
///   of opening sled, which costs milliseconds per hook. A `committing` marker
///   ([`MARKER_FILE`](super::MARKER_FILE)) guards each commit: the sidecar is trusted only when it is
///   intact and no marker exists; otherwise sled is read and the sidecar repaired. The protocol and its
///   crash analysis (SIGKILL at each step, power loss) are in the source of the `storage::sidecar`
///   module.
/// * The [`SCHEMA_VERSION`] is stored under [`SCHEMA_KEY`], written with the first commit (a database
///   that is opened and never committed to holds no entry at all), and carried by the sidecar. State
///   written with a newer version fails with [`StoreError::Schema`].
///
/// # Opening
///
/// [`SledStore::open`] opens sled at once. [`SledStore::open_lazy`] opens nothing: `load_all` is served
/// from the sidecar when it can be trusted, sled is opened only when needed (a commit, or a load the
/// sidecar cannot serve), and [`Store::prefetch`] starts opening an existing database in a background
/// thread, so that the open overlaps the hook's work (it never creates one). A store never leaves that
/// thread running: dropping it waits for the open to finish (sled is not safe against a process that
/// exits in the middle of an open).
///
/// While sled is open it is locked: opening it again (from another process, or from this one before
/// the first store is dropped) waits up to [`LOCK_WAIT`] for the lock, then fails with
/// [`StoreError::Locked`]. A lazy store reads the sidecar without the lock, so it checks at commit that
/// sled still holds what it loaded; if another process committed in between, the commit fails with
/// [`StoreError::Conflict`] and writes nothing. (The dispatcher holds the unit's
/// [`StateLock`](super::StateLock) for the whole hook, so overlapping hooks wait for each other and
/// never get here.)
///
/// # Damaged files
///
/// If sled differs from a trusted sidecar that nobody changed since the load (same fingerprint, no
/// other process's marker), sled lost the commit the sidecar verifies (damage at the end of its log):
/// the commit restores sled from the sidecar first and says so at ERROR, instead of overwriting the
/// newer sidecar with sled's older state. If sled cannot be opened at all and the sidecar is intact,
/// the damaged database is moved aside (`<path>.damaged-<unix time>`) and rebuilt from the sidecar
/// (at ERROR; if a commit was in flight, its changes may be lost, and the message says so). Not
/// covered: damage that makes sled silently lose commits while a `committing` marker exists (sled is
/// then the reference, as after a crash).
///
/// sled is configured lean for a process that lives for one hook: small cache, no background flusher
/// thread (commit flushes explicitly), [`sled::Mode::LowSpace`](::sled::Mode::LowSpace).
///
/// # Crashes
///
/// A process killed at any instant (during open, load or commit) leaves the last commit that returned
/// `Ok`, or the one in flight, complete, and a later `load_all` returns exactly that; this is checked
/// by SIGKILLing a committing process thousands of times (`tests/storage_crash.rs`). Opening works
/// around a sled 0.34 recovery bug (an unfinished snapshot file left by a kill during open makes the
/// next open fail with a corruption error; see sled issues #1527 and #1533). SIGKILL does not test
/// power loss: that relies on the fsyncs of sled and of the sidecar protocol.
///
/// If [`Store::commit`] fails, the batch may or may not have reached the disk (whole or not at all):
/// drop the store and fail the hook.
pub struct SledStore {
    path: PathBuf,
    sled: Sled,
    /// What [`Store::load_all`] served from the sidecar (checked against sled at commit).
    served: Option<Fingerprint>,
    opened_sled: bool,
    marker: Marker,
}

/// What this store knows of the commit marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// This store did not create it (one left by a crash may exist).
    NotOurs,
    /// This store created it durably, and sled has not changed since: it may be removed again.
    Clean,
    /// A batch was applied (or attempted) since it was created: it stays until the sidecar is rewritten.
    Dirty,
}

/// The sled handle of a [`SledStore`].
enum Sled {
    /// Not opened (yet).
    Closed,
    /// Being opened by a background thread ([`Store::prefetch`]), which then also creates the commit
    /// marker (`true` if it did).
    Opening(JoinHandle<Result<(OpenDb, bool), StoreError>>),
    Open(OpenDb),
}

struct OpenDb {
    db: ::sled::Db,
    /// The schema version stored in the database (`None` until the first commit).
    schema: Option<u32>,
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sled = match &self.sled {
            Sled::Closed => "closed",
            Sled::Opening(_) => "opening",
            Sled::Open(_) => "open",
        };
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .field("sled", &sled)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Open (creating if needed) the database at `path` (the charm's `.unit-state.db`, a directory)
    /// now.
    ///
    /// The parent directory must exist. Fails with [`StoreError::Locked`] when the database stays open
    /// elsewhere for [`LOCK_WAIT`], and with [`StoreError::Schema`] when it was written with a newer
    /// [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = open_or_recover(path)?;
        Ok(SledStore {
            path: path.to_path_buf(),
            sled: Sled::Open(db),
            served: None,
            opened_sled: true,
            marker: Marker::NotOurs,
        })
    }

    /// A store for the database at `path` that opens nothing yet (no file-system access at all).
    ///
    /// [`Store::load_all`] reads the sidecar snapshot when it can be trusted (and returns an empty set,
    /// creating nothing, when no database exists); sled is opened by [`Store::prefetch`] in the
    /// background, or when a commit or a fallback load needs it. Errors [`SledStore::open`] would
    /// report come from the call that needs sled.
    pub fn open_lazy(path: &Path) -> Self {
        SledStore {
            path: path.to_path_buf(),
            sled: Sled::Closed,
            served: None,
            opened_sled: false,
            marker: Marker::NotOurs,
        }
    }

    /// Whether a database was ever created at `path`: a cheap check that lets a hook skip opening it
    /// when nothing was ever stored (a missing database reads as empty). Also `true` when `path` is
    /// a symbolic link, FIFO, socket or device (nothing is followed or opened here): the store then
    /// refuses it with a clear error rather than reading it as empty. A regular file (Python ops'
    /// database) is not a sled database: `false`.
    pub fn exists(path: &Path) -> bool {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => {
                fs::symlink_metadata(path.join("db")).is_ok_and(|m| m.is_file())
            }
            Ok(meta) => !meta.is_file(),
            Err(_) => false,
        }
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this store opened sled, or started opening it (in the background): `false` means every
    /// load so far was served from the sidecar snapshot (or found no database).
    pub fn opened_sled(&self) -> bool {
        self.opened_sled
    }

    /// Make sure sled is open: wait for a background open, or open it now.
    fn ensure_open(&mut self) -> Result<(), StoreError> {
        let db = match std::mem::replace(&mut self.sled, Sled::Closed) {
            Sled::Open(db) => db,
            Sled::Opening(handle) => match handle.join() {
                Ok(result) => {
                    let (db, marked) = result?;
                    if marked {
                        self.marker = Marker::Clean;
                    }
                    db
                }
                // The open panicked: as if it had run on this thread.
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Sled::Closed => {
                self.opened_sled = true;
                open_or_recover(&self.path)?
            }
        };
        self.sled = Sled::Open(db);
        Ok(())
    }

    /// Read everything from sled (opening it if needed), and repair the sidecar from it.
    fn load_from_sled(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        self.ensure_open()?;
        let Sled::Open(open) = &self.sled else {
            unreachable!("ensure_open leaves sled open")
        };
        let entries = load_db(&open.db, &self.path)?;
        // A process killed mid-commit may have left writes that only the page cache holds (sled's
        // flush never ran): make what was just read durable before the sidecar vouches for it.
        let encoded = sidecar::encode(open.schema.unwrap_or(0), &entries);
        let repaired =
            sync_tree(&self.path).and_then(|()| sidecar::write_and_unmark(&self.path, &encoded));
        match repaired {
            Ok(()) => self.marker = Marker::NotOurs,
            Err(e) => log::warn!("cannot repair the state snapshot: {e}"),
        }
        Ok(entries)
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        // Never let the process go on (and exit) while sled is being opened.
        if let Sled::Opening(handle) = std::mem::replace(&mut self.sled, Sled::Closed) {
            if let Ok(Ok((_, true))) = handle.join() {
                self.marker = Marker::Clean;
            }
        }
        // A marker set in advance for a commit that did not come: sled did not change, the sidecar is
        // still right. (No fsync: if the removal is lost, the next hook merely reads sled.)
        if self.marker == Marker::Clean {
            let _ = fs::remove_file(self.path.join(MARKER_FILE));
        }
    }
}

impl Store for SledStore {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        self.served = None;
        if let Sled::Open(open) = &self.sled {
            // sled is the source of truth, and this store holds its lock: nothing else commits.
            return load_db(&open.db, &self.path);
        }
        // Never read through a symbolic link (or a FIFO...) at the state path.
        let dir = state_dir(&self.path)?;
        match sidecar::read_trusted(&self.path) {
            Ok(snapshot) => {
                // Loose modes (an old version, an operator's chmod) are fixed now, not only when
                // sled is next opened.
                if let Some(meta) = dir {
                    if meta.permissions().mode() & 0o7777 != DIR_MODE {
                        set_mode(&self.path, DIR_MODE)?;
                        restrict_files(&self.path)?;
                    }
                }
                self.served = Some(snapshot.fingerprint);
                return Ok(snapshot.entries);
            }
            Err(Distrust::Missing) if !Self::exists(&self.path) => {
                // Nothing was ever stored here: empty, and nothing is created.
                let empty = BTreeMap::new();
                self.served = Some(sidecar::fingerprint(&sidecar::encode(0, &empty)));
                return Ok(empty);
            }
            Err(why) => why.log(&self.path),
        }
        self.load_from_sled()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        for key in changes.keys() {
            check_key(key)?;
        }
        if changes.is_empty() {
            return Ok(());
        }
        self.ensure_open()?;
        let Sled::Open(open) = &mut self.sled else {
            unreachable!("ensure_open leaves sled open")
        };
        let path = self.path.as_path();
        if let Some(served) = self.served.take() {
            // The load came from the sidecar, without sled's lock: has anything committed since?
            let current = load_db(&open.db, path)?;
            let encoded = sidecar::encode(open.schema.unwrap_or(0), &current);
            if sidecar::fingerprint(&encoded) != served
                && sidecar_still_serves(path, served, self.marker != Marker::NotOurs)
            {
                // Nobody committed since the load (the sidecar and the marker would show it), yet
                // sled differs from the verified copy of its last commit: sled lost that commit
                // (damage at the end of its log). Restore sled from the sidecar, then commit.
                if self.marker == Marker::NotOurs {
                    sidecar::mark_committing(path)?;
                }
                self.marker = Marker::Dirty;
                let snapshot = sidecar::read_verified(path).map_err(|why| {
                    StoreError::io(
                        "read",
                        path.join(sidecar::SIDECAR_FILE),
                        io::Error::other(why),
                    )
                })?;
                log::error!(
                    "the unit state database {} lost its last commit (its log is damaged); \
                     restoring it from the verified snapshot of that commit",
                    path.display()
                );
                restore_entries(&open.db, path, &current, &snapshot.entries)?;
            } else if sidecar::fingerprint(&encoded) != served {
                // Whatever made them differ, the next hook must read what sled holds.
                match sidecar::write_and_unmark(path, &encoded) {
                    Ok(()) => self.marker = Marker::NotOurs,
                    Err(e) => {
                        // Keep a marker of ours: readers must not trust that sidecar.
                        if self.marker == Marker::Clean {
                            self.marker = Marker::Dirty;
                        }
                        log::warn!("cannot repair the state snapshot: {e}");
                    }
                }
                return Err(StoreError::Conflict {
                    path: path.to_path_buf(),
                });
            }
        }
        if self.marker == Marker::NotOurs {
            sidecar::mark_committing(path)?;
        }
        self.marker = Marker::Dirty;
        let mut batch = ::sled::Batch::default();
        if open.schema.is_none() {
            batch.insert(SCHEMA_KEY.as_bytes(), SCHEMA_VERSION.to_string().as_bytes());
        }
        for (key, value) in changes {
            match value {
                Some(value) => batch.insert(key.as_bytes(), value.as_slice()),
                None => batch.remove(key.as_bytes()),
            }
        }
        open.db
            .apply_batch(batch)
            .map_err(|e| sled_error(path, e))?;
        open.db.flush().map_err(|e| sled_error(path, e))?;
        sync_sled_files(path)?;
        let schema = *open.schema.get_or_insert(SCHEMA_VERSION);
        // sled may have created files (blobs for large values): keep them private too.
        restrict_files(path)?;
        // The commit is done and durable; the sidecar is a cache: if it cannot be written, the marker
        // stays and later hooks read sled.
        let refreshed = load_db(&open.db, path).and_then(|entries| {
            sidecar::write_and_unmark(path, &sidecar::encode(schema, &entries))
        });
        match refreshed {
            Ok(()) => self.marker = Marker::NotOurs,
            Err(e) => log::warn!("cannot write the state snapshot: {e}"),
        }
        Ok(())
    }

    fn prefetch(&mut self) {
        // A prefetch never creates the database: a hook that ends up committing nothing (or fails)
        // leaves none behind. The first commit of a unit opens (creates) it itself.
        if !matches!(self.sled, Sled::Closed) || !Self::exists(&self.path) {
            return;
        }
        let path = self.path.clone();
        // Also create the commit marker (two fsyncs) off the hook's critical path. Failing that, the
        // commit creates it.
        let spawned = std::thread::Builder::new()
            .name("ops-sled-open".to_string())
            .spawn(move || {
                let db = open_or_recover(&path)?;
                Ok((db, sidecar::mark_committing(&path).is_ok()))
            });
        match spawned {
            Ok(handle) => {
                self.opened_sled = true;
                self.sled = Sled::Opening(handle);
            }
            // Not fatal: sled is opened when it is needed.
            Err(e) => {
                log::debug!(target: "ops_core", "cannot open the database in the background: {e}")
            }
        }
    }
}

/// Whether the sidecar still is the verified copy this store served (fingerprint `served`) and no
/// other process has started a commit since (a marker that is not `ours`).
fn sidecar_still_serves(path: &Path, served: Fingerprint, ours: bool) -> bool {
    let foreign_marker = !ours && fs::symlink_metadata(path.join(MARKER_FILE)).is_ok();
    !foreign_marker
        && sidecar::read_verified(path).is_ok_and(|snapshot| snapshot.fingerprint == served)
}

/// Make sled hold exactly `wanted` (it holds `current`), durably.
fn restore_entries(
    db: &::sled::Db,
    path: &Path,
    current: &BTreeMap<String, Vec<u8>>,
    wanted: &BTreeMap<String, Vec<u8>>,
) -> Result<(), StoreError> {
    let mut batch = ::sled::Batch::default();
    batch.insert(SCHEMA_KEY.as_bytes(), SCHEMA_VERSION.to_string().as_bytes());
    for key in current.keys().filter(|k| !wanted.contains_key(*k)) {
        batch.remove(key.as_bytes());
    }
    for (key, value) in wanted {
        batch.insert(key.as_bytes(), value.as_slice());
    }
    db.apply_batch(batch).map_err(|e| sled_error(path, e))?;
    db.flush().map_err(|e| sled_error(path, e))?;
    sync_sled_files(path)
}

/// [`open_sled`]; if sled reports its files damaged and the sidecar is intact, rebuild the database
/// from the sidecar (the newest verified copy), keeping the damaged one aside, and say so at ERROR.
fn open_or_recover(path: &Path) -> Result<OpenDb, StoreError> {
    match open_sled(path) {
        Err(err @ StoreError::Sled { .. }) if is_damage(&err) => {
            match sidecar::read_verified(path) {
                Ok(snapshot) => rebuild_from_sidecar(path, &err, snapshot),
                Err(_) => Err(err),
            }
        }
        other => other,
    }
}

/// Whether sled's error says its files are damaged (not a permission problem, a full disk...,
/// which a rebuild would not fix).
fn is_damage(err: &StoreError) -> bool {
    match err {
        StoreError::Sled { source, .. } => match source {
            ::sled::Error::Corruption { .. } | ::sled::Error::ReportableBug(_) => true,
            ::sled::Error::Io(io) => matches!(
                io.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
            ),
            _ => false,
        },
        _ => false,
    }
}

fn rebuild_from_sidecar(
    path: &Path,
    err: &StoreError,
    snapshot: sidecar::Snapshot,
) -> Result<OpenDb, StoreError> {
    let in_flight = fs::symlink_metadata(path.join(MARKER_FILE)).is_ok();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".damaged-{stamp}"));
    let aside = path.with_file_name(name);
    log::error!(
        "the unit state database {} cannot be opened ({err}); rebuilding it from its verified \
         snapshot ({} entries){}; the damaged database is kept at {}",
        path.display(),
        snapshot.entries.len(),
        if in_flight {
            ": a commit was in progress when it was damaged, and its changes may be lost"
        } else {
            ", which holds its last commit"
        },
        aside.display()
    );
    fs::rename(path, &aside)
        .map_err(|e| StoreError::io("move the damaged database to", &aside, e))?;
    if let Some(parent) = path.parent() {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io("fsync the directory", parent, e))?;
    }
    let mut open = open_sled(path)?;
    sidecar::mark_committing(path)?;
    restore_entries(&open.db, path, &BTreeMap::new(), &snapshot.entries)?;
    restrict_files(path)?;
    open.schema = Some(SCHEMA_VERSION);
    let encoded = sidecar::encode(SCHEMA_VERSION, &load_db(&open.db, path)?);
    sidecar::write_and_unmark(path, &encoded)?;
    Ok(open)
}

/// Open sled at `path` (creating the directory if needed), check the schema version and keep the files
/// private.
fn open_sled(path: &Path) -> Result<OpenDb, StoreError> {
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
    let schema = match db.get(SCHEMA_KEY).map_err(|e| sled_error(path, e))? {
        None => None,
        Some(raw) => {
            let found = parse_version(&raw)?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::Schema {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            Some(found)
        }
    };
    Ok(OpenDb { db, schema })
}

/// Every entry of the database, without the reserved keys.
fn load_db(db: &::sled::Db, path: &Path) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    let mut entries = BTreeMap::new();
    for item in db.iter() {
        let (key, value) = item.map_err(|e| sled_error(path, e))?;
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
    // Never follows a symbolic link: one at the state path is refused (so nothing behind it is
    // read, created or chmodded).
    match state_dir(path) {
        Ok(Some(meta)) if meta.is_dir() => {}
        Ok(Some(_)) => {
            return Err(StoreError::io(
                "open the database directory",
                path,
                io::Error::new(
                    io::ErrorKind::NotADirectory,
                    "it exists and is not a directory",
                ),
            ))
        }
        Ok(None) => match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io("create the database directory", path, e)),
        },
        Err(e) => return Err(e),
    }
    // mkdir's mode is masked by the umask; chmod is not.
    set_mode(path, DIR_MODE)
}

/// Make every file under `dir` mode 0600 and every directory 0700 (symbolic links are left alone).
fn restrict_files(dir: &Path) -> Result<(), StoreError> {
    walk(dir, &mut |path, is_dir| {
        set_mode(path, if is_dir { DIR_MODE } else { FILE_MODE })
    })
}

/// Call `visit(path, is_dir)` on every file and directory under `dir`, depth first, a directory
/// before its content (symbolic links and special files are left alone).
fn walk(
    dir: &Path,
    visit: &mut dyn FnMut(&Path, bool) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::io("inspect", &path, e))?;
        if kind.is_dir() {
            visit(&path, true)?;
            walk(&path, visit)?;
        } else if kind.is_file() {
            visit(&path, false)?;
        }
    }
    Ok(())
}

/// Make sled's last flush durable: sled 0.34 writes its log with `sync_file_range` on Linux (which neither
/// flushes the disk's write cache nor records a grown file's size) and never fsyncs its blob files (values
/// too large for the log). fsync the log, every blob file and the blob directory.
fn sync_sled_files(dir: &Path) -> Result<(), StoreError> {
    let log = dir.join("db");
    fs::File::open(&log)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io("fsync", &log, e))?;
    // Without blob files (no large value stored) there is nothing there to sync.
    let blobs = dir.join("blobs");
    let has_blobs = fs::read_dir(&blobs).is_ok_and(|mut entries| entries.next().is_some());
    if has_blobs {
        sync_tree(&blobs)?;
    }
    Ok(())
}

/// fsync every file and directory under `dir` (symbolic links are left alone), and `dir` itself.
fn sync_tree(dir: &Path) -> Result<(), StoreError> {
    walk(dir, &mut |path, _| {
        fs::File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io("fsync", path, e))
    })?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("fsync the directory", dir, e))
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

/// CRC-32 (IEEE 802.3), as sled computes it (with `crc32fast`).
fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
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
