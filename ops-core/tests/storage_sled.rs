//! `SledStore`: round trips, reopening, the schema version, file modes and the process lock.
//!
//! Some tests need a second process: this test binary re-invokes itself (`current_exe()`) to run only
//! [`child_process`], which does what `OPS_STORAGE_CHILD` asks and is a no-op in a normal run.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ops_core::storage::{
    Changes, SledStore, Store, StoreError, GENERATION_KEY, LOCK_WAIT, SCHEMA_KEY, SCHEMA_VERSION,
    SECOND_COPY_FILE, SIDECAR_FILE,
};

const CHILD_ROLE: &str = "OPS_STORAGE_CHILD";
const CHILD_DB: &str = "OPS_STORAGE_CHILD_DB";

fn set(pairs: &[(&str, &[u8])]) -> Changes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_vec())))
        .collect()
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(".unit-state.db")
}

/// Plain sled (no `SledStore`), waiting like `SledStore::open` for a just-dropped store's lock.
fn raw_open(path: &Path) -> sled::Result<sled::Db> {
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

/// Every raw entry of the database, reserved keys included, read with plain sled.
fn raw_entries(path: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let db = raw_open(path).expect("raw open");
    db.iter()
        .map(|item| {
            let (k, v) = item.expect("raw read");
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

fn loaded(path: &Path) -> BTreeMap<String, Vec<u8>> {
    SledStore::open(path)
        .expect("open")
        .load_all()
        .expect("load")
}

#[test]
fn round_trips_sets_deletes_empty_and_large_values_and_many_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let large: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let binary: Vec<u8> = (0..=255).collect();
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    {
        let mut store = SledStore::open(&path).expect("open");
        assert!(store.load_all().expect("load").is_empty());
        let mut changes = set(&[
            ("Counter/StoredStateData[_stored]", br#"{"count":1}"#),
            ("empty", b""),
            ("unicode ✓ ключ", "värde\n\u{2028}\u{0}".as_bytes()),
            ("large", &large),
            ("binary", &binary),
        ]);
        for i in 0..2000 {
            changes.insert(
                format!("many/{i:04}"),
                Some(format!("value {i}").into_bytes()),
            );
        }
        store.commit(&changes).expect("commit");
        for (k, v) in &changes {
            expected.insert(k.clone(), v.clone().expect("set"));
        }
        assert_eq!(store.load_all().expect("load"), expected, "same store");
    }
    assert_eq!(loaded(&path), expected, "after reopening");
    assert_eq!(loaded(&path)["large"].len(), 3_000_000);
    assert_eq!(loaded(&path)["empty"], b"");

    // Deletes (including of a missing key) and overwrites in one commit.
    {
        let mut store = SledStore::open(&path).expect("open");
        let mut changes: Changes = BTreeMap::new();
        for i in 0..1000 {
            changes.insert(format!("many/{i:04}"), None);
            expected.remove(&format!("many/{i:04}"));
        }
        changes.insert("large".into(), None);
        changes.insert("never-stored".into(), None);
        changes.insert("empty".into(), Some(b"now set".to_vec()));
        expected.remove("large");
        expected.insert("empty".into(), b"now set".to_vec());
        store.commit(&changes).expect("commit");
        assert_eq!(store.load_all().expect("load"), expected);
    }
    let after = loaded(&path);
    assert_eq!(after, expected);
    assert_eq!(after.len(), 1000 + 4);
    assert!(!after.contains_key("large"));
}

#[test]
fn each_commit_builds_on_the_previous_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    for n in 1..=5u32 {
        let mut store = SledStore::open(&path).expect("open");
        let state = store.load_all().expect("load");
        let previous = state
            .get("count")
            .map(|v| String::from_utf8(v.clone()).expect("utf8"));
        assert_eq!(previous, (n > 1).then(|| (n - 1).to_string()));
        store
            .commit(&set(&[("count", n.to_string().as_bytes())]))
            .expect("commit");
    }
    assert_eq!(loaded(&path)["count"], b"5");
}

#[test]
fn a_store_dropped_without_commit_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("kept", b"1")]))
        .expect("commit");
    {
        // A hook that loads, then dies before its commit.
        let mut store = SledStore::open(&path).expect("open");
        assert_eq!(store.load_all().expect("load").len(), 1);
    }
    // A commit refused for one key applies none of its other changes.
    {
        let mut store = SledStore::open(&path).expect("open");
        let mut changes = set(&[("a-new-key", b"x"), ("kept", b"2")]);
        changes.insert("\0sneaky".into(), Some(b"x".to_vec()));
        let err = store.commit(&changes).expect_err("reserved key");
        assert!(
            matches!(&err, StoreError::InvalidKey { key, .. } if key == "\0sneaky"),
            "{err:?}"
        );
        let mut schema_clash = set(&[("other", b"y")]);
        schema_clash.insert(SCHEMA_KEY.into(), Some(b"9".to_vec()));
        assert!(matches!(
            store.commit(&schema_clash),
            Err(StoreError::InvalidKey { .. })
        ));
    }
    let state = loaded(&path);
    assert_eq!(state, BTreeMap::from([("kept".to_string(), b"1".to_vec())]));
}

#[test]
fn a_fresh_database_that_is_never_committed_to_holds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    assert!(!SledStore::exists(&path));
    {
        let mut store = SledStore::open(&path).expect("open");
        assert!(store.load_all().expect("load").is_empty());
        store.commit(&BTreeMap::new()).expect("empty commit");
    }
    assert!(SledStore::exists(&path), "open creates the database");
    assert_eq!(
        raw_entries(&path),
        BTreeMap::new(),
        "not even the schema version"
    );
    assert!(loaded(&path).is_empty());
}

#[test]
fn the_schema_version_is_written_with_the_first_commit_and_hidden_from_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");
    let raw = raw_entries(&path);
    assert_eq!(
        raw.get(SCHEMA_KEY.as_bytes()).map(Vec::as_slice),
        Some(SCHEMA_VERSION.to_string().as_bytes())
    );
    assert_eq!(
        raw.get(GENERATION_KEY.as_bytes()).map(Vec::as_slice),
        Some(&b"1"[..])
    );
    assert_eq!(raw.len(), 3, "the schema version, the generation and k");
    assert_eq!(
        loaded(&path),
        BTreeMap::from([("k".to_string(), b"v".to_vec())])
    );
    // A later commit that deletes everything keeps the version.
    SledStore::open(&path)
        .expect("open")
        .commit(&BTreeMap::from([("k".to_string(), None)]))
        .expect("commit");
    assert_eq!(raw_entries(&path).len(), 2);
}

fn write_raw(path: &Path, key: &[u8], value: &[u8]) {
    let db = raw_open(path).expect("raw open");
    db.insert(key, value).expect("raw insert");
    db.flush().expect("raw flush");
}

#[test]
fn a_newer_schema_version_is_refused_and_garbage_is_an_encoding_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");

    write_raw(
        &path,
        SCHEMA_KEY.as_bytes(),
        (SCHEMA_VERSION + 1).to_string().as_bytes(),
    );
    let err = SledStore::open(&path).expect_err("newer schema");
    match &err {
        StoreError::Schema { found, supported } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert!(err.to_string().contains("schema version 2"), "{err}");

    for garbage in [&b"one"[..], b"", b"0", b"\xff"] {
        write_raw(&path, SCHEMA_KEY.as_bytes(), garbage);
        let err = SledStore::open(&path).expect_err("garbage schema");
        assert!(
            matches!(&err, StoreError::Encoding { key, .. } if key == SCHEMA_KEY),
            "{err:?}"
        );
    }

    // The current version is accepted.
    write_raw(
        &path,
        SCHEMA_KEY.as_bytes(),
        SCHEMA_VERSION.to_string().as_bytes(),
    );
    assert_eq!(loaded(&path).len(), 1);
}

#[test]
fn a_key_on_disk_that_is_not_utf8_is_an_encoding_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    write_raw(&path, b"bad\xffkey", b"v");
    let err = SledStore::open(&path)
        .expect("open")
        .load_all()
        .expect_err("bad key");
    assert!(matches!(&err, StoreError::Encoding { .. }), "{err:?}");
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

/// Every path under `dir` with its mode; also checks that there is at least one file.
fn modes_under(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let is_dir = entry.file_type().expect("type").is_dir();
        out.push((path.clone(), is_dir, mode_of(&path)));
        if is_dir {
            out.extend(modes_under(&path));
        }
    }
    out
}

fn assert_private(path: &Path) {
    assert_eq!(mode_of(path), 0o700, "{}", path.display());
    let entries = modes_under(path);
    let files = entries.iter().filter(|(_, is_dir, _)| !is_dir).count();
    assert!(
        files >= 3,
        "expected sled's files (conf, db, snapshot), got {entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|(p, _, _)| p.starts_with(path.join("blobs")) && p != &path.join("blobs")),
        "expected a blob file for the large value: {entries:?}"
    );
    assert!(
        path.join(SIDECAR_FILE).is_file(),
        "expected the sidecar snapshot: {entries:?}"
    );
    for (p, is_dir, mode) in entries {
        let expected = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{}", p.display());
    }
}

/// A value large enough for sled to keep it in a blob file.
fn blob_sized() -> Vec<u8> {
    vec![b'x'; 200_000]
}

#[test]
fn the_database_is_private_whatever_the_umask() {
    // In this process (umask as inherited, typically 022: files would be 0644 without the chmod).
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("big", &blob_sized())]))
        .expect("commit");
    drop(SledStore::open(&path).expect("reopen")); // writes a new snapshot file
    assert_private(&path);

    // An existing directory with a loose mode is tightened.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(path.join("db"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    drop(SledStore::open(&path).expect("reopen"));
    assert_private(&path);

    // In a child process whose umask is 000: mkdir and open would make everything world-writable.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" "$@""#)
        .arg(&exe)
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, "write-big")
        .env(CHILD_DB, &path)
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("child umask 0"),
        "the child must run with umask 000: {stdout}"
    );
    assert!(stdout.contains("child committed"), "{stdout}");
    assert!(stdout.contains("child committed lazily"), "{stdout}");
    assert_private(&path);
}

#[test]
fn a_path_that_is_a_file_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    std::fs::write(&path, b"SQLite format 3\0").expect("write");
    assert!(!SledStore::exists(&path));
    let err = SledStore::open(&path).expect_err("a file");
    assert!(
        matches!(&err, StoreError::Io { path: p, .. } if p == &path),
        "{err:?}"
    );
    let missing_parent = dir.path().join("no/such/dir/.unit-state.db");
    assert!(matches!(
        SledStore::open(&missing_parent),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn a_second_opener_gets_a_typed_error_not_a_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");

    // Another process holds the database until its stdin closes.
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, "hold")
        .env(CHILD_DB, &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read the child's output on a thread so that a child that never answers fails the test, not hangs it.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints "test child_process ... " on the same line before the child's output.
            if line.ends_with("child holds the database") && tx.send(()).is_err() {
                break;
            }
        }
    });
    let held = rx.recv_timeout(Duration::from_secs(30)).is_ok();
    if !held {
        let _ = child.kill();
    }
    assert!(held, "the child did not open the database");

    let started = Instant::now();
    let err = SledStore::open(&path).expect_err("locked");
    let waited = started.elapsed();
    assert!(
        waited >= LOCK_WAIT / 2 && waited < LOCK_WAIT * 3,
        "waited {waited:?}"
    );
    assert!(
        matches!(&err, StoreError::Locked { path: p } if p == &path),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );

    // Once the holder exits, the database opens again with its data.
    drop(child.stdin.take());
    assert!(child.wait().expect("wait").success());
    assert_eq!(loaded(&path)["k"], b"v");
}

#[test]
fn a_second_open_in_the_same_process_is_refused_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let first = SledStore::open(&path).expect("open");
    assert!(matches!(
        SledStore::open(&path),
        Err(StoreError::Locked { .. })
    ));
    drop(first);
    SledStore::open(&path).expect("open after the first is closed");
}

/// The entries of `dir` whose name contains `.damaged-` (databases moved aside as damaged).
fn moved_aside(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".damaged-"))
        })
        .collect()
}

/// A kill while sled writes its recovery snapshot is routine, not damage: the unfinished snapshot
/// is removed and sled opens with its own data. The database is not moved aside and rebuilt from
/// the state copies (which would say ERROR about damage), and it opens even when both copies
/// are gone (then nothing else holds the unit's state).
#[test]
fn an_unfinished_snapshot_left_by_a_crash_does_not_break_the_next_open() {
    for copies_lost in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        SledStore::open(&path)
            .expect("open")
            .commit(&set(&[("k", b"v")]))
            .expect("commit");
        if copies_lost {
            std::fs::remove_file(path.join(SIDECAR_FILE)).expect("remove a copy");
            std::fs::remove_file(path.join(SECOND_COPY_FILE)).expect("remove a copy");
        }
        // What a process killed while sled writes its recovery snapshot leaves behind.
        let unfinished = path.join("snap.7FFFFFFFFFFFFFFF.generating");
        std::fs::write(&unfinished, b"truncated snapshot").expect("write");

        // Plain sled takes it for the newest snapshot and fails: the workaround is needed.
        let raw = raw_open(&path);
        assert!(
            matches!(raw, Err(sled::Error::Corruption { .. })),
            "plain sled 0.34.7 should fail here: {:?}",
            raw.map(|_| ())
        );

        assert_eq!(loaded(&path)["k"], b"v", "copies lost: {copies_lost}");
        assert!(!unfinished.exists());
        assert_eq!(
            moved_aside(dir.path()),
            Vec::<PathBuf>::new(),
            "copies lost: {copies_lost}: not damage, nothing moved aside"
        );
    }
}

#[test]
fn a_complete_snapshot_left_by_a_crash_before_its_rename_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");
    drop(SledStore::open(&path).expect("reopen")); // writes a snapshot covering the commit
                                                   // A process killed after writing and fsyncing `snap.<lsn>.generating` but before renaming it.
    let snapshots: Vec<PathBuf> = std::fs::read_dir(&path)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("snap."))
        })
        .collect();
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    let complete = PathBuf::from(format!("{}.generating", snapshots[0].display()));
    std::fs::rename(&snapshots[0], &complete).expect("rename");

    // sled recovers from it; the database then depends on it, so it must not be removed.
    for _ in 0..3 {
        assert_eq!(loaded(&path)["k"], b"v");
        assert!(complete.exists(), "the complete snapshot was removed");
    }
    // Once sled writes a newer snapshot it cleans the temporary up itself.
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("k", b"w")]))
        .expect("commit");
    assert_eq!(loaded(&path)["k"], b"w");
    assert_eq!(loaded(&path)["k"], b"w");
}

#[test]
fn store_errors_name_what_failed() {
    let err = StoreError::Schema {
        found: 3,
        supported: 1,
    };
    assert!(
        err.to_string().contains('3') && err.to_string().contains('1'),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    std::fs::write(&path, b"x").expect("write");
    let err = SledStore::open(&path).expect_err("file");
    assert!(err.to_string().contains(".unit-state.db"), "{err}");
}

/// Not a test: the body of the child processes the tests above spawn (no-op in a normal run).
#[test]
fn child_process() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let path = PathBuf::from(std::env::var_os(CHILD_DB).expect("child db path"));
    match role.as_str() {
        "hold" => {
            let _store = SledStore::open(&path).expect("child open");
            println!("child holds the database");
            std::io::stdout().flush().expect("flush");
            // Hold it until the parent closes our stdin.
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .map(|n| n > 0)
                .unwrap_or(false)
            {}
        }
        "write-big" => {
            // Show the umask we run under (read from /proc, no libc).
            let status = std::fs::read_to_string("/proc/self/status").expect("status");
            let umask = status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .map(|m| m.trim().trim_start_matches('0').to_string())
                .expect("umask line");
            println!("child umask 0{umask}");
            let mut store = SledStore::open(&path).expect("child open");
            store
                .commit(&set(&[("big", &blob_sized())]))
                .expect("child commit");
            drop(store);
            drop(SledStore::open(&path).expect("child reopen"));
            println!("child committed");
            // A lazy commit (the copies and the commit lock), after both copies were removed.
            std::fs::remove_file(path.join(SIDECAR_FILE)).expect("rm");
            std::fs::remove_file(path.join(SECOND_COPY_FILE)).expect("rm");
            let mut store = SledStore::open_lazy(&path);
            store.load_all().expect("child load");
            store.commit(&set(&[("k", b"v")])).expect("child commit");
            drop(store);
            assert!(path.join(SECOND_COPY_FILE).is_file());
            println!("child committed lazily");
        }
        other => panic!("unknown child role {other}"),
    }
}

/// Issue 11, item 6: a state path that is a symbolic link is refused (open, lazy load, commit)
/// with a clear error, and nothing behind the link is read, created or chmodded.
#[test]
fn a_state_path_that_is_a_symlink_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    // A real database behind the link (as an attacker could point it at), with loose modes.
    let target = elsewhere.path().join("victim");
    SledStore::open(&target)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(target.join("db"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let path = db_path(&dir);
    std::os::unix::fs::symlink(&target, &path).expect("symlink");

    let err = SledStore::open(&path).expect_err("a symlink");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let mut lazy = SledStore::open_lazy(&path);
    let err = lazy.load_all().expect_err("a symlink");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let err = lazy.commit(&set(&[("k", b"w")])).expect_err("a symlink");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    drop(lazy);
    assert_eq!(mode_of(&target), 0o755, "the target directory was chmodded");
    assert_eq!(
        mode_of(&target.join("db")),
        0o644,
        "the target's files were chmodded"
    );
    assert!(
        std::fs::symlink_metadata(&path)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link is left as it is"
    );
}

/// Issue 11, item 11: loose modes of existing state files are fixed by the first hook that reads
/// the state, even one served from the sidecar without opening sled.
#[test]
fn loose_modes_are_fixed_by_a_load_served_from_the_sidecar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("big", &blob_sized())]))
        .expect("commit");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for name in ["db", "conf", SIDECAR_FILE] {
        std::fs::set_permissions(path.join(name), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    }
    let mut store = SledStore::open_lazy(&path);
    store.load_all().expect("load");
    assert!(!store.opened_sled(), "served from the sidecar");
    drop(store);
    assert_private(&path);
}

/// `SledStore::exists` decides whether a hook may skip the store as a fresh unit's (reading
/// nothing, and, for a Kubernetes charm with `StorageChoice::Auto`, choosing controller-side
/// storage). A database counts, and so does anything at the state path that is neither a
/// directory nor a regular file (a FIFO, a symbolic link, dangling or not): the store must refuse
/// it with a clear error, never read it as empty. A missing path, a regular file (Python ops'
/// database) and an empty directory (a first commit killed right after creating it) do not.
#[test]
fn exists_is_true_for_what_must_not_read_as_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |name: &str| dir.path().join(name);
    std::fs::create_dir(at("empty")).expect("mkdir");
    std::fs::write(at("file"), b"SQLite format 3\0").expect("write");
    let status = Command::new("mkfifo")
        .arg(at("fifo"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let database = at("database");
    SledStore::open(&database)
        .expect("open")
        .commit(&set(&[("k", b"v")]))
        .expect("commit");
    // sled's files lost (deleted by hand), one copy left: that copy is the unit's state.
    for (name, copy) in [
        ("first-copy-only", SIDECAR_FILE),
        ("second-copy-only", SECOND_COPY_FILE),
    ] {
        std::fs::create_dir(at(name)).expect("mkdir");
        std::fs::copy(database.join(copy), at(name).join(copy)).expect("copy");
    }
    std::os::unix::fs::symlink(&database, at("link-to-database")).expect("symlink");
    std::os::unix::fs::symlink(at("empty"), at("link-to-empty")).expect("symlink");
    std::os::unix::fs::symlink(at("nothing"), at("dangling")).expect("symlink");
    for (name, exists) in [
        ("missing", false),
        ("file", false),
        ("empty", false),
        ("database", true),
        ("first-copy-only", true),
        ("second-copy-only", true),
        ("fifo", true),
        ("link-to-database", true),
        ("link-to-empty", true),
        ("dangling", true),
    ] {
        assert_eq!(SledStore::exists(&at(name)), exists, "{name}");
    }
}

/// A store's `Debug` says where its database is and whether sled is open, and never shows the
/// unit's state (which may hold secrets).
#[test]
fn debug_names_the_database_and_never_shows_the_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut store = SledStore::open(&path).expect("open");
    store
        .commit(&set(&[("password", b"hunter2")]))
        .expect("commit");
    let open = format!("{store:?}");
    drop(store);
    let mut lazy = SledStore::open_lazy(&path);
    assert_eq!(lazy.load_all().expect("load")["password"], b"hunter2");
    let closed = format!("{lazy:?}");
    for (shown, state) in [(&open, "open"), (&closed, "closed")] {
        assert!(shown.starts_with("SledStore"), "{shown}");
        assert!(shown.contains(&format!("{path:?}")), "{shown}");
        assert!(shown.contains(&format!("{state:?}")), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
