//! Shared helpers of the `storage_*` tests: an independent reader and writer of the sidecar snapshot
//! format (as documented in `src/storage/sidecar.rs`), so that tests can check what a commit wrote and
//! craft the files a crash leaves behind.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ops_core::storage::{Changes, MARKER_FILE, SECOND_COPY_FILE, SIDECAR_FILE};

pub fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(".unit-state.db")
}

pub fn set(pairs: &[(&str, &[u8])]) -> Changes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_vec())))
        .collect()
}

pub fn entries(pairs: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

pub fn sidecar_path(db: &Path) -> PathBuf {
    db.join(SIDECAR_FILE)
}

pub fn marker_path(db: &Path) -> PathBuf {
    db.join(MARKER_FILE)
}

/// Plain sled (no `SledStore`), waiting like `SledStore::open` for a just-dropped store's lock.
pub fn raw_open(path: &Path) -> sled::Result<sled::Db> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match sled::Config::new().path(path).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// CRC-32 (IEEE), bitwise: independent of the library's implementation.
pub fn crc32(chunks: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for chunk in chunks {
        for &byte in *chunk {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

/// One decoded copy of the state (format 3, or 2 as earlier versions wrote it, as documented in
/// `src/storage/sidecar.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub schema: u32,
    pub durable: bool,
    pub generation: u64,
    pub sled_generation: u64,
    pub entries: BTreeMap<String, Vec<u8>>,
}

/// A copy file (format `format`: 3 as this version writes it, padded with zeros to a multiple of
/// 4096 bytes; 2 unpadded, as the previous version wrote it) with a correct checksum.
pub fn encode_copy(
    format: u8,
    schema: u32,
    durable: bool,
    generation: u64,
    sled_generation: u64,
    entries: &BTreeMap<String, Vec<u8>>,
) -> Vec<u8> {
    let mut payload = Vec::new();
    for (key, value) in entries {
        payload.extend_from_slice(&(key.len() as u32).to_le_bytes());
        payload.extend_from_slice(key.as_bytes());
        payload.extend_from_slice(&(value.len() as u64).to_le_bytes());
        payload.extend_from_slice(value);
    }
    let mut file = b"OPSSNAP".to_vec();
    file.push(format);
    file.extend_from_slice(&schema.to_le_bytes());
    file.extend_from_slice(&u32::from(durable).to_le_bytes());
    file.extend_from_slice(&generation.to_le_bytes());
    file.extend_from_slice(&sled_generation.to_le_bytes());
    file.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let crc = crc32(&[&file, &payload]);
    file.extend_from_slice(&crc.to_le_bytes());
    file.extend_from_slice(&payload);
    if format == 3 {
        file.resize(file.len().div_ceil(4096) * 4096, 0);
    }
    file
}

/// A format-1 sidecar (written by versions before the two copies), with a correct checksum.
pub fn encode_format_1(schema: u32, entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut payload = Vec::new();
    for (key, value) in entries {
        payload.extend_from_slice(&(key.len() as u32).to_le_bytes());
        payload.extend_from_slice(key.as_bytes());
        payload.extend_from_slice(&(value.len() as u64).to_le_bytes());
        payload.extend_from_slice(value);
    }
    let mut file = b"OPSSNAP\x01".to_vec();
    file.extend_from_slice(&schema.to_le_bytes());
    file.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let crc = crc32(&[&file, &payload]);
    file.extend_from_slice(&crc.to_le_bytes());
    file.extend_from_slice(&payload);
    file
}

/// A decoded copy, `None` if it is not a valid format-3 (or format-2) copy.
pub fn decode_copy(file: &[u8]) -> Option<Copy> {
    let u32_at =
        |b: &[u8], at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let u64_at =
        |b: &[u8], at: usize| Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?));
    let padded = match file.get(..8)? {
        b"OPSSNAP\x03" => true,
        b"OPSSNAP\x02" => false,
        _ => return None,
    };
    let schema = u32_at(file, 8)?;
    let flags = u32_at(file, 12)?;
    let generation = u64_at(file, 16)?;
    let sled_generation = u64_at(file, 24)?;
    let count = u64_at(file, 32)?;
    let len = u64_at(file, 40)? as usize;
    let (payload, padding) = file.get(52..)?.split_at_checked(len)?;
    let unpadded_len = 52 + len;
    let expected_len = if padded {
        unpadded_len.div_ceil(4096) * 4096
    } else {
        unpadded_len
    };
    if file.len() != expected_len
        || padding.iter().any(|&b| b != 0)
        || u32_at(file, 48)? != crc32(&[&file[..48], payload])
        || flags > 1
    {
        return None;
    }
    let mut entries = BTreeMap::new();
    let mut pos = 0;
    for _ in 0..count {
        let key_len = u32_at(payload, pos)? as usize;
        let key = String::from_utf8(payload.get(pos + 4..pos + 4 + key_len)?.to_vec()).ok()?;
        pos += 4 + key_len;
        let value_len = u64_at(payload, pos)? as usize;
        let value = payload.get(pos + 8..pos + 8 + value_len)?.to_vec();
        pos += 8 + value_len;
        entries.insert(key, value);
    }
    (pos == payload.len()).then_some(Copy {
        schema,
        durable: flags == 1,
        generation,
        sled_generation,
        entries,
    })
}

pub fn second_copy_path(db: &Path) -> PathBuf {
    db.join(SECOND_COPY_FILE)
}

/// Both copies of the database at `db` (`None` where missing or invalid).
pub fn read_copies(db: &Path) -> [Option<Copy>; 2] {
    [sidecar_path(db), second_copy_path(db)]
        .map(|p| std::fs::read(p).ok().and_then(|b| decode_copy(&b)))
}

/// The newest verified copy of the database at `db`.
pub fn newest_copy(db: &Path) -> Option<Copy> {
    let [a, b] = read_copies(db);
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.generation > a.generation { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The schema version and entries of the newest verified copy, `None` if none verifies.
pub fn read_sidecar(db: &Path) -> Option<(u32, BTreeMap<String, Vec<u8>>)> {
    newest_copy(db).map(|c| (c.schema, c.entries))
}

/// What sled itself holds, read with plain sled (reserved keys included, as text).
pub fn raw_sled(db: &Path) -> BTreeMap<String, Vec<u8>> {
    let sled = raw_open(db).expect("raw open");
    sled.iter()
        .map(|item| {
            let (k, v) = item.expect("item");
            (String::from_utf8_lossy(&k).into_owned(), v.to_vec())
        })
        .collect()
}

/// sled's generation (`\0generation`), 0 if none.
pub fn raw_sled_generation(db: &Path) -> u64 {
    raw_sled(db)
        .get("\0generation")
        .map(|v| String::from_utf8_lossy(v).parse().expect("number"))
        .unwrap_or(0)
}

/// sled's entries without the reserved keys.
pub fn raw_sled_entries(db: &Path) -> BTreeMap<String, Vec<u8>> {
    raw_sled(db)
        .into_iter()
        .filter(|(k, _)| !k.starts_with('\0'))
        .collect()
}
