//! Traits implemented by the marker types `#[charm]` generates for the metadata's relations,
//! storages, containers, resources and actions, so code names them by type, not by string.

use ops_metadata::{RelationRole, RelationScope};

/// A relation endpoint declared in the metadata (`requires`, `provides` or `peers`).
pub trait RelationEndpoint {
    /// The endpoint name.
    const NAME: &'static str;
    /// Its role.
    const ROLE: RelationRole;
    /// Its interface.
    const INTERFACE: &'static str;
    /// Its `limit`, if any.
    const LIMIT: Option<u32>;
    /// Its `scope`.
    const SCOPE: RelationScope;
}

/// A storage declared in the metadata.
pub trait StorageEndpoint {
    /// The storage name.
    const NAME: &'static str;
    /// Whether it declares `multiple`.
    const MULTIPLE: bool;
}

/// A workload container declared in the metadata.
pub trait ContainerEndpoint {
    /// The container name.
    const NAME: &'static str;
}

/// A resource declared in the metadata.
pub trait ResourceEndpoint {
    /// The resource name.
    const NAME: &'static str;
}

/// An action declared in the actions.
pub trait ActionEndpoint {
    /// The action name.
    const NAME: &'static str;
    /// Its typed params.
    type Params;
}
