//! The README's complete charm builds as a crate of its own, outside the repository: its
//! `Cargo.toml`, YAML and `src/main.rs` blocks are written to a temporary directory, the
//! `ops-core` path the README tells users to replace is pointed at this checkout, and `cargo
//! build` runs there. The build's target directory is shared across runs, under the workspace's
//! target directory but apart from it (a nested `cargo` on the same target directory would wait
//! for the lock of the `cargo test` running this test).

use std::path::Path;
use std::process::Command;

const README: &str = include_str!("../../README.md");

/// The body of the first fenced block opening with `fence` after the line `after`.
fn block<'a>(after: &str, fence: &str) -> &'a str
where
    'static: 'a,
{
    let start = README
        .find(after)
        .unwrap_or_else(|| panic!("README.md has no {after:?}"));
    let rest = &README[start..];
    let open = rest
        .find(fence)
        .unwrap_or_else(|| panic!("README.md has no {fence} block after {after:?}"));
    let body = &rest[open + fence.len()..];
    let end = body
        .find("\n```\n")
        .unwrap_or_else(|| panic!("unterminated block after {after:?}"));
    &body[..=end]
}

/// The YAML block split into its files (each starts with a `# <file>` line).
fn yaml_files(yaml: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in yaml.lines() {
        if let Some(name) = line.strip_prefix("# ").filter(|n| n.ends_with(".yaml")) {
            files.push((name.to_string(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    files
}

#[test]
fn the_readme_charm_builds_outside_the_repository() {
    let manifest = block("`Cargo.toml`:", "```toml\n");
    let yaml = block(
        "`metadata.yaml`, `config.yaml`, `actions.yaml`",
        "```yaml\n",
    );
    let main = block("`src/main.rs`:", "```rust\n");

    const USER_PATH: &str = "/path/to/ops-rs/ops-core";
    assert!(
        manifest.contains(USER_PATH),
        "the README's Cargo.toml names the ops-core path users replace"
    );
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("docs/ is in the checkout")
        .join("ops-core");
    let manifest = manifest.replace(USER_PATH, &checkout.display().to_string());

    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path().join("hello");
    std::fs::create_dir_all(root.join("src")).expect("create src/");
    std::fs::write(root.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    let files = yaml_files(yaml);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["metadata.yaml", "config.yaml", "actions.yaml"]);
    for (name, text) in &files {
        std::fs::write(root.join(name), text).expect("write the YAML");
    }
    std::fs::write(root.join("src/main.rs"), main).expect("write src/main.rs");
    // The workspace's lock file: the same dependency versions, nothing to resolve afresh.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
        root.join("Cargo.lock"),
    )
    .expect("copy Cargo.lock");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .arg("build")
        .arg("--quiet")
        .current_dir(&root)
        // One target directory for every nested debug build of the test suite: dependencies compile once.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested"),
        )
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the README's charm does not build on its own:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
