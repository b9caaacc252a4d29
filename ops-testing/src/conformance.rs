//! Conformance with Python ops: run a charm binary through the juju-sim scenarios recorded from
//! the Python ops 2.1.1 reference charms, and compare (`../shared/juju-sim`).
//!
//! Each example twin has a test like:
//!
//! ```no_run
//! ops_testing::conformance::assert_scenarios_pass(
//!     "counter",
//!     env!("CARGO_MANIFEST_DIR"),
//!     std::path::Path::new("target/debug/counter"),
//!     "scenarios",
//! );
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where juju-sim is: `$JUJU_SIM_DIR`, else `shared/juju-sim` beside the repository (searched
/// upwards from `start`).
pub fn juju_sim_dir(start: &Path) -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("JUJU_SIM_DIR") {
        let d = PathBuf::from(d);
        return d.join("juju-sim").is_file().then_some(d);
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join("shared").join("juju-sim");
        if candidate.join("juju-sim").is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// One scenario's outcome.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Whether it matched the recording.
    pub passed: bool,
    /// juju-sim's report (the diff on failure).
    pub output: String,
}

/// Lay out a charm directory in `into`: the YAML files of `source_dir`, `binary` as `dispatch`,
/// and the `charm.json` juju-sim reads.
pub fn build_charm_dir(
    source_dir: &Path,
    binary: &Path,
    into: &Path,
    juju_sim: &Path,
) -> std::io::Result<()> {
    std::fs::create_dir_all(into)?;
    for name in [
        "metadata.yaml",
        "config.yaml",
        "actions.yaml",
        "charmcraft.yaml",
    ] {
        let src = source_dir.join(name);
        if src.is_file() {
            std::fs::copy(&src, into.join(name))?;
        }
    }
    std::fs::copy(binary, into.join("dispatch"))?;
    let status = Command::new("python3")
        .arg(juju_sim.join("juju-sim"))
        .args(["charm-json"])
        .arg(into)
        .arg("--write")
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "juju-sim charm-json failed for {}",
            into.display()
        )));
    }
    Ok(())
}

/// Run every scenario of `scenario_dir` (e.g. `scenarios`) whose charm is `charm` against the
/// charm built from `source_dir` + `binary`, with `--relaxed`. `None` when juju-sim is not there.
pub fn run_scenarios(
    charm: &str,
    source_dir: &Path,
    binary: &Path,
    scenario_dir: &str,
) -> std::io::Result<Option<Vec<ScenarioResult>>> {
    let Some(sim) = juju_sim_dir(source_dir) else {
        return Ok(None);
    };
    let work = tempfile::tempdir()?;
    let charm_dir = work.path().join(charm);
    build_charm_dir(source_dir, binary, &charm_dir, &sim)?;
    let mut results = Vec::new();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(sim.join(scenario_dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    scenarios.sort();
    for scenario in scenarios {
        let text = std::fs::read_to_string(&scenario)?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(std::io::Error::other)?;
        if json.get("charm").and_then(|c| c.as_str()) != Some(charm) {
            continue;
        }
        let name = scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected = scenario.with_file_name(format!("{name}.expected.json"));
        let out = Command::new("python3")
            .arg(sim.join("juju-sim"))
            .arg("scenario")
            .arg(&scenario)
            .arg("--charm")
            .arg(&charm_dir)
            .arg("--expect")
            .arg(&expected)
            .arg("--relaxed")
            .output()?;
        results.push(ScenarioResult {
            name,
            passed: out.status.success(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(Some(results))
}

/// [`run_scenarios`], panicking with every failure's report. Prints a notice and returns when
/// juju-sim is not available.
pub fn assert_scenarios_pass(charm: &str, source_dir: &str, binary: &Path, scenario_dir: &str) {
    let results = match run_scenarios(charm, Path::new(source_dir), binary, scenario_dir) {
        Ok(Some(r)) => r,
        Ok(None) => {
            eprintln!(
                "NOTICE: ../shared/juju-sim not found: conformance scenarios for {charm} skipped"
            );
            return;
        }
        Err(e) => panic!("cannot run the juju-sim scenarios of {charm}: {e}"),
    };
    assert!(
        !results.is_empty(),
        "no juju-sim scenario found for charm {charm}"
    );
    let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
    for r in &results {
        eprintln!("{} {}", if r.passed { "PASS" } else { "FAIL" }, r.name);
    }
    if !failed.is_empty() {
        let report: Vec<String> = failed
            .iter()
            .map(|r| format!("=== {} ===\n{}", r.name, r.output))
            .collect();
        panic!(
            "{} of {} scenarios of {charm} differ from Python ops:\n{}",
            failed.len(),
            results.len(),
            report.join("\n")
        );
    }
}
