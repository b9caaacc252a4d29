//! [`MemoryStore`]: unit state in memory, for the test harness.

use std::collections::BTreeMap;

use super::{check_key, Changes, Store, StoreError};

/// Unit state kept in memory, for tests and the test harness.
///
/// It behaves like the on-disk stores (same key rules, atomic commits) and lets a test look inside, count
/// loads and commits, and simulate a crash at commit with [`MemoryStore::fail_next_commit`]: the failing
/// commit applies nothing, exactly like a process killed before its commit.
///
/// Lend it to the framework as `&mut MemoryStore` (every `&mut impl Store` is a [`Store`]) to keep it
/// across simulated hooks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStore {
    entries: BTreeMap<String, Vec<u8>>,
    loads: usize,
    commits: usize,
    fail_next: Option<String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `entries` (as if committed by an earlier hook).
    pub fn with_entries(entries: BTreeMap<String, Vec<u8>>) -> Self {
        MemoryStore {
            entries,
            ..Self::default()
        }
    }

    /// Everything committed so far.
    pub fn entries(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.entries
    }

    /// The committed value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// Everything committed so far, consuming the store.
    pub fn into_entries(self) -> BTreeMap<String, Vec<u8>> {
        self.entries
    }

    /// How many times [`Store::load_all`] was called.
    pub fn load_count(&self) -> usize {
        self.loads
    }

    /// How many commits succeeded (including empty ones).
    pub fn commit_count(&self) -> usize {
        self.commits
    }

    /// Make the next commit fail with [`StoreError::Simulated`]`(reason)` and apply nothing, as if the
    /// process had crashed before committing. Later commits work again.
    pub fn fail_next_commit(&mut self, reason: impl Into<String>) {
        self.fail_next = Some(reason.into());
    }
}

impl Store for MemoryStore {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        self.loads += 1;
        Ok(self.entries.clone())
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        for key in changes.keys() {
            check_key(key)?;
        }
        if let Some(reason) = self.fail_next.take() {
            return Err(StoreError::Simulated(reason));
        }
        for (key, value) in changes {
            match value {
                Some(value) => {
                    self.entries.insert(key.clone(), value.clone());
                }
                None => {
                    self.entries.remove(key);
                }
            }
        }
        self.commits += 1;
        Ok(())
    }
}
