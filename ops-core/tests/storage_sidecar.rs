//! The sidecar snapshot of `SledStore`: lazy loads served without opening sled, the background open,
//! and every state a crash can leave, simulated deterministically by writing the files that crash leaves
//! (a marker, a stale, truncated or damaged sidecar, a leftover temporary): each must read as the right
//! commit and be repaired.
//!
//! "sled was not opened" is shown without timing: `SledStore::opened_sled`, and loads that succeed while
//! the test itself holds sled's lock (any open would fail with `Locked`).

mod storage_support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Instant;

use ops_core::storage::{SledStore, Store, StoreError, LOCK_WAIT, SCHEMA_KEY, SCHEMA_VERSION};
use storage_support::{
    db_path, decode_sidecar, encode_sidecar, entries, marker_path, raw_open, read_sidecar, set,
    sidecar_path,
};

type Entries = BTreeMap<String, Vec<u8>>;

fn commit(path: &Path, changes: &ops_core::storage::Changes) {
    SledStore::open(path)
        .expect("open")
        .commit(changes)
        .expect("commit");
}

/// What sled itself holds (opened eagerly: never the sidecar).
fn sled_entries(path: &Path) -> Entries {
    SledStore::open(path)
        .expect("open")
        .load_all()
        .expect("load")
}

/// A lazy load: what it returned, and whether it had to open sled.
fn lazy_load(path: &Path) -> (Entries, bool) {
    let mut store = SledStore::open_lazy(path);
    let loaded = store.load_all().expect("lazy load");
    (loaded, store.opened_sled())
}

/// The sidecar is trusted again and holds `expected`: no marker, no temporary, and a lazy load is served
/// from it.
fn assert_repaired(path: &Path, expected: &Entries) {
    assert!(!marker_path(path).exists(), "the marker is removed");
    assert!(!path.join("snapshot.tmp").exists(), "no temporary left");
    assert_eq!(
        read_sidecar(path),
        Some((SCHEMA_VERSION, expected.clone())),
        "the sidecar holds the commit"
    );
    assert_eq!(lazy_load(path), (expected.clone(), false));
}

/// The two commits of the crash scenarios: P, then N (which changes, adds and deletes keys).
fn p() -> Entries {
    entries(&[("a", b"1"), ("b", b"1"), ("gone", b"x")])
}

fn n() -> Entries {
    entries(&[("a", b"2"), ("b", b"2"), ("new", b"y")])
}

fn p_to_n() -> ops_core::storage::Changes {
    let mut changes = set(&[("a", b"2"), ("b", b"2"), ("new", b"y")]);
    changes.insert("gone".into(), None);
    changes
}

#[test]
fn a_commit_leaves_an_intact_sidecar_of_every_entry_and_no_marker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let binary: Vec<u8> = (0..=255).collect();
    commit(
        &path,
        &set(&[
            ("Counter/StoredStateData[_stored]", br#"{"count":1}"#),
            ("empty", b""),
            ("unicode ✓ ключ", "värde\u{0}".as_bytes()),
            ("binary", &binary),
            ("big", &vec![7u8; 300_000]),
        ]),
    );
    let mut changes = set(&[("empty", b"now set")]);
    changes.insert("big".into(), None);
    commit(&path, &changes);
    let stored = sled_entries(&path);
    assert_eq!(stored.len(), 4);
    assert_eq!(read_sidecar(&path), Some((SCHEMA_VERSION, stored.clone())));
    assert!(!marker_path(&path).exists());
    assert!(!path.join("snapshot.tmp").exists());
    let mode = std::fs::metadata(sidecar_path(&path))
        .expect("sidecar")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o600);
    assert_repaired(&path, &stored);
}

#[test]
fn a_lazy_load_is_served_from_the_sidecar_without_touching_sled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));

    // The test holds sled (and its lock): a store that opened it would fail with `Locked`.
    let holder = SledStore::open(&path).expect("open");
    let mut lazy = SledStore::open_lazy(&path);
    assert_eq!(lazy.load_all().expect("load"), entries(&[("k", b"v")]));
    assert!(!lazy.opened_sled());
    assert!(matches!(
        SledStore::open(&path),
        Err(StoreError::Locked { .. })
    ));
    // An empty commit and a refused key do not need sled either.
    lazy.commit(&BTreeMap::new()).expect("empty commit");
    let mut reserved = set(&[("ok", b"1")]);
    reserved.insert("\0mine".into(), Some(b"x".to_vec()));
    assert!(matches!(
        lazy.commit(&reserved),
        Err(StoreError::InvalidKey { .. })
    ));
    assert!(!lazy.opened_sled());
    drop(lazy);
    drop(holder);

    // And it is the sidecar that answers: a (trusted) sidecar with other content is what loads.
    let other = entries(&[("from", b"the sidecar")]);
    std::fs::write(
        sidecar_path(&path),
        encode_sidecar(1, SCHEMA_VERSION, &other),
    )
    .expect("write");
    assert_eq!(lazy_load(&path), (other, false));
}

#[test]
fn a_lazy_store_on_a_missing_database_reads_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut store = SledStore::open_lazy(&path);
    assert!(store.load_all().expect("load").is_empty());
    store.commit(&BTreeMap::new()).expect("empty commit");
    assert!(!store.opened_sled());
    assert!(!path.exists(), "nothing created");
    // The first real commit creates the database and its sidecar.
    store.commit(&set(&[("k", b"v")])).expect("commit");
    drop(store);
    assert!(SledStore::exists(&path));
    assert_repaired(&path, &entries(&[("k", b"v")]));
}

/// The files a commit from P to N leaves when killed at one point.
struct CrashPoint {
    name: &'static str,
    /// Whether sled's batch is in (sled holds N, else P).
    sled_committed: bool,
    /// Whether `snapshot` holds N (else P).
    sidecar_new: bool,
    marker: bool,
    /// A leftover `snapshot.tmp`: this many bytes of N's sidecar.
    partial_tmp: Option<usize>,
}

#[test]
fn every_crash_point_of_a_commit_reads_the_right_commit_and_is_repaired() {
    let points = [
        CrashPoint {
            name: "before the marker",
            sled_committed: false,
            sidecar_new: false,
            marker: false,
            partial_tmp: None,
        },
        CrashPoint {
            name: "after the marker, before sled's batch (or a batch that did not land)",
            sled_committed: false,
            sidecar_new: false,
            marker: true,
            partial_tmp: None,
        },
        CrashPoint {
            name: "after sled's batch, before the sidecar",
            sled_committed: true,
            sidecar_new: false,
            marker: true,
            partial_tmp: None,
        },
        CrashPoint {
            name: "while writing the sidecar",
            sled_committed: true,
            sidecar_new: false,
            marker: true,
            partial_tmp: Some(40),
        },
        CrashPoint {
            name: "after the sidecar is written, before its rename",
            sled_committed: true,
            sidecar_new: false,
            marker: true,
            partial_tmp: Some(usize::MAX),
        },
        CrashPoint {
            name: "after the rename, before the marker is removed",
            sled_committed: true,
            sidecar_new: true,
            marker: true,
            partial_tmp: None,
        },
        CrashPoint {
            name: "after the marker is removed",
            sled_committed: true,
            sidecar_new: true,
            marker: false,
            partial_tmp: None,
        },
    ];
    for point in points {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
        let sidecar_p = std::fs::read(sidecar_path(&path)).expect("sidecar P");
        let sidecar_n = encode_sidecar(1, SCHEMA_VERSION, &n());
        if point.sled_committed {
            commit(&path, &p_to_n());
        }
        let sidecar = if point.sidecar_new {
            &sidecar_n
        } else {
            &sidecar_p
        };
        std::fs::write(sidecar_path(&path), sidecar).expect("sidecar");
        if point.marker {
            std::fs::write(marker_path(&path), b"").expect("marker");
        }
        if let Some(len) = point.partial_tmp {
            let len = len.min(sidecar_n.len());
            std::fs::write(path.join("snapshot.tmp"), &sidecar_n[..len]).expect("tmp");
        }

        let expected = if point.sled_committed { n() } else { p() };
        let (loaded, opened) = lazy_load(&path);
        assert_eq!(loaded, expected, "killed {}", point.name);
        assert_eq!(
            opened, point.marker,
            "killed {}: sled is read exactly when the marker is there",
            point.name
        );
        assert_repaired(&path, &expected);
        assert_eq!(sled_entries(&path), expected, "killed {}", point.name);
    }
}

#[test]
fn a_damaged_or_foreign_sidecar_is_never_trusted() {
    let good = encode_sidecar(1, SCHEMA_VERSION, &n());
    let stale = encode_sidecar(1, SCHEMA_VERSION, &p());
    let mut flipped_payload = stale.clone();
    let last = flipped_payload.len() - 1;
    flipped_payload[last] ^= 0x20;
    let mut flipped_crc = stale.clone();
    flipped_crc[29] ^= 1;
    let mut extended = stale.clone();
    extended.push(0);
    let mut variants: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("a flipped payload byte".into(), flipped_payload),
        ("a flipped checksum byte".into(), flipped_crc),
        ("a byte too many".into(), extended),
        (
            "an unknown format version".into(),
            encode_sidecar(2, SCHEMA_VERSION, &p()),
        ),
        (
            "a newer schema version".into(),
            encode_sidecar(1, SCHEMA_VERSION + 1, &p()),
        ),
        ("not a sidecar".into(), b"SQLite format 3\0".to_vec()),
    ];
    for len in [8, 31, 32, 40, good.len() - 1] {
        variants.push((format!("truncated to {len} bytes"), good[..len].to_vec()));
    }
    for (name, bytes) in variants {
        // (The test's own reader agrees, except for versions it does not check.)
        assert!(decode_sidecar(&bytes).is_none() || name.contains("schema version"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
        commit(&path, &p_to_n());
        std::fs::write(sidecar_path(&path), &bytes).expect("write");
        assert_eq!(lazy_load(&path), (n(), true), "{name}");
        assert_repaired(&path, &n());
    }
}

#[test]
fn a_missing_sidecar_is_rebuilt_and_a_leftover_temporary_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    // A database written before sidecars existed.
    std::fs::remove_file(sidecar_path(&path)).expect("rm");
    assert_eq!(lazy_load(&path), (entries(&[("k", b"v")]), true));
    assert_repaired(&path, &entries(&[("k", b"v")]));

    // A temporary left by a repair or commit killed before its rename (without a marker: a repair) is
    // never read, and the next write replaces it.
    std::fs::write(path.join("snapshot.tmp"), b"garbage").expect("tmp");
    assert_eq!(lazy_load(&path), (entries(&[("k", b"v")]), false));
    let mut store = SledStore::open_lazy(&path);
    store.load_all().expect("load");
    store.commit(&set(&[("k", b"w")])).expect("commit");
    drop(store);
    assert_repaired(&path, &entries(&[("k", b"w")]));
}

#[test]
fn a_sidecar_that_cannot_be_written_leaves_the_marker_and_sled_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"1")]));
    // The temporary cannot be created: the sidecar stays at the old commit.
    std::fs::create_dir(path.join("snapshot.tmp")).expect("mkdir");
    let mut store = SledStore::open_lazy(&path);
    store.load_all().expect("load");
    store
        .commit(&set(&[("k", b"2")]))
        .expect("the commit itself succeeds");
    drop(store);
    assert!(marker_path(&path).exists(), "the marker stays");
    assert_eq!(
        read_sidecar(&path).map(|(_, e)| e),
        Some(entries(&[("k", b"1")]))
    );
    // Sled answers (the repair fails the same way, and is retried later).
    assert_eq!(lazy_load(&path), (entries(&[("k", b"2")]), true));
    assert_eq!(lazy_load(&path), (entries(&[("k", b"2")]), true));
    std::fs::remove_dir(path.join("snapshot.tmp")).expect("rmdir");
    assert_eq!(lazy_load(&path), (entries(&[("k", b"2")]), true));
    assert_repaired(&path, &entries(&[("k", b"2")]));
}

#[test]
fn a_newer_schema_in_sled_is_refused_by_a_lazy_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    {
        let db = raw_open(&path).expect("raw open");
        db.insert(SCHEMA_KEY, format!("{}", SCHEMA_VERSION + 1).as_bytes())
            .expect("insert");
        db.flush().expect("flush");
    }
    // A newer library would have marked its commit: the sidecar is not trusted, sled refuses.
    std::fs::write(marker_path(&path), b"").expect("marker");
    let err = SledStore::open_lazy(&path)
        .load_all()
        .expect_err("newer schema");
    assert!(
        matches!(err, StoreError::Schema { found, .. } if found == SCHEMA_VERSION + 1),
        "{err:?}"
    );
    assert!(marker_path(&path).exists(), "nothing repaired");
}

#[test]
fn prefetch_opens_sled_in_the_background_for_the_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("count", b"1")]));
    let mut store = SledStore::open_lazy(&path);
    let loaded = store.load_all().expect("load");
    assert!(!store.opened_sled());
    store.prefetch();
    assert!(store.opened_sled());
    store.prefetch(); // idempotent
    let next = loaded["count"][0] + 1;
    store.commit(&set(&[("count", &[next])])).expect("commit");
    store
        .commit(&set(&[("more", b"x")]))
        .expect("second commit");
    assert_eq!(
        store.load_all().expect("load"),
        entries(&[("count", b"2"), ("more", b"x")])
    );
    drop(store);
    assert_repaired(&path, &entries(&[("count", b"2"), ("more", b"x")]));
}

#[test]
fn prefetch_marks_the_commit_early_and_a_commit_that_does_not_come_unmarks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    let mut store = SledStore::open_lazy(&path);
    store.load_all().expect("load");
    store.prefetch();
    // The background thread creates the marker once sled is open, before any commit.
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !marker_path(&path).exists() && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(marker_path(&path).exists(), "no marker before the commit");
    drop(store);
    // No commit came: sled did not change, and the sidecar is trusted again.
    assert_repaired(&path, &entries(&[("k", b"v")]));

    // With the commit, the early marker is the commit's marker.
    let mut store = SledStore::open_lazy(&path);
    store.load_all().expect("load");
    store.prefetch();
    store.commit(&set(&[("k", b"w")])).expect("commit");
    assert!(!marker_path(&path).exists());
    drop(store);
    assert_repaired(&path, &entries(&[("k", b"w")]));
}

#[test]
fn prefetch_never_creates_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut store = SledStore::open_lazy(&path);
    store.prefetch();
    assert!(!store.opened_sled());
    drop(store);
    assert!(
        !path.exists(),
        "a hook that commits nothing leaves no database"
    );
}

#[test]
fn dropping_a_store_waits_for_its_background_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    // While the test holds sled, the background open waits for the lock (LOCK_WAIT), then fails.
    let holder = SledStore::open(&path).expect("open");
    let mut store = SledStore::open_lazy(&path);
    store.prefetch();
    assert!(store.opened_sled());
    let started = Instant::now();
    drop(store); // must wait for the thread, and swallow its error
    let waited = started.elapsed();
    assert!(
        waited >= LOCK_WAIT / 2,
        "the drop returned after {waited:?}, without waiting for the open"
    );
    drop(holder);
    assert_eq!(sled_entries(&path), entries(&[("k", b"v")]));
}

#[test]
fn errors_of_a_background_open_surface_at_the_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    {
        let db = raw_open(&path).expect("raw open");
        db.insert(SCHEMA_KEY, format!("{}", SCHEMA_VERSION + 1).as_bytes())
            .expect("insert");
        db.flush().expect("flush");
    }
    let mut store = SledStore::open_lazy(&path);
    store.prefetch();
    assert!(store.opened_sled(), "the open runs in the background");
    let err = store
        .commit(&set(&[("k", b"w")]))
        .expect_err("newer schema");
    assert!(
        matches!(err, StoreError::Schema { found, .. } if found == SCHEMA_VERSION + 1),
        "{err:?}"
    );

    // Opened when needed instead (nothing to prefetch), the error is the same kind as `open`'s.
    let path = dir.path().join("a-file");
    std::fs::write(&path, b"a file, not a database").expect("write");
    let mut store = SledStore::open_lazy(&path);
    store.prefetch();
    let err = store
        .commit(&set(&[("k", b"v")]))
        .expect_err("not a directory");
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("a-file"), "{err}");
    assert!(SledStore::open_lazy(&path).load_all().is_err());
}

#[test]
fn a_commit_after_another_process_committed_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("count", b"1")]));
    // Two hooks read the same state concurrently (Juju never does this): the second to commit fails.
    let mut first = SledStore::open_lazy(&path);
    let mut second = SledStore::open_lazy(&path);
    assert_eq!(first.load_all().expect("load"), entries(&[("count", b"1")]));
    assert_eq!(
        second.load_all().expect("load"),
        entries(&[("count", b"1")])
    );
    second.commit(&set(&[("count", b"2")])).expect("commit");
    drop(second);
    let err = first
        .commit(&set(&[("count", b"2"), ("other", b"x")]))
        .expect_err("conflict");
    assert!(
        matches!(&err, StoreError::Conflict { path: p } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was written"), "{err}");
    drop(first);
    assert_eq!(sled_entries(&path), entries(&[("count", b"2")]));
    assert_repaired(&path, &entries(&[("count", b"2")]));

    // A verified sidecar that nobody changed since the load, while sled differs from it: sled lost
    // the commit the sidecar vouches for (issue 11, item 2). The newest verified copy wins: sled is
    // restored from it and the commit goes on, instead of the sidecar being overwritten with sled's
    // older state.
    std::fs::write(
        sidecar_path(&path),
        encode_sidecar(1, SCHEMA_VERSION, &entries(&[("count", b"9")])),
    )
    .expect("write");
    let mut store = SledStore::open_lazy(&path);
    assert_eq!(store.load_all().expect("load"), entries(&[("count", b"9")]));
    store.commit(&set(&[("count", b"10")])).expect("commit");
    drop(store);
    assert_eq!(sled_entries(&path), entries(&[("count", b"10")]));
    assert_repaired(&path, &entries(&[("count", b"10")]));

    // Also from a missing database: both read it empty, the first commit creates it.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut first = SledStore::open_lazy(&path);
    let mut second = SledStore::open_lazy(&path);
    assert!(first.load_all().expect("load").is_empty());
    assert!(second.load_all().expect("load").is_empty());
    second.commit(&set(&[("k", b"2")])).expect("commit");
    drop(second);
    assert!(matches!(
        first.commit(&set(&[("k", b"1")])),
        Err(StoreError::Conflict { .. })
    ));
}

/// Commit P, then N; the byte ranges of sled's log that N's commit wrote.
fn p_then_n(path: &Path) -> Vec<std::ops::Range<usize>> {
    commit(path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
    let after_p = std::fs::read(path.join("db")).expect("log");
    commit(path, &p_to_n());
    let after_n = std::fs::read(path.join("db")).expect("log");
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, byte) in after_n.iter().enumerate() {
        if after_p.get(i) != Some(byte) {
            match ranges.last_mut() {
                Some(r) if r.end == i => r.end = i + 1,
                _ => ranges.push(i..i + 1),
            }
        }
    }
    ranges
}

/// Issue 11, item 2: damage to the end of sled's log (the bytes its last commit wrote) must not
/// lose that commit when the verified sidecar holds it, nor overwrite the sidecar with sled's
/// older state: the next commit builds on the newest verified copy.
#[test]
fn damage_at_the_end_of_sleds_log_recovers_from_the_sidecar() {
    let mut expected = n();
    expected.insert("c".into(), b"3".to_vec());
    for (trial, damage) in [(0, 1usize), (1, 4), (2, 16), (3, usize::MAX)]
        .into_iter()
        .enumerate()
    {
        let dir = tempfile::tempdir().expect("tmp");
        let path = db_path(&dir);
        let written = p_then_n(&path);
        let mut log = std::fs::read(path.join("db")).expect("log");
        // Flip the last `damage` bytes N wrote (its last range), from its end backwards.
        let last = written.last().cloned().expect("N wrote to the log");
        for i in last.clone().rev().take(damage.1) {
            log[i] ^= 0x5A;
        }
        std::fs::write(path.join("db"), &log).expect("damage");
        let mut store = SledStore::open_lazy(&path);
        let loaded = store.load_all().expect("load");
        assert_eq!(
            loaded,
            n(),
            "trial {trial}: the load serves the last commit"
        );
        let result = store.commit(&set(&[("c", b"3")]));
        drop(store);
        let sidecar = read_sidecar(&path).map(|(_, e)| e);
        let sled = SledStore::open(&path).and_then(|mut s| s.load_all());
        assert_eq!(
            (
                result.map_err(|e| e.to_string()),
                sidecar,
                sled.map_err(|e| e.to_string())
            ),
            (Ok(()), Some(expected.clone()), Ok(expected.clone())),
            "trial {trial} (last range {last:?})"
        );
    }
}

/// Issue 11, item 2: a sled database that no longer opens is rebuilt from the verified sidecar
/// (the damaged one kept aside), instead of wedging the unit.
#[test]
fn a_sled_database_that_does_not_open_is_rebuilt_from_the_sidecar() {
    for marker in [false, true] {
        let dir = tempfile::tempdir().expect("tmp");
        let path = db_path(&dir);
        p_then_n(&path);
        let len = std::fs::metadata(path.join("db")).expect("log").len();
        std::fs::write(path.join("db"), vec![0xA5u8; len as usize]).expect("damage");
        for entry in std::fs::read_dir(&path).expect("list") {
            let name = entry.expect("entry").file_name();
            if name.to_string_lossy().starts_with("snap.") {
                std::fs::write(path.join(&name), b"garbage").expect("damage snapshot");
            }
        }
        if marker {
            std::fs::write(marker_path(&path), b"").expect("marker");
        }
        let mut store = SledStore::open_lazy(&path);
        let loaded = store.load_all().expect("load");
        assert_eq!(loaded, n(), "marker {marker}");
        store.commit(&set(&[("c", b"3")])).expect("commit");
        drop(store);
        let mut expected = n();
        expected.insert("c".into(), b"3".to_vec());
        assert_eq!(sled_entries(&path), expected, "marker {marker}");
        assert_repaired(&path, &expected);
        let kept = std::fs::read_dir(dir.path())
            .expect("list")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().contains(".damaged"))
            })
            .count();
        assert_eq!(kept, 1, "the damaged database is kept aside");
    }
}

/// The hole the generation number closes: sled loses its last commit (damage at the end of its
/// log) while a `committing` marker exists (a later hook was killed mid-commit, or an older
/// version left one). Trusting sled then served the older state P, silently, and overwrote the
/// verified copy of N with it. The newest verified copy must win.
#[test]
fn sled_losing_a_commit_while_a_marker_exists_does_not_win_over_the_newer_copy() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = db_path(&dir);
    let written = p_then_n(&path);
    let mut log = std::fs::read(path.join("db")).expect("log");
    let last = written.last().cloned().expect("N wrote to the log");
    for i in last {
        log[i] ^= 0x5A;
    }
    std::fs::write(path.join("db"), &log).expect("damage");
    std::fs::write(marker_path(&path), b"").expect("marker");
    let mut store = SledStore::open_lazy(&path);
    assert_eq!(store.load_all().expect("load"), n(), "the newest verified copy wins");
    store.commit(&set(&[("c", b"3")])).expect("commit");
    drop(store);
    let mut expected = n();
    expected.insert("c".into(), b"3".to_vec());
    assert_eq!(sled_entries(&path), expected, "sled is brought up to date");
    assert_eq!(lazy_load(&path).0, expected);
}
