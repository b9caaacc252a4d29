//! UI tests: every compile error of the macros, with its message and its span, checked against
//! the `.stderr` snapshot beside each `tests/ui/<case>.rs` (one error per case, named after it).
//!
//! ```text
//! cargo test -p ops-macros --test ui                          # check
//! TRYBUILD=overwrite cargo test -p ops-macros --test ui       # rewrite the snapshots
//! ```
//!
//! After `TRYBUILD=overwrite`, read every changed `.stderr`: a snapshot is only worth what it
//! shows (the right message, pointing at the right token, `file:line:col` for YAML errors).
//!
//! # Fixture charms and `CARGO_MANIFEST_DIR`
//!
//! The cases name fixture charms with `#[charm(dir = "tests/ui/fixtures/<name>")]`, a path relative
//! to `CARGO_MANIFEST_DIR` as for any charm. trybuild compiles the cases as binaries of a crate it
//! generates in `<target dir>/tests/trybuild/ops-macros/`, and Cargo sets `CARGO_MANIFEST_DIR` to
//! *that* directory, not to this crate's (checked with `compile_error!(env!("CARGO_MANIFEST_DIR"))`
//! in a case: trybuild 1.0.122 prints `<target dir>/tests/trybuild/ops-macros`). So before running
//! trybuild, [`link_fixtures`] makes `tests/ui/fixtures` in that directory a symlink to this
//! crate's `tests/ui/fixtures`. The cases then use exactly the paths a charm would, the macro keeps
//! its one rule (relative to `CARGO_MANIFEST_DIR`), and the messages show those same relative
//! paths, so no snapshot holds a path of this machine.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory trybuild generates its crate in: `<target_directory>/tests/trybuild/<crate>`,
/// with `target_directory` from `cargo metadata`, as trybuild computes it.
fn trybuild_project_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run `cargo metadata`");
    assert!(
        output.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("`cargo metadata` prints JSON");
    let target = metadata["target_directory"]
        .as_str()
        .expect("`cargo metadata` has a `target_directory`");
    Path::new(target)
        .join("tests")
        .join("trybuild")
        .join(env!("CARGO_PKG_NAME"))
}

/// Make `<trybuild crate>/tests/ui/fixtures` point at this crate's `tests/ui/fixtures`.
fn link_fixtures() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/fixtures");
    let link_dir = trybuild_project_dir().join("tests/ui");
    let link = link_dir.join("fixtures");
    std::fs::create_dir_all(&link_dir).expect("create the trybuild crate's tests/ui");
    if std::fs::read_link(&link).ok().as_deref() == Some(source.as_path()) {
        return;
    }
    // A stale link (another checkout of the crate), or a leftover file or directory.
    if let Ok(meta) = std::fs::symlink_metadata(&link) {
        if meta.is_dir() {
            std::fs::remove_dir_all(&link).expect("remove the stale fixtures directory");
        } else {
            std::fs::remove_file(&link).expect("remove the stale fixtures link");
        }
    }
    symlink_dir(&source, &link);
}

#[cfg(unix)]
fn symlink_dir(source: &Path, link: &Path) {
    std::os::unix::fs::symlink(source, link).expect("link the fixtures into the trybuild crate");
}

#[cfg(windows)]
fn symlink_dir(source: &Path, link: &Path) {
    std::os::windows::fs::symlink_dir(source, link)
        .expect("link the fixtures into the trybuild crate");
}

#[test]
fn ui() {
    link_fixtures();
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
