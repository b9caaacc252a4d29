//! Helpers shared by the integration tests.
// Each test crate uses a different subset of the helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use ops_metadata::{
    parse_actions_str, parse_charmcraft_str, parse_config_str, parse_metadata_str, MetaErrors,
};

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The errors of a result that must have failed.
#[track_caller]
pub fn errors_of<T: std::fmt::Debug>(result: Result<T, MetaErrors>) -> MetaErrors {
    match result {
        Ok(parsed) => panic!("expected errors, but parsing succeeded: {parsed:#?}"),
        Err(errors) => errors,
    }
}

/// Asserts the errors are exactly `expected`: (message, line, column), in order.
#[track_caller]
pub fn assert_errors(errors: &MetaErrors, expected: &[(&str, usize, usize)]) {
    let actual: Vec<(&str, usize, usize)> = errors
        .iter()
        .map(|e| (e.message.as_str(), e.line, e.column))
        .collect();
    assert_eq!(actual, expected, "all errors:\n{errors}");
}

/// The errors of `metadata.yaml` text.
#[track_caller]
pub fn metadata_errors(yaml: &str) -> MetaErrors {
    errors_of(parse_metadata_str(yaml))
}

/// Asserts `metadata.yaml` text has exactly one error: `message` at `line:column`.
#[track_caller]
pub fn assert_metadata_error(yaml: &str, message: &str, line: usize, column: usize) {
    assert_errors(&metadata_errors(yaml), &[(message, line, column)]);
}

/// The errors of `config.yaml` text.
#[track_caller]
pub fn config_errors(yaml: &str) -> MetaErrors {
    errors_of(parse_config_str(yaml))
}

/// Asserts `config.yaml` text has exactly one error: `message` at `line:column`.
#[track_caller]
pub fn assert_config_error(yaml: &str, message: &str, line: usize, column: usize) {
    assert_errors(&config_errors(yaml), &[(message, line, column)]);
}

/// The errors of `actions.yaml` text.
#[track_caller]
pub fn actions_errors(yaml: &str) -> MetaErrors {
    errors_of(parse_actions_str(yaml))
}

/// Asserts `actions.yaml` text has exactly one error: `message` at `line:column`.
#[track_caller]
pub fn assert_actions_error(yaml: &str, message: &str, line: usize, column: usize) {
    assert_errors(&actions_errors(yaml), &[(message, line, column)]);
}

/// The errors of `charmcraft.yaml` text.
#[track_caller]
pub fn charmcraft_errors(yaml: &str) -> MetaErrors {
    errors_of(parse_charmcraft_str(yaml))
}

/// Parses `metadata.yaml` text that must be valid.
#[track_caller]
pub fn metadata_ok(yaml: &str) -> ops_metadata::CharmMeta {
    match parse_metadata_str(yaml) {
        Ok(meta) => meta,
        Err(errors) => panic!("expected no errors, got:\n{errors}"),
    }
}

/// The warnings of text that must parse (as `file`, one of `metadata.yaml`, `config.yaml`,
/// `actions.yaml` or a unified `charmcraft.yaml`), as errors for [`assert_errors`].
#[track_caller]
pub fn warnings_of(file: &str, yaml: &str) -> MetaErrors {
    use ops_metadata::{parse_project, ProjectSources, SourceFile};
    let source = Some(SourceFile::new(file, yaml));
    let minimal = Some(SourceFile::new("metadata.yaml", "name: x\n"));
    let sources = match file {
        "metadata.yaml" => ProjectSources {
            metadata: source,
            ..ProjectSources::default()
        },
        "charmcraft.yaml" => ProjectSources {
            charmcraft: source,
            ..ProjectSources::default()
        },
        "config.yaml" => ProjectSources {
            metadata: minimal,
            config: source,
            ..ProjectSources::default()
        },
        "actions.yaml" => ProjectSources {
            metadata: minimal,
            actions: source,
            ..ProjectSources::default()
        },
        other => panic!("unexpected file {other}"),
    };
    match parse_project(&sources) {
        Ok(parsed) => MetaErrors(parsed.warnings),
        Err(errors) => panic!("expected warnings only, but got errors:\n{errors}"),
    }
}
