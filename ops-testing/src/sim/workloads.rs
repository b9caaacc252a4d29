//! [`Workloads`]: one [`FakePebble`] per container of a Kubernetes charm, each on its own Unix
//! socket in a temporary directory private to the simulator.
//!
//! The simulator gives each hook that directory as `OPS_PEBBLE_CONTAINERS_DIR` in the hook's
//! environment map (never in the process environment, which parallel tests share), so the
//! production [`Container`](ops_core::model::Container) of the hook reaches
//! `<dir>/<container>/pebble.socket`: the fake. Before each hook the fakes are brought in line
//! with the model: a container Juju says cannot be reached has its socket moved aside, and each
//! storage the metadata mounts into a container (`containers.<c>.mounts`) appears at its mount
//! location in the container's filesystem while an instance of it is attached.

use super::JujuState;
use crate::pebble::FakePebble;
use ops_core::meta::CharmMeta;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fake Pebbles of one simulated unit: one [`FakePebble`] per container, each on its own
/// Unix socket in a temporary directory private to the simulator, handed to each hook as
/// `OPS_PEBBLE_CONTAINERS_DIR` in the hook's environment map (never in the process environment,
/// which parallel tests share). Before each hook the fakes follow the model: a container that
/// cannot be reached has its socket moved aside, and storage the metadata mounts into a container
/// appears at its mount location while attached.
pub struct Workloads {
    dir: tempfile::TempDir,
    pebbles: BTreeMap<String, FakePebble>,
}

impl std::fmt::Debug for Workloads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workloads")
            .field("dir", &self.dir.path())
            .field("containers", &self.pebbles.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Workloads {
    /// Start one fake per container of `meta`: the socket at
    /// `<dir>/sockets/<name>/pebble.socket`, the container's `/` at `<dir>/fs/<name>`.
    pub fn start(meta: &CharmMeta) -> std::io::Result<Workloads> {
        let dir = tempfile::Builder::new()
            .prefix("ops-testing-pebble-")
            .tempdir()?;
        let mut pebbles = BTreeMap::new();
        for c in meta.containers.iter() {
            let name = c.name.to_string();
            let socket = dir.path().join("sockets").join(&name).join("pebble.socket");
            let fs = dir.path().join("fs").join(&name);
            pebbles.insert(name, FakePebble::start_at(&socket, &fs)?);
        }
        Ok(Workloads { dir, pebbles })
    }

    /// The directory holding `<container>/pebble.socket`: the hook's `OPS_PEBBLE_CONTAINERS_DIR`.
    pub fn sockets_dir(&self) -> PathBuf {
        self.dir.path().join("sockets")
    }

    /// The fake of container `name`.
    pub fn get(&self, name: &str) -> Option<&FakePebble> {
        self.pebbles.get(name)
    }

    /// The fakes by container name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FakePebble)> {
        self.pebbles.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Bring the fakes in line with `state`: reachability, and storage mounts.
    pub fn sync(&self, meta: &CharmMeta, state: &JujuState) -> std::io::Result<()> {
        for c in meta.containers.iter() {
            let Some(pebble) = self.pebbles.get(c.name.as_ref()) else {
                continue;
            };
            let reachable = state
                .containers
                .get(c.name.as_ref())
                .is_some_and(|s| s.can_connect);
            if pebble.state().can_connect != reachable {
                pebble.set_can_connect(reachable);
            }
            for m in c.mounts.iter() {
                let attached = state
                    .storage
                    .iter()
                    .filter(|s| s.name == m.storage && s.attached)
                    .min_by_key(|s| s.index);
                mount(
                    &pebble.host_path(&m.location),
                    attached.map(|s| s.location.as_path()),
                )?;
            }
        }
        Ok(())
    }
}

/// Make `point` (a path in a container's filesystem) show `target`, or nothing: a symbolic link
/// stands for the mount. An existing directory at the mount point is left alone when it is not a
/// link (the charm made it), as a real mount would hide it; nothing is ever deleted but links.
fn mount(point: &Path, target: Option<&Path>) -> std::io::Result<()> {
    let current = std::fs::symlink_metadata(point).ok();
    let is_link = current.as_ref().is_some_and(|m| m.file_type().is_symlink());
    match target {
        Some(target) => {
            if is_link {
                if std::fs::read_link(point)? == target {
                    return Ok(());
                }
                std::fs::remove_file(point)?;
            } else if current.is_some() {
                return Ok(());
            }
            if let Some(parent) = point.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::os::unix::fs::symlink(target, point)
        }
        None if is_link => std::fs::remove_file(point),
        None => Ok(()),
    }
}
