//! `MemoryStore` (the test harness's store) and the `Store` impls for `&mut S` and `Box<S>`.

use std::collections::BTreeMap;

use ops_core::storage::{Changes, MemoryStore, Store, StoreError};

fn changes(pairs: &[(&str, Option<&[u8]>)]) -> Changes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(<[u8]>::to_vec)))
        .collect()
}

#[test]
fn commits_apply_sets_and_deletes_and_are_counted() {
    let mut store = MemoryStore::new();
    assert!(store.load_all().expect("load").is_empty());
    store
        .commit(&changes(&[
            ("a", Some(b"1")),
            ("b", Some(b"")),
            ("c", None),
        ]))
        .expect("commit");
    store
        .commit(&changes(&[("a", None), ("b", Some(b"2"))]))
        .expect("commit");
    store.commit(&BTreeMap::new()).expect("empty commit");
    assert_eq!(
        store.load_all().expect("load"),
        BTreeMap::from([("b".to_string(), b"2".to_vec())])
    );
    assert_eq!(store.get("b"), Some(&b"2"[..]));
    assert_eq!(store.get("a"), None);
    assert_eq!((store.load_count(), store.commit_count()), (2, 3));
}

#[test]
fn a_failed_commit_applies_nothing_like_a_crash() {
    let mut store =
        MemoryStore::with_entries(BTreeMap::from([("kept".to_string(), b"1".to_vec())]));
    store.fail_next_commit("disk full");
    let err = store
        .commit(&changes(&[("kept", None), ("new", Some(b"x"))]))
        .expect_err("injected failure");
    assert!(
        matches!(&err, StoreError::Simulated(reason) if reason == "disk full"),
        "{err:?}"
    );
    assert!(err.to_string().contains("disk full"));
    assert_eq!(store.entries().len(), 1);
    assert_eq!(store.commit_count(), 0);
    // Only the next commit fails.
    store
        .commit(&changes(&[("new", Some(b"x"))]))
        .expect("commit");
    assert_eq!(store.clone().into_entries().len(), 2);
}

#[test]
fn reserved_keys_are_refused_like_the_real_stores() {
    let mut store = MemoryStore::new();
    let err = store
        .commit(&changes(&[("fine", Some(b"x")), ("\0schema", Some(b"1"))]))
        .expect_err("reserved");
    assert!(
        matches!(&err, StoreError::InvalidKey { key, .. } if key == "\0schema"),
        "{err:?}"
    );
    assert!(
        store.entries().is_empty(),
        "nothing of a refused commit is applied"
    );
}

#[test]
fn a_store_can_be_lent_or_boxed() {
    fn hook(mut store: impl Store, value: &[u8]) {
        store.load_all().expect("load");
        store
            .commit(&changes(&[("k", Some(value))]))
            .expect("commit");
    }
    let mut store = MemoryStore::new();
    hook(&mut store, b"1");
    hook(&mut store, b"2");
    assert_eq!(store.get("k"), Some(&b"2"[..]));
    assert_eq!(store.load_count(), 2);

    let mut boxed: Box<dyn Store> = Box::new(MemoryStore::new());
    boxed
        .commit(&changes(&[("k", Some(b"3"))]))
        .expect("commit");
    assert_eq!(boxed.load_all().expect("load")["k"], b"3");
}
