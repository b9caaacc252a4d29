//! Every public item of the API a charm author starts from has an example in its doc comment: the
//! prelude (`ops_core::prelude`), `Context`, the model types (`ops_core::model`), the Pebble client
//! (`ops_core::pebble`) and `ops_testing::{Harness, Context, State, Event}`.
//!
//! rustdoc's `missing_doc_code_examples` lint is nightly-only, so this scans the sources: for each
//! item below, the doc comment above its definition must hold a code block (the examples
//! themselves are compiled and run by `cargo test --doc`). [`STILL_MISSING`] lists the items
//! not covered yet; an item there that has gained an example fails the test, so the list only
//! shrinks.

use std::path::Path;

/// `(file under the workspace root, item name)`.
const ITEMS: &[(&str, &str)] = &[
    // The prelude.
    ("ops-core/src/databag.rs", "RelationData"),
    ("ops-core/src/events.rs", "ActionEvent"),
    ("ops-core/src/events.rs", "CollectMetricsEvent"),
    ("ops-core/src/events.rs", "CollectStatusEvent"),
    ("ops-core/src/events.rs", "CustomEvent"),
    ("ops-core/src/events.rs", "HookEvent"),
    ("ops-core/src/events.rs", "PebbleCheckEvent"),
    ("ops-core/src/events.rs", "PebbleNoticeEvent"),
    ("ops-core/src/events.rs", "PebbleReadyEvent"),
    ("ops-core/src/events.rs", "RelationEvent"),
    ("ops-core/src/events.rs", "SecretEvent"),
    ("ops-core/src/events.rs", "StorageEvent"),
    ("ops-core/src/charm.rs", "Charm"),
    ("ops-core/src/stored.rs", "StoredState"),
    ("ops-core/src/context.rs", "Context"),
    ("ops-core/src/hooktools/secrets.rs", "SecretOptions"),
    ("ops-macros/src/lib.rs", "charm"),
    ("ops-macros/src/lib.rs", "on"),
    ("ops-macros/src/lib.rs", "derive_stored_state"),
    ("ops-macros/src/lib.rs", "derive_relation_data"),
    ("ops-macros/src/lib.rs", "derive_custom_event"),
    ("ops-macros/src/lib.rs", "derive_action_results"),
    // The model.
    ("ops-core/src/model/mod.rs", "Model"),
    ("ops-core/src/model/error.rs", "ModelError"),
    ("ops-core/src/model/ports.rs", "Port"),
    ("ops-core/src/model/relation.rs", "Entity"),
    ("ops-core/src/model/relation.rs", "Relation"),
    ("ops-core/src/model/relation.rs", "Databag"),
    ("ops-core/src/model/secret.rs", "Secret"),
    ("ops-core/src/model/secret.rs", "SecretContent"),
    ("ops-core/src/model/status.rs", "Status"),
    ("ops-core/src/model/storage.rs", "Storage"),
    ("ops-core/src/model/unit.rs", "Unit"),
    ("ops-core/src/model/unit.rs", "App"),
    ("ops-core/src/model/unit.rs", "Container"),
    // ops-testing.
    ("ops-testing/src/harness.rs", "Harness"),
    ("ops-testing/src/context.rs", "Context"),
    ("ops-testing/src/context.rs", "Event"),
    ("ops-testing/src/state.rs", "State"),
    // The Pebble client.
    ("ops-core/src/pebble/mod.rs", "Client"),
    ("ops-core/src/pebble/mod.rs", "ServiceAction"),
    ("ops-core/src/pebble/mod.rs", "signal_name"),
    ("ops-core/src/pebble/layer.rs", "Layer"),
    ("ops-core/src/pebble/layer.rs", "Plan"),
    ("ops-core/src/pebble/layer.rs", "Service"),
    ("ops-core/src/pebble/layer.rs", "Check"),
    ("ops-core/src/pebble/exec.rs", "Exec"),
    ("ops-core/src/pebble/exec.rs", "ExecProcess"),
    ("ops-core/src/pebble/exec.rs", "Output"),
    ("ops-core/src/pebble/exec.rs", "ExecReader"),
    ("ops-core/src/pebble/exec.rs", "ExecStdin"),
    ("ops-core/src/pebble/error.rs", "Error"),
    ("ops-core/src/pebble/error.rs", "ApiError"),
    ("ops-core/src/pebble/error.rs", "ChangeError"),
    ("ops-core/src/pebble/error.rs", "ExecError"),
    ("ops-core/src/pebble/error.rs", "PathError"),
    ("ops-core/src/pebble/error.rs", "MultiPushPullError"),
    ("ops-core/src/pebble/files.rs", "PushOptions"),
    ("ops-core/src/pebble/files.rs", "MakeDirOptions"),
    ("ops-core/src/pebble/identities.rs", "Identity"),
    ("ops-core/src/pebble/identities.rs", "LocalIdentity"),
    ("ops-core/src/pebble/identities.rs", "BasicIdentity"),
    ("ops-core/src/pebble/identities.rs", "CertIdentity"),
    ("ops-core/src/pebble/logs.rs", "LogEntry"),
    ("ops-core/src/pebble/logs.rs", "LogCount"),
    ("ops-core/src/pebble/logs.rs", "LogStream"),
    ("ops-core/src/pebble/model.rs", "SystemInfo"),
    ("ops-core/src/pebble/model.rs", "Warning"),
    ("ops-core/src/pebble/model.rs", "ChangeId"),
    ("ops-core/src/pebble/model.rs", "TaskId"),
    ("ops-core/src/pebble/model.rs", "Task"),
    ("ops-core/src/pebble/model.rs", "Change"),
    ("ops-core/src/pebble/model.rs", "ServiceInfo"),
    ("ops-core/src/pebble/model.rs", "CheckInfo"),
    ("ops-core/src/pebble/model.rs", "FileInfo"),
    ("ops-core/src/pebble/model.rs", "Notice"),
    ("ops-core/src/pebble/model.rs", "NoticesFilter"),
    ("ops-core/src/pebble/model.rs", "NotifyOptions"),
];

/// Items of [`ITEMS`] without an example yet.
const STILL_MISSING: &[&str] = &[];

/// The doc comment of the item `name` defined at the top level of `source` (`None`: no such item).
fn doc_of(source: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let kinds = [
        "struct", "enum", "trait", "type", "fn", "const", "static", "mod",
    ];
    let at = lines.iter().position(|line| {
        kinds.iter().any(|kind| {
            line.strip_prefix("pub ")
                .and_then(|l| l.strip_prefix(kind))
                .and_then(|l| l.strip_prefix(' '))
                .and_then(|l| l.strip_prefix(name))
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    })?;
    // Walk up over the doc comment and the attributes (an attribute may span several lines).
    let mut doc = Vec::new();
    for line in lines[..at].iter().rev() {
        let t = line.trim_start();
        if let Some(d) = t.strip_prefix("///") {
            doc.push(d);
        } else if !(t.starts_with("#[")
            || line.starts_with(' ')
            || t.starts_with(')')
            || t.starts_with(']'))
        {
            break;
        }
    }
    doc.reverse();
    Some(doc.join("\n"))
}

#[test]
fn every_item_of_the_starting_api_has_an_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut missing = Vec::new();
    let mut gained = Vec::new();
    for (file, name) in ITEMS {
        let source = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let doc = doc_of(&source, name)
            .unwrap_or_else(|| panic!("no top-level `pub` item `{name}` in {file}: update ITEMS"));
        let has_example = doc.contains("```");
        let listed = STILL_MISSING.contains(name);
        if !has_example && !listed {
            missing.push(format!("{file}: {name}"));
        }
        if has_example && listed {
            gained.push(*name);
        }
    }
    assert!(
        missing.is_empty(),
        "items without an example in their doc comment:\n  {}",
        missing.join("\n  ")
    );
    assert!(
        gained.is_empty(),
        "these items have an example now: remove them from STILL_MISSING: {gained:?}"
    );
}

#[test]
fn the_scan_finds_a_doc_comment_and_its_example() {
    let source = "/// Text.\n///\n/// ```\n/// let x = 1;\n/// ```\n#[derive(Debug,\n    Clone)]\npub struct Thing {\n}\n/// No example.\npub fn other() {}\n";
    assert!(doc_of(source, "Thing").is_some_and(|d| d.contains("```")));
    assert!(doc_of(source, "other").is_some_and(|d| !d.contains("```")));
    assert_eq!(doc_of(source, "Thin"), None);
    assert_eq!(doc_of(source, "missing"), None);
}
