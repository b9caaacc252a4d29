//! Storage instances.

use super::{Model, ModelError};
use std::cell::RefCell;
use std::path::PathBuf;

/// One storage instance, e.g. `data/0`.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct Tiny;
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(start)]
///     fn start(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         for storage in ctx.storages::<storages::Data>()? {
///             let message = format!("{} at {}", storage.full_id(), storage.location()?.display());
///             ctx.unit().set_status(Status::active(message))?;
///         }
///         Ok(())
///     }
/// }
///
/// let state = State::default().with_storage(ops_testing::Storage::of::<storages::Data>());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::start(), &state)?;
/// assert!(matches!(out.unit_status(), Status::Active(m) if m.starts_with("data/0 at ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Storage {
    model: Model,
    name: String,
    index: u32,
    location: RefCell<Option<PathBuf>>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Storage {}/{}>", self.name, self.index)
    }
}

impl PartialEq for Storage {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.index == other.index
    }
}

impl Storage {
    pub(crate) fn new(model: Model, name: String, index: u32, location: Option<PathBuf>) -> Self {
        Storage {
            model,
            name,
            index,
            location: RefCell::new(location),
        }
    }

    /// The storage name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instance index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `name/index`.
    pub fn full_id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }

    /// Where the storage is mounted (`storage-get -s <id> location`, once).
    pub fn location(&self) -> Result<PathBuf, ModelError> {
        if let Some(l) = self.location.borrow().as_ref() {
            return Ok(l.clone());
        }
        let loc = self.model.backend().storage_location(&self.full_id())?;
        *self.location.borrow_mut() = Some(loc.clone());
        Ok(loc)
    }
}
