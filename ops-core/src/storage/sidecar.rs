//! The primary record of a [`SledStore`](super::SledStore)'s commits: two checksummed copies of the
//! whole state, each with a generation number, so that a hook reads and commits its state without
//! opening sled (an open costs milliseconds: sled recovers its log, fsyncs and starts I/O threads
//! every time).
//!
//! Two files in the database directory, next to sled's own (sled only looks at `conf`, `db`,
//! `blobs/` and names starting with `snap.`): `snapshot` ([`SIDECAR_FILE`]) and `snapshot.2`
//! ([`SECOND_COPY_FILE`]), in the format below. Each holds every entry, the schema version, the
//! commit's **generation** (one more per commit) and the generation sled was last brought to.
//! sled stays the unit's database: it is brought up to date every
//! [`SLED_SYNC_INTERVAL`](super::SLED_SYNC_INTERVAL) commits, and when no copy verifies it is read
//! instead.
//!
//! # Protocol
//!
//! Every commit happens under `commit.lock` (`flock`, see [`SledStore`](super::SledStore)), so there
//! is one writer at a time. A commit of generation `g + 1` over the newest verified copy `g`:
//!
//! 1. overwrites, in place, the copy that is *not* the only durable verified copy of `g` (the
//!    damaged, missing or older one; when both hold `g`, the one written second last time, whose
//!    `durable` flag is clear), marks it `durable` and `fdatasync`s it (and the directory, when the
//!    file is new): from now on it holds `g + 1` on disk, whatever happens;
//! 2. overwrites the other copy the same way, without the flag and without a sync (the kernel
//!    writes it back within seconds);
//! 3. (every [`SLED_SYNC_INTERVAL`](super::SLED_SYNC_INTERVAL) generations, or when sled is open
//!    anyway) brings sled to `g + 1`: the copies written in 1–2 already say so.
//!
//! One `fdatasync` per commit. A reader takes the copy with the highest generation among those
//! that verify (magic, length and CRC-32 check out, schema version known); sled only when no copy
//! verifies.
//!
//! # Crash analysis
//!
//! Before a commit one copy (at least) holds P (generation `g`) durably; the commit writes N
//! (`g + 1`), to the other copy first. Killed (SIGKILL or power loss) at each point:
//!
//! | killed                              | first copy     | second copy (durable P)  | next read |
//! |-------------------------------------|----------------|--------------------------|-----------|
//! | before step 1                       | P or older     | P                        | P         |
//! | during step 1, before its sync ends | torn or N      | P                        | P or N    |
//! | after step 1, during step 2         | N (durable)    | torn, P or N             | N         |
//! | after step 2                        | N (durable)    | N (on disk within secs)  | N         |
//!
//! The copy overwritten first is never the only durable holder of the newest commit, so a torn
//! write (in place, refused by its CRC-32) can only destroy a copy whose content is also on disk
//! elsewhere; the second copy is overwritten only once the first holds the new commit durably.
//! SIGKILL loses nothing the kernel has, so after a kill both copies are as written; after power
//! loss the second may be torn or older, and the next load repairs it from the first.
//!
//! # Damage
//!
//! Damage to one copy loses nothing: the other holds the same commit; the next load repairs the
//! damaged one from it (at WARN; the repaired copy is made durable). Damage to both falls back to
//! sled, which holds every entry as of its last update (at most
//! [`SLED_SYNC_INTERVAL`](super::SLED_SYNC_INTERVAL) - 1 commits old), at ERROR.
//!
//! # Format
//!
//! All integers little-endian:
//!
//! ```text
//!  0..8   magic "OPSSNAP" and the format version (3)
//!  8..12  schema version of the state (u32; 0: nothing committed yet, so none stored)
//! 12..16  flags (u32): bit 0 set when this copy was made durable before the commit went on
//! 16..24  generation of this commit (u64)
//! 24..32  generation sled was last brought to (u64)
//! 32..40  entry count (u64)
//! 40..48  payload length (u64)
//! 48..52  CRC-32 (IEEE) of bytes 0..48 followed by the payload
//! 52..    payload: for each entry in key order, key length (u32), key (UTF-8), value length (u64), value
//!  ..     zero bytes up to the next multiple of 4096: the file's length
//! ```
//!
//! The padding keeps a copy's length the same from one commit to the next while the state stays
//! within the same 4 KiB blocks, so that a commit's `fdatasync` writes the data block and no
//! inode change (ext4 then commits no journal transaction: about half the cost of the sync).
//! Format 2, written by earlier versions, is the same without the padding (the file is exactly
//! 52 bytes longer than the payload); it is still read, and the next commit writes format 3.
//! Versions before this one read a format-3 copy as not a copy (and read sled).
//!
//! A file with another magic or format version (format 1 was a single sidecar guarded by a
//! `committing` marker, [`MARKER_FILE`]), or a newer schema version, is not a copy: sled is read
//! instead (with format 1, sled always held the last commit), and reports a newer schema as
//! [`StoreError::Schema`].

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::{StoreError, SCHEMA_VERSION};

/// The first copy's file name in the database directory.
pub const SIDECAR_FILE: &str = "snapshot";
/// The second copy's file name in the database directory.
pub const SECOND_COPY_FILE: &str = "snapshot.2";
/// The commit marker of the previous protocol (format 1): no longer written or trusted; a leftover
/// one is removed by the next commit.
pub const MARKER_FILE: &str = "committing";

const MAGIC: &[u8; 8] = b"OPSSNAP\x03";
/// The format version of the unpadded copies earlier versions wrote (still read).
const FORMAT_UNPADDED: u8 = 2;
/// A copy's length is a multiple of this (format 3).
const BLOCK: usize = 4096;
const HEADER_LEN: usize = 52;
const CRC_AT: usize = 48;
/// Flag bit: this copy was made durable (`fdatasync`) before the commit went on.
const DURABLE: u32 = 1;

/// One of the two copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    First,
    Second,
}

impl Slot {
    pub(super) fn file(self) -> &'static str {
        match self {
            Slot::First => SIDECAR_FILE,
            Slot::Second => SECOND_COPY_FILE,
        }
    }

    pub(super) fn other(self) -> Slot {
        match self {
            Slot::First => Slot::Second,
            Slot::Second => Slot::First,
        }
    }
}

/// A decoded, verified copy.
#[derive(Debug, Clone)]
pub(super) struct Snapshot {
    pub(super) schema: u32,
    /// Whether this copy was made durable when it was written (the first copy of a commit is; the
    /// second is left to the kernel's writeback).
    pub(super) durable: bool,
    pub(super) generation: u64,
    pub(super) sled_generation: u64,
    pub(super) entries: BTreeMap<String, Vec<u8>>,
}

/// Why a copy cannot be used.
#[derive(Debug)]
pub(super) enum Distrust {
    /// There is no such file (a unit never committed to, or a database of an older version).
    Missing,
    /// It could not be read.
    Unreadable(io::Error),
    /// It is not a copy this version understands, or it is damaged.
    Invalid(String),
}

impl Distrust {
    /// Whether this is damage (worth a warning), not a routine absence.
    pub(super) fn is_damage(&self) -> bool {
        match self {
            Distrust::Missing => false,
            Distrust::Unreadable(_) => true,
            // Format 1 (an older version of this library) is routine.
            Distrust::Invalid(reason) => !reason.starts_with(FORMAT_1),
        }
    }
}

impl std::fmt::Display for Distrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distrust::Missing => f.write_str("missing"),
            Distrust::Unreadable(e) => write!(f, "unreadable: {e}"),
            Distrust::Invalid(reason) => f.write_str(reason),
        }
    }
}

const FORMAT_1: &str = "format version 1";

/// What the two copies hold.
#[derive(Debug)]
pub(super) struct Copies {
    pub(super) first: Result<Snapshot, Distrust>,
    pub(super) second: Result<Snapshot, Distrust>,
}

impl Copies {
    /// The verified copy with the highest generation (the first one on a tie), and its slot.
    pub(super) fn newest(&self) -> Option<(Slot, &Snapshot)> {
        match (&self.first, &self.second) {
            (Ok(a), Ok(b)) if b.generation > a.generation => Some((Slot::Second, b)),
            (Ok(a), _) => Some((Slot::First, a)),
            (Err(_), Ok(b)) => Some((Slot::Second, b)),
            (Err(_), Err(_)) => None,
        }
    }

    /// The copy a commit overwrites first (and makes durable): never the only durable verified
    /// copy of the newest state, so that at every instant one holds it.
    pub(super) fn first_to_write(&self) -> Slot {
        let Some((slot, newest)) = self.newest() else {
            return Slot::First;
        };
        match self.get(slot.other()) {
            // Both hold the newest state: overwrite the one that may not be on disk yet.
            Ok(other)
                if other.generation == newest.generation && other.durable && !newest.durable =>
            {
                slot
            }
            _ => slot.other(),
        }
    }

    pub(super) fn get(&self, slot: Slot) -> &Result<Snapshot, Distrust> {
        match slot {
            Slot::First => &self.first,
            Slot::Second => &self.second,
        }
    }

    /// Neither copy exists.
    pub(super) fn none_exists(&self) -> bool {
        matches!(
            (&self.first, &self.second),
            (Err(Distrust::Missing), Err(Distrust::Missing))
        )
    }
}

/// Encode a copy.
pub(super) fn encode(
    schema: u32,
    durable: bool,
    generation: u64,
    sled_generation: u64,
    entries: &BTreeMap<String, Vec<u8>>,
) -> Vec<u8> {
    let payload_len: usize = entries.iter().map(|(k, v)| 4 + k.len() + 8 + v.len()).sum();
    let mut out = Vec::with_capacity(padded_len(HEADER_LEN + payload_len));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&schema.to_le_bytes());
    out.extend_from_slice(&(if durable { DURABLE } else { 0 }).to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    out.extend_from_slice(&sled_generation.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, below
    for (key, value) in entries {
        // A key longer than 4 GiB cannot be a key that a hook loaded into memory.
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value);
    }
    let crc = checksum(&out[..CRC_AT], &out[HEADER_LEN..]);
    out[CRC_AT..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    out.resize(padded_len(out.len()), 0);
    out
}

/// The length of a format-3 copy whose header and payload take `len` bytes.
fn padded_len(len: usize) -> usize {
    len.div_ceil(BLOCK).saturating_mul(BLOCK)
}

/// CRC-32 (IEEE 802.3, the zlib / `crc32fast` CRC), computed with a slice-by-16 table built at
/// compile time. Not `crc32fast`: its first use asks the CPU which instructions it has (`cpuid`,
/// through `std_detect`), and each `cpuid` traps to the hypervisor on a virtual machine: 70–90 µs
/// of every hook here, against 1–3 µs to checksum a 4 KiB copy with the table.
pub(crate) const CRC32: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 of the header without its CRC field, then of the payload.
fn checksum(header: &[u8], payload: &[u8]) -> u32 {
    let mut digest = CRC32.digest();
    digest.update(header);
    digest.update(payload);
    digest.finalize()
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    raw.try_into().ok().map(u32::from_le_bytes)
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    raw.try_into().ok().map(u64::from_le_bytes)
}

/// Decode and verify a copy.
pub(super) fn decode(bytes: &[u8]) -> Result<Snapshot, String> {
    if bytes.len() >= 8
        && bytes.starts_with(&MAGIC[..7])
        && bytes[7] != MAGIC[7]
        && bytes[7] != FORMAT_UNPADDED
    {
        return Err(if bytes[7] == 1 {
            format!("{FORMAT_1} (written by an older version)")
        } else {
            format!("unknown format version {}", bytes[7])
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes, shorter than its header", bytes.len()));
    }
    if !bytes.starts_with(&MAGIC[..7]) {
        return Err("not a snapshot file".to_string());
    }
    let padded = bytes[7] == MAGIC[7];
    let (
        Some(schema),
        Some(flags),
        Some(generation),
        Some(sled_generation),
        Some(count),
        Some(payload_len),
        Some(crc),
    ) = (
        le_u32(bytes, 8),
        le_u32(bytes, 12),
        le_u64(bytes, 16),
        le_u64(bytes, 24),
        le_u64(bytes, 32),
        le_u64(bytes, 40),
        le_u32(bytes, CRC_AT),
    )
    else {
        return Err("unreadable header".to_string());
    };
    let end = usize::try_from(payload_len)
        .ok()
        .and_then(|len| len.checked_add(HEADER_LEN))
        .filter(|&end| end <= bytes.len());
    let expected_len = end.map(|end| if padded { padded_len(end) } else { end });
    let (Some(end), true) = (end, expected_len == Some(bytes.len())) else {
        return Err(format!(
            "truncated or extended: {} bytes, the header says {payload_len} payload bytes",
            bytes.len()
        ));
    };
    let (payload, padding) = bytes[HEADER_LEN..].split_at(end - HEADER_LEN);
    if checksum(&bytes[..CRC_AT], payload) != crc {
        return Err("checksum mismatch".to_string());
    }
    // Zeros. OR-ed together rather than compared (`memcmp`): the fold has no early exit, so it is
    // vectorised, where musl's `memcmp` goes byte by byte (a quarter of a hook's instructions
    // for two 4 KiB copies).
    if padding.iter().fold(0u8, |any, &byte| any | byte) != 0 {
        return Err("damaged padding".to_string());
    }
    if flags & !DURABLE != 0 {
        return Err(format!("unknown flags {flags:#x}"));
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
        schema,
        durable: flags & DURABLE != 0,
        generation,
        sled_generation,
        entries,
    })
}

/// Read and verify one copy.
pub(super) fn read_copy(dir: &Path, slot: Slot) -> Result<Snapshot, Distrust> {
    let bytes = match read_file(&dir.join(slot.file())) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Distrust::Missing),
        Err(e) => return Err(Distrust::Unreadable(e)),
    };
    decode(&bytes).map_err(Distrust::Invalid)
}

/// Read and verify both copies.
pub(super) fn read_copies(dir: &Path) -> Copies {
    Copies {
        first: read_copy(dir, Slot::First),
        second: read_copy(dir, Slot::Second),
    }
}

/// The content of the regular file `path` (never through a symbolic link, never a FIFO).
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    super::private::open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Overwrite one copy in place with `encoded` and, if `sync`, `fdatasync` it; whether the file was
/// created.
pub(super) fn write_copy(
    dir: &Path,
    slot: Slot,
    encoded: &[u8],
    sync: bool,
) -> Result<bool, StoreError> {
    use super::private::{open_private, Create};
    let path = dir.join(slot.file());
    let created =
        matches!(fs::symlink_metadata(&path), Err(e) if e.kind() == io::ErrorKind::NotFound);
    let file = open_private(&path, Create::IfMissing)?;
    let len = encoded.len() as u64;
    file.write_all_at(encoded, 0)
        // Same length (the usual case, see the format): no inode change for the sync to commit.
        .and_then(|()| match file.metadata()?.len() {
            current if current == len => Ok(()),
            _ => file.set_len(len),
        })
        .and_then(|()| if sync { file.sync_data() } else { Ok(()) })
        .map_err(|e| StoreError::io("write", &path, e))?;
    Ok(created)
}

/// Commit a state to both copies: `first` (made durable, and its directory entry when it is
/// created), then the other (left to the kernel's writeback).
pub(super) fn write_copies(
    dir: &Path,
    first: Slot,
    schema: u32,
    generation: u64,
    sled_generation: u64,
    entries: &BTreeMap<String, Vec<u8>>,
) -> Result<(), StoreError> {
    let durable = encode(schema, true, generation, sled_generation, entries);
    if write_copy(dir, first, &durable, true)? {
        sync_dir(dir)?;
    }
    let lazy = encode(schema, false, generation, sled_generation, entries);
    write_copy(dir, first.other(), &lazy, false)?;
    Ok(())
}

/// Remove a leftover marker of the previous protocol (no fsync: it means nothing any more).
pub(super) fn remove_legacy_marker(dir: &Path) {
    let _ = fs::remove_file(dir.join(MARKER_FILE));
}

/// fsync a directory: makes the creation, renaming and removal of its entries durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
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
    fn round_trips_with_its_generations() {
        for entries in [BTreeMap::new(), sample()] {
            let encoded = encode(1, true, 7, 5, &entries);
            let decoded = decode(&encoded).expect("decode");
            assert_eq!(decoded.entries, entries);
            assert_eq!(
                (
                    decoded.schema,
                    decoded.durable,
                    decoded.generation,
                    decoded.sled_generation
                ),
                (1, true, 7, 5)
            );
        }
        assert_ne!(
            encode(1, true, 7, 5, &sample()),
            encode(1, true, 8, 5, &sample()),
            "the generation is part of the file"
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_bit_is_refused() {
        let encoded = encode(1, false, 3, 2, &sample());
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
        let payload_len = le_u64(&file, 40).expect("header") as usize;
        let crc = checksum(&file[..CRC_AT], &file[HEADER_LEN..HEADER_LEN + payload_len]);
        file[CRC_AT..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
        file
    }

    #[test]
    fn unknown_versions_and_malformed_payloads_are_refused() {
        let newer = with_crc(encode(SCHEMA_VERSION + 1, true, 1, 1, &sample()));
        assert!(decode(&newer)
            .expect_err("newer")
            .contains("schema version"));
        let mut format = encode(1, true, 1, 1, &sample());
        format[7] = 4;
        assert!(decode(&format)
            .expect_err("format")
            .contains("format version"));
        format[7] = 1;
        let older = decode(&format).expect_err("format 1");
        assert!(older.starts_with(FORMAT_1), "{older}");
        assert!(!Distrust::Invalid(older).is_damage());

        let entries = BTreeMap::from([("a".to_string(), b"1".to_vec())]);
        let mut wrong_count = encode(1, true, 1, 1, &entries);
        wrong_count[32] = 2;
        let mut flags = encode(1, true, 1, 1, &entries);
        flags[12] = 2;
        assert!(decode(&with_crc(flags)).is_err(), "unknown flag");
        assert!(decode(&with_crc(wrong_count)).is_err(), "count too high");
        let mut reserved = encode(
            1,
            true,
            1,
            1,
            &BTreeMap::from([("x".to_string(), Vec::new())]),
        );
        reserved[HEADER_LEN + 4] = 0; // the key "x" becomes "\0"
        assert!(decode(&with_crc(reserved)).is_err(), "reserved key");
    }

    /// A copy written by the previous version (format 2, unpadded): the counter example's state
    /// after its second hook.
    const FORMAT_2_COPY: &[u8] = include_bytes!("../../tests/fixtures/snapshot-format-2");

    #[test]
    fn copies_written_by_the_previous_version_are_read() {
        let copy = decode(FORMAT_2_COPY).expect("a format-2 copy");
        assert_eq!(
            (
                copy.schema,
                copy.durable,
                copy.generation,
                copy.sled_generation
            ),
            (1, false, 2, 1)
        );
        assert_eq!(
            copy.entries
                .get("Counter/StoredStateData[_stored]")
                .map(Vec::as_slice),
            Some(&br#"{"count":2,"history":["config-changed","config-changed"],"port":8080}"#[..])
        );
        // Re-encoded, it is the same state in format 3: padded to a block.
        let rewritten = encode(1, false, 2, 1, &copy.entries);
        assert_eq!(rewritten.len(), BLOCK);
        assert_eq!(rewritten[..7], FORMAT_2_COPY[..7]);
        // The same header and payload; the checksum differs (it covers the format version).
        assert_eq!(rewritten[8..CRC_AT], FORMAT_2_COPY[8..CRC_AT]);
        assert_eq!(
            rewritten[HEADER_LEN..FORMAT_2_COPY.len()],
            FORMAT_2_COPY[HEADER_LEN..]
        );
        // Each format has its own length rule.
        let mut unpadded_3 = FORMAT_2_COPY.to_vec();
        unpadded_3[7] = MAGIC[7];
        assert!(decode(&unpadded_3).is_err(), "format 3 must be padded");
        let mut padded_2 = rewritten;
        padded_2[7] = FORMAT_UNPADDED;
        assert!(decode(&padded_2).is_err(), "format 2 has no padding");
    }

    #[test]
    fn a_copy_keeps_its_length_while_the_state_grows_within_a_block() {
        let mut entries = BTreeMap::from([("k".to_string(), vec![7; 100])]);
        let small = encode(1, true, 1, 0, &entries);
        entries.insert("k".to_string(), vec![7; 3000]);
        let larger = encode(1, true, 2, 0, &entries);
        assert_eq!((small.len(), larger.len()), (BLOCK, BLOCK));
        entries.insert("k".to_string(), vec![7; BLOCK]);
        let beyond = encode(1, true, 3, 0, &entries);
        assert_eq!(beyond.len(), 2 * BLOCK);
        assert_eq!(decode(&beyond).expect("decode").entries, entries);
        // Exactly one block of header and payload: no padding block is added.
        let exact = BTreeMap::from([("".to_string(), vec![1; BLOCK - HEADER_LEN - 12])]);
        assert_eq!(encode(1, true, 4, 0, &exact).len(), BLOCK);
        assert_eq!(
            decode(&encode(1, true, 4, 0, &exact))
                .expect("exact")
                .entries,
            exact
        );
    }

    #[test]
    fn a_copy_whose_padding_is_not_zeros_does_not_verify() {
        let entries = BTreeMap::from([("k".to_string(), b"v".to_vec())]);
        let copy = encode(1, true, 1, 0, &entries);
        assert_eq!(decode(&copy).expect("intact").entries, entries);
        let padding_starts = HEADER_LEN + 4 + 1 + 8 + 1;
        for at in [padding_starts, padding_starts + 1, BLOCK / 2, BLOCK - 1] {
            for byte in [1u8, 0x80, 0xff] {
                let mut damaged = copy.clone();
                damaged[at] = byte;
                assert_eq!(
                    decode(&damaged).err().as_deref(),
                    Some("damaged padding"),
                    "byte {byte:#x} at {at}"
                );
            }
        }
        // Two damaged bytes that cancel out under XOR still do not verify.
        let mut damaged = copy.clone();
        damaged[padding_starts] = 0x5a;
        damaged[BLOCK - 1] = 0x5a;
        assert_eq!(decode(&damaged).err().as_deref(), Some("damaged padding"));
    }

    #[test]
    fn the_newest_verified_copy_is_chosen() {
        let copy = |generation| {
            Ok(Snapshot {
                schema: 1,
                durable: true,
                generation,
                sled_generation: 0,
                entries: BTreeMap::new(),
            })
        };
        let damaged = || Err(Distrust::Invalid("checksum mismatch".into()));
        let pick = |first, second| {
            Copies { first, second }
                .newest()
                .map(|(slot, s)| (slot, s.generation))
        };
        assert_eq!(pick(copy(2), copy(3)), Some((Slot::Second, 3)));
        assert_eq!(pick(copy(3), copy(2)), Some((Slot::First, 3)));
        assert_eq!(pick(copy(3), copy(3)), Some((Slot::First, 3)));
        assert_eq!(pick(damaged(), copy(1)), Some((Slot::Second, 1)));
        assert_eq!(pick(copy(1), damaged()), Some((Slot::First, 1)));
        assert_eq!(pick(damaged(), Err(Distrust::Missing)), None);
    }

    #[test]
    fn a_commit_never_overwrites_first_the_only_durable_copy_of_the_newest_state() {
        let copy = |generation, durable| {
            Ok(Snapshot {
                schema: 1,
                durable,
                generation,
                sled_generation: 0,
                entries: BTreeMap::new(),
            })
        };
        let first = |first, second| Copies { first, second }.first_to_write();
        // After a commit: its first copy durable, the second left to writeback.
        assert_eq!(first(copy(4, true), copy(4, false)), Slot::Second);
        assert_eq!(first(copy(4, false), copy(4, true)), Slot::First);
        // One copy older, damaged or missing: it is the one overwritten first.
        assert_eq!(first(copy(3, true), copy(4, false)), Slot::First);
        assert_eq!(first(copy(4, false), copy(3, true)), Slot::Second);
        assert_eq!(
            first(Err(Distrust::Invalid("torn".into())), copy(4, false)),
            Slot::First
        );
        assert_eq!(first(copy(4, true), Err(Distrust::Missing)), Slot::Second);
        assert_eq!(
            first(Err(Distrust::Missing), Err(Distrust::Missing)),
            Slot::First
        );
    }
}
