//! What the store says about its copies: damage is reported (a WARNING when one copy is damaged
//! and repaired from the other, an ERROR when no copy can be used and commits may be lost), and a
//! routine absence (a unit that never committed, the second copy a killed commit never wrote) is
//! not. A unit whose operator sees no warning must have lost nothing; one that lost commits must
//! say so. (Mutation testing showed nothing checked either side.)

mod storage_support;

use std::path::{Path, PathBuf};

use ops_core::logging;
use ops_core::storage::SCHEMA_VERSION;
use ops_core::storage::{SledStore, Store};
use storage_support::{
    db_path, encode_copy, encode_format_1, entries, raw_open, raw_sled_entries, second_copy_path,
    set, sidecar_path,
};

/// The records at WARNING or above logged while `f` runs.
fn warnings_while(f: impl FnOnce()) -> Vec<(&'static str, String)> {
    let capture = logging::capture().expect("capture");
    f();
    let warnings = capture
        .messages()
        .into_iter()
        .filter(|(level, _)| *level == "WARNING" || *level == "ERROR")
        .collect();
    drop(capture);
    logging::uninstall();
    warnings
}

/// The records at WARNING or above a lazy load (what a hook does) logs.
fn warnings_of_a_lazy_load(path: &Path) -> Vec<(&'static str, String)> {
    warnings_while(|| {
        let mut store = SledStore::open_lazy(path);
        store.load_all().expect("load");
    })
}

/// A unit with two commits (sled opened for each, so it holds the last one too).
fn unit_with_two_commits(path: &Path) {
    for changes in [set(&[("a", b"1")]), set(&[("a", b"2")])] {
        SledStore::open(path)
            .expect("open")
            .commit(&changes)
            .expect("commit");
    }
}

#[test]
fn a_unit_that_never_committed_logs_no_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

#[test]
fn intact_copies_log_no_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    unit_with_two_commits(&path);
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

#[test]
fn a_missing_copy_is_routine_and_logs_no_warning() {
    for copy in [sidecar_path, second_copy_path] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        unit_with_two_commits(&path);
        std::fs::remove_file(copy(&path)).expect("remove a copy");
        assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
    }
}

#[test]
fn one_damaged_copy_is_a_warning_naming_it() {
    for copy in [sidecar_path, second_copy_path] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        unit_with_two_commits(&path);
        let damaged = copy(&path);
        std::fs::write(&damaged, b"not a copy").expect("damage a copy");
        let warnings = warnings_of_a_lazy_load(&path);
        let name = damaged
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].0, "WARNING");
        assert!(
            warnings[0].1.contains("damaged") && warnings[0].1.contains(name),
            "{warnings:?}"
        );
        // It says why: the reason between the parentheses is not empty.
        assert!(!warnings[0].1.contains("damaged ()"), "{warnings:?}");
        // Repaired: the next hook says nothing.
        assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
    }
}

#[test]
fn no_usable_copy_is_an_error_saying_commits_may_be_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    unit_with_two_commits(&path);
    std::fs::write(sidecar_path(&path), b"not a copy").expect("damage");
    std::fs::write(second_copy_path(&path), b"").expect("damage");
    let warnings = warnings_of_a_lazy_load(&path);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "ERROR");
    assert!(warnings[0].1.contains("lost"), "{warnings:?}");
    // Both copies were rewritten from sled: the next hook says nothing.
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

#[test]
fn both_copies_missing_reads_sled_without_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    unit_with_two_commits(&path);
    std::fs::remove_file(sidecar_path(&path)).expect("remove");
    std::fs::remove_file(second_copy_path(&path)).expect("remove");
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

/// A unit upgraded from a version that kept one format-1 sidecar: routine, nothing is damaged.
#[test]
fn an_older_versions_sidecar_upgrades_without_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    unit_with_two_commits(&path);
    std::fs::remove_file(second_copy_path(&path)).expect("remove");
    std::fs::write(
        sidecar_path(&path),
        encode_format_1(SCHEMA_VERSION, &entries(&[("a", b"2")])),
    )
    .expect("write a format-1 sidecar");
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

/// Reading a unit that never committed writes no copy (a hook that changes nothing writes
/// nothing).
#[test]
fn reading_a_unit_that_never_committed_writes_no_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
    // Also once its database exists (opened, nothing committed).
    SledStore::open(&path)
        .expect("open")
        .load_all()
        .expect("load");
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
    assert!(!sidecar_path(&path).exists());
    assert!(!second_copy_path(&path).exists());
}

/// Damaged copies and nothing in sled (a unit whose database was lost or never written): the
/// damage is reported once, and the copies are rewritten so that the next hook says nothing.
#[test]
fn damaged_copies_over_an_empty_database_are_reported_once_and_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    std::fs::create_dir_all(&path).expect("state dir");
    std::fs::write(sidecar_path(&path), b"not a copy").expect("damage");
    std::fs::write(second_copy_path(&path), b"").expect("damage");
    let warnings = warnings_of_a_lazy_load(&path);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "ERROR");
    assert_eq!(warnings_of_a_lazy_load(&path), vec![]);
}

/// Commits and loads through a store that opens sled at once (sled brought up to date at every
/// commit, as the copies say): nothing to report.
#[test]
fn commits_through_an_open_database_log_no_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let warnings = warnings_while(|| {
        unit_with_two_commits(&path);
        let mut store = SledStore::open(&path).expect("open");
        store.load_all().expect("load");
        store.commit(&set(&[("a", b"3")])).expect("commit");
    });
    assert_eq!(warnings, vec![]);
}

/// sled older than the generation the copies say it was brought to lost an update (damage at
/// the end of its log, or a hook killed while updating it): opening it says so at ERROR, once,
/// and restores it from the copies. sled merely behind the copies (commits that did not need it)
/// is routine: it is brought up to date silently.
#[test]
fn sled_that_lost_an_update_is_an_error_and_sled_merely_behind_is_not() {
    let n = entries(&[("a", b"2")]);
    for (sled_generation, reported) in [(2, true), (1, false)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = db_path(&dir);
        SledStore::open(&path)
            .expect("open")
            .commit(&set(&[("a", b"1")]))
            .expect("commit");
        // Both copies hold generation 2; sled holds generation 1.
        let copy = encode_copy(3, SCHEMA_VERSION, true, 2, sled_generation, &n);
        std::fs::write(sidecar_path(&path), &copy).expect("copy");
        std::fs::write(second_copy_path(&path), &copy).expect("copy");
        let warnings = warnings_while(|| {
            let mut store = SledStore::open(&path).expect("open");
            assert_eq!(store.load_all().expect("load"), n);
        });
        if reported {
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(warnings[0].0, "ERROR");
            assert!(warnings[0].1.contains("update was lost"), "{warnings:?}");
        } else {
            assert_eq!(warnings, vec![], "sled at generation {sled_generation}");
        }
        // sled was restored: the next store that opens it has nothing to say.
        let again = warnings_while(|| {
            let mut store = SledStore::open(&path).expect("open");
            assert_eq!(store.load_all().expect("load"), n);
        });
        assert_eq!(again, vec![]);
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Copy the directory `from` to `to` (regular files and directories).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// sled failing to read its own files (a short read) is damage too: the database is rebuilt from
/// the newest verified copy, at ERROR, and the unit's state is kept.
///
/// The damage: a unit holding a value too large for sled's log (sled keeps it in a file of its
/// `blobs` directory, which sled 0.34 never fsyncs: a power loss can leave it empty), whose log
/// has since grown past its first 512 KiB segment (nine commits later), so that sled's recovery
/// no longer reads that value and only a read of the tree does, at open. The value's file is
/// emptied: sled 0.34 opens the database and then fails to read its first key with an I/O error
/// of kind `UnexpectedEof` ("failed to fill whole buffer"), not `Corruption` (checked below on a
/// copy of the database first, so that this test cannot pass without reaching that case).
#[test]
fn a_database_sled_fails_to_read_is_rebuilt_from_the_copies_at_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let big = vec![b'v'; 300_000];
    let mut expected = entries(&[("big", &big)]);
    SledStore::open(&path)
        .expect("open")
        .commit(&set(&[("big", &big)]))
        .expect("commit");
    for i in 0..8u8 {
        let key = format!("k{i}");
        let value = vec![b'0' + i; 100_000];
        SledStore::open(&path)
            .expect("open")
            .commit(&set(&[(&key, &value)]))
            .expect("commit");
        expected.insert(key, value);
    }
    let blobs = files_under(&path.join("blobs"));
    assert!(
        !blobs.is_empty(),
        "sled keeps the large value in a blob file"
    );
    for blob in &blobs {
        std::fs::write(blob, b"").expect("empty the blob file");
    }

    // The precondition, on a copy (opening sled writes to its files): sled reports a short read.
    let probe_dir = tempfile::tempdir().expect("tempdir");
    let probe = probe_dir.path().join("probe.db");
    copy_dir(&path, &probe);
    let short_read = raw_open(&probe)
        .and_then(|db| db.get(ops_core::storage::SCHEMA_KEY))
        .expect_err("sled cannot read the damaged database");
    assert!(
        matches!(
            &short_read,
            sled::Error::Io(e) if matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            )
        ),
        "the crafted damage must make sled 0.34 report a short read, not {short_read:?}"
    );

    // A store that needs sled (a commit bringing it up to date) opens it: rebuilt from the copies.
    let warnings = warnings_while(|| {
        let mut store = SledStore::open(&path).expect("open rebuilds the database");
        assert_eq!(store.load_all().expect("load"), expected);
        store.commit(&set(&[("after", b"1")])).expect("commit");
    });
    expected.insert("after".into(), b"1".to_vec());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "ERROR");
    assert!(
        warnings[0].1.contains("cannot be opened") && warnings[0].1.contains("rebuilding"),
        "{warnings:?}"
    );
    // sled holds the unit's state again, and the damaged database is kept aside.
    assert_eq!(raw_sled_entries(&path), expected);
    let kept = std::fs::read_dir(dir.path())
        .expect("list")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        })
        .count();
    assert_eq!(kept, 1, "the damaged database is kept aside");
    // Repaired: the next store that opens sled has nothing to say.
    let again = warnings_while(|| {
        let mut store = SledStore::open(&path).expect("open");
        assert_eq!(store.load_all().expect("load"), expected);
    });
    assert_eq!(again, vec![]);
}
