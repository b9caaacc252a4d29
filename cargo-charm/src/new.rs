//! `cargo charm new`: scaffold a charm crate whose `cargo test` passes out of the box.
//!
//! The crate is written into a temporary directory beside its destination and renamed into
//! place at the end: a failure leaves nothing behind, and an existing directory is never touched.

use crate::BoxError;
use std::path::{Path, PathBuf};

/// Arguments of `cargo charm new`.
#[derive(Debug, Clone, clap::Args)]
pub struct NewArgs {
    /// The charm's name (also the crate's): lower-case letters, digits and hyphens, starting
    /// with a letter (as Juju requires).
    pub name: String,
    /// Scaffold a Kubernetes charm: a workload container driven through Pebble.
    #[arg(long)]
    pub kubernetes: bool,
    /// The directory to create (default: `./NAME`).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Where `ops-core` and `ops-testing` come from: a checkout of ops for Rust (a path), or a
    /// registry version (e.g. `0.1`). Default: the checkout this cargo-charm was built from.
    #[arg(long, value_name = "PATH|VERSION")]
    pub ops: Option<String>,
}

/// Why a charm could not be scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The name is not a valid charm (and crate) name.
    #[error(
        "`{0}` is not a valid charm name: use lower-case letters, digits and hyphens, starting \
         with a letter, each hyphen followed by a segment with a letter (e.g. `my-charm`)"
    )]
    BadName(String),
    /// The name is reserved by Rust.
    #[error("`{0}` cannot be a crate's name (it is reserved by Rust)")]
    ReservedName(String),
    /// The destination exists.
    #[error("`{}` already exists: choose another name or --path", .0.display())]
    Exists(PathBuf),
    /// `--ops PATH` is not a checkout of ops for Rust.
    #[error(
        "`{}` is not a checkout of ops for Rust (no `ops-core/Cargo.toml` in it), nor a version",
        .0.display()
    )]
    NotAnOpsCheckout(PathBuf),
    /// A file could not be written.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Runs `cargo charm new`.
pub fn main(args: NewArgs) -> Result<(), BoxError> {
    let dest = scaffold(&args)?;
    let kind = if args.kubernetes {
        "Kubernetes"
    } else {
        "machine"
    };
    eprintln!(
        "{:>12} {kind} charm `{}` in {}",
        "Created",
        args.name,
        dest.display()
    );
    eprintln!(
        "             test it with `cargo test`, pack it with `cargo charm pack` (in {})",
        dest.display()
    );
    Ok(())
}

/// The files of a charm crate: (path in the crate, template).
const COMMON: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/common/Cargo.toml")),
    (".gitignore", include_str!("../templates/common/gitignore")),
    ("README.md", include_str!("../templates/common/README.md")),
    ("src/main.rs", include_str!("../templates/common/main.rs")),
];

const MACHINE: &[(&str, &str)] = &[
    (
        "charmcraft.yaml",
        include_str!("../templates/machine/charmcraft.yaml"),
    ),
    ("src/lib.rs", include_str!("../templates/machine/lib.rs")),
    (
        "tests/harness.rs",
        include_str!("../templates/machine/harness.rs"),
    ),
    (
        "tests/state.rs",
        include_str!("../templates/machine/state.rs"),
    ),
    (
        "tests/prop.rs",
        include_str!("../templates/machine/prop.rs"),
    ),
];

const KUBERNETES: &[(&str, &str)] = &[
    (
        "charmcraft.yaml",
        include_str!("../templates/kubernetes/charmcraft.yaml"),
    ),
    ("src/lib.rs", include_str!("../templates/kubernetes/lib.rs")),
    (
        "tests/harness.rs",
        include_str!("../templates/kubernetes/harness.rs"),
    ),
    (
        "tests/state.rs",
        include_str!("../templates/kubernetes/state.rs"),
    ),
    (
        "tests/prop.rs",
        include_str!("../templates/kubernetes/prop.rs"),
    ),
];

/// Writes the crate; returns its directory.
pub fn scaffold(args: &NewArgs) -> Result<PathBuf, NewError> {
    validate_name(&args.name)?;
    let dest = args
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if dest.exists() || dest.symlink_metadata().is_ok() {
        return Err(NewError::Exists(dest));
    }
    let (ops_core, ops_testing) = ops_dependencies(args.ops.as_deref())?;
    let vars = Vars {
        name: args.name.clone(),
        krate: args.name.replace('-', "_"),
        strukt: camel_case(&args.name),
        ops_core,
        ops_testing,
        kubernetes: args.kubernetes,
    };

    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io("create", &parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}-", args.name))
        .tempdir_in(&parent)
        .map_err(io("create a temporary directory in", &parent))?;
    let kind = if args.kubernetes { KUBERNETES } else { MACHINE };
    for (path, template) in COMMON.iter().chain(kind) {
        let file = tmp.path().join(path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        std::fs::write(&file, vars.render(template)).map_err(io("write", &file))?;
    }
    format_sources(tmp.path(), COMMON.iter().chain(kind).map(|(path, _)| *path));
    // The rename fails if the destination appeared meanwhile (a non-empty directory) — the
    // temporary directory is then removed.
    if dest.exists() {
        return Err(NewError::Exists(dest));
    }
    let tmp_path = tmp.keep();
    std::fs::rename(&tmp_path, &dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp_path);
        io("create", &dest)(e)
    })?;
    Ok(dest)
}

/// Formats the generated Rust files with `rustfmt` when there is one (imports sort by the
/// crate's name); the crate is the same without it.
fn format_sources<'a>(dir: &Path, paths: impl Iterator<Item = &'a str>) {
    let files: Vec<PathBuf> = paths
        .filter(|p| p.ends_with(".rs"))
        .map(|p| dir.join(p))
        .collect();
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let _ = std::process::Command::new(rustfmt)
        .args(["--edition", "2021"])
        .args(&files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> NewError + 'a {
    move |source| NewError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Juju's rule for charm names (`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`).
fn validate_name(name: &str) -> Result<(), NewError> {
    let mut segments = name.split('-');
    let first = segments.next().unwrap_or_default();
    let valid_first = first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let valid_rest = segments.all(|s| {
        s.chars().any(|c| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !(valid_first && valid_rest) {
        return Err(NewError::BadName(name.into()));
    }
    const RESERVED: &[&str] = &[
        "test",
        "core",
        "std",
        "alloc",
        "proc_macro",
        "as",
        "break",
        "const",
        "continue",
        "crate",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "async",
        "await",
        "dyn",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "try",
        "gen",
    ];
    if RESERVED.contains(&name.replace('-', "_").as_str()) {
        return Err(NewError::ReservedName(name.into()));
    }
    Ok(())
}

/// `my-charm` → `MyCharm`.
fn camel_case(name: &str) -> String {
    name.split('-')
        .map(|s| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The `ops-core` and `ops-testing` dependency lines.
fn ops_dependencies(ops: Option<&str>) -> Result<(String, String), NewError> {
    let path = match ops {
        Some(v) if is_version(v) => {
            return Ok((
                format!("ops-core = \"{v}\""),
                format!("ops-testing = \"{v}\""),
            ))
        }
        Some(p) => PathBuf::from(p),
        // This checkout: cargo-charm's own crate directory is inside it.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
    };
    if !path.join("ops-core/Cargo.toml").is_file() {
        return Err(NewError::NotAnOpsCheckout(path));
    }
    let path = path
        .canonicalize()
        .map_err(io("resolve", &path))?
        .to_string_lossy()
        .into_owned();
    Ok((
        format!(
            "ops-core = {{ path = {} }}",
            toml_string(&format!("{path}/ops-core"))
        ),
        format!(
            "ops-testing = {{ path = {} }}",
            toml_string(&format!("{path}/ops-testing"))
        ),
    ))
}

/// A version requirement (`0.1`, `=0.1.2`, `^1`), as opposed to a path.
fn is_version(text: &str) -> bool {
    let v = text.trim_start_matches(['=', '^', '~']);
    !v.is_empty()
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        && !Path::new(text).exists()
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Vars {
    name: String,
    krate: String,
    strukt: String,
    ops_core: String,
    ops_testing: String,
    kubernetes: bool,
}

impl Vars {
    fn render(&self, template: &str) -> String {
        let (kind_text, k8s_test_text, deploy) = if self.kubernetes {
            (
                "Kubernetes",
                "\nThe `workload` container is a fake Pebble in every test: the charm's real Pebble \
                 client talks to it over a Unix socket, and the tests look at the layers, plan and \
                 services it was left with.\n",
                format!(
                    "juju deploy ./{name}_ubuntu-22.04-amd64.charm --resource \
                     workload-image=python:3.12-slim",
                    name = self.name
                ),
            )
        } else {
            (
                "machine",
                "",
                format!("juju deploy ./{}_ubuntu-22.04-amd64.charm", self.name),
            )
        };
        template
            .replace("{{name}}", &self.name)
            .replace("{{crate}}", &self.krate)
            .replace("{{Struct}}", &self.strukt)
            .replace("{{ops_core}}", &self.ops_core)
            .replace("{{ops_testing}}", &self.ops_testing)
            .replace("{{kind_text}}", kind_text)
            .replace("{{k8s_test_text}}", k8s_test_text)
            .replace("{{deploy}}", &deploy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_juju_rules() {
        for good in ["a", "my-charm", "web2", "k8s-app", "a-b2c"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "", "My", "2web", "-a", "a-", "a--b", "a_b", "a-2", "a b", "é",
        ] {
            assert!(
                matches!(validate_name(bad), Err(NewError::BadName(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            validate_name("test"),
            Err(NewError::ReservedName(_))
        ));
        assert_eq!(camel_case("my-k8s-charm"), "MyK8sCharm");
    }

    #[test]
    fn versions_and_paths() {
        assert!(is_version("0.1"));
        assert!(is_version("=0.1.2"));
        assert!(!is_version("../ops-rs"));
        assert!(!is_version("/abs"));
        assert_eq!(
            ops_dependencies(Some("0.1")).ok(),
            Some(("ops-core = \"0.1\"".into(), "ops-testing = \"0.1\"".into()))
        );
        assert!(matches!(
            ops_dependencies(Some("/nonexistent/ops")),
            Err(NewError::NotAnOpsCheckout(_))
        ));
        let (core, testing) = ops_dependencies(None).expect("this checkout");
        assert!(core.starts_with("ops-core = { path = \""), "{core}");
        assert!(core.ends_with("/ops-core\" }"), "{core}");
        assert!(testing.ends_with("/ops-testing\" }"), "{testing}");
    }
}
