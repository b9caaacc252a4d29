//! `ControllerStore` (Juju's `state-get`/`state-set`/`state-delete`) against a fake Juju implementing
//! `ToolRunner` (exact argv and stdin), and against the real juju-sim hook tools when they are at hand.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ops_core::hooktools::{RunError, ToolOutput, ToolRunner};
use ops_core::storage::{
    Changes, ControllerStore, Store, StoreError, CONTROLLER_SCHEMA_KEY, SCHEMA_VERSION,
};

/// How the fake prints the whole state for `state-get` with no key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// serde_yaml's emitter (plain, single/double-quoted and block scalars, like go-yaml's).
    SerdeYaml,
    /// juju-sim's `format_yaml`: a plain scalar when it looks safe, else a JSON string.
    JujuSim,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    tool: String,
    args: Vec<String>,
    stdin: Option<String>,
}

fn call(tool: &str, args: &[&str], stdin: Option<&str>) -> Call {
    Call {
        tool: tool.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        stdin: stdin.map(str::to_string),
    }
}

enum Scripted {
    Output(ToolOutput),
    NotFound,
}

/// A fake Juju: the controller-side state as a map of strings, every call recorded.
struct FakeJuju {
    style: Style,
    state: RefCell<BTreeMap<String, String>>,
    calls: RefCell<Vec<Call>>,
    /// The next call of a tool returns this instead.
    scripted: RefCell<HashMap<String, Scripted>>,
}

impl FakeJuju {
    fn new(style: Style) -> Self {
        FakeJuju {
            style,
            state: RefCell::default(),
            calls: RefCell::default(),
            scripted: RefCell::default(),
        }
    }

    fn with_state(style: Style, pairs: &[(&str, &str)]) -> Self {
        let fake = Self::new(style);
        for (k, v) in pairs {
            fake.state.borrow_mut().insert(k.to_string(), v.to_string());
        }
        fake
    }

    fn script(&self, tool: &str, scripted: Scripted) {
        self.scripted
            .borrow_mut()
            .insert(tool.to_string(), scripted);
    }

    fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }

    fn print_state(&self) -> String {
        let state = self.state.borrow();
        if state.is_empty() {
            return String::new();
        }
        match self.style {
            Style::SerdeYaml => serde_yaml::to_string(&*state).expect("yaml"),
            Style::JujuSim => state
                .iter()
                .map(|(k, v)| format!("{}: {}\n", sim_scalar(k), sim_scalar(v)))
                .collect(),
        }
    }
}

/// juju-sim's `_yaml_scalar` for a string.
fn sim_scalar(text: &str) -> String {
    let first_ok = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || "_./@$(".contains(c));
    let rest_ok = !text.chars().any(|c| "\n:#'\"{}[],&*!|>%`".contains(c));
    let lower = text.to_ascii_lowercase();
    let special = [
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", ".nan",
    ]
    .contains(&lower.as_str())
        || {
            let t = lower.trim_start_matches(['-', '+']);
            let t = t.strip_prefix('.').unwrap_or(t);
            t.starts_with(|c: char| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_digit() || "_.e+-".contains(c))
        };
    if first_ok && rest_ok && !text.ends_with(' ') && !special {
        text.to_string()
    } else {
        serde_json::to_string(text).expect("json")
    }
}

impl ToolRunner for FakeJuju {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let stdin_text =
            stdin.map(|s| String::from_utf8(s.to_vec()).expect("state-set input must be UTF-8"));
        self.calls.borrow_mut().push(Call {
            tool: tool.to_string(),
            args: args.to_vec(),
            stdin: stdin_text.clone(),
        });
        if let Some(scripted) = self.scripted.borrow_mut().remove(tool) {
            return match scripted {
                Scripted::Output(output) => Ok(output),
                Scripted::NotFound => Err(RunError::NotFound(tool.to_string())),
            };
        }
        match (tool, args) {
            ("state-get", []) => Ok(ToolOutput::ok(self.print_state())),
            ("state-get", [key]) => Ok(ToolOutput::ok(
                self.state
                    .borrow()
                    .get(key)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{v}\n"))
                    .unwrap_or_default(),
            )),
            ("state-set", [file, dash]) if file == "--file" && dash == "-" => {
                let text = stdin_text.expect("state-set --file - needs stdin");
                let values: BTreeMap<String, String> =
                    serde_yaml::from_str(&text).expect("state-set input is a YAML map");
                self.state.borrow_mut().extend(values);
                Ok(ToolOutput::ok(""))
            }
            ("state-delete", [key]) => {
                self.state.borrow_mut().remove(key);
                Ok(ToolOutput::ok(""))
            }
            _ => Ok(ToolOutput::failed(
                2,
                format!("ERROR fake juju: unexpected {tool} {args:?}\n"),
            )),
        }
    }
}

fn sets(pairs: &[(&str, &[u8])]) -> Changes {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_vec())))
        .collect()
}

/// Values that a naive encoding would mangle.
fn tricky_values() -> BTreeMap<String, Vec<u8>> {
    let mut values: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut put = |k: &str, v: &[u8]| {
        values.insert(k.to_string(), v.to_vec());
    };
    put(
        "Counter/StoredStateData[_stored]",
        br#"{"count":3,"names":["a","b"]}"#,
    );
    put(
        "#notices#",
        br#"[["Counter/on/config_changed[3]","Counter","_on_config"]]"#,
    );
    put("empty", b"");
    put("newlines", b"\nfirst\n\n  indented\nlast\n\n");
    put("spaces", b"  leading and trailing  ");
    put("unicode", "ключ ✓ 😀 \u{a0}nbsp".as_bytes());
    put("line separators", "a\u{2028}b\u{2029}c\u{85}d".as_bytes());
    put(
        "controls",
        b"\x00nul \x07bell \x1b[0m \x7fdel \r\ncrlf \ttab",
    );
    put("bom", "\u{feff}bom".as_bytes());
    put("not utf-8", b"\xff\xfe\x00binary");
    put("prefix lookalike", b"b64:this is not base64");
    put("number", b"123");
    put("float", b"1.5e3");
    put("bool", b"true");
    put("null", b"null");
    put("tilde", b"~");
    put(
        "yaml syntax",
        b"- item\nkey: value\n? complex\n&anchor *alias !tag |literal >folded %directive",
    );
    put(
        "quotes",
        br#""double" 'single' \backslash\ \n not a newline"#,
    );
    put("comment", b"# not a comment");
    put("document markers", b"---\n...\n");
    put("key: with colon", b"v");
    put("large", &"0123456789abcdef\n".repeat(6000).into_bytes());
    values
}

fn assert_round_trip(style: Style) {
    let fake = FakeJuju::new(style);
    let expected = tricky_values();
    let changes: Changes = expected
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    ControllerStore::new(&fake)
        .commit(&changes)
        .expect("commit");
    let loaded = ControllerStore::new(&fake).load_all().expect("load");
    for (key, value) in &expected {
        assert_eq!(loaded.get(key), Some(value), "{style:?}: value of {key:?}");
    }
    assert_eq!(loaded, expected, "{style:?}");

    // Plain text travels as it is (readable with `juju exec -- state-get`); only what must be, is base64.
    let stored = fake.state.borrow().clone();
    assert_eq!(
        stored["Counter/StoredStateData[_stored]"],
        r#"{"count":3,"names":["a","b"]}"#
    );
    assert_eq!(stored["newlines"], "\nfirst\n\n  indented\nlast\n\n");
    assert_eq!(stored["unicode"], "ключ ✓ 😀 \u{a0}nbsp");
    assert_eq!(stored["number"], "123");
    for key in [
        "empty",
        "line separators",
        "controls",
        "bom",
        "not utf-8",
        "prefix lookalike",
    ] {
        assert!(stored[key].starts_with("b64:"), "{key}: {:?}", stored[key]);
    }
    assert_eq!(stored[CONTROLLER_SCHEMA_KEY], SCHEMA_VERSION.to_string());
}

#[test]
fn every_value_round_trips_exactly_through_a_go_yaml_like_emitter() {
    assert_round_trip(Style::SerdeYaml);
}

#[test]
fn every_value_round_trips_exactly_through_juju_sim_like_output() {
    assert_round_trip(Style::JujuSim);
}

#[test]
fn load_all_is_one_state_get_without_a_key() {
    let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", "1"), ("a", "{\"x\":1}")]);
    let loaded = ControllerStore::new(&fake).load_all().expect("load");
    assert_eq!(
        loaded,
        BTreeMap::from([("a".to_string(), b"{\"x\":1}".to_vec())])
    );
    assert_eq!(fake.take_calls(), vec![call("state-get", &[], None)]);

    let empty = FakeJuju::new(Style::SerdeYaml);
    assert!(ControllerStore::new(&empty)
        .load_all()
        .expect("load")
        .is_empty());
    assert_eq!(empty.take_calls(), vec![call("state-get", &[], None)]);
}

#[test]
fn commit_is_one_state_set_with_every_set_key_then_one_state_delete_per_deleted_key() {
    let fake = FakeJuju::with_state(
        Style::SerdeYaml,
        &[("#schema#", "1"), ("old", "x"), ("gone", "y")],
    );
    let mut store = ControllerStore::new(&fake);
    store.load_all().expect("load");
    fake.take_calls();
    let mut changes = sets(&[("b", b"{\"n\":\"\xc3\xa9\"}"), ("a", b"line\n")]);
    changes.insert("old".into(), None);
    changes.insert("gone".into(), None);
    store.commit(&changes).expect("commit");
    assert_eq!(
        fake.take_calls(),
        vec![
            call(
                "state-set",
                &["--file", "-"],
                Some("\"a\": \"line\\n\"\n\"b\": \"{\\\"n\\\":\\\"\\xE9\\\"}\"\n")
            ),
            call("state-delete", &["gone"], None),
            call("state-delete", &["old"], None),
        ]
    );
    assert_eq!(
        *fake.state.borrow(),
        BTreeMap::from([
            ("#schema#".to_string(), "1".to_string()),
            ("a".to_string(), "line\n".to_string()),
            ("b".to_string(), "{\"n\":\"é\"}".to_string()),
        ])
    );

    // Deletes only: no state-set.
    store
        .commit(&BTreeMap::from([("a".to_string(), None)]))
        .expect("commit");
    assert_eq!(fake.take_calls(), vec![call("state-delete", &["a"], None)]);

    // Nothing to do: no call at all.
    store.commit(&BTreeMap::new()).expect("commit");
    assert_eq!(fake.take_calls(), vec![]);
}

#[test]
fn the_schema_version_goes_with_the_first_commit() {
    // After a load that found no version.
    let fake = FakeJuju::new(Style::SerdeYaml);
    let mut store = ControllerStore::new(&fake);
    store.load_all().expect("load");
    store.commit(&sets(&[("k", b"v")])).expect("commit");
    assert_eq!(
        fake.take_calls(),
        vec![
            call("state-get", &[], None),
            call(
                "state-set",
                &["--file", "-"],
                Some("\"#schema#\": \"1\"\n\"k\": \"v\"\n")
            ),
        ]
    );
    store.commit(&sets(&[("k", b"w")])).expect("commit");
    assert_eq!(
        fake.take_calls(),
        vec![call("state-set", &["--file", "-"], Some("\"k\": \"w\"\n"))]
    );

    // A commit without a load asks for the version first, once.
    let fake = FakeJuju::new(Style::SerdeYaml);
    let mut store = ControllerStore::new(&fake);
    store.commit(&sets(&[("k", b"v")])).expect("commit");
    store.commit(&sets(&[("k", b"w")])).expect("commit");
    assert_eq!(
        fake.take_calls(),
        vec![
            call("state-get", &["#schema#"], None),
            call(
                "state-set",
                &["--file", "-"],
                Some("\"#schema#\": \"1\"\n\"k\": \"v\"\n")
            ),
            call("state-set", &["--file", "-"], Some("\"k\": \"w\"\n")),
        ]
    );

    // ... and does not write it again when it is there.
    let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", "1")]);
    ControllerStore::new(&fake)
        .commit(&sets(&[("k", b"v")]))
        .expect("commit");
    assert_eq!(
        fake.take_calls(),
        vec![
            call("state-get", &["#schema#"], None),
            call("state-set", &["--file", "-"], Some("\"k\": \"v\"\n")),
        ]
    );
}

#[test]
fn a_newer_schema_version_is_refused_before_anything_is_written() {
    let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", "2"), ("k", "v")]);
    let err = ControllerStore::new(&fake).load_all().expect_err("newer");
    assert!(
        matches!(
            err,
            StoreError::Schema {
                found: 2,
                supported: 1
            }
        ),
        "{err:?}"
    );

    let err = ControllerStore::new(&fake)
        .commit(&sets(&[("k", b"w")]))
        .expect_err("newer");
    assert!(
        matches!(
            err,
            StoreError::Schema {
                found: 2,
                supported: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        fake.take_calls(),
        vec![
            call("state-get", &[], None),
            call("state-get", &["#schema#"], None)
        ]
    );
    assert_eq!(fake.state.borrow()["k"], "v");

    let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", "one")]);
    let err = ControllerStore::new(&fake).load_all().expect_err("garbage");
    assert!(
        matches!(&err, StoreError::ControllerOutput { tool, .. } if tool == "state-get"),
        "{err:?}"
    );
}

#[test]
fn reserved_and_unstorable_keys_are_refused_before_any_call() {
    let fake = FakeJuju::new(Style::SerdeYaml);
    let mut store = ControllerStore::new(&fake);
    for key in [
        CONTROLLER_SCHEMA_KEY,
        "\0schema",
        "",
        "nul\0inside",
        "-looks-like-a-flag",
    ] {
        let mut changes = sets(&[("fine", b"x")]);
        changes.insert(key.to_string(), Some(b"v".to_vec()));
        let err = store.commit(&changes).expect_err("refused");
        assert!(
            matches!(&err, StoreError::InvalidKey { key: k, .. } if k == key),
            "{key:?}: {err:?}"
        );
        let deleting = BTreeMap::from([(key.to_string(), None)]);
        assert!(matches!(
            store.commit(&deleting),
            Err(StoreError::InvalidKey { .. })
        ));
    }
    assert_eq!(fake.take_calls(), vec![]);
    assert!(fake.state.borrow().is_empty());
}

#[test]
fn failing_tools_give_typed_errors_naming_tool_args_and_stderr() {
    let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", "1")]);
    let mut store = ControllerStore::new(&fake);

    fake.script(
        "state-get",
        Scripted::Output(ToolOutput::failed(1, "ERROR permission denied\n")),
    );
    let err = store.load_all().expect_err("state-get fails");
    match &err {
        StoreError::Controller {
            tool,
            args,
            code,
            stderr,
        } => {
            assert_eq!(
                (tool.as_str(), args.len(), *code, stderr.as_str()),
                ("state-get", 0, Some(1), "ERROR permission denied")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("state-get") && err.to_string().contains("permission denied"),
        "{err}"
    );

    store.load_all().expect("load");
    fake.script(
        "state-set",
        Scripted::Output(ToolOutput::failed(2, "ERROR value too long\n")),
    );
    let err = store
        .commit(&sets(&[("k", b"v")]))
        .expect_err("state-set fails");
    match &err {
        StoreError::Controller {
            tool,
            args,
            code,
            stderr,
        } => {
            assert_eq!(tool, "state-set");
            assert_eq!(args, &vec!["--file".to_string(), "-".to_string()]);
            assert_eq!(*code, Some(2));
            assert_eq!(stderr, "ERROR value too long");
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("state-set")
            && message.contains("--file")
            && message.contains("exit status 2"),
        "{message}"
    );

    fake.script(
        "state-delete",
        Scripted::Output(ToolOutput {
            code: None,
            stdout: Vec::new(),
            stderr: b"".to_vec(),
        }),
    );
    let err = store
        .commit(&BTreeMap::from([("k".to_string(), None)]))
        .expect_err("state-delete killed");
    assert!(
        matches!(&err, StoreError::Controller { tool, args, code: None, .. } if tool == "state-delete" && args == &vec!["k".to_string()]),
        "{err:?}"
    );
    assert!(err.to_string().contains("killed by a signal"), "{err}");

    fake.script("state-get", Scripted::NotFound);
    let err = store.load_all().expect_err("no state-get");
    assert!(
        matches!(&err, StoreError::ToolRun { tool, source: RunError::NotFound(_), .. } if tool == "state-get"),
        "{err:?}"
    );
}

#[test]
fn garbage_output_gives_typed_errors() {
    let garbage: [&[u8]; 8] = [
        b"- a\n- b\n",
        b"key: [1, 2]\n",
        b"key: {a: b}\n",
        b"key: 12\n",
        b"{unclosed: \"x\n",
        b"\xff\xfe: x\n",
        b"just a string\n",
        b"[1, 2]: x\n",
    ];
    for output in garbage {
        let fake = FakeJuju::new(Style::SerdeYaml);
        fake.script("state-get", Scripted::Output(ToolOutput::ok(output)));
        let err = ControllerStore::new(&fake).load_all().expect_err("garbage");
        assert!(
            matches!(&err, StoreError::ControllerOutput { tool, .. } if tool == "state-get"),
            "{:?}: {err:?}",
            String::from_utf8_lossy(output)
        );
    }
    // A value that claims to be base64 but is not.
    let fake = FakeJuju::with_state(
        Style::SerdeYaml,
        &[("#schema#", "1"), ("k", "b64:not base64!")],
    );
    let err = ControllerStore::new(&fake)
        .load_all()
        .expect_err("bad base64");
    assert!(
        matches!(&err, StoreError::Encoding { key, .. } if key == "k"),
        "{err:?}"
    );
    // The schema version with garbage around it.
    let fake = FakeJuju::new(Style::SerdeYaml);
    fake.script(
        "state-get",
        Scripted::Output(ToolOutput::ok(b"\xff\n".to_vec())),
    );
    let err = ControllerStore::new(&fake)
        .commit(&sets(&[("k", b"v")]))
        .expect_err("garbage");
    assert!(
        matches!(&err, StoreError::ControllerOutput { .. }),
        "{err:?}"
    );
}

#[test]
fn yaml_null_and_blank_output_mean_no_state() {
    for output in [&b""[..], b"\n", b"{}\n", b"~\n", b"---\n"] {
        let fake = FakeJuju::new(Style::SerdeYaml);
        fake.script("state-get", Scripted::Output(ToolOutput::ok(output)));
        assert!(ControllerStore::new(&fake)
            .load_all()
            .expect("empty")
            .is_empty());
    }
}

// -- the real juju-sim hook tools -------------------------------------------------------------

fn juju_sim() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("JUJU_SIM").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/juju-sim/juju-sim")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// Runs juju-sim's hook tools (symlinks named after the tools) in a minimal session.
struct SimRunner {
    bin: PathBuf,
    session: PathBuf,
}

impl SimRunner {
    fn new(sim: &Path, dir: &Path) -> Self {
        let bin = dir.join("bin");
        let session = dir.join("session");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::create_dir_all(&session).expect("mkdir");
        for tool in ["state-get", "state-set", "state-delete"] {
            std::os::unix::fs::symlink(sim, bin.join(tool)).expect("symlink");
        }
        std::fs::write(
            session.join("context.json"),
            r#"{"meta": {}, "hook": "start"}"#,
        )
        .expect("write");
        let state = r#"{"unit": "sim/0", "controller_state": {}}"#;
        std::fs::write(session.join("work.json"), state).expect("write");
        std::fs::write(session.join("committed.json"), state).expect("write");
        SimRunner { bin, session }
    }

    fn trace(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.session.join("trace.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("trace line"))
            .collect()
    }
}

impl ToolRunner for SimRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let io = |source| RunError::Io {
            tool: tool.to_string(),
            source,
        };
        let mut child = Command::new(self.bin.join(tool))
            .args(args)
            .env("JUJU_SIM_SESSION", &self.session)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io)?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input).map_err(io)?;
        }
        let out = child.wait_with_output().map_err(io)?;
        Ok(ToolOutput {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

#[test]
fn round_trips_through_the_real_juju_sim_hook_tools() {
    let Some(sim) = juju_sim() else {
        eprintln!("SKIPPED: juju-sim not found (set JUJU_SIM to its path)");
        return;
    };
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED: python3 not found for juju-sim");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let runner = SimRunner::new(&sim, dir.path());
    let mut expected = tricky_values();
    expected.remove("large"); // keeps the test quick; large values are covered by the fake
    let mut changes: Changes = expected
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();

    let mut store = ControllerStore::new(&runner);
    assert!(store.load_all().expect("load").is_empty());
    store.commit(&changes).expect("commit");
    assert_eq!(
        ControllerStore::new(&runner).load_all().expect("load"),
        expected
    );

    changes.clear();
    changes.insert("newlines".into(), None);
    changes.insert("number".into(), Some(b"124".to_vec()));
    expected.remove("newlines");
    expected.insert("number".into(), b"124".to_vec());
    store.commit(&changes).expect("commit");
    assert_eq!(
        ControllerStore::new(&runner).load_all().expect("load"),
        expected
    );

    let argvs: Vec<serde_json::Value> = runner
        .trace()
        .into_iter()
        .map(|r| r["argv"].clone())
        .collect();
    assert_eq!(
        argvs,
        vec![
            serde_json::json!(["state-get"]),
            serde_json::json!(["state-set", "--file", "-"]),
            serde_json::json!(["state-get"]),
            serde_json::json!(["state-set", "--file", "-"]),
            serde_json::json!(["state-delete", "newlines"]),
            serde_json::json!(["state-get"]),
        ]
    );
    assert!(
        runner.trace().iter().all(|r| r["exit"] == 0),
        "{:?}",
        runner.trace()
    );
}

/// A schema version this store never writes (0, a negative or fractional number, a word) is
/// garbage, not "no version": a typed error from the load and from a commit's own check, and
/// nothing is written over the state it cannot read.
#[test]
fn an_unreadable_schema_version_is_refused_and_nothing_is_written() {
    for stored in ["0", "-1", "1.0", "one"] {
        let fake = FakeJuju::with_state(Style::SerdeYaml, &[("#schema#", stored), ("k", "v")]);
        let err = ControllerStore::new(&fake).load_all().expect_err(stored);
        assert!(
            matches!(&err, StoreError::ControllerOutput { tool, .. } if tool == "state-get"),
            "{stored}: {err:?}"
        );
        let err = ControllerStore::new(&fake)
            .commit(&sets(&[("k", b"w")]))
            .expect_err(stored);
        assert!(
            matches!(&err, StoreError::ControllerOutput { tool, .. } if tool == "state-get"),
            "{stored}: {err:?}"
        );
        assert_eq!(fake.state.borrow()["k"], "v", "{stored}: nothing written");
        assert!(
            fake.take_calls().iter().all(|c| c.tool == "state-get"),
            "{stored}: only reads"
        );
    }
}

/// Entries without the schema key were written by Python ops (`JujuStorage`: a YAML document
/// under each handle path), returned as they are for the dispatcher to migrate. This store's own
/// state, an empty state, and a store that has loaded nothing yet, are not Python ops'.
#[test]
fn only_entries_without_a_schema_key_are_python_ops_state() {
    let python_doc = "{count: 2, names: [a]}\n";
    let cases: [(&[(&str, &str)], bool); 3] = [
        (&[("#schema#", "1"), ("k", "v")], false),
        (&[], false),
        (&[("Charm/StoredStateData[_stored]", python_doc)], true),
    ];
    for (state, python) in cases {
        let fake = FakeJuju::with_state(Style::SerdeYaml, state);
        let mut store = ControllerStore::new(&fake);
        assert!(
            !store.written_by_python_ops(),
            "{state:?}: nothing loaded yet"
        );
        let loaded = store.load_all().expect("load");
        assert_eq!(store.written_by_python_ops(), python, "{state:?}");
        if python {
            assert_eq!(
                loaded["Charm/StoredStateData[_stored]"],
                python_doc.as_bytes(),
                "returned as it is"
            );
        }
    }
}

/// The error says what `state-get` printed where a mapping of strings was expected.
#[test]
fn garbage_output_errors_say_what_was_found() {
    let cases: [(&[u8], &str); 9] = [
        (b"- a\n- b\n", "expected a mapping, got a sequence"),
        (b"just a string\n", "expected a mapping, got a string"),
        (b"12\n", "expected a mapping, got a number"),
        (b"[1, 2]: x\n", "expected string keys, got a sequence"),
        (b"key: {a: b}\n", "got a mapping"),
        (b"key: 12\n", "got a number"),
        (b"key: true\n", "got a boolean"),
        (b"key: ~\n", "got null"),
        (b"key: !tag x\n", "got a tagged value"),
    ];
    for (output, says) in cases {
        let fake = FakeJuju::new(Style::SerdeYaml);
        fake.script("state-get", Scripted::Output(ToolOutput::ok(output)));
        let err = ControllerStore::new(&fake).load_all().expect_err("garbage");
        assert!(
            err.to_string().contains(says),
            "{:?}: {err}",
            String::from_utf8_lossy(output)
        );
    }
}
