//! [`SledStore`]: unit state in a local sled database, `<charm_dir>/.unit-state.db`.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::sidecar::{self, Copies, Slot, Snapshot};
use super::{check_key, Changes, Store, StoreError, SCHEMA_VERSION};

/// The key under which [`SledStore`] keeps the [`SCHEMA_VERSION`] it wrote (decimal ASCII).
///
/// It starts with NUL, so it can never clash with a framework key (those are refused by
/// [`Store::commit`]).
pub const SCHEMA_KEY: &str = "\0schema";

/// The key under which [`SledStore`] keeps the generation sled was brought to (decimal ASCII).
pub const GENERATION_KEY: &str = "\0generation";

/// sled is brought up to date by a commit at most this many generations after its last update
/// (sooner when the hook opens it anyway).
pub const SLED_SYNC_INTERVAL: u64 = 32;

/// The file, in the database directory, that a commit holds `flock` on.
const COMMIT_LOCK_FILE: &str = "commit.lock";

use super::private::{state_dir, DIR_MODE, FILE_MODE};

/// What sled 0.34 says when another process holds the database lock (`Config::try_lock`).
const SLED_LOCK_MESSAGE: &str = "could not acquire lock on";

/// How long opening sled waits for the database lock before it reports [`StoreError::Locked`].
///
/// sled 0.34 releases its lock asynchronously: after a database is dropped, its I/O threads may hold the
/// file for a moment longer. Juju runs one hook at a time per unit, so in production the lock is only
/// ever contended in that moment.
pub const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Unit state in a local [sled](https://docs.rs/sled/0.34.7) database, whose commits are recorded
/// first in two checksummed copies.
///
/// The database is a directory (the charm's `.unit-state.db`), private to the unit: the directory is
/// made mode `0700` and every file in it `0600`, whatever the umask; nothing in it is reached through
/// a symbolic link.
///
/// * [`Store::commit`] writes the whole new state, with a generation number one higher than the
///   last, to two checksummed copies (`snapshot` and `snapshot.2`, [`SIDECAR_FILE`](super::SIDECAR_FILE)
///   and [`SECOND_COPY_FILE`](super::SECOND_COPY_FILE)), one after the other, each made durable
///   (`fdatasync`) before the other is touched: after a crash or power loss at any instant, one copy
///   holds the previous commit or the new one, whole. The protocol and its crash analysis are in the
///   source of the `storage::sidecar` module.
/// * [`Store::load_all`] reads the copy with the highest generation that verifies, without opening
///   sled. A damaged copy is repaired from the other (at WARN).
/// * sled holds every entry and the generation it was brought to ([`GENERATION_KEY`]). A commit
///   brings it up to date when this store has sled open anyway ([`SledStore::open`], or a load
///   that had to read it), on the unit's first commit, and otherwise once
///   [`SLED_SYNC_INTERVAL`] generations have passed since its last update. sled's flush is followed
///   by fsyncs of its log and blob files (sled 0.34's own flush uses `sync_file_range` on Linux,
///   which does not survive a power loss, and does not sync its blob files).
/// * The newest verified copy wins. When no copy verifies, sled is read (at ERROR if the copies
///   were damaged: sled may be up to [`SLED_SYNC_INTERVAL`] - 1 commits older) and the copies are
///   rewritten from it. When sled is opened and holds a generation older than the one the copies
///   say it was brought to, it lost an update (damage at the end of its log, or a hook killed
///   while updating it): that is said at ERROR and sled is restored from the copies. If sled cannot
///   be opened at all and a copy verifies, the damaged database is moved aside
///   (`<path>.damaged-<unix time>`) and rebuilt from the copy (at ERROR).
/// * The [`SCHEMA_VERSION`] is stored under [`SCHEMA_KEY`] and carried by the copies. State
///   written with a newer version fails with [`StoreError::Schema`].
///
/// A commit holds `flock` on `commit.lock` in the database directory and checks that the newest
/// copy is still the generation it loaded: if another process committed in between, it fails with
/// [`StoreError::Conflict`] and writes nothing. (The dispatcher holds the unit's
/// [`StateLock`](super::StateLock) for the whole hook, so overlapping hooks wait for each other and
/// never get here.)
///
/// # Opening
///
/// [`SledStore::open`] opens sled at once (and so brings it up to date at every commit).
/// [`SledStore::open_lazy`] opens nothing: sled is opened only when needed. While sled is open it
/// is locked: opening it again (from another process, or from this one before the first store is
/// dropped) waits up to [`LOCK_WAIT`] for the lock, then fails with [`StoreError::Locked`].
///
/// sled is configured lean for a process that lives for one hook: small cache, no background flusher
/// thread (commit flushes explicitly), [`sled::Mode::LowSpace`](::sled::Mode::LowSpace).
///
/// # Crashes
///
/// A process killed at any instant (during open, load or commit) leaves the last commit that returned
/// `Ok`, or the one in flight, complete, and a later `load_all` returns exactly that; this is checked
/// by SIGKILLing a committing process many times (`tests/storage_crash.rs`). Opening works
/// around a sled 0.34 recovery bug (an unfinished snapshot file left by a kill during open makes the
/// next open fail with a corruption error; see sled issues #1527 and #1533). SIGKILL does not test
/// power loss: that relies on the fsyncs of the copies and of sled.
///
/// If [`Store::commit`] fails, the new state may or may not have reached the disk (whole or not at
/// all): drop the store and fail the hook.
pub struct SledStore {
    path: PathBuf,
    sled: Option<OpenDb>,
    opened_sled: bool,
    /// The state as of the last load or commit (`None`: not loaded yet).
    current: Option<Current>,
    /// This process holds the unit's [`StateLock`](super::StateLock) for as long as the store
    /// lives ([`SledStore::under_lock`]): nothing else commits between a load and a commit.
    exclusive: bool,
}

/// The newest state this store knows.
#[derive(Debug, Clone)]
struct Current {
    entries: BTreeMap<String, Vec<u8>>,
    generation: u64,
    /// The generation sled was last brought to, as the copies say.
    sled_generation: u64,
    /// Whether a verified copy holds it.
    has_copy: bool,
    /// The copy the next commit overwrites first.
    first: Slot,
}

impl Current {
    fn empty() -> Self {
        Current {
            entries: BTreeMap::new(),
            generation: 0,
            sled_generation: 0,
            has_copy: false,
            first: Slot::First,
        }
    }

    fn from_copy(first: Slot, snapshot: &Snapshot) -> Self {
        Current {
            entries: snapshot.entries.clone(),
            generation: snapshot.generation,
            sled_generation: snapshot.sled_generation,
            has_copy: true,
            first,
        }
    }
}

struct OpenDb {
    db: ::sled::Db,
    /// The schema version stored in the database (`None` until the first commit).
    schema: Option<u32>,
    /// The generation sled was brought to (0: none recorded).
    generation: u64,
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .field(
                "sled",
                &if self.sled.is_some() {
                    "open"
                } else {
                    "closed"
                },
            )
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
            sled: Some(db),
            opened_sled: true,
            current: None,
            exclusive: false,
        })
    }

    /// A store for the database at `path` that opens nothing yet (no file-system access at all).
    ///
    /// [`Store::load_all`] reads the newest verified copy (and returns an empty set, creating
    /// nothing, when no database exists); sled is opened only when a commit brings it up to date
    /// or no copy verifies. Errors [`SledStore::open`] would report come from the call that needs
    /// sled.
    pub fn open_lazy(path: &Path) -> Self {
        SledStore {
            path: path.to_path_buf(),
            sled: None,
            opened_sled: false,
            current: None,
            exclusive: false,
        }
    }

    /// The caller holds `lock`, the unit state's [`StateLock`](super::StateLock), for as long as
    /// this store lives (as the dispatcher does for a whole hook): no other process can commit
    /// between this store's load and its commit, so the commit does not read both copies again to
    /// check. A lock of another state changes nothing.
    pub fn under_lock(mut self, lock: &super::StateLock) -> Self {
        self.exclusive = lock.path() == super::StateLock::path_for(&self.path);
        self
    }

    /// Whether a database was ever created at `path`: a cheap check that lets a hook skip opening it
    /// when nothing was ever stored (a missing database reads as empty). Also `true` when `path` is
    /// a symbolic link, FIFO, socket or device (nothing is followed or opened here): the store then
    /// refuses it with a clear error rather than reading it as empty. A regular file (Python ops'
    /// database) is not a sled database: `false`.
    pub fn exists(path: &Path) -> bool {
        let is_file = |name: &str| fs::symlink_metadata(path.join(name)).is_ok_and(|m| m.is_file());
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => {
                is_file("db") || is_file(Slot::First.file()) || is_file(Slot::Second.file())
            }
            Ok(meta) => !meta.is_file(),
            Err(_) => false,
        }
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this store opened sled: `false` means every load so far was served from the copies
    /// (or found no database), and no commit needed sled.
    pub fn opened_sled(&self) -> bool {
        self.opened_sled
    }

    /// Make sure sled is open.
    fn ensure_open(&mut self) -> Result<&mut OpenDb, StoreError> {
        if self.sled.is_none() {
            self.opened_sled = true;
            self.sled = Some(open_or_recover(&self.path)?);
        }
        match self.sled.as_mut() {
            Some(open) => Ok(open),
            None => unreachable!("opened above"),
        }
    }

    /// Read the newest state: the newest verified copy; sled when none verifies (or when sled is
    /// open and newer). Repairs what it finds damaged.
    fn load_current(&mut self) -> Result<Current, StoreError> {
        // Never read through a symbolic link (or a FIFO...) at the state path.
        let Some(meta) = state_dir(&self.path)? else {
            return Ok(Current::empty());
        };
        if !meta.is_dir() {
            // Not a database (Python ops' file, say): the same error as opening it.
            self.ensure_open()?;
        }
        let copies = sidecar::read_copies(&self.path);
        if let Some((slot, newest)) = copies.newest() {
            // Loose modes (an old version, an operator's chmod) are fixed now, not only when
            // sled is next opened.
            if meta.permissions().mode() & 0o7777 != DIR_MODE {
                set_mode(&self.path, DIR_MODE)?;
                restrict_files(&self.path)?;
            }
            let mut current = Current::from_copy(copies.first_to_write(), newest);
            let other = copies.get(slot.other());
            if !other
                .as_ref()
                .is_ok_and(|c| c.generation == newest.generation)
            {
                self.repair_copies();
            }
            if self.sled.is_some() {
                current = self.reconcile_sled(current)?;
            }
            return Ok(current);
        }
        if !Self::exists(&self.path) && self.sled.is_none() {
            // Nothing was ever stored here: empty, and nothing is created.
            return Ok(Current::empty());
        }
        self.load_from_sled(&copies)
    }

    /// One copy verifies and the other does not (or is older): make it hold the newest again.
    ///
    /// Under the commit lock, re-reading both copies first (a commit may have been writing them
    /// while they were read); skipped while another process holds the lock (its commit rewrites
    /// both copies anyway).
    fn repair_copies(&self) {
        let Ok(Some(lock)) = commit_lock(&self.path, false) else {
            return;
        };
        let copies = sidecar::read_copies(&self.path);
        let Some((slot, newest)) = copies.newest() else {
            return;
        };
        let other = slot.other();
        let why = match copies.get(other) {
            Ok(copy) if copy.generation == newest.generation => return,
            // The second copy of a commit killed before it was written: routine.
            Ok(_) => None,
            Err(why) if why.is_damage() => Some(why.to_string()),
            Err(_) => None,
        };
        if let Some(why) = &why {
            log::warn!(
                "{}: the state copy {} is damaged ({why}); repairing it from {}, which holds the \
                 last commit",
                self.path.display(),
                other.file(),
                slot.file()
            );
        }
        let encoded = sidecar::encode(
            newest.schema,
            true,
            newest.generation,
            newest.sled_generation,
            &newest.entries,
        );
        let repaired = sidecar::write_copy(&self.path, other, &encoded, true).and_then(|created| {
            if created {
                sidecar::sync_dir(&self.path)
            } else {
                Ok(())
            }
        });
        if let Err(e) = repaired {
            log::warn!("cannot repair the state copy {}: {e}", other.file());
        }
        drop(lock);
    }

    /// sled is open: if it is older than `current`, bring it up to date (at ERROR if it lost an
    /// update); if it is newer (both copies of its newer commits were damaged), it wins.
    fn reconcile_sled(&mut self, current: Current) -> Result<Current, StoreError> {
        let path = self.path.clone();
        let open = self.ensure_open()?;
        if open.generation == current.generation {
            return Ok(current);
        }
        if open.generation > current.generation {
            let entries = load_db(&open.db, &path)?;
            log::error!(
                "{}: the unit state database holds generation {}, newer than its verified copies \
                 ({}); using the database",
                path.display(),
                open.generation,
                current.generation
            );
            let current = Current {
                entries,
                generation: open.generation,
                sled_generation: open.generation,
                has_copy: false,
                first: Slot::First,
            };
            self.rewrite_copies(&current);
            return Ok(current);
        }
        warn_if_sled_lost_an_update(open, &path, current.sled_generation);
        bring_sled_up_to_date(open, &path, &current)?;
        Ok(Current {
            sled_generation: current.generation,
            ..current
        })
    }

    /// No copy verifies: read sled, and rewrite the copies from it.
    fn load_from_sled(&mut self, copies: &Copies) -> Result<Current, StoreError> {
        let path = self.path.clone();
        let damage: Vec<String> = [Slot::First, Slot::Second]
            .into_iter()
            .filter_map(|slot| match copies.get(slot) {
                Err(why) if why.is_damage() => Some(format!("{}: {why}", slot.file())),
                _ => None,
            })
            .collect();
        let open = self.ensure_open()?;
        let entries = load_db(&open.db, &path)?;
        let generation = open.generation;
        if damage.is_empty() {
            log::debug!(
                target: "ops_core",
                "{}: no state copy yet; reading the database",
                path.display()
            );
        } else {
            log::error!(
                "{}: no state copy can be used ({}); reading the database, as of its last update \
                 (generation {generation}): commits after it are lost",
                path.display(),
                damage.join("; ")
            );
        }
        let current = Current {
            entries,
            generation,
            sled_generation: generation,
            has_copy: false,
            first: Slot::First,
        };
        if generation > 0 || !current.entries.is_empty() || !copies.none_exists() {
            // A process killed mid-update may have left writes that only the page cache holds:
            // make what was just read durable before the copies vouch for it.
            match sync_tree(&path) {
                Ok(()) => self.rewrite_copies(&current),
                Err(e) => log::warn!("cannot repair the state copies: {e}"),
            }
        }
        Ok(current)
    }

    /// Write both copies from `current` (best effort: sled holds it).
    fn rewrite_copies(&self, current: &Current) {
        let written = sidecar::write_copies(
            &self.path,
            Slot::First,
            SCHEMA_VERSION,
            current.generation,
            current.sled_generation,
            &current.entries,
        );
        if let Err(e) = written {
            log::warn!("cannot repair the state copies: {e}");
        }
    }
}

impl Store for SledStore {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let current = self.load_current()?;
        let entries = current.entries.clone();
        self.current = Some(current);
        Ok(entries)
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        for key in changes.keys() {
            check_key(key)?;
        }
        if changes.is_empty() {
            return Ok(());
        }
        prepare_dir(&self.path)?;
        let lock = match commit_lock(&self.path, true)? {
            Some(lock) => lock,
            None => unreachable!("a blocking lock is taken or fails"),
        };
        let mut current = match self.current.take() {
            Some(loaded) if self.exclusive => loaded,
            Some(loaded) => {
                // Loaded before the lock was taken: has anything committed since?
                let now = sidecar::read_copies(&self.path);
                let newest = now.newest().map(|(_, s)| s.generation);
                if newest.is_some_and(|g| g != loaded.generation)
                    || (newest.is_none() && loaded.has_copy)
                {
                    return Err(StoreError::Conflict {
                        path: self.path.clone(),
                    });
                }
                loaded
            }
            None => self.load_current()?,
        };
        let mut entries = std::mem::take(&mut current.entries);
        for (key, value) in changes {
            match value {
                Some(value) => entries.insert(key.clone(), value.clone()),
                None => entries.remove(key),
            };
        }
        let generation = current.generation + 1;
        let sync_sled = self.sled.is_some()
            || !fs::symlink_metadata(self.path.join("db")).is_ok_and(|m| m.is_file())
            || generation - current.sled_generation.min(generation) >= SLED_SYNC_INTERVAL;
        if sync_sled {
            // Opened (and checked) before the copies are written: a database that cannot be used
            // fails the commit with nothing written.
            self.ensure_open()?;
        }
        let next = Current {
            entries,
            generation,
            sled_generation: if sync_sled {
                generation
            } else {
                current.sled_generation
            },
            has_copy: true,
            // This commit's second copy is left to writeback: the next one overwrites it first.
            first: current.first.other(),
        };
        sidecar::write_copies(
            &self.path,
            current.first,
            SCHEMA_VERSION,
            next.generation,
            next.sled_generation,
            &next.entries,
        )?;
        sidecar::remove_legacy_marker(&self.path);
        if sync_sled {
            let path = self.path.clone();
            if let Some(open) = self.sled.as_mut() {
                warn_if_sled_lost_an_update(open, &path, current.sled_generation);
                // The commit is durable in the copies: a failure here is reported, and the next
                // update of sled repairs it.
                if let Err(e) = bring_sled_up_to_date(open, &path, &next) {
                    log::error!("cannot bring the unit state database up to date: {e}");
                }
            }
        }
        self.current = Some(next);
        drop(lock);
        Ok(())
    }
}

/// sled holds an older generation than the copies say it was brought to: say so at ERROR.
fn warn_if_sled_lost_an_update(open: &OpenDb, path: &Path, brought_to: u64) {
    if open.generation < brought_to {
        log::error!(
            "{}: the unit state database is at generation {}, older than generation {brought_to} \
             it was brought to (its last update was lost: damage at the end of its log, or a hook \
             killed while updating it); restoring it from the verified copies",
            path.display(),
            open.generation,
        );
    }
}

/// `flock` on the commit lock file in `dir` (created `0600` if missing, never through a symbolic
/// link): waiting for it if `wait`, else `None` when another process holds it.
fn commit_lock(dir: &Path, wait: bool) -> Result<Option<fs::File>, StoreError> {
    use rustix::fs::{flock, FlockOperation};
    let path = dir.join(COMMIT_LOCK_FILE);
    let file = super::private::open_private(&path, super::private::Create::IfMissing)?;
    let operation = if wait {
        FlockOperation::LockExclusive
    } else {
        FlockOperation::NonBlockingLockExclusive
    };
    match flock(&file, operation) {
        Ok(()) => Ok(Some(file)),
        Err(rustix::io::Errno::WOULDBLOCK) if !wait => Ok(None),
        Err(e) => Err(StoreError::io("lock", &path, e.into())),
    }
}

/// Make sled hold exactly `current`'s entries and generation, durably.
fn bring_sled_up_to_date(
    open: &mut OpenDb,
    path: &Path,
    current: &Current,
) -> Result<(), StoreError> {
    let held = load_db(&open.db, path)?;
    let mut batch = ::sled::Batch::default();
    batch.insert(SCHEMA_KEY.as_bytes(), SCHEMA_VERSION.to_string().as_bytes());
    batch.insert(
        GENERATION_KEY.as_bytes(),
        current.generation.to_string().as_bytes(),
    );
    for key in held.keys().filter(|k| !current.entries.contains_key(*k)) {
        batch.remove(key.as_bytes());
    }
    for (key, value) in &current.entries {
        if held.get(key) != Some(value) {
            batch.insert(key.as_bytes(), value.as_slice());
        }
    }
    open.db
        .apply_batch(batch)
        .map_err(|e| sled_error(path, e))?;
    open.db.flush().map_err(|e| sled_error(path, e))?;
    sync_sled_files(path)?;
    // sled may have created files (blobs for large values): keep them private too.
    restrict_files(path)?;
    open.schema = Some(SCHEMA_VERSION);
    open.generation = current.generation;
    Ok(())
}

/// [`open_sled`]; if sled reports its files damaged and a copy verifies, rebuild the database
/// from the newest verified copy, keeping the damaged one aside, and say so at ERROR.
fn open_or_recover(path: &Path) -> Result<OpenDb, StoreError> {
    match open_sled(path) {
        Err(err @ StoreError::Sled { .. }) if is_damage(&err) => {
            let copies = sidecar::read_copies(path);
            match copies.newest() {
                Some((_, snapshot)) => rebuild_from_copy(path, &err, snapshot),
                None => Err(err),
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

fn rebuild_from_copy(
    path: &Path,
    err: &StoreError,
    snapshot: &Snapshot,
) -> Result<OpenDb, StoreError> {
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
        "the unit state database {} cannot be opened ({err}); rebuilding it from its newest \
         verified copy (generation {}, {} entries), which holds its last commit; the damaged \
         database is kept at {}",
        path.display(),
        snapshot.generation,
        snapshot.entries.len(),
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
    // The copies stay as they are (they say sled was brought to an older generation, or this one).
    let current = Current::from_copy(Slot::First, snapshot);
    bring_sled_up_to_date(&mut open, path, &current)?;
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
    let generation = match db.get(GENERATION_KEY).map_err(|e| sled_error(path, e))? {
        None => 0,
        Some(raw) => std::str::from_utf8(&raw)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .ok_or_else(|| StoreError::Encoding {
                key: GENERATION_KEY.to_string(),
                reason: format!("unreadable generation {:?}", String::from_utf8_lossy(&raw)),
            })?,
    };
    Ok(OpenDb {
        db,
        schema,
        generation,
    })
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
    super::sidecar::CRC32.checksum(bytes)
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
