//! The sidecar snapshot of a [`SledStore`](super::SledStore): a verified read cache of its last commit,
//! so that a hook can read its state without opening sled (an open costs milliseconds: sled recovers its
//! log, fsyncs twice and starts I/O threads every time).
//!
//! sled stays the source of truth. Two files in the database directory, next to sled's own (sled only
//! looks at `conf`, `db`, `blobs/` and names starting with `snap.`):
//!
//! * `snapshot` ([`SIDECAR_FILE`]): every committed entry and the schema version, in the format below.
//! * `committing` ([`MARKER_FILE`]): empty; present while sled may hold a commit the sidecar does not.
//!
//! # Protocol
//!
//! Every write below happens while this process holds sled's lock (the database is open), so there is
//! one writer at a time. Commit:
//!
//! 1. create `committing` durably: create (mode `0600`), fsync it, fsync the directory. When the hook
//!    announced the commit ([`Store::prefetch`](super::Store::prefetch)), the background thread that
//!    opens sled does this too, while the hook's handlers run; if the commit then does not come, the
//!    store removes the marker when it is dropped (sled did not change, so the sidecar is still right);
//! 2. apply the hook's changes as one sled batch, flush it, and fsync sled's log and blob files (sled's
//!    own flush is not an fsync: see below);
//! 3. read every entry back from sled and write the sidecar: `snapshot.tmp` (mode `0600`), fsync it,
//!    rename it over `snapshot`, fsync the directory;
//! 4. remove `committing` (no fsync needed).
//!
//! A reader trusts the sidecar only when `committing` does not exist and `snapshot` is intact (magic,
//! length and CRC-32 check out, schema version known). Otherwise it opens sled, loads from it, and
//! repairs: fsyncs sled's files, writes the sidecar as in step 3 from what sled holds, then removes
//! `committing`.
//!
//! # Crash analysis
//!
//! Before a commit, sled and the sidecar hold the previous state P; the commit writes the new state N.
//! A process killed at each point leaves (for the next hook):
//!
//! | killed                                  | sled    | sidecar   | marker | next read            |
//! |-----------------------------------------|---------|-----------|--------|----------------------|
//! | before step 1 (or while creating it)    | P       | P         | maybe  | P (sidecar or sled)  |
//! | after step 1, handlers still running    | P       | P         | yes    | sled: P, repair      |
//! | after step 1, before step 2             | P       | P         | yes    | sled: P, repair      |
//! | during step 2                           | P or N  | P         | yes    | sled: P or N, repair |
//! | after step 2, before step 3             | N       | P         | yes    | sled: N, repair      |
//! | during step 3 (before the rename)       | N       | P (+tmp)  | yes    | sled: N, repair      |
//! | after the rename, before step 4         | N       | N         | yes    | sled: N, repair      |
//! | after step 4                            | N       | N         | no     | sidecar: N           |
//!
//! The sidecar is never trusted while sled may be ahead of it: the marker exists, durably, from before
//! sled's batch can reach the disk until after the new sidecar is in place. A leftover `snapshot.tmp` is
//! never read and is truncated by the next write. A repair is itself interruptible: it runs with sled
//! open (so nothing else commits), writes the sidecar atomically and removes the marker last; killed
//! anywhere, the next reader falls back to sled again. A commit sled refuses, or one killed before its
//! flush, also leaves the marker: the next reader asks sled, which holds P or N whole.
//!
//! # Power loss
//!
//! SIGKILL loses nothing the kernel has; power loss loses what was not fsynced, possibly out of order.
//! Each fsync is there for one reason:
//!
//! * **marker, file and directory, before step 2**: the marker must be on disk before any part of the
//!   new batch can be (the kernel may write sled's pages back at any time). Without it, power loss could
//!   keep sled's new commit but lose the marker, and the next hook would trust the old sidecar: a
//!   committed hook's changes would read as lost. A marker that already exists (left by a crash) is
//!   synced the same way: its creation may not have reached the disk.
//! * **sled's files** (step 2): make N durable before `commit` returns. sled 0.34's flush writes its log
//!   with `sync_file_range` on Linux, which does not flush the disk's write cache nor record a grown
//!   file's size, and it never syncs the blob files holding large values: without these fsyncs a commit
//!   that returned `Ok` could be lost (this was already so before the sidecar existed).
//! * **`snapshot.tmp` before the rename**: otherwise the rename could reach the disk before the file's
//!   content (the CRC would catch the garbage, but the marker may be gone by then: see next point).
//! * **the directory after the rename, before removing the marker**: otherwise the removal could reach
//!   the disk and the rename not, leaving the old sidecar trusted while sled holds N.
//! * the marker's removal needs none: if it is lost, the marker comes back and the next hook merely reads
//!   sled and repairs.
//! * **a repair fsyncs sled's files first**: a commit killed before sled's flush may have left its
//!   batch in the page cache only; the next hook's sled reads it, and the sidecar must not make durable
//!   a state that sled itself might lose.
//!
//! So after power loss at any instant, the next read gives the last commit that returned `Ok` or the one
//! in flight, exactly as reading sled alone would.
//!
//! # Reads without sled's lock
//!
//! A reader that trusts the sidecar does not open sled, so it does not take sled's lock. Whatever it
//! reads is one complete commit (the rename is atomic, and the marker check comes first), but another
//! process may commit after it: Juju runs one hook at a time per unit, so only something outside Juju's
//! hooks could. The store therefore remembers the fingerprint (length and CRC) of what it served, and
//! before committing (under sled's lock) checks that sled still encodes to the same: if not, it writes
//! nothing, rewrites the sidecar from sled, and fails with
//! [`StoreError::Conflict`], so no update is lost silently.
//!
//! # Format
//!
//! All integers little-endian:
//!
//! ```text
//!  0..8   magic "OPSSNAP" and the format version (1)
//!  8..12  schema version of the sled database (u32; 0: nothing committed yet, so none stored)
//! 12..20  entry count (u64)
//! 20..28  payload length (u64): the file is exactly 32 bytes longer
//! 28..32  CRC-32 (IEEE) of bytes 0..28 followed by the payload
//! 32..    payload: for each entry in key order, key length (u32), key (UTF-8), value length (u64), value
//! ```
//!
//! A file with another magic or format version, or a newer schema version, is not trusted (sled is read
//! instead, and reports a newer schema as [`StoreError::Schema`]).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::{StoreError, SCHEMA_VERSION};

/// The sidecar snapshot's file name in the database directory.
pub const SIDECAR_FILE: &str = "snapshot";
/// The dirty marker's file name in the database directory: while it exists the sidecar is not trusted.
pub const MARKER_FILE: &str = "committing";
/// Where the next sidecar is written before it is renamed over [`SIDECAR_FILE`].
const SIDECAR_TMP: &str = "snapshot.tmp";

const MAGIC: &[u8; 8] = b"OPSSNAP\x01";
const HEADER_LEN: usize = 32;

/// Identifies an encoded sidecar's content (its length and CRC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint {
    len: usize,
    crc: u32,
}

/// A decoded, verified sidecar.
#[derive(Debug)]
pub(super) struct Snapshot {
    pub(super) entries: BTreeMap<String, Vec<u8>>,
    pub(super) fingerprint: Fingerprint,
}

/// Why the sidecar cannot be trusted.
#[derive(Debug)]
pub(super) enum Distrust {
    /// A commit or repair did not finish.
    Committing,
    /// There is no sidecar (a database written before sidecars existed, or one never committed to).
    Missing,
    /// It could not be read.
    Unreadable(io::Error),
    /// It is not a sidecar this version understands, or it is damaged.
    Invalid(String),
}

impl Distrust {
    /// Log why sled is read instead (a damaged sidecar is worth a warning; the rest is routine).
    pub(super) fn log(&self, dir: &Path) {
        let dir = dir.display();
        match self {
            Distrust::Committing => log::debug!(
                target: "ops_core",
                "{dir}: the last commit did not finish writing its snapshot; reading the database"
            ),
            Distrust::Missing => {
                log::debug!(target: "ops_core", "{dir}: no snapshot yet; reading the database")
            }
            Distrust::Unreadable(e) => {
                log::warn!("{dir}: cannot read the state snapshot ({e}); reading the database")
            }
            Distrust::Invalid(reason) => {
                log::warn!("{dir}: ignoring the state snapshot ({reason}); reading the database")
            }
        }
    }
}

/// Encode `entries` and the database's `schema` version (0: none) as a sidecar file.
pub(super) fn encode(schema: u32, entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let payload_len: usize = entries.iter().map(|(k, v)| 4 + k.len() + 8 + v.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + payload_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&schema.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, below
    for (key, value) in entries {
        // A key longer than 4 GiB cannot be a sled key that a hook loaded into memory.
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value);
    }
    let crc = checksum(&out);
    out[28..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    out
}

/// The fingerprint of an encoded sidecar (as [`encode`] returns it).
pub(super) fn fingerprint(encoded: &[u8]) -> Fingerprint {
    Fingerprint {
        len: encoded.len(),
        crc: checksum(encoded),
    }
}

/// CRC-32 of the header without its CRC field, then of the payload.
fn checksum(file: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(file.get(..28).unwrap_or(file));
    hasher.update(file.get(HEADER_LEN..).unwrap_or_default());
    hasher.finalize()
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    raw.try_into().ok().map(u32::from_le_bytes)
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    raw.try_into().ok().map(u64::from_le_bytes)
}

/// Decode and verify a sidecar file.
pub(super) fn decode(bytes: &[u8]) -> Result<Snapshot, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes, shorter than its header", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return Err(if bytes.starts_with(&MAGIC[..7]) {
            format!("unknown format version {}", bytes[7])
        } else {
            "not a snapshot file".to_string()
        });
    }
    let (Some(schema), Some(count), Some(payload_len), Some(crc)) = (
        le_u32(bytes, 8),
        le_u64(bytes, 12),
        le_u64(bytes, 20),
        le_u32(bytes, 28),
    ) else {
        return Err("unreadable header".to_string());
    };
    let payload = &bytes[HEADER_LEN..];
    if u64::try_from(payload.len()).ok() != Some(payload_len) {
        return Err(format!(
            "truncated or extended: {} payload bytes, the header says {payload_len}",
            payload.len()
        ));
    }
    if checksum(bytes) != crc {
        return Err("checksum mismatch".to_string());
    }
    if schema > SCHEMA_VERSION {
        return Err(format!(
            "written with schema version {schema}, newer than {SCHEMA_VERSION}"
        ));
    }
    let mut entries = BTreeMap::new();
    let mut pos = 0usize;
    let mut last: Option<&str> = None;
    for _ in 0..count {
        let key_len = le_u32(payload, pos).ok_or("entry header beyond the payload")? as usize;
        pos += 4;
        let key_end = pos.checked_add(key_len).ok_or("key length overflows")?;
        let key = payload.get(pos..key_end).ok_or("key beyond the payload")?;
        let key = std::str::from_utf8(key).map_err(|_| "a key is not UTF-8")?;
        if key.starts_with('\0') || last.is_some_and(|last| last >= key) {
            return Err("keys out of order or reserved".to_string());
        }
        pos = key_end;
        let value_len = le_u64(payload, pos).ok_or("value length beyond the payload")?;
        pos += 8;
        let value_end = usize::try_from(value_len)
            .ok()
            .and_then(|len| pos.checked_add(len))
            .ok_or("value length overflows")?;
        let value = payload
            .get(pos..value_end)
            .ok_or("value beyond the payload")?;
        pos = value_end;
        entries.insert(key.to_string(), value.to_vec());
        last = Some(key);
    }
    if pos != payload.len() {
        return Err(format!(
            "{} bytes after the last entry",
            payload.len() - pos
        ));
    }
    Ok(Snapshot {
        entries,
        fingerprint: Fingerprint {
            len: bytes.len(),
            crc,
        },
    })
}

/// The sidecar in `dir`, if it can be trusted: no marker, intact, known schema version.
pub(super) fn read_trusted(dir: &Path) -> Result<Snapshot, Distrust> {
    match fs::symlink_metadata(dir.join(MARKER_FILE)) {
        Ok(_) => return Err(Distrust::Committing),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Distrust::Unreadable(e)),
    }
    let bytes = match read_file(&dir.join(SIDECAR_FILE)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Distrust::Missing),
        Err(e) => return Err(Distrust::Unreadable(e)),
    };
    decode(&bytes).map_err(Distrust::Invalid)
}

/// The content of the regular file `path` (never through a symbolic link, never a FIFO).
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    super::private::open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The sidecar in `dir` if it is intact (whether or not a commit marker exists).
pub(super) fn read_verified(dir: &Path) -> Result<Snapshot, String> {
    let bytes = read_file(&dir.join(SIDECAR_FILE)).map_err(|e| e.to_string())?;
    decode(&bytes)
}

/// Create the dirty marker durably (step 1): from now on the sidecar is not trusted.
pub(super) fn mark_committing(dir: &Path) -> Result<(), StoreError> {
    let path = dir.join(MARKER_FILE);
    let file = create_private(&path, false)?;
    file.sync_all()
        .map_err(|e| StoreError::io("fsync", &path, e))?;
    drop(file);
    sync_dir(dir)
}

/// Write the sidecar atomically and durably (step 3), then remove the marker (step 4).
pub(super) fn write_and_unmark(dir: &Path, encoded: &[u8]) -> Result<(), StoreError> {
    let tmp = dir.join(SIDECAR_TMP);
    let mut file = create_private(&tmp, true)?;
    file.write_all(encoded)
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::io("write", &tmp, e))?;
    drop(file);
    let path = dir.join(SIDECAR_FILE);
    fs::rename(&tmp, &path).map_err(|e| StoreError::io("rename the snapshot to", &path, e))?;
    sync_dir(dir)?;
    let marker = dir.join(MARKER_FILE);
    match fs::remove_file(&marker) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io("remove", &marker, e)),
    }
}

/// Create (or open, truncating if asked) a file with mode 0600 exactly, whatever the umask, never
/// through a symbolic link.
fn create_private(path: &Path, truncate: bool) -> Result<File, StoreError> {
    use super::private::{open_private, Create};
    open_private(
        path,
        if truncate {
            Create::Truncate
        } else {
            Create::IfMissing
        },
    )
}

/// fsync a directory: makes the creation, renaming and removal of its entries durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("fsync the directory", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BTreeMap<String, Vec<u8>> {
        BTreeMap::from([
            ("".to_string(), b"empty key".to_vec()),
            ("a".to_string(), Vec::new()),
            ("ключ ✓".to_string(), (0..=255).collect()),
        ])
    }

    #[test]
    fn round_trips_and_fingerprints_match() {
        for entries in [BTreeMap::new(), sample()] {
            let encoded = encode(1, &entries);
            let decoded = decode(&encoded).expect("decode");
            assert_eq!(decoded.entries, entries);
            assert_eq!(decoded.fingerprint, fingerprint(&encoded));
        }
        assert_ne!(
            fingerprint(&encode(0, &sample())),
            fingerprint(&encode(1, &sample())),
            "the schema version is covered by the checksum"
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_bit_is_refused() {
        let encoded = encode(1, &sample());
        for len in 0..encoded.len() {
            assert!(decode(&encoded[..len]).is_err(), "truncated to {len}");
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(decode(&longer).is_err(), "extended");
        for bit in 0..encoded.len() * 8 {
            let mut damaged = encoded.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(decode(&damaged).is_err(), "bit {bit} flipped");
        }
    }

    /// A file whose checksum is right but whose content is not canonical (as only a bug could write).
    fn with_crc(mut file: Vec<u8>) -> Vec<u8> {
        let crc = checksum(&file);
        file[28..32].copy_from_slice(&crc.to_le_bytes());
        file
    }

    #[test]
    fn unknown_versions_and_malformed_payloads_are_refused() {
        let mut newer = encode(SCHEMA_VERSION + 1, &sample());
        newer = with_crc(newer);
        assert!(decode(&newer)
            .expect_err("newer")
            .contains("schema version"));
        let mut format = encode(1, &sample());
        format[7] = 2;
        assert!(decode(&format)
            .expect_err("format")
            .contains("format version"));

        let entries = BTreeMap::from([("a".to_string(), b"1".to_vec())]);
        let mut wrong_count = encode(1, &entries);
        wrong_count[12] = 2;
        assert!(decode(&with_crc(wrong_count)).is_err(), "count too high");
        let mut reserved = encode(1, &BTreeMap::from([("x".to_string(), Vec::new())]));
        reserved[36] = 0; // the key "x" becomes "\0"
        assert!(decode(&with_crc(reserved)).is_err(), "reserved key");
    }
}
