//! `cargo charm pack` on real charms: every example of the workspace packs; the archive is laid
//! out as charmcraft lays it out, reproducible, passes `charmcraft analyse` when charmcraft is
//! installed, and its `dispatch` runs as Juju runs it.
//!
//! The examples build one after the other into the same target directory
//! (`<target>/charm`, the default), so the shared dependencies compile once.

mod common;

use common::{cargo_charm, listing, workspace_root};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Packs run one at a time (they share cargo's build directory lock anyway).
static PACKING: Mutex<()> = Mutex::new(());

/// Packs the crate at `manifest` into `out`; returns the `.charm` paths printed.
fn pack(manifest: &Path, out: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let _guard = PACKING.lock().unwrap_or_else(|e| e.into_inner());
    let mut args = vec![
        "pack",
        "--manifest-path",
        manifest.to_str().expect("utf-8"),
        "--output-dir",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let result = cargo_charm(&workspace_root(), &args);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "pack failed:\n{stderr}");
    assert!(stderr.contains("Packed"), "{stderr}");
    assert!(
        stderr.contains(&format!(", static, {})", expected_target(extra))),
        "the binary's size and target: {stderr}"
    );
    String::from_utf8_lossy(&result.stdout)
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// The target `cargo charm pack` builds for: `--target`, else the host's musl target when its
/// standard library is installed, else the host's.
fn expected_target(args: &[&str]) -> String {
    if let Some(at) = args.iter().position(|a| *a == "--target") {
        return args.get(at + 1).expect("--target's value").to_string();
    }
    let host = host_triple();
    let musl = host.replace("-linux-gnu", "-linux-musl");
    let sysroot = PathBuf::from(rustc("--print=sysroot").trim());
    if musl != host && sysroot.join("lib/rustlib").join(&musl).join("lib").is_dir() {
        musl
    } else {
        host
    }
}

fn rustc(arg: &str) -> String {
    let out = Command::new("rustc").arg(arg).output().expect("rustc");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The host's target triple, as `rustc -vV` names it.
fn host_triple() -> String {
    rustc("-vV")
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_string()
}

/// The archive's entries: name → (unix mode, content).
fn entries(charm: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    let file = std::fs::File::open(charm).expect("open the charm");
    let mut zip = zip::ZipArchive::new(file).expect("a zip archive");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("an entry");
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mode = entry.unix_mode().expect("a unix mode") & 0o7777;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read the entry");
        out.insert(entry.name().to_string(), (mode, bytes));
    }
    out
}

/// Extracts the archive into `dir`, with its modes.
fn unpack(charm: &Path, dir: &Path) {
    for (name, (mode, bytes)) in entries(charm) {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

fn assert_static(bytes: &[u8]) {
    let elf = goblin::elf::Elf::parse(bytes).expect("an ELF executable");
    assert_eq!(elf.interpreter, None, "no dynamic loader");
    assert!(elf.libraries.is_empty(), "DT_NEEDED: {:?}", elf.libraries);
}

/// `charmcraft analyse` reports no error or fatal result, when charmcraft is installed.
fn charmcraft_analyse(charm: &Path) {
    let Ok(out) = Command::new("charmcraft")
        .args(["analyse", "--format", "json"])
        .arg(charm)
        .output()
    else {
        println!("notice: charmcraft is not on PATH: `charmcraft analyse` not run");
        return;
    };
    assert!(
        out.status.success(),
        "charmcraft analyse failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("charmcraft analyse's JSON");
    let results = results.as_array().expect("a list of results");
    assert!(!results.is_empty());
    for r in results {
        let result = r["result"].as_str().unwrap_or_default();
        assert!(
            !matches!(result, "errors" | "fatal" | "error"),
            "charmcraft analyse: {r}"
        );
    }
}

#[test]
fn every_example_packs_as_charmcraft_lays_out_a_charm() {
    let out = tempfile::tempdir().expect("temp dir");
    let examples = workspace_root().join("examples");
    let mut names = listing(&examples);
    names.retain(|n| examples.join(n).join("Cargo.toml").is_file());
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let dir = examples.join(name);
        let charms = pack(&dir.join("Cargo.toml"), out.path(), &[]);
        let charm = out.path().join(format!("{name}_ubuntu-22.04-amd64.charm"));
        assert_eq!(charms, std::slice::from_ref(&charm));
        let files = entries(&charm);
        let (mode, dispatch) = &files["dispatch"];
        assert_eq!(*mode, 0o755);
        assert_static(dispatch);
        // Separate YAML files are copied as they are.
        for yaml in ["metadata.yaml", "config.yaml", "actions.yaml"] {
            match std::fs::read(dir.join(yaml)) {
                Ok(source) => assert_eq!(files[yaml], (0o644, source), "{name}/{yaml}"),
                Err(_) => assert!(!files.contains_key(yaml), "{name}/{yaml}"),
            }
        }
        let manifest: serde_yaml::Value =
            serde_yaml::from_slice(&files["manifest.yaml"].1).expect("manifest.yaml");
        assert_eq!(manifest["bases"][0]["name"], "ubuntu");
        assert_eq!(manifest["bases"][0]["channel"], "22.04");
        assert_eq!(manifest["bases"][0]["architectures"][0], "amd64");
        assert_eq!(
            manifest["charmcraft-started-at"],
            "1980-01-01T00:00:00+00:00"
        );
        assert!(!files.keys().any(|k| k.starts_with("hooks")), "no hooks/");
        charmcraft_analyse(&charm);
    }
    assert_eq!(
        listing(out.path()).len(),
        names.len(),
        "no temporary file left"
    );
}

#[test]
fn a_charm_is_reproducible_and_follows_source_date_epoch() {
    let manifest = workspace_root().join("examples/hello/Cargo.toml");
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let first = pack(
        &manifest,
        a.path(),
        &["--base", "ubuntu@22.04", "--base", "ubuntu@24.04"],
    );
    let second = pack(
        &manifest,
        b.path(),
        &["--base", "ubuntu@22.04", "--base", "ubuntu@24.04"],
    );
    assert_eq!(
        listing(a.path()),
        [
            "hello_ubuntu-22.04-amd64.charm",
            "hello_ubuntu-24.04-amd64.charm"
        ]
    );
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(
            std::fs::read(x).ok(),
            std::fs::read(y).ok(),
            "byte-for-byte"
        );
    }
    let files = entries(&first[1]);
    let manifest_yaml = String::from_utf8_lossy(&files["manifest.yaml"].1).into_owned();
    assert!(
        manifest_yaml.contains("channel: '24.04'"),
        "{manifest_yaml}"
    );

    // SOURCE_DATE_EPOCH sets the entries' times and charmcraft-started-at.
    let c = tempfile::tempdir().expect("c");
    let _guard = PACKING.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(common::BIN)
        .args(["pack", "--manifest-path"])
        .arg(&manifest)
        .arg("--output-dir")
        .arg(c.path())
        .env("SOURCE_DATE_EPOCH", "1584144000")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let charm = c.path().join("hello_ubuntu-22.04-amd64.charm");
    let files = entries(&charm);
    let manifest_yaml = String::from_utf8_lossy(&files["manifest.yaml"].1).into_owned();
    assert!(
        manifest_yaml.contains("charmcraft-started-at: 2020-03-14T00:00:00+00:00"),
        "{manifest_yaml}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&charm).expect("open")).expect("zip");
    let time = zip
        .by_name("dispatch")
        .expect("dispatch")
        .last_modified()
        .expect("a time");
    assert_eq!((time.year(), time.month(), time.day()), (2020, 3, 14));
}

/// Fake hook tools that record their arguments (one call per line, arguments separated by
/// U+001F) and print what `config-get` and `is-leader` should.
fn fake_tools(bin: &Path, calls: &Path, config: &str) {
    std::fs::create_dir_all(bin).expect("mkdir");
    let tools: &[(&str, String)] = &[
        ("config-get", format!("echo '{config}'")),
        ("is-leader", "echo true".into()),
        (
            "status-get",
            r#"echo '{"message": "", "status": "unknown", "status-data": {}}'"#.into(),
        ),
        ("status-set", String::new()),
        ("juju-log", String::new()),
        ("application-version-set", String::new()),
        ("open-port", String::new()),
        ("close-port", String::new()),
        ("opened-ports", "echo '[]'".into()),
    ];
    for (name, body) in tools {
        let script = format!(
            "#!/bin/sh\n{{ printf '%s' '{name}'; for a in \"$@\"; do printf '\\037%s' \"$a\"; \
             done; printf '\\n'; }} >> '{}'\n{body}\n",
            calls.display()
        );
        let path = bin.join(name);
        std::fs::write(&path, script).expect("write tool");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

#[test]
fn a_packed_charm_runs_as_juju_runs_it() {
    packed_counter_runs_as_juju_runs_it(&[]);
}

/// The default target is the host's musl one when it is installed: the host's own (glibc, linked
/// statically) still packs a charm that runs. (Without the musl target, the same build as above.)
#[test]
fn a_charm_packed_for_the_glibc_target_runs_as_juju_runs_it() {
    let host = host_triple();
    packed_counter_runs_as_juju_runs_it(&["--target", &host]);
}

fn packed_counter_runs_as_juju_runs_it(extra: &[&str]) {
    let out = tempfile::tempdir().expect("out");
    let charms = pack(
        &workspace_root().join("examples/counter/Cargo.toml"),
        out.path(),
        extra,
    );
    let unit = tempfile::tempdir().expect("unit");
    let charm_dir = unit.path().join("charm");
    std::fs::create_dir_all(&charm_dir).expect("mkdir");
    unpack(&charms[0], &charm_dir);
    let (bin, calls) = (unit.path().join("bin"), unit.path().join("calls"));
    fake_tools(
        &bin,
        &calls,
        r#"{"target": "sheep", "greeting": "hello", "port": 8080, "ratio": 1.5, "debug": false}"#,
    );
    for hook in ["install", "config-changed", "start"] {
        let result = Command::new(charm_dir.join("dispatch"))
            .current_dir(&charm_dir)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("JUJU_CHARM_DIR", &charm_dir)
            .env("JUJU_DISPATCH_PATH", format!("hooks/{hook}"))
            .env("JUJU_UNIT_NAME", "counter/0")
            .env("JUJU_MODEL_NAME", "test-model")
            .env("JUJU_MODEL_UUID", "d4c5c2f1-0000-4000-8000-000000000000")
            .env("JUJU_VERSION", "3.1.6")
            .output()
            .expect("dispatch runs");
        assert!(
            result.status.success(),
            "{hook} failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    let calls = std::fs::read_to_string(&calls).expect("calls");
    let calls: Vec<Vec<&str>> = calls.lines().map(|l| l.split('\x1f').collect()).collect();
    let statuses: Vec<&str> = calls
        .iter()
        .filter(|c| c[0] == "status-set" && !c.contains(&"--application=True"))
        .filter_map(|c| c.last().copied())
        .collect();
    assert_eq!(
        statuses,
        [
            "installing",
            "configuring",
            "hello, sheep: 2 events, ratio 1.5",
            "hello, sheep: 3 events, ratio 1.5"
        ],
        "{calls:?}: the count survives from hook to hook (stored state in the unpacked charm)"
    );
    assert!(
        calls.contains(&vec!["application-version-set", "--", "1.0.0"]),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c[0] == "open-port" && c[1..] == ["8080/tcp"]),
        "{calls:?}"
    );
}

#[test]
fn a_scaffolded_kubernetes_charm_packs_from_its_charmcraft_yaml() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("web-k8s");
    let out = cargo_charm(
        tmp.path(),
        &[
            "new",
            "web-k8s",
            "--kubernetes",
            "--path",
            dir.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Built in the examples' target directory with the workspace's locked versions: the
    // dependencies built for the examples are reused, only the charm itself compiles.
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
    let charms = pack(&dir.join("Cargo.toml"), tmp.path(), &[]);
    assert_eq!(
        charms,
        [tmp.path().join("web-k8s_ubuntu-22.04-amd64.charm")]
    );
    let files = entries(&charms[0]);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "README.md",
            "actions.yaml",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    let text = |name: &str| String::from_utf8_lossy(&files[name].1).into_owned();
    // Split out of charmcraft.yaml as charmcraft splits it: metadata keys only (title as
    // display-name), sorted; config and actions as they are.
    let metadata = text("metadata.yaml");
    assert!(metadata.starts_with("containers:\n  workload:\n    resource: workload-image\n"));
    assert!(metadata.contains("display-name: web-k8s\n"), "{metadata}");
    assert!(
        metadata.contains("resources:\n  workload-image:\n"),
        "{metadata}"
    );
    for absent in [
        "parts:",
        "platforms:",
        "type:",
        "config:",
        "actions:",
        "title:",
    ] {
        assert!(
            !metadata.lines().any(|l| l.starts_with(absent)),
            "{absent} in {metadata}"
        );
    }
    let meta = ops_metadata::parse_metadata_str(&metadata).expect("a valid metadata.yaml");
    assert_eq!(meta.containers.len(), 1);
    let config = ops_metadata::parse_config_str(&text("config.yaml")).expect("valid");
    assert_eq!(config.len(), 2);
    let actions = ops_metadata::parse_actions_str(&text("actions.yaml")).expect("valid");
    assert_eq!(actions.len(), 1);
    assert_static(&files["dispatch"].1);
    charmcraft_analyse(&charms[0]);
}
