//! The two relation databag encodings of `#[derive(RelationData)]`, against what Python writes:
//!
//! * `#[databag(encoding = "json")]` against ops 3's `Relation.save` / `load`, recorded from ops 3
//!   in `fixtures/ops3-databags/recorded.json` by `fixtures/ops3-databags/record.py` (see its
//!   docstring to regenerate it; these tests need no Python);
//! * the default raw encoding against the databags the juju-sim reference charms (plain ops, raw
//!   strings) wrote and were given, recorded in the same file.
//!
//! Both directions, in both test styles: what Rust writes is byte-identical to what Python wrote,
//! and what Python wrote reads back to the same values.

use ops_core::databag::{DatabagError, Encoding, RelationData};
use ops_core::prelude::*;
use ops_testing::{Context as TestContext, Event, Harness, Relation, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Bag = BTreeMap<String, String>;

const RECORDED: &str = include_str!("fixtures/ops3-databags/recorded.json");

fn recorded() -> Value {
    serde_json::from_str(RECORDED).expect("the recording is JSON")
}

fn bag(v: &Value) -> Bag {
    serde_json::from_value(v.clone()).expect("a databag is a map of strings")
}

/// The databag ops 3's `save` wrote for the dataclass `class`.
fn saved(class: &str) -> Bag {
    let rec = recorded();
    let entry = rec["saved"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["class"] == class))
        .unwrap_or_else(|| panic!("no {class} in the recording"));
    bag(&entry["databag"])
}

// ---- the Rust twins of record.py's dataclasses -------------------------------------------------

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Pool {
    max: u32,
    min: u32,
}

#[derive(Debug, PartialEq, RelationData)]
#[databag(encoding = "json")]
struct Endpoint {
    host: String,
    port: u16,
    tls: bool,
    weight: f64,
    tags: Vec<String>,
    options: Value,
    pool: Pool,
    #[databag(rename = "secret-id")]
    secret_id: String,
    note: Option<String>,
}

fn endpoint() -> Endpoint {
    Endpoint {
        host: "db.example.com".into(),
        port: 5432,
        tls: true,
        weight: 0.75,
        tags: vec!["primary".into(), "say \"hi\"".into(), String::new()],
        options: json!({
            "empty": {},
            "list": [],
            "nested": {"deep": [1, 2.5, null, false]},
            "ratio": 1e-05,
        }),
        pool: Pool { max: 10, min: 1 },
        secret_id: "secret:cp0remote0secret0001".into(),
        note: None,
    }
}

#[derive(Debug, PartialEq, RelationData)]
#[databag(encoding = "json")]
struct Text {
    plain: String,
    empty: String,
    quotes: String,
    unicode: String,
    astral: String,
    controls: String,
    json_like: String,
}

fn text() -> Text {
    Text {
        plain: "x".into(),
        empty: String::new(),
        quotes: "she said \"hi\" \\ and 'bye'".into(),
        unicode: "héllo – 世界".into(),
        astral: "🎉 𝄞".into(),
        controls: "tab\there\nnew line\r\u{0}\u{1f}\u{7f}".into(),
        json_like: r#"{"a": 1}"#.into(),
    }
}

#[derive(Debug, PartialEq, RelationData)]
#[databag(encoding = "json")]
struct Numbers {
    zero: i32,
    negative: i64,
    big: u64,
    biggest: i64,
    floats: Vec<f64>,
}

#[allow(clippy::approx_constant)] // 3.14159 is the value record.py saved, not π
fn numbers() -> Numbers {
    Numbers {
        zero: 0,
        negative: -1,
        big: (1 << 53) + 1,
        biggest: i64::MAX,
        floats: vec![
            0.0,
            -0.0,
            1.0,
            0.1,
            0.5,
            3.14159,
            100.0,
            1e-05,
            0.0001,
            0.00012345,
            123456789.123,
            1e15,
            1e16,
            1.5e300,
            5e-324,
            -2.5e-07,
            f64::MAX,
            9007199254740993.0,
            1.0 / (1u64 << 30) as f64,
        ],
    }
}

#[derive(Debug, PartialEq, RelationData)]
#[databag(encoding = "json")]
struct Optionals {
    present: Option<String>,
    absent_text: Option<String>,
    absent_count: Option<u32>,
    absent_list: Option<Vec<i32>>,
}

fn optionals() -> Optionals {
    Optionals {
        present: Some("here".into()),
        absent_text: None,
        absent_count: None,
        absent_list: None,
    }
}

/// What `to_databag` writes, as the databag Juju keeps (`None` removes a key).
fn written<T: RelationData>(value: &T) -> Bag {
    value
        .to_databag()
        .expect("encodes")
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// Bytes first, so a difference shows the two strings.
fn assert_same_bag(rust: &Bag, python: &Bag, class: &str) {
    for (k, v) in python {
        assert_eq!(rust.get(k), Some(v), "{class}: `{k}` differs from ops 3");
    }
    assert_eq!(rust, python, "{class}: keys differ from ops 3");
}

#[test]
fn json_encoding_writes_the_bytes_ops3_save_writes() {
    assert_same_bag(&written(&endpoint()), &saved("Endpoint"), "Endpoint");
    assert_same_bag(&written(&text()), &saved("Text"), "Text");
    assert_same_bag(&written(&numbers()), &saved("Numbers"), "Numbers");
    assert_same_bag(&written(&optionals()), &saved("Optionals"), "Optionals");
    assert_eq!(Endpoint::ENCODING, Encoding::Json);
}

#[test]
fn json_encoding_reads_what_ops3_save_wrote() -> TestResult {
    assert_eq!(Endpoint::from_databag(&saved("Endpoint"))?, endpoint());
    assert_eq!(Text::from_databag(&saved("Text"))?, text());
    let n = Numbers::from_databag(&saved("Numbers"))?;
    assert_eq!(n, numbers());
    // `==` does not see the sign of zero.
    assert!(n.floats[1].is_sign_negative());
    assert_eq!(Optionals::from_databag(&saved("Optionals"))?, optionals());
    Ok(())
}

/// ops 3's `load` on the recorded databags: the fields it set, or what it raised.
#[derive(Debug, PartialEq, Serialize, Deserialize, RelationData)]
#[databag(encoding = "json")]
struct Wanted {
    name: String,
    count: i64,
    label: Option<String>,
}

#[test]
fn json_encoding_decodes_as_ops3_load_does_with_typed_errors() -> TestResult {
    let rec = recorded();
    let loads = rec["loads"].as_array().ok_or("no loads")?;
    assert!(loads.len() >= 5);
    for case in loads {
        let input = bag(&case["databag"]);
        let got = Wanted::from_databag(&input);
        if let Some(fields) = case.get("fields") {
            assert_eq!(
                got?,
                serde_json::from_value::<Wanted>(fields.clone())?,
                "{case}"
            );
        } else if case["raises"] == "JSONDecodeError" {
            // ops raises json's error naming no key; here: the key, and the value quoted.
            let bad = case["undecodable"][0]
                .as_str()
                .ok_or("no undecodable key")?;
            match got {
                Err(DatabagError::Invalid { key, value, .. }) => {
                    assert_eq!(key, bad, "{case}");
                    assert_eq!(value, input[bad], "{case}");
                }
                other => panic!("{case}: expected Invalid, got {other:?}"),
            }
        } else {
            // A missing required field: the dataclass's TypeError.
            assert_eq!(case["raises"], "TypeError", "{case}");
            let missing = case["missing"][0].as_str().ok_or("no missing field")?;
            assert_eq!(
                got,
                Err(DatabagError::Missing {
                    key: missing.into()
                }),
                "{case}"
            );
        }
    }
    Ok(())
}

#[test]
fn json_decode_errors_cap_what_they_quote() {
    let huge = format!("\"{}", "x".repeat(100_000));
    let err = Wanted::from_databag(&Bag::from([
        ("name".into(), huge),
        ("count".into(), "1".into()),
    ]))
    .expect_err("not JSON");
    let DatabagError::Invalid { key, value, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(key, "name");
    assert!(
        value.starts_with(&format!("\"{}", "x".repeat(199))),
        "{value}"
    );
    assert!(value.ends_with("…[99801 more chars]"), "{value}");
    assert!(err.to_string().len() < 1_000, "{}", err.to_string().len());
}

#[test]
fn json_encoding_rejects_what_a_raw_interface_writes() {
    // The reference consumer's request, as db-provider reads it: `orders`, not `"orders"`.
    let err = ConsumerJson::from_databag(&Bag::from([("database".into(), "orders".into())]))
        .expect_err("not JSON");
    assert!(
        matches!(&err, DatabagError::Invalid { key, value, .. } if key == "database" && value == "orders"),
        "{err:?}"
    );
}

#[derive(Debug, RelationData)]
#[databag(encoding = "json")]
struct ConsumerJson {
    #[allow(dead_code)]
    database: String,
}

// ---- the raw encoding, against the juju-sim reference charms ------------------------------------

/// db-provider's application databag on `database` (db-consumer reads it).
#[derive(Debug, PartialEq, RelationData)]
#[databag(rename_all = "kebab-case")]
struct ProviderApp {
    database: Option<String>,
    endpoints: Option<String>,
    secret_id: Option<String>,
    consumers: Option<String>,
}

/// db-consumer's application databag on `database` (db-provider reads it).
#[derive(Debug, PartialEq, RelationData)]
struct ConsumerApp {
    database: String,
}

/// db-consumer's unit databag on `database`.
#[derive(Debug, PartialEq, RelationData)]
#[databag(rename_all = "kebab-case")]
struct ConsumerUnit {
    client: String,
    connected_as: Option<String>,
}

/// db-provider's peer databags on `cluster`.
#[derive(Debug, PartialEq, RelationData)]
struct PeerUnit {
    address: String,
}

#[derive(Debug, PartialEq, RelationData)]
struct PeerApp {
    note: String,
}

/// Decode `bag` as the type for `(charm, endpoint, side)`, and encode it again.
fn raw_round_trip(charm: &str, endpoint: &str, side: &str, bag: &Bag) -> Bag {
    fn rt<T: RelationData + std::fmt::Debug>(bag: &Bag) -> Bag {
        assert_eq!(T::ENCODING, Encoding::Raw);
        let value = T::from_databag(bag).unwrap_or_else(|e| panic!("{bag:?}: {e}"));
        written(&value)
    }
    match (charm, endpoint, side) {
        ("db-provider", "database", "local_app") | ("db-consumer", "database", "remote_app") => {
            rt::<ProviderApp>(bag)
        }
        ("db-provider", "database", "remote_app") | ("db-consumer", "database", "local_app") => {
            rt::<ConsumerApp>(bag)
        }
        ("db-consumer", "database", "local_unit") => rt::<ConsumerUnit>(bag),
        ("db-provider", "cluster", "local_unit") => rt::<PeerUnit>(bag),
        ("db-provider", "cluster", "local_app") => rt::<PeerApp>(bag),
        other => panic!("no Rust type for {other:?}"),
    }
}

#[test]
fn raw_encoding_reads_and_writes_the_reference_charms_databags() -> TestResult {
    let rec = recorded();
    let raw = rec["raw"].as_array().ok_or("no raw databags")?;
    assert!(raw.len() >= 10, "{}", raw.len());
    for entry in raw {
        let python = bag(&entry["databag"]);
        let [charm, endpoint, side] =
            ["charm", "endpoint", "side"].map(|k| entry[k].as_str().unwrap_or_default());
        let rust = raw_round_trip(charm, endpoint, side, &python);
        assert_same_bag(&rust, &python, &format!("{charm} {endpoint} {side}"));
    }
    // A string is the string, with no quotes.
    let app = ProviderApp::from_databag(&bag(&raw[3]["databag"]))?;
    assert_eq!(app.secret_id.as_deref(), Some("secret:#1"));
    Ok(())
}

// ---- both test styles: a charm that saves and loads --------------------------------------------

/// On `db-relation-created`, saves the Rust value named by the remote application into its own
/// application and unit databags; on `db-relation-changed`, loads the remote application's
/// databag as that type and saves what it read (an echo), recording decode errors.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Echo {
    errors: Vec<String>,
}

fn echo<T: RelationData>(
    relation: &ops_core::model::Relation,
    value: Option<T>,
) -> Result<(), DatabagError> {
    let value = match value {
        Some(v) => v,
        None => match relation.remote_app_data() {
            Ok(Some(bag)) => match bag.load::<T>() {
                Ok(v) => v,
                Err(ops_core::ModelError::Databag(e)) => return Err(e),
                Err(e) => panic!("{e}"),
            },
            other => panic!("no remote app data: {other:?}"),
        },
    };
    relation.local_app_data().save(&value).expect("leader");
    relation.local_unit_data().save(&value).expect("own unit");
    Ok(())
}

impl Echo {
    fn run(&mut self, event: &RelationEvent, created: bool) {
        let app = event
            .relation
            .app()
            .ok()
            .flatten()
            .map(|a| a.name().to_string())
            .unwrap_or_default();
        let r = &event.relation;
        let res = match app.as_str() {
            "endpoint" => echo(r, created.then(endpoint)),
            "text" => echo(r, created.then(text)),
            "numbers" => echo(r, created.then(numbers)),
            "optionals" => echo(r, created.then(optionals)),
            "wanted" if !created => echo::<Wanted>(r, None),
            "db-consumer" if !created => echo::<ConsumerApp>(r, None),
            "db-provider" if !created => echo::<ProviderApp>(r, None),
            _ => Ok(()),
        };
        if let Err(e) = res {
            self.errors.push(e.to_string());
        }
    }
}

#[charm(dir = "tests/fixtures/testcharm", module = echo_charm)]
impl Echo {
    #[on(db_relation_created)]
    fn created(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        self.run(event, true);
        Ok(())
    }

    #[on(db_relation_changed)]
    fn changed(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        self.run(event, false);
        Ok(())
    }
}

const CLASSES: [&str; 4] = ["Endpoint", "Text", "Numbers", "Optionals"];

#[test]
fn harness_json_encoding_saves_and_loads_as_ops3() -> TestResult {
    for class in CLASSES {
        let app = class.to_lowercase();
        let python = saved(class);
        let mut h = Harness::<Echo>::new();
        h.set_leader(true)?;
        h.begin()?;
        // Rust writes what Python wrote.
        let id = h.add_relation("db", &app)?;
        let own_app = h.get_relation_data(id, "testcharm")?.ok_or("no app bag")?;
        let own_unit = h
            .get_relation_data(id, "testcharm/0")?
            .ok_or("no unit bag")?;
        assert_same_bag(&own_app, &python, class);
        assert_same_bag(&own_unit, &python, class);
        // Rust reads what Python wrote, and writes it again unchanged.
        let mut h = Harness::<Echo>::new();
        h.set_leader(true)?;
        h.begin()?;
        let id = h.add_relation("db", &app)?;
        h.update_relation_data(id, &app, python.clone())?;
        assert!(h.charm()?.errors.is_empty(), "{:?}", h.charm()?.errors);
        let echoed = h.get_relation_data(id, "testcharm")?.ok_or("no app bag")?;
        assert_same_bag(&echoed, &python, class);
    }
    Ok(())
}

#[test]
fn harness_json_decode_error_names_the_key() -> TestResult {
    let mut h = Harness::<Echo>::new();
    h.set_leader(true)?;
    h.begin()?;
    let id = h.add_relation("db", "wanted")?;
    h.update_relation_data(id, "wanted", [("name", "app"), ("count", "3")])?;
    let errors = h.charm()?.errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`name`"), "{}", errors[0]);
    assert!(errors[0].contains("\"app\""), "{}", errors[0]);
    Ok(())
}

#[test]
fn context_json_encoding_saves_and_loads_as_ops3() -> TestResult {
    let ctx = TestContext::<Echo>::new();
    for class in CLASSES {
        let app = class.to_lowercase();
        let python = saved(class);
        // Rust writes what Python wrote.
        let rel = Relation::of::<echo_charm::relations::Db>().remote_app(&app);
        let state = State::default()
            .with_leader(true)
            .with_relation(rel.clone());
        let out = ctx.run(Event::relation_created(&rel), &state)?;
        let out_rel = out.relation(rel.relation_id()).ok_or("relation gone")?;
        assert_same_bag(out_rel.local_app_databag(), &python, class);
        assert_same_bag(out_rel.local_unit_databag(), &python, class);
        // Rust reads what Python wrote, and writes it again unchanged.
        let rel = Relation::of::<echo_charm::relations::Db>()
            .remote_app(&app)
            .remote_app_data(python.clone());
        let state = State::default()
            .with_leader(true)
            .with_relation(rel.clone());
        let out = ctx.run(Event::relation_changed(&rel), &state)?;
        assert!(out.stored_state::<Echo>()?.errors.is_empty());
        let out_rel = out.relation(rel.relation_id()).ok_or("relation gone")?;
        assert_same_bag(out_rel.local_app_databag(), &python, class);
    }
    // And the typed view of the output is the Rust value.
    let rel = Relation::of::<echo_charm::relations::Db>()
        .remote_app("numbers")
        .remote_app_data(saved("Numbers"));
    let state = State::default()
        .with_leader(true)
        .with_relation(rel.clone());
    let out = ctx.run(Event::relation_changed(&rel), &state)?;
    let out_rel = out.relation(rel.relation_id()).ok_or("relation gone")?;
    assert_eq!(out_rel.local_app_as::<Numbers>()?, numbers());
    Ok(())
}

#[test]
fn context_json_decode_error_names_the_key() -> TestResult {
    let ctx = TestContext::<Echo>::new();
    let rel = Relation::of::<echo_charm::relations::Db>()
        .remote_app("wanted")
        .remote_app_data([("name", "\"app\""), ("count", "three")]);
    let state = State::default()
        .with_leader(true)
        .with_relation(rel.clone());
    let out = ctx.run(Event::relation_changed(&rel), &state)?;
    let errors = out.stored_state::<Echo>()?.errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`count`"), "{}", errors[0]);
    assert!(errors[0].contains("three"), "{}", errors[0]);
    Ok(())
}

/// The raw databags the reference charms were given, echoed by the Rust charm.
fn raw_remote_bags(charm: &str) -> Vec<Bag> {
    let rec = recorded();
    rec["raw"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["charm"] == charm && e["side"] == "remote_app")
                .map(|e| bag(&e["databag"]))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn harness_raw_encoding_echoes_the_reference_charms_data() -> TestResult {
    // What db-consumer was given (db-provider's app databag), and what db-provider was given.
    for (remote, given_to) in [
        ("db-provider", "db-consumer"),
        ("db-consumer", "db-provider"),
    ] {
        let bags = raw_remote_bags(given_to);
        assert!(!bags.is_empty(), "{given_to}");
        for python in bags {
            let mut h = Harness::<Echo>::new();
            h.set_leader(true)?;
            h.begin()?;
            let id = h.add_relation("db", remote)?;
            h.update_relation_data(id, remote, python.clone())?;
            assert!(h.charm()?.errors.is_empty(), "{:?}", h.charm()?.errors);
            let echoed = h.get_relation_data(id, "testcharm")?.ok_or("no app bag")?;
            assert_same_bag(&echoed, &python, remote);
        }
    }
    Ok(())
}

#[test]
fn context_raw_encoding_echoes_the_reference_charms_data() -> TestResult {
    let ctx = TestContext::<Echo>::new();
    for (remote, given_to) in [
        ("db-provider", "db-consumer"),
        ("db-consumer", "db-provider"),
    ] {
        for python in raw_remote_bags(given_to) {
            let rel = Relation::of::<echo_charm::relations::Db>()
                .remote_app(remote)
                .remote_app_data(python.clone());
            let state = State::default()
                .with_leader(true)
                .with_relation(rel.clone());
            let out = ctx.run(Event::relation_changed(&rel), &state)?;
            assert!(out.stored_state::<Echo>()?.errors.is_empty());
            let out_rel = out.relation(rel.relation_id()).ok_or("relation gone")?;
            assert_same_bag(out_rel.local_unit_databag(), &python, remote);
        }
    }
    Ok(())
}

/// Python writes `NaN` and `Infinity`, which are not JSON: serde writes `null`, and `NaN` does not
/// read (the documented difference).
#[test]
fn non_finite_floats_are_written_as_null_and_nan_does_not_read() {
    #[derive(Debug, RelationData)]
    #[databag(encoding = "json")]
    struct Ratio {
        ratio: f64,
    }
    let written = written(&Ratio { ratio: f64::NAN });
    assert_eq!(written["ratio"], "null");
    let err = Ratio::from_databag(&Bag::from([("ratio".into(), "NaN".into())]))
        .expect_err("NaN is not JSON");
    assert!(
        matches!(&err, DatabagError::Invalid { key, .. } if key == "ratio"),
        "{err:?}"
    );
}

/// Saves an empty `String` in each encoding.
#[derive(Debug, Default, StoredState)]
struct Empty;

#[derive(Debug, PartialEq, RelationData)]
struct RawName {
    name: String,
}

#[derive(Debug, PartialEq, RelationData)]
#[databag(encoding = "json")]
struct JsonLabel {
    label: String,
}

#[charm(dir = "tests/fixtures/testcharm", module = empty_charm)]
impl Empty {
    #[on(db_relation_created)]
    fn created(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        let bag = event.relation.local_app_data();
        bag.save(&RawName {
            name: String::new(),
        })?;
        bag.save(&JsonLabel {
            label: String::new(),
        })?;
        Ok(())
    }
}

/// An empty `String`: the raw encoding stores it as Juju stores an empty value (the key removed),
/// so it reads back as missing; the JSON encoding stores `""` and it reads back.
#[test]
fn harness_an_empty_string_is_removed_raw_and_kept_as_json() -> TestResult {
    let mut h = Harness::<Empty>::new();
    h.set_leader(true)?;
    h.begin()?;
    let id = h.add_relation("db", "remote")?;
    let own = h.get_relation_data(id, "testcharm")?.ok_or("no app bag")?;
    assert_eq!(own, Bag::from([("label".to_string(), "\"\"".to_string())]));
    assert_eq!(
        RawName::from_databag(&own),
        Err(DatabagError::Missing { key: "name".into() })
    );
    assert_eq!(
        JsonLabel::from_databag(&own)?,
        JsonLabel {
            label: String::new()
        }
    );
    Ok(())
}
