//! Real charms' YAML compiles: for every charm directory of `../shared/real-charms/` (30 public,
//! deployed charms; absent from a user's clone, then a notice is printed and only the fixtures
//! run) and of `tests/fixtures/real-world/` (constructs of further public charms, written for
//! these tests), a minimal charm is generated from its metadata and compiled with `#[charm]`:
//! a typed read of every config option, a handler for every relation, storage, container and
//! action, reading every action param with its expected type.
//!
//! All charms go into ONE generated crate (one module per charm) checked with ONE `cargo check`,
//! in `<target>/tmp/real-charms/`, built in `<target>/tmp/nested/` (the target directory every
//! nested build of the suite shares, kept across runs), so only the first run builds the
//! dependencies; later runs re-check the one crate (the YAML files and `lib.rs` are rewritten
//! only when they change).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use ops_codegen::expand::items::params_ident;
use ops_codegen::expand::names::{extern_crates, field_ident, module_ident};
use ops_metadata::{identifier, CharmFiles, CharmMeta, ConfigType, ParamType};

/// `../shared/real-charms` beside the workspace (or `$OPS_REAL_CHARMS`).
fn real_charms_dir() -> PathBuf {
    std::env::var_os("OPS_REAL_CHARMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/real-charms"))
}

/// This crate's own real-world fixtures.
fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-world")
}

/// The charm directories (those with a `metadata.yaml` or `charmcraft.yaml`) under `dir`.
fn charm_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("metadata.yaml").is_file() || p.join("charmcraft.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Writes `text` to `path` unless it already holds it (an unchanged file keeps its mtime, so
/// Cargo does not re-check the crate).
fn write_if_changed(path: &Path, text: &[u8]) {
    if std::fs::read(path).ok().as_deref() == Some(text) {
        return;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a directory of the generated crate");
    }
    std::fs::write(path, text).expect("write a file of the generated crate");
}

fn config_type(kind: ConfigType) -> &'static str {
    match kind {
        ConfigType::String | ConfigType::Secret => "::std::string::String",
        ConfigType::Int => "i64",
        ConfigType::Float => "f64",
        ConfigType::Boolean => "bool",
    }
}

fn param_type(kind: ParamType) -> &'static str {
    match kind {
        ParamType::String => "::std::string::String",
        ParamType::Integer => "i64",
        ParamType::Number => "f64",
        ParamType::Boolean => "bool",
        ParamType::Array => "::std::vec::Vec<::serde_json::Value>",
        ParamType::Object => "::serde_json::Map<::std::string::String, ::serde_json::Value>",
        ParamType::Any => "::serde_json::Value",
    }
}

/// The module of one charm: the charm type, `#[charm]` on its YAML and a handler per entry.
fn charm_module(
    wrapper: &str,
    dir_in_crate: &str,
    meta: &CharmMeta,
    crates: &BTreeSet<String>,
) -> String {
    // The name `#[charm]` gives the module (it reads the same Cargo.toml).
    let module = module_ident(&meta.name, crates).to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pub mod {wrapper} {{\n    use ops_core::prelude::*;\n\n    #[derive(Default, \
         StoredState)]\n    pub struct Charm;\n\n    #[charm(dir = \"{dir_in_crate}\")]\n    impl \
         Charm {{"
    );
    // Typed config: every option read as the type its `type` and `default` give.
    let _ = writeln!(
        out,
        "        #[on(config_changed)]\n        fn config(&mut self, ctx: &mut Context<Self>, \
         _event: &HookEvent) -> ops_core::Result<()> {{\n            let config: &{module}::Config \
         = ctx.config()?;\n            // Crates named like some charms (`log`, `std`, `core`, `serde`, `ops-core`) \
         stay reachable.\n            log::info!(\"{{}}\", core::any::type_name::<std::string::String>());\n            \
         let _: Option<serde::de::IgnoredAny> = None;\n            let _ = ops_core::StorageChoice::Auto;"
    );
    for option in meta.config.iter() {
        let ty = config_type(option.kind);
        let ty = if option.default.is_some() {
            ty.to_string()
        } else {
            format!("::core::option::Option<{ty}>")
        };
        let field = field_ident(&option.name);
        let _ = writeln!(out, "            let _: &{ty} = &config.{field};");
    }
    let _ = writeln!(out, "            Ok(())\n        }}");
    let mut handler = |event: String, event_ty: String, body: String| {
        let _ = writeln!(
            out,
            "        #[on({event})]\n        fn on_{event}(&mut self, _ctx: &mut Context<Self>, \
             event: &{event_ty}) {{\n            let _ = event;\n{body}        }}"
        );
    };
    for r in meta.relations.iter() {
        let event = format!("{}_relation_changed", identifier(&r.name));
        handler(event, "RelationEvent".into(), String::new());
    }
    for s in meta.storages.iter() {
        let event = format!("{}_storage_attached", identifier(&s.name));
        handler(event, "StorageEvent".into(), String::new());
    }
    for c in meta.containers.iter() {
        let event = format!("{}_pebble_ready", identifier(&c.name));
        handler(event, "PebbleReadyEvent".into(), String::new());
    }
    for a in meta.actions.iter() {
        let event = format!("{}_action", identifier(&a.name));
        let params = params_ident(a);
        let mut body = String::new();
        for p in a.params.iter() {
            let ty = param_type(p.kind);
            let ty = if (p.required || p.default.is_some()) && !p.nullable {
                ty.to_string()
            } else {
                format!("::core::option::Option<{ty}>")
            };
            let field = field_ident(&p.name);
            let _ = writeln!(body, "            let _: &{ty} = &event.params.{field};");
        }
        handler(
            event,
            format!("ActionEvent<{module}::actions::{params}>"),
            body,
        );
    }
    let _ = writeln!(out, "    }}\n}}\n");
    out
}

#[test]
fn every_real_charm_compiles() {
    let real = real_charms_dir();
    let mut dirs = charm_dirs(&fixtures_dir());
    assert!(
        !dirs.is_empty(),
        "no fixtures in {}",
        fixtures_dir().display()
    );
    let real_dirs = charm_dirs(&real);
    if real_dirs.is_empty() {
        // Straight to stderr: the test harness captures `println!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "notice: {} is absent or empty: only this crate's real-world fixtures are compiled (set \
             OPS_REAL_CHARMS to a directory of charm directories to check more)",
            real.display()
        );
    }
    dirs.extend(real_dirs);

    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-charms");
    let krate = tmp.join("crate");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let workspace = workspace.canonicalize().expect("the workspace directory");
    // Same dependency versions as the workspace, so nothing is resolved or fetched.
    let lock = std::fs::read(workspace.join("Cargo.lock")).expect("read the workspace Cargo.lock");
    write_if_changed(&krate.join("Cargo.lock"), &lock);
    let manifest = format!(
        "[package]\nname = \"real-charms-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\nops-core = {{ path = \
         {:?} }}\nserde_json = \"1\"\nserde = \"1\"\nlog = \"0.4\"\n\n[workspace]\n",
        workspace.join("ops-core").display().to_string()
    );
    write_if_changed(&krate.join("Cargo.toml"), manifest.as_bytes());
    let crates = extern_crates(&krate, Some("real_charms_check"));

    let mut lib = String::from(
        "//! Generated by ops-macros/tests/real_charms.rs: one minimal charm per directory.\n\
         #![allow(missing_docs, dead_code, unused_variables)]\n\n",
    );
    let mut load_errors = Vec::new();
    let mut names = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The YAML files, copied so the generated crate names them by relative paths.
        let in_crate = format!("charms/{i:02}-{name}");
        for file in [
            "metadata.yaml",
            "charmcraft.yaml",
            "config.yaml",
            "actions.yaml",
        ] {
            if let Ok(text) = std::fs::read(dir.join(file)) {
                write_if_changed(&krate.join(&in_crate).join(file), &text);
            }
        }
        let meta = match CharmFiles::discover(dir).and_then(|files| files.load()) {
            Ok(meta) => meta,
            Err(e) => {
                load_errors.push(format!("{}:\n{e}", dir.display()));
                continue;
            }
        };
        lib.push_str(&charm_module(
            &format!("charm_{i:02}"),
            &in_crate,
            &meta,
            &crates,
        ));
        names.push(name);
    }
    assert!(
        load_errors.is_empty(),
        "charms whose YAML the loader refuses:\n\n{}",
        load_errors.join("\n\n")
    );
    write_if_changed(&krate.join("lib.rs"), lib.as_bytes());

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = std::time::Instant::now();
    let output = Command::new(cargo)
        .args(["check", "--lib", "--quiet", "--message-format", "short"])
        .current_dir(&krate)
        // One target directory for every nested build of the test suite: dependencies compile once.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested"),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run `cargo check` on the generated crate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let yaml_warnings = stderr.matches("charm_yaml_warning").count();
    println!(
        "checked {} charms ({}) in {:.1?}; {yaml_warnings} warnings about keys Juju ignores",
        names.len(),
        names.join(", "),
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "the generated crate {} does not compile:\n{stderr}",
        krate.display()
    );
}
