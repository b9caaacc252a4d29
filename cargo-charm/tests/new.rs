//! `cargo charm new`: both kinds of charm scaffolded into a temporary directory (path
//! dependencies on this checkout) pass their own `cargo test`; bad input changes nothing.

mod common;

use common::{cargo_charm, failure, listing};
use std::process::Command;

/// Scaffolds `name` (with `extra` arguments) into `parent/name`; panics on failure.
fn scaffold(parent: &std::path::Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let dir = parent.join(name);
    let mut args = vec!["new", name, "--path", dir.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let out = cargo_charm(parent, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Both kinds, one after the other in one shared target directory (under the workspace's
/// `target/`, not the workspace's own build directory), so the dependencies compile once.
#[test]
fn scaffolded_charms_pass_their_own_tests() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let machine = scaffold(tmp.path(), "my-machine", &[]);
    let k8s = scaffold(tmp.path(), "my-k8s", &["--kubernetes"]);
    for dir in [&machine, &k8s] {
        assert_eq!(
            listing(dir),
            [
                ".gitignore",
                "Cargo.toml",
                "README.md",
                "charmcraft.yaml",
                "src",
                "tests"
            ]
        );
        assert_eq!(listing(&dir.join("src")), ["lib.rs", "main.rs"]);
        assert_eq!(
            listing(&dir.join("tests")),
            ["harness.rs", "prop.rs", "state.rs"]
        );
        // The YAML is valid for the macro's validator, and charmcraft can build it too.
        let meta = ops_metadata_check(dir);
        assert!(meta.contains("type: charm") && meta.contains("parts:"));
    }
    let k8s_yaml = std::fs::read_to_string(k8s.join("charmcraft.yaml")).expect("read");
    assert!(k8s_yaml.contains("containers:\n  workload:\n    resource: workload-image"));
    let readme = std::fs::read_to_string(k8s.join("README.md")).expect("read");
    assert!(readme.contains(
        "juju deploy ./my-k8s_ubuntu-22.04-amd64.charm --resource workload-image=python:3.12-slim"
    ));

    // One target directory for every nested debug build of the test suite: dependencies compile once.
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested");
    for dir in [&machine, &k8s] {
        let status = Command::new(env!("CARGO"))
            .args(["test", "--quiet"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo test runs");
        assert!(status.success(), "`cargo test` failed in {}", dir.display());
    }
}

/// The scaffolded `charmcraft.yaml`, checked by the validator the `#[charm]` macro uses.
fn ops_metadata_check(dir: &std::path::Path) -> String {
    let path = dir.join("charmcraft.yaml");
    let source = ops_metadata::SourceFile::read(&path).expect("charmcraft.yaml");
    let meta = ops_metadata::parse_unified(&source).expect("valid YAML");
    let name = dir.file_name().expect("name").to_string_lossy();
    assert_eq!(meta.name, name);
    assert_eq!(meta.config.len(), 2);
    assert_eq!(meta.actions.len(), 1);
    assert_eq!(meta.relations.len(), 1);
    source.text
}

#[test]
fn an_existing_directory_is_left_alone() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("taken");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("keep.txt"), "mine").expect("write");
    let stderr = failure(&cargo_charm(
        tmp.path(),
        &["new", "taken", "--path", dir.to_str().expect("utf-8")],
    ));
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(listing(&dir), ["keep.txt"]);
    assert_eq!(
        listing(tmp.path()),
        ["taken"],
        "no temporary directory left"
    );

    // The default path is ./NAME.
    let stderr = failure(&cargo_charm(tmp.path(), &["new", "taken"]));
    assert!(stderr.contains("`taken` already exists"), "{stderr}");
}

#[test]
fn bad_names_and_ops_sources_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for name in ["My-Charm", "2fast", "a--b", "snake_case"] {
        let stderr = failure(&cargo_charm(tmp.path(), &["new", name]));
        assert!(stderr.contains("is not a valid charm name"), "{stderr}");
    }
    let stderr = failure(&cargo_charm(tmp.path(), &["new", "test"]));
    assert!(stderr.contains("reserved"), "{stderr}");
    let stderr = failure(&cargo_charm(
        tmp.path(),
        &["new", "fine", "--ops", "/nonexistent/ops-rs"],
    ));
    assert!(
        stderr.contains("is not a checkout of ops for Rust"),
        "{stderr}"
    );
    assert!(listing(tmp.path()).is_empty(), "{:?}", listing(tmp.path()));
}

#[test]
fn ops_can_be_a_registry_version() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = scaffold(tmp.path(), "versioned", &["--ops", "0.1"]);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("read");
    assert!(manifest.contains("ops-core = \"0.1\""), "{manifest}");
    assert!(manifest.contains("ops-testing = \"0.1\""), "{manifest}");
    assert!(manifest.contains("\n[workspace]\n"), "a standalone crate");
}
