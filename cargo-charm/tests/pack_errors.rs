//! `cargo charm pack` on bad input: a clear error before anything is built, and nothing written.

mod common;

use common::{cargo_charm, failure, listing, manifest, write_files, METADATA};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A crate in a temporary directory, and an empty output directory beside it.
fn crate_with(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("tiny");
    write_files(&dir, files);
    std::fs::create_dir_all(tmp.path().join("out")).expect("out dir");
    (tmp, dir)
}

fn pack(dir: &Path, extra: &[&str]) -> (String, Vec<String>) {
    let out_dir = dir.parent().expect("parent").join("out");
    let mut args = vec!["pack", "--output-dir", out_dir.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let stderr = failure(&cargo_charm(dir, &args));
    (stderr, listing(&out_dir))
}

#[test]
fn a_package_without_a_binary_target() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/lib.rs", "//! A library.\n"),
        ("metadata.yaml", METADATA),
    ]);
    let (stderr, written) = pack(&dir, &[]);
    assert!(
        stderr.contains("error: package `tiny` has no binary target"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo charm new"), "{stderr}");
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_package_without_charm_yaml() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
    ]);
    let (stderr, written) = pack(&dir, &[]);
    assert!(
        stderr.contains("error: package `tiny` is not a charm")
            && stderr.contains("has no `metadata.yaml`, and no `charmcraft.yaml` with a `name`"),
        "{stderr}"
    );
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn yaml_the_validator_rejects_is_shown_with_its_location() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        (
            "metadata.yaml",
            "name: tiny\nsummary: s\ndescription: d\nrequires:\n  db: {limit: 1}\n",
        ),
    ]);
    let (stderr, written) = pack(&dir, &[]);
    assert!(stderr.contains("the charm's YAML is invalid"), "{stderr}");
    assert!(
        stderr.contains("relation `db` has no `interface`"),
        "{stderr}"
    );
    assert!(stderr.contains(" --> metadata.yaml:5:3"), "{stderr}");
    assert!(written.is_empty(), "{written:?}");

    // The same in a unified charmcraft.yaml.
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        (
            "charmcraft.yaml",
            "name: tiny\ntype: charm\nsummary: s\ndescription: d\nconfig:\n  options:\n    \
             port: {type: integer}\n",
        ),
    ]);
    let (stderr, written) = pack(&dir, &[]);
    assert!(stderr.contains(" --> charmcraft.yaml:7:"), "{stderr}");
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_base_that_cannot_be_parsed() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        ("metadata.yaml", METADATA),
    ]);
    for base in ["ubuntu", "ubuntu@jammy", "Ubuntu@22.04"] {
        let (stderr, written) = pack(&dir, &["--base", "ubuntu@22.04", "--base", base]);
        assert!(
            stderr.contains(&format!("error: `{base}` is not a base"))
                && stderr.contains("expected NAME@CHANNEL"),
            "{stderr}"
        );
        assert!(written.is_empty(), "{written:?}");
    }
}

#[test]
fn a_target_that_cannot_link_statically() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        ("metadata.yaml", METADATA),
    ]);
    let (stderr, written) = pack(&dir, &["--target", "x86_64-apple-darwin"]);
    assert!(
        stderr.contains("error: cannot link `x86_64-apple-darwin` statically"),
        "{stderr}"
    );
    assert!(written.is_empty(), "{written:?}");
    let (stderr, _) = pack(&dir, &["--target", "x86_64-unknown-freebsd"]);
    assert!(stderr.contains("statically"), "{stderr}");
}

#[test]
fn an_unknown_package() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        ("metadata.yaml", METADATA),
    ]);
    let (stderr, written) = pack(&dir, &["-p", "nope"]);
    assert!(
        stderr.contains("package `nope` is not in the workspace (its packages: tiny)"),
        "{stderr}"
    );
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_target_whose_standard_library_is_missing() {
    let (_tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        ("metadata.yaml", METADATA),
    ]);
    // A Linux target no machine of this project installs.
    let (stderr, written) = pack(&dir, &["--target", "s390x-unknown-linux-musl"]);
    assert!(
        stderr.contains("error: cannot link `s390x-unknown-linux-musl` statically")
            && stderr.contains("rustup target add s390x-unknown-linux-musl"),
        "{stderr}"
    );
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_glibc_target_without_libc_a() {
    let (tmp, dir) = crate_with(&[
        ("Cargo.toml", &manifest("tiny")),
        ("src/main.rs", "fn main() {}\n"),
        ("metadata.yaml", METADATA),
    ]);
    // A C compiler that, like gcc without libc6-dev, prints the bare name for a missing file.
    let cc = tmp.path().join("cc");
    std::fs::write(&cc, "#!/bin/sh\necho libc.a\n").expect("write");
    std::fs::set_permissions(&cc, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out_dir = tmp.path().join("out");
    // The host's glibc target, named: without `--target` the musl one is chosen when installed.
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let out = std::process::Command::new(common::BIN)
        .args(["pack", "--target", &host, "--output-dir"])
        .arg(&out_dir)
        .current_dir(&dir)
        .env("CC", &cc)
        .output()
        .expect("runs");
    let stderr = failure(&out);
    assert!(
        stderr.contains("statically: glibc's static library `libc.a` is not installed"),
        "{stderr}"
    );
    assert!(listing(&out_dir).is_empty());
}
