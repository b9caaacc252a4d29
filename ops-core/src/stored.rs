//! Stored state: what a charm keeps between hooks.
//!
//! A charm's struct is its stored state. `#[derive(StoredState)]` implements [`StoredState`] for it:
//! a struct with no fields is stateless (no database is opened for it); a struct with fields is
//! persisted as JSON through serde (`Serialize + Deserialize + Default`).

/// Errors encoding or decoding stored state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The stored bytes do not decode into the charm's state type.
    #[error("stored state `{key}` does not decode: {source}")]
    Decode {
        /// The state's key.
        key: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The state does not encode.
    #[error("stored state `{key}` does not encode: {source}")]
    Encode {
        /// The state's key.
        key: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// A value persisted between hooks.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// // Derived for a serde type: the struct is the charm's state, loaded before the first handler of
/// // a hook and saved at the end if it changed.
/// #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
/// struct Counter {
///     events: u64,
/// }
///
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Counter {
///     #[on(install, config_changed)]
///     fn count(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {
///         self.events += 1;
///     }
/// }
///
/// let ctx = ops_testing::Context::<Counter>::new();
/// let out = ctx.run(ops_testing::Event::install(), &ops_testing::State::default())?;
/// let out = ctx.run(ops_testing::Event::config_changed(), &out)?;
/// assert_eq!(out.stored_state::<Counter>()?.events, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait StoredState: Sized {
    /// The handle path it is stored under (ops: `<Charm>/StoredStateData[_stored]`).
    const KEY: &'static str;
    /// Whether there is anything to store: `false` for a charm without fields, so a hook that
    /// needs no deferred events never opens the database.
    const STATEFUL: bool;
    /// Build from the stored bytes (`None`: nothing stored yet, the default).
    fn from_stored(bytes: Option<&[u8]>) -> Result<Self, StateError>;
    /// Encode for storage.
    fn to_stored(&self) -> Result<Vec<u8>, StateError>;
}

/// The implementation `#[derive(StoredState)]` uses for a struct with fields.
#[doc(hidden)]
pub fn decode_json<T: serde::de::DeserializeOwned + Default>(
    key: &'static str,
    bytes: Option<&[u8]>,
) -> Result<T, StateError> {
    match bytes {
        None => Ok(T::default()),
        Some(b) => serde_json::from_slice(b).map_err(|source| StateError::Decode { key, source }),
    }
}

/// The implementation `#[derive(StoredState)]` uses for a struct with fields.
#[doc(hidden)]
pub fn encode_json<T: serde::Serialize>(
    key: &'static str,
    value: &T,
) -> Result<Vec<u8>, StateError> {
    serde_json::to_vec(value).map_err(|source| StateError::Encode { key, source })
}
