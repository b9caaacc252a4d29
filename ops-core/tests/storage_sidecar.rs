//! The two checksummed copies of `SledStore` (its primary record): lazy loads and commits served
//! without opening sled, sled brought up to date every `SLED_SYNC_INTERVAL` commits, and every state
//! a crash or damage can leave, simulated deterministically by writing the files it leaves (a torn,
//! older, damaged or missing copy, a format-1 sidecar and its marker): each must read as the right
//! commit and be repaired.
//!
//! "sled was not opened" is shown without timing: `SledStore::opened_sled`, and loads and commits
//! that succeed while the test itself holds sled's lock (any open would fail with `Locked`).

mod storage_support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ops_core::storage::{
    SledStore, Store, StoreError, SCHEMA_KEY, SCHEMA_VERSION, SLED_SYNC_INTERVAL,
};
use storage_support::{
    db_path, decode_copy, encode_copy, encode_format_1, entries, marker_path, newest_copy,
    raw_open, raw_sled_entries, raw_sled_generation, read_copies, read_sidecar, second_copy_path,
    set, sidecar_path,
};

type Entries = BTreeMap<String, Vec<u8>>;

/// A commit through a store that opens sled at once (so sled is brought up to date too).
fn commit(path: &Path, changes: &ops_core::storage::Changes) {
    SledStore::open(path)
        .expect("open")
        .commit(changes)
        .expect("commit");
}

/// A commit through a lazy store (what a hook does); whether it opened sled.
fn lazy_commit(path: &Path, changes: &ops_core::storage::Changes) -> bool {
    let mut store = SledStore::open_lazy(path);
    store.load_all().expect("load");
    store.commit(changes).expect("commit");
    store.opened_sled()
}

/// What an eager store loads (it reconciles sled with the copies).
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

/// Both copies verify and hold `expected` at one generation, and a lazy load is served from them.
fn assert_repaired(path: &Path, expected: &Entries) {
    let [a, b] = read_copies(path);
    let (a, b) = (a.expect("first copy"), b.expect("second copy"));
    assert_eq!((&a.entries, &b.entries), (expected, expected));
    assert_eq!(a.generation, b.generation);
    assert_eq!(a.schema, SCHEMA_VERSION);
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
fn a_commit_leaves_two_private_copies_of_every_entry_with_its_generation() {
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
    // A marker left by an older version is removed by the next commit.
    std::fs::write(marker_path(&path), b"").expect("marker");
    let mut changes = set(&[("empty", b"now set")]);
    changes.insert("big".into(), None);
    commit(&path, &changes);
    let stored = sled_entries(&path);
    assert_eq!(stored.len(), 4);
    assert_eq!(raw_sled_entries(&path), stored);
    assert!(!marker_path(&path).exists());
    let [a, b] = read_copies(&path);
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!((a.generation, b.generation), (2, 2));
    assert_eq!((a.sled_generation, raw_sled_generation(&path)), (2, 2));
    assert_eq!(
        [a.durable, b.durable].iter().filter(|d| **d).count(),
        1,
        "one copy is synced per commit"
    );
    for file in [sidecar_path(&path), second_copy_path(&path)] {
        let mode = std::fs::metadata(&file).expect("copy").permissions().mode();
        assert_eq!(mode & 0o7777, 0o600);
    }
    assert_repaired(&path, &stored);
}

#[test]
fn lazy_loads_and_commits_do_not_touch_sled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));

    // The test holds sled (and its lock): a store that opened it would fail with `Locked`.
    let holder = SledStore::open(&path).expect("open");
    let mut lazy = SledStore::open_lazy(&path);
    assert_eq!(lazy.load_all().expect("load"), entries(&[("k", b"v")]));
    lazy.commit(&BTreeMap::new()).expect("empty commit");
    let mut reserved = set(&[("ok", b"1")]);
    reserved.insert("\0mine".into(), Some(b"x".to_vec()));
    assert!(matches!(
        lazy.commit(&reserved),
        Err(StoreError::InvalidKey { .. })
    ));
    lazy.commit(&set(&[("k", b"w")])).expect("commit");
    lazy.commit(&set(&[("k2", b"x")])).expect("a second commit");
    assert!(!lazy.opened_sled());
    drop(lazy);
    drop(holder);
    assert_eq!(newest_copy(&path).expect("copy").generation, 3);
    assert_eq!(
        raw_sled_generation(&path),
        1,
        "sled was not brought up to date"
    );

    // And it is the copies that answer: a copy with other content and a newer generation wins.
    let other = entries(&[("from", b"the copy")]);
    std::fs::write(
        second_copy_path(&path),
        encode_copy(3, SCHEMA_VERSION, true, 9, 1, &other),
    )
    .expect("write");
    assert_eq!(lazy_load(&path), (other.clone(), false));
    assert_repaired(&path, &other);
}

#[test]
fn sled_is_brought_up_to_date_every_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    assert!(
        lazy_commit(&path, &set(&[("n", b"1")])),
        "the first commit creates sled"
    );
    assert_eq!(raw_sled_generation(&path), 1);
    let mut opened = Vec::new();
    for generation in 2..=2 * SLED_SYNC_INTERVAL + 1 {
        let value = generation.to_string();
        if lazy_commit(&path, &set(&[("n", value.as_bytes())])) {
            opened.push(generation);
        }
    }
    assert_eq!(
        opened,
        [1 + SLED_SYNC_INTERVAL, 1 + 2 * SLED_SYNC_INTERVAL],
        "sled opened only on those commits"
    );
    let last = (1 + 2 * SLED_SYNC_INTERVAL).to_string();
    assert_eq!(raw_sled_generation(&path), 1 + 2 * SLED_SYNC_INTERVAL);
    assert_eq!(raw_sled_entries(&path), entries(&[("n", last.as_bytes())]));
    assert_eq!(
        newest_copy(&path).expect("copy").sled_generation,
        1 + 2 * SLED_SYNC_INTERVAL
    );
}

#[test]
fn a_lazy_store_on_a_missing_database_reads_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut store = SledStore::open_lazy(&path);
    assert!(store.load_all().expect("load").is_empty());
    store.commit(&BTreeMap::new()).expect("empty commit");
    store.prefetch();
    assert!(!store.opened_sled());
    assert!(!path.exists(), "nothing created");
    // The first real commit creates the database and its copies.
    store.commit(&set(&[("k", b"v")])).expect("commit");
    drop(store);
    assert!(SledStore::exists(&path));
    assert_eq!(raw_sled_entries(&path), entries(&[("k", b"v")]));
    assert_repaired(&path, &entries(&[("k", b"v")]));
}

/// Every state a commit from P (generation 2) to N (3) can leave, killed (or losing power) at any
/// point: the copy written first torn, holding N, or not yet written; the second likewise.
#[test]
fn every_crash_point_of_a_commit_reads_the_right_commit_and_is_repaired() {
    let torn = |bytes: Vec<u8>, len: usize| bytes[..len].to_vec();
    let p_durable = encode_copy(3, SCHEMA_VERSION, true, 2, 1, &p());
    let p_lazy = encode_copy(3, SCHEMA_VERSION, false, 2, 1, &p());
    let n_durable = encode_copy(3, SCHEMA_VERSION, true, 3, 1, &n());
    let n_lazy = encode_copy(3, SCHEMA_VERSION, false, 3, 1, &n());
    // (first copy of the commit, second copy, what must be read)
    let mut points: Vec<(String, Vec<u8>, Vec<u8>, Entries)> = vec![
        (
            "before the commit".into(),
            p_lazy.clone(),
            p_durable.clone(),
            p(),
        ),
        (
            "first copy written, not synced".into(),
            n_durable.clone(),
            p_durable.clone(),
            n(),
        ),
        (
            "second copy not written".into(),
            n_durable.clone(),
            p_durable.clone(),
            n(),
        ),
        (
            "both written".into(),
            n_durable.clone(),
            n_lazy.clone(),
            n(),
        ),
        (
            "both written, power lost before writeback".into(),
            n_durable.clone(),
            p_durable.clone(),
            n(),
        ),
    ];
    for len in [0, 8, 51, 52, 60, n_durable.len() - 1] {
        points.push((
            format!("first copy torn at {len}"),
            torn(n_durable.clone(), len),
            p_durable.clone(),
            p(),
        ));
        points.push((
            format!("second copy torn at {len}"),
            n_durable.clone(),
            torn(n_lazy.clone(), len),
            n(),
        ));
    }
    // Garbage where a write stopped in the middle (the header of N, the payload of P).
    let mut mixed = n_durable.clone();
    mixed.truncate(52);
    mixed.extend_from_slice(&p_durable[52..]);
    points.push(("first copy mixed".into(), mixed, p_durable.clone(), p()));
    for (swap, (name, first, second, expected)) in [false, true]
        .into_iter()
        .flat_map(|swap| points.clone().into_iter().map(move |p| (swap, p)))
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
        let (a, b) = if swap {
            (second, first)
        } else {
            (first, second)
        };
        std::fs::write(sidecar_path(&path), a).expect("write");
        std::fs::write(second_copy_path(&path), b).expect("write");
        assert_eq!(
            lazy_load(&path),
            (expected.clone(), false),
            "{name} (swap {swap})"
        );
        assert_repaired(&path, &expected);
        // The next commit builds on it.
        lazy_commit(&path, &set(&[("c", b"3")]));
        let mut next = expected.clone();
        next.insert("c".into(), b"3".to_vec());
        assert_repaired(&path, &next);
    }
}

#[test]
fn a_damaged_or_foreign_copy_is_never_used_and_the_other_answers() {
    let good = encode_copy(3, SCHEMA_VERSION, true, 2, 2, &n());
    let mut flipped_payload = good.clone();
    let last = flipped_payload.len() - 1;
    flipped_payload[last] ^= 0x20;
    let mut flipped_crc = good.clone();
    flipped_crc[49] ^= 1;
    let mut flipped_generation = good.clone();
    flipped_generation[16] ^= 0x40;
    let mut extended = good.clone();
    extended.push(0);
    let mut variants: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("a flipped payload byte".into(), flipped_payload),
        ("a flipped checksum byte".into(), flipped_crc),
        ("a flipped generation bit".into(), flipped_generation),
        ("a byte too many".into(), extended),
        (
            "an unknown format version".into(),
            encode_copy(4, SCHEMA_VERSION, true, 9, 2, &p()),
        ),
        (
            "a newer schema version".into(),
            encode_copy(3, SCHEMA_VERSION + 1, true, 9, 2, &p()),
        ),
        ("not a copy".into(), b"SQLite format 3\0".to_vec()),
    ];
    for len in [8, 31, 51, 52, 60, good.len() - 1] {
        variants.push((format!("truncated to {len} bytes"), good[..len].to_vec()));
    }
    for (name, bytes) in variants {
        // (The test's own reader agrees, except for versions it does not check.)
        assert!(decode_copy(&bytes).is_none() || name.contains("schema version"));
        for copy in [sidecar_path, second_copy_path] {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = db_path(&dir);
            commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
            commit(&path, &p_to_n());
            std::fs::write(copy(&path), &bytes).expect("write");
            assert_eq!(lazy_load(&path), (n(), false), "{name}");
            assert_repaired(&path, &n());
        }
        // Both damaged: sled answers (here it holds the last commit: it was open for it).
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
        commit(&path, &p_to_n());
        std::fs::write(sidecar_path(&path), &bytes).expect("write");
        std::fs::write(second_copy_path(&path), &bytes).expect("write");
        if name.contains("schema version") {
            // A newer library's state: sled (written by this one) still says version 1.
            assert_eq!(lazy_load(&path), (n(), true), "{name}");
        } else {
            assert_eq!(lazy_load(&path), (n(), true), "{name}");
        }
        assert_repaired(&path, &n());
    }
}

/// Both copies lost after lazy commits: sled answers as of its last update (the limit of the
/// design, said at ERROR), and the copies are rewritten from it.
#[test]
fn both_copies_lost_fall_back_to_sleds_last_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"1")]));
    lazy_commit(&path, &set(&[("k", b"2")]));
    std::fs::remove_file(sidecar_path(&path)).expect("rm");
    std::fs::write(second_copy_path(&path), b"garbage").expect("damage");
    assert_eq!(lazy_load(&path), (entries(&[("k", b"1")]), true));
    assert_repaired(&path, &entries(&[("k", b"1")]));
    assert_eq!(newest_copy(&path).expect("copy").generation, 1);
}

/// A unit written by a version with one sidecar (format 1) and a `committing` marker: sled held
/// every commit then, so it is read, and the copies are written from it.
#[test]
fn a_format_1_sidecar_is_replaced_from_sled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    std::fs::remove_file(second_copy_path(&path)).expect("rm");
    std::fs::write(
        sidecar_path(&path),
        encode_format_1(SCHEMA_VERSION, &entries(&[("k", b"stale")])),
    )
    .expect("write");
    std::fs::write(marker_path(&path), b"").expect("marker");
    assert_eq!(lazy_load(&path), (entries(&[("k", b"v")]), true));
    assert_repaired(&path, &entries(&[("k", b"v")]));
    lazy_commit(&path, &set(&[("k", b"w")]));
    assert!(!marker_path(&path).exists());
    assert_repaired(&path, &entries(&[("k", b"w")]));
}

#[test]
fn format_2_copies_of_the_previous_version_are_read_and_the_next_commit_writes_format_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("a", b"1"), ("b", b"1"), ("gone", b"x")]));
    // What the previous version's commit of N left: two unpadded copies, sled one commit behind.
    let durable = encode_copy(2, SCHEMA_VERSION, true, 3, 1, &n());
    let lazy = encode_copy(2, SCHEMA_VERSION, false, 3, 1, &n());
    assert_ne!(durable.len() % 4096, 0, "unpadded");
    std::fs::write(sidecar_path(&path), &durable).expect("write");
    std::fs::write(second_copy_path(&path), &lazy).expect("write");
    assert_eq!(lazy_load(&path), (n(), false), "read without sled, as N");
    lazy_commit(&path, &set(&[("c", b"3")]));
    let mut next = n();
    next.insert("c".into(), b"3".to_vec());
    assert_repaired(&path, &next);
    for copy in [sidecar_path(&path), second_copy_path(&path)] {
        let bytes = std::fs::read(&copy).expect("read");
        assert_eq!(&bytes[..8], b"OPSSNAP\x03", "{copy:?}");
        assert_eq!(bytes.len(), 4096, "{copy:?} padded to a block");
    }
}

#[test]
fn commits_within_a_block_keep_the_copies_lengths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    let lengths = || {
        [sidecar_path(&path), second_copy_path(&path)]
            .map(|p| std::fs::metadata(p).expect("stat").len())
    };
    let mut value = Vec::new();
    for _ in 0..20 {
        value.extend_from_slice(b"grows by some bytes, ");
        lazy_commit(&path, &set(&[("k", &value)]));
        assert_eq!(lengths(), [4096, 4096]);
    }
    lazy_commit(&path, &set(&[("k", &[b'x'; 5000])]));
    assert_eq!(lengths(), [8192, 8192]);
    lazy_commit(&path, &set(&[("k", b"small again")]));
    assert_eq!(lengths(), [4096, 4096]);
    assert_repaired(&path, &entries(&[("k", b"small again")]));
}

#[test]
fn a_copy_that_cannot_be_written_fails_the_commit_and_the_other_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"1")]));
    commit(&path, &set(&[("k", b"2")]));
    // Whichever copy the next commit writes first, it cannot: a directory stands in its place.
    for file in [sidecar_path(&path), second_copy_path(&path)] {
        let saved = std::fs::read(&file).expect("read");
        std::fs::remove_file(&file).expect("rm");
        std::fs::create_dir(&file).expect("mkdir");
        let mut store = SledStore::open_lazy(&path);
        assert_eq!(store.load_all().expect("load"), entries(&[("k", b"2")]));
        let first = store.commit(&set(&[("k", b"3")]));
        drop(store);
        std::fs::remove_dir(&file).expect("rmdir");
        std::fs::write(&file, saved).expect("restore");
        match first {
            // It was written first: nothing committed.
            Err(StoreError::Io { .. }) => {
                assert_eq!(lazy_load(&path).0, entries(&[("k", b"2")]))
            }
            // The other was written first (durably): the commit stands, the broken copy is
            // repaired from it.
            Ok(()) => {
                assert_eq!(lazy_load(&path).0, entries(&[("k", b"3")]));
                // back to k=2 for the next round
                lazy_commit(&path, &set(&[("k", b"2")]));
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

#[test]
fn a_newer_schema_in_sled_is_refused_when_sled_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    {
        let db = raw_open(&path).expect("raw open");
        db.insert(SCHEMA_KEY, format!("{}", SCHEMA_VERSION + 1).as_bytes())
            .expect("insert");
        db.flush().expect("flush");
    }
    // A newer library's copies are not understood: sled answers, and refuses.
    for file in [sidecar_path(&path), second_copy_path(&path)] {
        std::fs::write(file, encode_copy(9, SCHEMA_VERSION + 1, true, 9, 9, &n())).expect("w");
    }
    let err = SledStore::open_lazy(&path)
        .load_all()
        .expect_err("newer schema");
    assert!(
        matches!(err, StoreError::Schema { found, .. } if found == SCHEMA_VERSION + 1),
        "{err:?}"
    );
    assert!(read_sidecar(&path).is_none(), "nothing repaired");
}

#[test]
fn prefetch_opens_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    let holder = SledStore::open(&path).expect("open");
    let mut store = SledStore::open_lazy(&path);
    store.prefetch();
    assert!(!store.opened_sled());
    store.load_all().expect("load");
    store.commit(&set(&[("k", b"w")])).expect("commit");
    assert!(!store.opened_sled());
    drop(holder);
}

#[test]
fn errors_of_opening_sled_surface_at_the_commit_that_needs_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a-file");
    std::fs::write(&path, b"a file, not a database").expect("write");
    let mut store = SledStore::open_lazy(&path);
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
    assert_repaired(&path, &entries(&[("count", b"2")]));

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

/// The dispatcher holds the state's lock for the whole hook, so its store skips the check above
/// (reading both copies again in every commit); a lock of another state does not.
#[test]
fn a_store_under_its_state_lock_does_not_check_for_other_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    commit(&path, &set(&[("count", b"1")]));
    let lock = ops_core::storage::StateLock::acquire(&path, std::time::Duration::ZERO)
        .expect("the state's lock");
    let mut locked = SledStore::open_lazy(&path).under_lock(&lock);
    assert_eq!(
        locked.load_all().expect("load"),
        entries(&[("count", b"1")])
    );
    // Something ignoring the lock commits meanwhile (what the lock rules out).
    let mut rogue = SledStore::open_lazy(&path);
    rogue.load_all().expect("load");
    rogue.commit(&set(&[("rogue", b"x")])).expect("commit");
    drop(rogue);
    locked
        .commit(&set(&[("count", b"2")]))
        .expect("no check under the lock: the last commit wins");
    drop(locked);
    drop(lock);
    assert_repaired(&path, &entries(&[("count", b"2")]));

    // The lock of another state is no reason to skip it.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other =
        ops_core::storage::StateLock::acquire(&db_path(&other_dir), std::time::Duration::ZERO)
            .expect("another state's lock");
    let mut store = SledStore::open_lazy(&path).under_lock(&other);
    store.load_all().expect("load");
    let mut second = SledStore::open_lazy(&path);
    second.load_all().expect("load");
    second.commit(&set(&[("count", b"3")])).expect("commit");
    drop(second);
    assert!(matches!(
        store.commit(&set(&[("count", b"4")])),
        Err(StoreError::Conflict { .. })
    ));
}

/// Commit P, then N (sled open, so brought up to date by both); the byte ranges of sled's log that
/// N's update wrote.
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

/// Flip the last `count` bytes of the last range N's update wrote to sled's log.
fn damage_end_of_log(path: &Path, written: &[std::ops::Range<usize>], count: usize) {
    let mut log = std::fs::read(path.join("db")).expect("log");
    let last = written.last().cloned().expect("N wrote to the log");
    for i in last.rev().take(count) {
        log[i] ^= 0x5A;
    }
    std::fs::write(path.join("db"), &log).expect("damage");
}

/// Issue 11, item 2: damage to the end of sled's log (the bytes its last update wrote) must not
/// lose that commit, which the copies hold, nor overwrite them with sled's older state.
#[test]
fn damage_at_the_end_of_sleds_log_recovers_from_the_copies() {
    let mut expected = n();
    expected.insert("c".into(), b"3".to_vec());
    for (trial, damage) in [1usize, 4, 16, usize::MAX].into_iter().enumerate() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = db_path(&dir);
        let written = p_then_n(&path);
        damage_end_of_log(&path, &written, damage);
        let mut store = SledStore::open_lazy(&path);
        let loaded = store.load_all().expect("load");
        assert_eq!(
            loaded,
            n(),
            "trial {trial}: the load serves the last commit"
        );
        let result = store.commit(&set(&[("c", b"3")]));
        drop(store);
        let sled = SledStore::open(&path).and_then(|mut s| s.load_all());
        assert_eq!(
            (
                result.map_err(|e| e.to_string()),
                read_sidecar(&path).map(|(_, e)| e),
                sled.map_err(|e| e.to_string())
            ),
            (Ok(()), Some(expected.clone()), Ok(expected.clone())),
            "trial {trial}"
        );
        assert_eq!(
            raw_sled_entries(&path),
            expected,
            "trial {trial}: sled restored"
        );
    }
}

/// The hole the generation number closes: sled loses its last update (damage at the end of its
/// log) while a `committing` marker exists (left by an older version's interrupted commit). The
/// format-1 protocol trusted sled then, served the older state P silently and overwrote the
/// verified copy of N with it. The newest verified copy must win, and sled be restored (at ERROR).
#[test]
fn sled_losing_a_commit_while_a_marker_exists_does_not_win_over_the_newer_copy() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = db_path(&dir);
    let written = p_then_n(&path);
    damage_end_of_log(&path, &written, usize::MAX);
    std::fs::write(marker_path(&path), b"").expect("marker");
    assert_eq!(raw_sled_generation(&path), 1, "sled lost N's update");
    let mut store = SledStore::open_lazy(&path);
    assert_eq!(
        store.load_all().expect("load"),
        n(),
        "the newest verified copy wins"
    );
    store.commit(&set(&[("c", b"3")])).expect("commit");
    drop(store);
    let mut expected = n();
    expected.insert("c".into(), b"3".to_vec());
    assert_eq!(sled_entries(&path), expected);
    assert_eq!(
        raw_sled_entries(&path),
        expected,
        "sled is brought up to date"
    );
    assert_eq!(raw_sled_generation(&path), 3);
    assert_eq!(lazy_load(&path).0, expected);
}

/// Issue 11, item 2: a sled database that no longer opens is rebuilt from the newest verified copy
/// (the damaged one kept aside), instead of wedging the unit.
#[test]
fn a_sled_database_that_does_not_open_is_rebuilt_from_the_copies() {
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
    // A lazy hook does not notice (it does not open sled) ...
    assert_eq!(lazy_load(&path), (n(), false));
    // ... the next one that opens sled rebuilds it.
    let mut store = SledStore::open(&path).expect("open rebuilds");
    assert_eq!(store.load_all().expect("load"), n());
    store.commit(&set(&[("c", b"3")])).expect("commit");
    drop(store);
    let mut expected = n();
    expected.insert("c".into(), b"3".to_vec());
    assert_eq!(raw_sled_entries(&path), expected);
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

/// A database whose two copies are both gone (deleted by hand, or restored from a backup that
/// kept only sled's files) still exists: a lazy load (what a hook does) reads sled, which held
/// the last commit, and rewrites the copies from it, so that the next hook is served from them
/// without opening sled. Also when that last commit deleted every key.
#[test]
fn a_database_without_its_copies_is_read_from_sled() {
    let mut delete_all = ops_core::storage::Changes::new();
    delete_all.insert("k".to_string(), None);
    for (last, expected) in [
        (set(&[("k", b"v")]), entries(&[("k", b"v")])),
        (delete_all, Entries::new()),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        commit(&path, &set(&[("k", b"first")]));
        commit(&path, &last);
        std::fs::remove_file(sidecar_path(&path)).expect("rm");
        std::fs::remove_file(second_copy_path(&path)).expect("rm");
        assert!(SledStore::exists(&path));
        assert_eq!(lazy_load(&path), (expected.clone(), true));
        assert_repaired(&path, &expected);
        assert_eq!(newest_copy(&path).expect("copy").generation, 2);
    }
}

/// An empty state directory (a unit's first commit killed right after creating it): nothing was
/// ever stored. It does not count as a database, and a lazy load reads it as empty without
/// opening sled or creating anything in it.
#[test]
fn an_empty_state_directory_reads_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    std::fs::create_dir(&path).expect("mkdir");
    assert!(!SledStore::exists(&path));
    assert_eq!(lazy_load(&path), (Entries::new(), false));
    let created: Vec<_> = std::fs::read_dir(&path)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(created, Vec::<std::ffi::OsString>::new(), "nothing created");
}

/// sled holds a newer commit than both verified copies (copies restored from an older backup, or
/// a disk that lost their last writes but kept sled's): when sled is opened, the newest
/// generation wins, so no commit is lost; the copies are rewritten from sled.
#[test]
fn sled_newer_than_both_copies_wins_and_the_copies_are_rewritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"1")]));
    commit(&path, &set(&[("k", b"2")]));
    assert_eq!(raw_sled_generation(&path), 2);
    let older = encode_copy(3, SCHEMA_VERSION, true, 1, 1, &entries(&[("k", b"1")]));
    std::fs::write(sidecar_path(&path), &older).expect("restore an older copy");
    std::fs::write(second_copy_path(&path), &older).expect("restore an older copy");
    assert_eq!(
        sled_entries(&path),
        entries(&[("k", b"2")]),
        "sled's newer commit wins"
    );
    assert_eq!(
        raw_sled_entries(&path),
        entries(&[("k", b"2")]),
        "and sled keeps it"
    );
    assert_repaired(&path, &entries(&[("k", b"2")]));
    assert_eq!(newest_copy(&path).expect("copy").generation, 2);
}

/// sled refusing a database for a reason other than damage (here: one made with another segment
/// size, which sled reports as unsupported): the error is reported and nothing is moved aside or
/// rebuilt, although a copy verifies. Only damage is repaired by a rebuild.
#[test]
fn a_database_sled_refuses_without_damage_is_reported_not_rebuilt() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = db_path(&dir);
    commit(&path, &set(&[("k", b"v")]));
    let first = std::fs::read(sidecar_path(&path)).expect("copy");
    let second = std::fs::read(second_copy_path(&path)).expect("copy");
    std::fs::remove_dir_all(&path).expect("rm");
    drop(
        sled::Config::new()
            .path(&path)
            .segment_size(1 << 16)
            .open()
            .expect("sled with another segment size"),
    );
    std::fs::write(sidecar_path(&path), &first).expect("copy");
    std::fs::write(second_copy_path(&path), &second).expect("copy");
    let err = SledStore::open(&path).expect_err("unsupported");
    assert!(
        matches!(
            &err,
            StoreError::Sled {
                source: sled::Error::Unsupported(_),
                ..
            }
        ),
        "{err:?}"
    );
    let aside = std::fs::read_dir(dir.path())
        .expect("list")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains(".damaged"))
        })
        .count();
    assert_eq!(aside, 0, "nothing moved aside");
    // The copies still answer a hook that does not need sled.
    assert_eq!(lazy_load(&path), (entries(&[("k", b"v")]), false));
}
