//! `cargo charm pack`: a static `dispatch` binary and a `.charm` archive laid out as charmcraft
//! lays it out.
//!
//! The steps, each failing with a [`PackError`] before anything is written:
//!
//! 1. `cargo metadata` finds the package (`--manifest-path`, `-p`, or the current directory) and
//!    its one binary target;
//! 2. the charm's YAML in the package's directory (`metadata.yaml` [+ `config.yaml`,
//!    `actions.yaml`], or a unified `charmcraft.yaml`) is validated by `ops-metadata`, the
//!    validator the `#[charm]` macro uses;
//! 3. the bases come from `--base`, else from `charmcraft.yaml` (`base:` + `platforms:`,
//!    multi-base `platforms:` or legacy `bases:`), else `ubuntu@22.04`;
//! 4. `cargo build --release --target TRIPLE` with `-C target-feature=+crt-static`, in its own
//!    target subdirectory (`<target-dir>/charm`), and the ELF headers are checked: no interpreter,
//!    no `DT_NEEDED`;
//! 5. one `NAME_<base>-<channel>-<arch>.charm` per base is written to a temporary file in the
//!    output directory and renamed into place.
//!
//! The archive is reproducible: its entries are sorted by name, their timestamps and
//! `charmcraft-started-at` come from `SOURCE_DATE_EPOCH` when it is set, else from the zip epoch
//! (1980-01-01T00:00:00+00:00).

use crate::{BoxError, CrateSelection};
use ops_metadata::{CharmFiles, MetaErrors};
use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Arguments of `cargo charm pack`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackArgs {
    /// Which crate to pack.
    #[command(flatten)]
    pub selection: CrateSelection,
    /// A base to pack for, as `NAME@CHANNEL` (e.g. `ubuntu@22.04`); repeat for several. Default:
    /// the bases `charmcraft.yaml` declares for the target's architecture, else `ubuntu@22.04`.
    #[arg(long = "base", value_name = "NAME@CHANNEL")]
    pub bases: Vec<String>,
    /// The target triple to build for (default: the host's). It must link statically: a
    /// `*-linux-gnu` target (with glibc's `libc.a`) or a `*-linux-musl` one.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Where to write the `.charm` files (default: the current directory, as charmcraft).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Cargo's target directory for the static build (default: `charm/` in the workspace's
    /// target directory, so that normal builds are not invalidated).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

/// Why a charm could not be packed.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// cargo could not be run, or failed.
    #[error("`{command}` failed: {detail}")]
    Cargo {
        /// The command line.
        command: String,
        /// What went wrong.
        detail: String,
    },
    /// cargo's JSON output could not be read.
    #[error("cannot read the output of `{command}`: {source}")]
    CargoOutput {
        /// The command line.
        command: String,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// No package matches the selection.
    #[error("{0}")]
    Selection(String),
    /// The package has no binary target (or several, none named after the package).
    #[error(
        "package `{package}` has no binary target: a charm crate needs one (a `src/main.rs` \
         calling `ops_core::main::<YourCharm>()`); `cargo charm new` scaffolds one"
    )]
    NoBinary {
        /// The package.
        package: String,
    },
    /// Several binaries and none named after the package.
    #[error(
        "package `{package}` has several binary targets ({}) and none is named `{package}`: \
         cannot tell which one is the charm", .binaries.join(", ")
    )]
    SeveralBinaries {
        /// The package.
        package: String,
        /// Its binaries.
        binaries: Vec<String>,
    },
    /// The package's directory holds no charm metadata.
    #[error(
        "package `{package}` is not a charm: `{}` has no `metadata.yaml`, and no \
         `charmcraft.yaml` with a `name`", .dir.display()
    )]
    NotACharm {
        /// The package.
        package: String,
        /// Its directory.
        dir: PathBuf,
    },
    /// The charm's YAML is invalid.
    #[error("the charm's YAML is invalid:\n{0}")]
    InvalidYaml(MetaErrors),
    /// A base that cannot be parsed.
    #[error("`{base}` is not a base: {reason} (expected NAME@CHANNEL, e.g. `ubuntu@22.04`)")]
    BadBase {
        /// The base as given.
        base: String,
        /// What is wrong.
        reason: String,
    },
    /// charmcraft.yaml declares bases, none for the target's architecture.
    #[error(
        "`{}` declares no base for {arch} (the architecture of `{target}`); pass --base or \
         --target", .file.display()
    )]
    NoBaseForArch {
        /// charmcraft.yaml.
        file: PathBuf,
        /// The architecture (Juju's name).
        arch: String,
        /// The target triple.
        target: String,
    },
    /// The target cannot produce a static Linux executable.
    #[error("cannot link `{target}` statically: {reason}")]
    StaticUnsupported {
        /// The target triple.
        target: String,
        /// Why.
        reason: String,
    },
    /// The built binary is not static.
    #[error("`{}` is not a static executable: {detail}", .binary.display())]
    NotStatic {
        /// The binary.
        binary: PathBuf,
        /// What the ELF headers show.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("{action} `{}`: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A YAML file of the charm could not be re-read for the archive.
    #[error("cannot read `{}` as YAML: {source}", .path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The error.
        source: serde_yaml::Error,
    },
    /// The archive could not be written.
    #[error("cannot write `{}`: {source}", .path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The error.
        source: zip::result::ZipError,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> PackError + 'a {
    move |source| PackError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `cargo charm pack`: returns the path of every `.charm` written (one per base).
pub fn main(args: PackArgs) -> Result<Vec<PathBuf>, BoxError> {
    Ok(pack(&args)?)
}

/// [`main`], with its typed error.
pub fn pack(args: &PackArgs) -> Result<Vec<PathBuf>, PackError> {
    let cargo = cargo_program();
    let metadata = cargo_metadata(&cargo, &args.selection)?;
    let package = select_package(&metadata, &args.selection)?;
    let binary = charm_binary(package)?;
    let charm_dir = package
        .manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    // The charm's YAML, validated before anything is built or written.
    let files = match CharmFiles::discover(&charm_dir) {
        Ok(files) => files,
        // Nothing to point at in a file: there is no charm metadata at all.
        Err(errors) if errors.iter().all(|e| !e.file.is_file()) => {
            return Err(PackError::NotACharm {
                package: package.name.clone(),
                dir: charm_dir,
            });
        }
        Err(errors) => return Err(PackError::InvalidYaml(relative_errors(errors))),
    };
    let meta = files
        .load()
        .map_err(|e| PackError::InvalidYaml(relative_errors(e)))?;
    let yaml = CharmYaml::read(&files)?;

    let target = match &args.target {
        Some(t) => t.clone(),
        None => default_target()?,
    };
    let arch = juju_arch(&target)?;
    let flags = static_flags(&target)?;
    check_target_installed(&target)?;
    let bases = if args.bases.is_empty() {
        yaml.declared_bases(&arch, &target)?
    } else {
        args.bases
            .iter()
            .map(|b| Base::parse(b))
            .collect::<Result<Vec<_>, _>>()?
    };

    let target_dir = match &args.target_dir {
        Some(dir) => dir.clone(),
        None => metadata.target_directory.join("charm"),
    };
    let executable = build(&cargo, package, &binary, &target, &flags, &target_dir)?;
    check_static(&executable)?;
    let dispatch = std::fs::read(&executable).map_err(io_error("cannot read", &executable))?;
    eprintln!(
        "{:>12} {} ({}, static, {target})",
        "Built",
        executable.display(),
        human_size(dispatch.len() as u64)
    );

    let output_dir = match &args.output_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().map_err(io_error("cannot read", Path::new(".")))?,
    };
    let epoch = source_date_epoch();
    let mut entries = yaml.entries()?;
    entries.insert("dispatch".into(), (dispatch, 0o755));
    for optional in ["README.md", "LICENSE", "icon.svg"] {
        let path = charm_dir.join(optional);
        if path.is_file() {
            let bytes = std::fs::read(&path).map_err(io_error("cannot read", &path))?;
            entries.insert(optional.into(), (bytes, 0o644));
        }
    }

    let mut written = Vec::new();
    for base in &bases {
        let manifest = manifest_yaml(base, &arch, epoch);
        let mut entries = entries.clone();
        entries.insert("manifest.yaml".into(), (manifest.into_bytes(), 0o644));
        let path = output_dir.join(format!(
            "{}_{}-{}-{arch}.charm",
            meta.name, base.name, base.channel
        ));
        write_archive(&path, &entries, epoch)?;
        eprintln!("{:>12} {}", "Packed", path.display());
        println!("{}", path.display());
        written.push(path);
    }
    Ok(written)
}

// ---- cargo -------------------------------------------------------------------------------------

/// cargo itself: `$CARGO` when run as `cargo charm`, else `cargo` on `PATH`.
fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

fn command_line(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `cargo metadata --format-version 1 --no-deps` says (the parts used here).
#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    target_directory: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    id: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

fn cargo_metadata(cargo: &Path, selection: &CrateSelection) -> Result<Metadata, PackError> {
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1", "--no-deps"]);
    if let Some(path) = &selection.manifest_path {
        cmd.arg("--manifest-path").arg(path);
    }
    let line = command_line(&cmd);
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| PackError::Cargo {
            command: line.clone(),
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(PackError::Cargo {
            command: line,
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    serde_json::from_slice(&out.stdout).map_err(|source| PackError::CargoOutput {
        command: line,
        source,
    })
}

fn select_package<'a>(
    metadata: &'a Metadata,
    selection: &CrateSelection,
) -> Result<&'a Package, PackError> {
    let members: Vec<&Package> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let names = || {
        members
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(name) = &selection.package {
        return members
            .iter()
            .copied()
            .find(|p| &p.name == name)
            .ok_or_else(|| {
                PackError::Selection(format!(
                    "package `{name}` is not in the workspace (its packages: {})",
                    names()
                ))
            });
    }
    // The package whose directory is (or contains) the manifest's directory or the current one.
    let start = match &selection.manifest_path {
        Some(path) => path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf)),
        None => std::env::current_dir().ok(),
    };
    if let Some(start) = start {
        let found = members
            .iter()
            .copied()
            .filter(|p| {
                p.manifest_path
                    .parent()
                    .is_some_and(|dir| start.starts_with(dir))
            })
            .max_by_key(|p| p.manifest_path.as_os_str().len());
        if let Some(found) = found {
            return Ok(found);
        }
    }
    match members.as_slice() {
        [only] => Ok(only),
        [] => Err(PackError::Selection("the workspace has no packages".into())),
        _ => Err(PackError::Selection(format!(
            "the workspace has several packages ({}): choose the charm with -p",
            names()
        ))),
    }
}

fn charm_binary(package: &Package) -> Result<String, PackError> {
    let binaries: Vec<&str> = package
        .targets
        .iter()
        .filter(|t| t.kind.iter().any(|k| k == "bin"))
        .map(|t| t.name.as_str())
        .collect();
    match binaries.as_slice() {
        [] => Err(PackError::NoBinary {
            package: package.name.clone(),
        }),
        [only] => Ok(only.to_string()),
        several => several
            .iter()
            .find(|b| **b == package.name)
            .map(|b| b.to_string())
            .ok_or_else(|| PackError::SeveralBinaries {
                package: package.name.clone(),
                binaries: several.iter().map(|b| b.to_string()).collect(),
            }),
    }
}

/// The host's target triple, as `rustc -vV` prints it.
fn host_triple() -> Result<String, PackError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut cmd = Command::new(rustc);
    cmd.arg("-vV");
    let line = command_line(&cmd);
    let out = cmd.output().map_err(|e| PackError::Cargo {
        command: line.clone(),
        detail: e.to_string(),
    })?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .ok_or_else(|| PackError::Cargo {
            command: line,
            detail: "no `host:` line in its output".into(),
        })
}

/// Juju's name of the target's architecture.
fn juju_arch(target: &str) -> Result<String, PackError> {
    let cpu = target.split('-').next().unwrap_or_default();
    let arch = match cpu {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64le" => "ppc64el",
        "s390x" => "s390x",
        "riscv64gc" | "riscv64" => "riscv64",
        "armv7" => "armhf",
        _ => {
            return Err(PackError::StaticUnsupported {
                target: target.into(),
                reason: format!("Juju runs no machine of the `{cpu}` architecture"),
            })
        }
    };
    Ok(arch.into())
}

/// The rustc flags that link `target` statically, or why it cannot be.
fn static_flags(target: &str) -> Result<Vec<&'static str>, PackError> {
    let unsupported = |reason: &str| PackError::StaticUnsupported {
        target: target.into(),
        reason: reason.into(),
    };
    let mut parts = target.split('-');
    let (_, _vendor, os, env) = (parts.next(), parts.next(), parts.next(), parts.next());
    if os != Some("linux") {
        return Err(unsupported(
            "a charm's dispatch runs on Linux: use a `*-linux-gnu` or `*-linux-musl` target",
        ));
    }
    match env {
        Some(env) if env.starts_with("musl") => Ok(vec!["-C", "target-feature=+crt-static"]),
        Some(env) if env.starts_with("gnu") => {
            if target == host_triple().unwrap_or_default() && !has_static_libc() {
                return Err(unsupported(
                    "glibc's static library `libc.a` is not installed (Debian and Ubuntu: \
                     `apt install libc6-dev`), or use a `*-linux-musl` target",
                ));
            }
            Ok(vec!["-C", "target-feature=+crt-static"])
        }
        _ => Err(unsupported(
            "only `*-linux-gnu` (glibc with `libc.a`) and `*-linux-musl` targets link statically",
        )),
    }
}

/// The target a charm is built for when `--target` is not given: the host's musl target when its
/// standard library is installed, else the host's own (glibc, linked statically).
///
/// musl first because a hook is a process that starts, makes a few tool calls and exits, and a
/// static glibc binary spends its start asking the CPU about its caches and features (dozens of
/// `cpuid`), and on a virtual machine each `cpuid` traps to the hypervisor: where this was
/// measured, a static program doing nothing starts in 0.64 ms with glibc and 0.11 ms with musl,
/// which asks nothing (docs/src/reference/performance.md).
fn default_target() -> Result<String, PackError> {
    let host = host_triple()?;
    let Some(musl) = musl_variant(&host) else {
        return Ok(host);
    };
    match target_installed(&musl) {
        Some((true, _)) => Ok(musl),
        _ => {
            eprintln!(
                "{:>12} building for {host} (glibc, linked statically); with the musl target \
                 installed (`rustup target add {musl}`) the charm's hooks start ≈ 0.5 ms faster",
                "Note"
            );
            Ok(host)
        }
    }
}

/// The musl target of a glibc Linux target: `x86_64-unknown-linux-gnu` →
/// `x86_64-unknown-linux-musl`, `armv7-unknown-linux-gnueabihf` →
/// `armv7-unknown-linux-musleabihf`; `None` for any other target.
fn musl_variant(target: &str) -> Option<String> {
    let (head, env) = target.rsplit_once('-')?;
    let abi = env.strip_prefix("gnu")?;
    head.ends_with("-linux")
        .then(|| format!("{head}-musl{abi}"))
}

/// Whether the Rust standard library for `target` is installed, with the sysroot looked in; `None`
/// when that cannot be told (rustc could not be asked, or an unusual toolchain layout).
fn target_installed(target: &str) -> Option<(bool, PathBuf)> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let rustlib = sysroot.join("lib/rustlib");
    if !out.status.success() || !rustlib.is_dir() {
        return None;
    }
    Some((rustlib.join(target).join("lib").is_dir(), sysroot))
}

/// Fails when the Rust standard library for `target` is not installed (cargo would fail with
/// "can't find crate for `core`" after building the host's dependencies).
fn check_target_installed(target: &str) -> Result<(), PackError> {
    match target_installed(target) {
        // Installed, or an unusual toolchain layout: let cargo tell.
        Some((true, _)) | None => Ok(()),
        Some((false, sysroot)) => Err(PackError::StaticUnsupported {
            target: target.into(),
            reason: format!(
                "the Rust standard library for `{target}` is not installed in `{}` (with rustup: \
                 `rustup target add {target}`)",
                sysroot.display()
            ),
        }),
    }
}

/// Whether the C compiler finds `libc.a` (it prints the name alone when it does not).
fn has_static_libc() -> bool {
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    match Command::new(cc).arg("-print-file-name=libc.a").output() {
        Ok(out) => {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            Path::new(&path).is_absolute() && Path::new(&path).is_file()
        }
        // No C compiler to ask: let the link tell.
        Err(_) => true,
    }
}

/// `-C target-feature=+crt-static` added to the flags the user already gives rustc.
fn encoded_rustflags(extra: &[&str]) -> String {
    let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(encoded) if !encoded.is_empty() => encoded.split('\x1f').map(String::from).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect(),
    };
    flags.extend(extra.iter().map(|f| f.to_string()));
    flags.join("\x1f")
}

/// One line of `cargo build --message-format=json-render-diagnostics`.
#[derive(Debug, Deserialize)]
struct BuildMessage {
    reason: String,
    #[serde(default)]
    package_id: Option<String>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    success: Option<bool>,
}

fn build(
    cargo: &Path,
    package: &Package,
    binary: &str,
    target: &str,
    flags: &[&str],
    target_dir: &Path,
) -> Result<PathBuf, PackError> {
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ])
    .arg("--manifest-path")
    .arg(&package.manifest_path)
    .args([
        "--package",
        &package.id,
        "--bin",
        binary,
        "--target",
        target,
    ])
    .arg("--target-dir")
    .arg(target_dir)
    .env("CARGO_ENCODED_RUSTFLAGS", encoded_rustflags(flags))
    .env_remove("RUSTFLAGS")
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    let line = command_line(&cmd);
    let mut child = cmd.spawn().map_err(|e| PackError::Cargo {
        command: line.clone(),
        detail: e.to_string(),
    })?;
    let mut executable = None;
    let mut succeeded = false;
    if let Some(stdout) = child.stdout.take() {
        for text in BufReader::new(stdout).lines() {
            let text = text.map_err(|e| PackError::Cargo {
                command: line.clone(),
                detail: e.to_string(),
            })?;
            let message: BuildMessage = match serde_json::from_str(&text) {
                Ok(m) => m,
                // Not a message of cargo's: a build script printing to stdout; pass it on.
                Err(_) => {
                    println!("{text}");
                    continue;
                }
            };
            match message.reason.as_str() {
                "compiler-artifact"
                    if message.package_id.as_deref() == Some(&package.id)
                        && message.target.as_ref().is_some_and(|t| {
                            t.name == binary && t.kind.iter().any(|k| k == "bin")
                        }) =>
                {
                    executable = message.executable;
                }
                "build-finished" => succeeded = message.success.unwrap_or(false),
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(|e| PackError::Cargo {
        command: line.clone(),
        detail: e.to_string(),
    })?;
    if !status.success() || !succeeded {
        return Err(PackError::Cargo {
            command: line,
            detail: format!(
                "{status} (see its errors above; a link error about `-lc`, `-lgcc_eh` or \
                 missing symbols means the target cannot link statically here)"
            ),
        });
    }
    executable.ok_or_else(|| PackError::Cargo {
        command: line,
        detail: format!("it reported no executable for binary `{binary}`"),
    })
}

/// Fails unless the ELF file at `path` has no interpreter and needs no shared library.
pub fn check_static(path: &Path) -> Result<(), PackError> {
    let bytes = std::fs::read(path).map_err(io_error("cannot read", path))?;
    let not_static = |detail: String| PackError::NotStatic {
        binary: path.to_path_buf(),
        detail,
    };
    let elf = goblin::elf::Elf::parse(&bytes)
        .map_err(|e| not_static(format!("it is not an ELF executable ({e})")))?;
    if let Some(interpreter) = elf.interpreter {
        return Err(not_static(format!(
            "it asks for the dynamic loader `{interpreter}`"
        )));
    }
    if !elf.libraries.is_empty() {
        return Err(not_static(format!(
            "it needs the shared libraries {}",
            elf.libraries.join(", ")
        )));
    }
    Ok(())
}

// ---- the charm's YAML --------------------------------------------------------------------------

/// `MetaErrors` shown with paths relative to the current directory.
fn relative_errors(errors: MetaErrors) -> MetaErrors {
    let cwd = std::env::current_dir().unwrap_or_default();
    MetaErrors(
        errors
            .into_iter()
            .map(|mut e| {
                if let Ok(rel) = e.file.strip_prefix(&cwd) {
                    e.file = rel.to_path_buf();
                }
                e
            })
            .collect(),
    )
}

/// A base: `ubuntu@22.04`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// `ubuntu`.
    pub name: String,
    /// `22.04`.
    pub channel: String,
}

impl Base {
    /// Parses `NAME@CHANNEL`: a lower-case name, a channel of dot-separated numbers.
    pub fn parse(text: &str) -> Result<Base, PackError> {
        let bad = |reason: &str| PackError::BadBase {
            base: text.into(),
            reason: reason.into(),
        };
        let (name, channel) = text.split_once('@').ok_or_else(|| bad("no `@`"))?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(bad("the name must be lower-case letters"));
        }
        let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !channel.split('.').all(numeric) {
            return Err(bad("the channel must be a version such as `22.04`"));
        }
        Ok(Base {
            name: name.into(),
            channel: channel.into(),
        })
    }
}

/// The charm's YAML files as they go into the archive.
#[derive(Debug)]
enum CharmYaml {
    /// Separate files, copied as they are (as charmcraft copies them); a `charmcraft.yaml`
    /// without metadata may declare the bases.
    Separate {
        files: Vec<(String, PathBuf)>,
        charmcraft: Option<(PathBuf, Value)>,
    },
    /// A unified charmcraft.yaml, split; `config.yaml` / `actions.yaml` beside it, when present,
    /// are copied instead of the (then absent) `config` / `actions` keys.
    Unified {
        path: PathBuf,
        doc: Value,
        files: Vec<(String, PathBuf)>,
    },
}

impl CharmYaml {
    fn read(files: &CharmFiles) -> Result<CharmYaml, PackError> {
        let load = |path: &Path| -> Result<Value, PackError> {
            let text = std::fs::read_to_string(path).map_err(io_error("cannot read", path))?;
            serde_yaml::from_str(&text).map_err(|source| PackError::Yaml {
                path: path.to_path_buf(),
                source,
            })
        };
        match files {
            CharmFiles::Unified {
                charmcraft,
                config,
                actions,
            } => {
                let mut files = Vec::new();
                // charmcraft copies a config.yaml / actions.yaml that holds something.
                for (name, path) in [("config.yaml", config), ("actions.yaml", actions)] {
                    if let Some(path) = path {
                        if is_truthy(&load(path)?) {
                            files.push((name.to_string(), path.clone()));
                        }
                    }
                }
                Ok(CharmYaml::Unified {
                    path: charmcraft.clone(),
                    doc: load(charmcraft)?,
                    files,
                })
            }
            CharmFiles::Separate {
                metadata,
                config,
                actions,
                charmcraft: _,
            } => {
                let mut out = vec![("metadata.yaml".to_string(), metadata.clone())];
                // charmcraft writes config.yaml and actions.yaml only when they hold something.
                for (name, path) in [("config.yaml", config), ("actions.yaml", actions)] {
                    if let Some(path) = path {
                        if is_truthy(&load(path)?) {
                            out.push((name.to_string(), path.clone()));
                        }
                    }
                }
                let cc = metadata
                    .parent()
                    .map(|d| d.join("charmcraft.yaml"))
                    .filter(|p| p.is_file());
                let charmcraft = match cc {
                    Some(p) => {
                        let doc = load(&p)?;
                        Some((p, doc))
                    }
                    None => None,
                };
                Ok(CharmYaml::Separate {
                    files: out,
                    charmcraft,
                })
            }
        }
    }

    /// The archive's YAML entries (name → (content, mode)).
    fn entries(&self) -> Result<BTreeMap<String, (Vec<u8>, u32)>, PackError> {
        let mut out = BTreeMap::new();
        match self {
            CharmYaml::Separate { files, charmcraft } => {
                for (name, path) in files {
                    let bytes = std::fs::read(path).map_err(io_error("cannot read", path))?;
                    out.insert(name.clone(), (bytes, 0o644));
                }
                // A build-settings charmcraft.yaml may hold the charm's `config` and `actions`
                // (when config.yaml / actions.yaml are absent): charmcraft writes them out.
                if let Some((path, doc)) = charmcraft {
                    let (_, config, actions) = split_charmcraft(doc);
                    for (name, value) in [("config.yaml", config), ("actions.yaml", actions)] {
                        if let (Some(value), false) = (value, out.contains_key(name)) {
                            let text = serde_yaml::to_string(&value).map_err(|source| {
                                PackError::Yaml {
                                    path: path.clone(),
                                    source,
                                }
                            })?;
                            out.insert(name.into(), (text.into_bytes(), 0o644));
                        }
                    }
                }
            }
            CharmYaml::Unified { path, doc, files } => {
                let (metadata, config, actions) = split_charmcraft(doc);
                let dump = |value: &Value| {
                    serde_yaml::to_string(value).map_err(|source| PackError::Yaml {
                        path: path.clone(),
                        source,
                    })
                };
                out.insert(
                    "metadata.yaml".into(),
                    (dump(&metadata)?.into_bytes(), 0o644),
                );
                if let Some(config) = config {
                    out.insert("config.yaml".into(), (dump(&config)?.into_bytes(), 0o644));
                }
                if let Some(actions) = actions {
                    out.insert("actions.yaml".into(), (dump(&actions)?.into_bytes(), 0o644));
                }
                for (name, path) in files {
                    let bytes = std::fs::read(path).map_err(io_error("cannot read", path))?;
                    out.insert(name.clone(), (bytes, 0o644));
                }
            }
        }
        Ok(out)
    }

    /// The bases charmcraft.yaml declares for `arch`; `ubuntu@22.04` when it declares none.
    fn declared_bases(&self, arch: &str, target: &str) -> Result<Vec<Base>, PackError> {
        let (path, doc) = match self {
            CharmYaml::Unified { path, doc, .. } => (path, doc),
            CharmYaml::Separate {
                charmcraft: Some((path, doc)),
                ..
            } => (path, doc),
            CharmYaml::Separate { .. } => return Ok(vec![default_base()]),
        };
        let declared = bases_for_arch(doc, arch)?;
        match declared {
            None => Ok(vec![default_base()]),
            Some(bases) if bases.is_empty() => Err(PackError::NoBaseForArch {
                file: path.clone(),
                arch: arch.into(),
                target: target.into(),
            }),
            Some(bases) => Ok(bases),
        }
    }
}

fn default_base() -> Base {
    Base {
        name: "ubuntu".into(),
        channel: "22.04".into(),
    }
}

/// Python's truthiness of a YAML value (charmcraft skips a file whose content is falsy).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Mapping(m) => !m.is_empty(),
        Value::Sequence(s) => !s.is_empty(),
        Value::String(s) => !s.is_empty(),
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Tagged(_) => true,
    }
}

/// The keys of charmcraft's `CharmMetadata` model (what goes into `metadata.yaml`).
const METADATA_KEYS: &[&str] = &[
    "name",
    "display-name",
    "summary",
    "description",
    "maintainers",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "docs",
    "extra-bindings",
    "issues",
    "peers",
    "provides",
    "requires",
    "resources",
    "source",
    "storage",
    "subordinate",
    "terms",
    "website",
];

/// Splits a unified charmcraft.yaml as charmcraft's `PackageService.write_metadata` does:
/// `metadata.yaml` gets the metadata keys (`title` as `display-name`, `links` flattened:
/// `documentation` as `docs`, `contact` as `maintainers`, the others as they are), null values
/// dropped; `config.yaml` the `config` value and `actions.yaml` the `actions` value, each only
/// when not empty. Keys are sorted, as `yaml.safe_dump` sorts them.
fn split_charmcraft(doc: &Value) -> (Value, Option<Value>, Option<Value>) {
    let empty = Mapping::new();
    let root = doc.as_mapping().unwrap_or(&empty);
    let mut source: BTreeMap<String, Value> = root
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
        .filter(|(_, v)| !v.is_null())
        .collect();
    if let Some(links) = source.remove("links").and_then(|l| l.as_mapping().cloned()) {
        for (key, value) in links {
            let Some(key) = key.as_str() else { continue };
            if value.is_null() {
                continue;
            }
            match key {
                "documentation" => {
                    source.insert("docs".into(), value);
                }
                "contact" => {
                    let list = match value {
                        Value::String(_) => Value::Sequence(vec![value]),
                        other => other,
                    };
                    source.insert("maintainers".into(), list);
                }
                other => {
                    source.insert(other.into(), value);
                }
            }
        }
    }
    if let Some(title) = source.remove("title") {
        source.insert("display-name".into(), title);
    }
    let mut metadata = Mapping::new();
    for (key, value) in &source {
        if METADATA_KEYS.contains(&key.as_str()) {
            metadata.insert(Value::String(key.clone()), sorted(value));
        }
    }
    let part = |key: &str| source.get(key).filter(|v| is_truthy(v)).map(sorted);
    (Value::Mapping(metadata), part("config"), part("actions"))
}

/// `value` with every mapping's keys sorted (as `yaml.safe_dump(sort_keys=True)`).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Mapping(m) => {
            let mut entries: Vec<(&Value, &Value)> = m.iter().collect();
            entries.sort_by_key(|(k, _)| sort_key(k));
            Value::Mapping(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Sequence(s) => Value::Sequence(s.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn sort_key(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

/// The bases `doc` declares for `arch`: `None` when it declares none at all.
fn bases_for_arch(doc: &Value, arch: &str) -> Result<Option<Vec<Base>>, PackError> {
    let mut out: Vec<Base> = Vec::new();
    let mut push = |base: Base| {
        if !out.contains(&base) {
            out.push(base);
        }
    };
    let str_list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    // Legacy `bases:` (charmcraft 2): entries with `run-on`, or short-form bases.
    if let Some(Value::Sequence(bases)) = doc.get("bases") {
        for entry in bases {
            let run_on: Vec<&Value> = match entry.get("run-on") {
                Some(Value::Sequence(r)) => r.iter().collect(),
                _ => vec![entry],
            };
            for run in run_on {
                let (Some(name), Some(channel)) = (
                    run.get("name").and_then(Value::as_str),
                    run.get("channel").and_then(value_text),
                ) else {
                    continue;
                };
                let archs = str_list(run.get("architectures"));
                if archs.is_empty() || archs.iter().any(|a| a == arch) {
                    push(Base::parse(&format!("{name}@{channel}"))?);
                }
            }
        }
        return Ok(Some(out));
    }
    // `platforms:` with a top-level `base:`, or multi-base platforms (`BASE:ARCH` labels or
    // `build-for` entries).
    let top = doc.get("base").and_then(Value::as_str);
    let Some(Value::Mapping(platforms)) = doc.get("platforms") else {
        return Ok(top.map(Base::parse).transpose()?.map(|b| vec![b]));
    };
    for (label, platform) in platforms {
        let Some(label) = label.as_str() else {
            continue;
        };
        let build_for = str_list(platform.get("build-for"));
        let targets = if build_for.is_empty() {
            vec![label.to_string()]
        } else {
            build_for
        };
        for item in targets {
            let (base, item_arch) = match item.rsplit_once(':') {
                Some((base, a)) => (Some(base.to_string()), a.to_string()),
                None => (top.map(String::from), item.clone()),
            };
            if item_arch != arch && item_arch != "all" {
                continue;
            }
            if let Some(base) = base {
                push(Base::parse(&base)?);
            }
        }
    }
    Ok(Some(out))
}

/// A scalar as text (`channel: 22.04` unquoted is read as a number by YAML).
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

// ---- manifest.yaml and the archive -------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Manifest {
    charmcraft_version: String,
    charmcraft_started_at: String,
    bases: Vec<ManifestBase>,
    analysis: Analysis,
}

#[derive(Serialize)]
struct ManifestBase {
    name: String,
    channel: String,
    architectures: Vec<String>,
}

#[derive(Serialize)]
struct Analysis {
    attributes: Vec<Attribute>,
}

#[derive(Serialize)]
struct Attribute {
    name: &'static str,
    result: &'static str,
}

/// `manifest.yaml`, with charmcraft's fields in charmcraft's order. The analysis attributes are
/// what charmcraft's linters find in a charm whose dispatch is not a Python script: language
/// and framework both `unknown`.
fn manifest_yaml(base: &Base, arch: &str, epoch: i64) -> String {
    let manifest = Manifest {
        charmcraft_version: format!("cargo-charm-{}", env!("CARGO_PKG_VERSION")),
        charmcraft_started_at: rfc3339(epoch),
        bases: vec![ManifestBase {
            name: base.name.clone(),
            channel: base.channel.clone(),
            architectures: vec![arch.into()],
        }],
        analysis: Analysis {
            attributes: vec![
                Attribute {
                    name: "language",
                    result: "unknown",
                },
                Attribute {
                    name: "framework",
                    result: "unknown",
                },
            ],
        },
    };
    // Only strings, lists and maps: this cannot fail.
    serde_yaml::to_string(&manifest).unwrap_or_default()
}

/// The zip epoch: the earliest time a zip entry can hold.
const ZIP_EPOCH: i64 = 315_532_800;

/// `SOURCE_DATE_EPOCH` (clamped to what a zip entry can hold), else the zip epoch.
fn source_date_epoch() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(ZIP_EPOCH)
        .clamp(ZIP_EPOCH, 4_354_819_198)
}

/// (year, month, day, hour, minute, second) in UTC of a Unix time.
fn civil(epoch: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `2020-03-14T00:00:00+00:00`, as Python's `datetime.isoformat()` of an aware UTC time.
fn rfc3339(epoch: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

fn zip_time(epoch: i64) -> zip::DateTime {
    let (y, mo, d, h, mi, s) = civil(epoch);
    zip::DateTime::from_date_and_time(
        u16::try_from(y).unwrap_or(1980),
        mo as u8,
        d as u8,
        h as u8,
        mi as u8,
        s as u8,
    )
    .unwrap_or_default()
}

/// Writes the entries (sorted by name) to a temporary file beside `path`, then renames it.
fn write_archive(
    path: &Path,
    entries: &BTreeMap<String, (Vec<u8>, u32)>,
    epoch: i64,
) -> Result<(), PackError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_error("cannot create", dir))?;
    let zip_error = |source| PackError::Zip {
        path: path.to_path_buf(),
        source,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".cargo-charm-")
        .suffix(".charm.tmp")
        .tempfile_in(dir)
        .map_err(io_error("cannot create a temporary file in", dir))?;
    let mut zip = zip::ZipWriter::new(tmp);
    let time = zip_time(epoch);
    for (name, (bytes, mode)) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(*mode);
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(bytes)
            .map_err(io_error("cannot write", path))?;
    }
    let mut tmp = zip.finish().map_err(zip_error)?;
    tmp.flush().map_err(io_error("cannot write", path))?;
    tmp.as_file()
        .sync_all()
        .map_err(io_error("cannot write", path))?;
    let file = tmp
        .persist(path)
        .map_err(|e| io_error("cannot write", path)(e.error))?;
    // A .charm is readable by all, as charmcraft writes it.
    let mut perms = file
        .metadata()
        .map_err(io_error("cannot read", path))?
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
    std::fs::set_permissions(path, perms).map_err(io_error("cannot write", path))?;
    Ok(())
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// charmcraft's `write_metadata`: `config` / `actions` of the project are written from the
    /// file of that name when the project directory has one, else dumped from the model (which a
    /// build-settings charmcraft.yaml may hold beside metadata.yaml).
    #[test]
    fn config_and_actions_come_from_where_charmcraft_takes_them() -> Result<(), BoxError> {
        let dir = tempfile::tempdir()?;
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text);
        // metadata.yaml + a build-settings charmcraft.yaml holding actions and config.
        write("metadata.yaml", "name: demo\nsummary: s\ndescription: d\n")?;
        write(
            "charmcraft.yaml",
            "type: charm\nconfig:\n  options:\n    port: {type: int, default: 80}\n\
             actions:\n  greet:\n    description: Say hello.\n",
        )?;
        let files = CharmFiles::discover(dir.path()).map_err(|e| format!("{e:?}"))?;
        let entries = CharmYaml::read(&files)?.entries()?;
        let text = |name: &str| {
            entries
                .get(name)
                .map(|(bytes, _)| String::from_utf8_lossy(bytes).into_owned())
        };
        assert_eq!(
            text("config.yaml").as_deref(),
            Some("options:\n  port:\n    default: 80\n    type: int\n")
        );
        assert_eq!(
            text("actions.yaml").as_deref(),
            Some("greet:\n  description: Say hello.\n")
        );
        assert_eq!(
            text("metadata.yaml").as_deref(),
            Some("name: demo\nsummary: s\ndescription: d\n")
        );

        // A unified charmcraft.yaml whose config sits in config.yaml: the file is copied.
        let dir = tempfile::tempdir()?;
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text);
        write(
            "charmcraft.yaml",
            "type: charm\nname: demo\nsummary: s\ndescription: d\n",
        )?;
        write(
            "config.yaml",
            "options:\n  b: {type: string}\n  a: {type: int}\n",
        )?;
        let files = CharmFiles::discover(dir.path()).map_err(|e| format!("{e:?}"))?;
        let entries = CharmYaml::read(&files)?.entries()?;
        let config = entries
            .get("config.yaml")
            .map(|(bytes, _)| bytes.as_slice());
        assert_eq!(
            config,
            Some("options:\n  b: {type: string}\n  a: {type: int}\n".as_bytes()),
            "copied as it is, not re-dumped"
        );
        assert!(!entries.contains_key("actions.yaml"));
        Ok(())
    }

    #[test]
    fn bases_parse_as_charmcraft_writes_them() {
        assert_eq!(
            Base::parse("ubuntu@22.04").ok(),
            Some(Base {
                name: "ubuntu".into(),
                channel: "22.04".into()
            })
        );
        for bad in [
            "ubuntu",
            "ubuntu@",
            "@22.04",
            "Ubuntu@22.04",
            "ubuntu@22.x",
            "ubuntu:22.04",
        ] {
            let err = Base::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("is not a base"), "{err}");
        }
    }

    #[test]
    fn times_are_python_isoformat_and_zip_dates() {
        assert_eq!(rfc3339(ZIP_EPOCH), "1980-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_584_144_000), "2020-03-14T00:00:00+00:00");
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56+00:00");
        let t = zip_time(951_827_696);
        assert_eq!((t.year(), t.month(), t.day()), (2000, 2, 29));
        assert_eq!((t.hour(), t.minute(), t.second()), (12, 34, 56));
    }

    #[test]
    fn architectures_and_static_targets() {
        assert_eq!(
            juju_arch("x86_64-unknown-linux-gnu").ok().as_deref(),
            Some("amd64")
        );
        assert_eq!(
            juju_arch("aarch64-unknown-linux-musl").ok().as_deref(),
            Some("arm64")
        );
        assert!(juju_arch("wasm32-unknown-unknown").is_err());
        assert!(static_flags("x86_64-unknown-linux-musl").is_ok());
        let err = static_flags("x86_64-apple-darwin").expect_err("darwin");
        assert!(err
            .to_string()
            .contains("cannot link `x86_64-apple-darwin` statically"));
        assert!(static_flags("x86_64-pc-windows-msvc").is_err());
    }

    #[test]
    fn the_musl_target_of_each_glibc_target() {
        for (gnu, musl) in [
            (
                "x86_64-unknown-linux-gnu",
                Some("x86_64-unknown-linux-musl"),
            ),
            (
                "aarch64-unknown-linux-gnu",
                Some("aarch64-unknown-linux-musl"),
            ),
            (
                "armv7-unknown-linux-gnueabihf",
                Some("armv7-unknown-linux-musleabihf"),
            ),
            (
                "powerpc64le-unknown-linux-gnu",
                Some("powerpc64le-unknown-linux-musl"),
            ),
            ("x86_64-unknown-linux-musl", None),
            ("x86_64-apple-darwin", None),
            ("x86_64-pc-windows-gnu", None),
        ] {
            assert_eq!(musl_variant(gnu).as_deref(), musl, "{gnu}");
        }
    }

    #[test]
    fn dynamic_executables_and_non_elf_files_are_refused() -> Result<(), std::io::Error> {
        // The machine's shell is dynamically linked (glibc).
        let err = check_static(Path::new("/bin/sh")).expect_err("/bin/sh is dynamic");
        let text = err.to_string();
        assert!(
            text.contains("is not a static executable: it asks for the dynamic loader")
                || text.contains("it needs the shared libraries"),
            "{text}"
        );
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("dispatch");
        std::fs::write(&script, "#!/bin/sh\necho hi\n")?;
        let err = check_static(&script).expect_err("a script");
        assert!(
            err.to_string().contains("it is not an ELF executable"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn charmcraft_yaml_splits_as_charmcraft_splits_it() -> Result<(), serde_yaml::Error> {
        let doc: Value = serde_yaml::from_str(
            "type: charm\nname: demo\ntitle: Demo\nsummary: s\ndescription: d\n\
             links:\n  documentation: https://docs.example\n  contact: me <me@x>\n  \
             issues: [https://issues.example]\n\
             base: ubuntu@22.04\nplatforms:\n  amd64:\nparts:\n  charm:\n    plugin: nil\n\
             requires:\n  db: {interface: pg, limit: 1}\nsubordinate: null\n\
             config:\n  options:\n    port: {type: int, default: 80}\n\
             actions: {}\n",
        )?;
        let (metadata, config, actions) = split_charmcraft(&doc);
        assert_eq!(
            serde_yaml::to_string(&metadata)?,
            "description: d\ndisplay-name: Demo\ndocs: https://docs.example\nissues:\n- \
             https://issues.example\nmaintainers:\n- me <me@x>\nname: demo\nrequires:\n  db:\n    \
             interface: pg\n    limit: 1\nsummary: s\n"
        );
        assert_eq!(
            serde_yaml::to_string(&config)?,
            "options:\n  port:\n    default: 80\n    type: int\n"
        );
        assert_eq!(actions, None, "an empty `actions:` writes no actions.yaml");
        Ok(())
    }

    #[test]
    fn declared_bases_follow_platforms_and_legacy_bases() -> Result<(), Box<dyn std::error::Error>>
    {
        let bases = |yaml: &str| -> Result<Option<Vec<String>>, Box<dyn std::error::Error>> {
            let doc: Value = serde_yaml::from_str(yaml)?;
            Ok(bases_for_arch(&doc, "amd64")?.map(|b| {
                b.iter()
                    .map(|b| format!("{}@{}", b.name, b.channel))
                    .collect()
            }))
        };
        assert_eq!(
            bases("base: ubuntu@24.04\nplatforms:\n  amd64:\n  arm64:\n")?,
            Some(vec!["ubuntu@24.04".into()])
        );
        assert_eq!(
            bases("base: ubuntu@24.04\nplatforms:\n  arm64:\n")?,
            Some(vec![])
        );
        assert_eq!(
            bases(
                "platforms:\n  ubuntu-22.04-amd64:\n    build-on: [ubuntu@22.04:amd64]\n    \
                 build-for: [ubuntu@22.04:amd64]\n  ubuntu@24.04:amd64:\n"
            )?,
            Some(vec!["ubuntu@22.04".into(), "ubuntu@24.04".into()])
        );
        assert_eq!(
            bases(
                "bases:\n- build-on: [{name: ubuntu, channel: '20.04'}]\n  run-on:\n  - name: \
                 ubuntu\n    channel: '20.04'\n    architectures: [amd64]\n- name: ubuntu\n  \
                 channel: '22.04'\n"
            )?,
            Some(vec!["ubuntu@20.04".into(), "ubuntu@22.04".into()])
        );
        assert_eq!(bases("name: x\n")?, None);
        Ok(())
    }
}
