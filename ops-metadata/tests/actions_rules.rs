//! One test per `actions.yaml` rule: the exact message and `line:column` of each error.
#![cfg(feature = "parse")]

mod common;

use common::{actions_errors, assert_actions_error, assert_errors, warnings_of};
use ops_metadata::{parse_actions_str, ActionMeta, ParamType};

const PARAM_TYPES: &str = "string, integer, number, boolean, array, object, or a list of them";

#[track_caller]
fn actions_ok(yaml: &str) -> Vec<ActionMeta> {
    match parse_actions_str(yaml) {
        Ok(actions) => actions,
        Err(e) => panic!("expected no errors, got:\n{e}"),
    }
}

#[test]
fn actions_and_params_are_read() {
    let yaml = "\
snapshot:
  description: Take a snapshot.
  params:
    name:
      type: string
      description: The snapshot's name.
      minLength: 1
    count:
      type: integer
      default: 2
    anything:
      description: Any JSON value.
  required: [name]
  additionalProperties: false
  execution-group: backups
  parallel: false
restart:
";
    let actions = actions_ok(yaml);
    assert_eq!(actions.len(), 2);
    let snapshot = &actions[0];
    assert_eq!(snapshot.name, "snapshot");
    assert_eq!(snapshot.description, "Take a snapshot.");
    assert!(!snapshot.additional_properties);
    let params: Vec<(&str, ParamType, Option<&str>, bool, &str)> = snapshot
        .params
        .iter()
        .map(|p| {
            (
                p.name.as_ref(),
                p.kind,
                p.default.as_deref(),
                p.required,
                p.description.as_ref(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            (
                "name",
                ParamType::String,
                None,
                true,
                "The snapshot's name."
            ),
            ("count", ParamType::Integer, Some("2"), false, ""),
            ("anything", ParamType::Any, None, false, "Any JSON value."),
        ]
    );
    let restart = &actions[1];
    assert_eq!(restart.name, "restart");
    assert_eq!(restart.description, "");
    assert!(restart.params.is_empty());
    assert!(restart.additional_properties);
}

#[test]
fn param_defaults_are_stored_as_json() {
    let yaml = "\
a:
  params:
    s: {type: string, default: \"say \\\"hi\\\"\"}
    i: {type: integer, default: -3}
    n: {type: number, default: 2.5}
    n2: {type: number, default: 2}
    b: {type: boolean, default: false}
    l: {type: array, default: [1, x, null]}
    o: {type: object, default: {k: [true], n: 1}}
    any: {default: {x: 1.5}}
    nul: {default: null}
";
    let actions = actions_ok(yaml);
    let defaults: Vec<(&str, Option<&str>)> = actions[0]
        .params
        .iter()
        .map(|p| (p.name.as_ref(), p.default.as_deref()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("s", Some(r#""say \"hi\"""#)),
            ("i", Some("-3")),
            ("n", Some("2.5")),
            ("n2", Some("2")),
            ("b", Some("false")),
            ("l", Some(r#"[1,"x",null]"#)),
            ("o", Some(r#"{"k":[true],"n":1}"#)),
            ("any", Some(r#"{"x":1.5}"#)),
            ("nul", Some("null")),
        ]
    );
}

#[test]
fn an_empty_file_has_no_actions() {
    assert_eq!(parse_actions_str("").map(|a| a.len()), Ok(0));
    assert_eq!(parse_actions_str("# none\n").map(|a| a.len()), Ok(0));
}

#[test]
fn the_top_level_must_be_a_mapping() {
    assert_actions_error(
        "- backup\n",
        "the top level of `actions.yaml` must be a mapping, found a list",
        1,
        1,
    );
}

#[test]
fn an_action_must_be_a_mapping_or_null() {
    assert_actions_error(
        "backup: now\n",
        "`backup` must be a mapping, found a string",
        1,
        9,
    );
}

#[test]
fn action_names_follow_the_juju_rule() {
    let invalid = |name: &str| {
        format!(
            "invalid action name `{name}`: use lowercase letters, digits and `-`, starting with a \
             letter and not ending with `-`"
        )
    };
    let yaml = "\
Backup:
get_password:
restart-:
2fa:
do-it-2:
";
    assert_errors(
        &actions_errors(yaml),
        &[
            (&invalid("Backup"), 1, 1),
            (&invalid("get_password"), 2, 1),
            (&invalid("restart-"), 3, 1),
            (&invalid("2fa"), 4, 1),
        ],
    );
}

#[test]
fn juju_prefixed_action_names_are_reserved() {
    assert_actions_error(
        "run:\njuju-run:\n",
        "action name `juju-run` is reserved: Juju reserves the `juju-` prefix",
        2,
        1,
    );
}

#[test]
fn unknown_action_keys_are_warnings() {
    // Juju passes them into the action's JSON schema, where unknown keywords mean nothing.
    let errors = warnings_of("actions.yaml", "backup:\n  description: x\n  param: {}\n");
    assert_errors(
        &errors,
        &[(
            "unknown key `param` in `backup` is ignored, as Juju ignores it (known keys: \
             description, title, params, properties, required, additionalProperties, \
             execution-group, parallel)",
            3,
            3,
        )],
    );
    assert_eq!(errors.errors()[0].key_path, ["backup", "param"]);
}

#[test]
fn action_fields_are_typed() {
    let yaml = "\
backup:
  description: [x]
  params: [a]
  required: a
  additionalProperties: \"no\"
  execution-group: 1
  parallel: maybe
";
    assert_errors(
        &actions_errors(yaml),
        &[
            ("`backup.description` must be a string, found a list", 2, 16),
            ("`backup.params` must be a mapping, found a list", 3, 11),
            ("`backup.required` must be a list, found a string", 4, 13),
            (
                "`backup.additionalProperties` must be a boolean (`true` or `false`), found a \
                 string",
                5,
                25,
            ),
            (
                "`backup.execution-group` must be a string, found an integer",
                6,
                20,
            ),
            (
                "`backup.parallel` must be a boolean (`true` or `false`), found a string",
                7,
                13,
            ),
        ],
    );
}

#[test]
fn a_param_type_must_be_a_json_schema_type() {
    let errors = actions_errors("backup:\n  params:\n    level:\n      type: int\n");
    assert_errors(
        &errors,
        &[(
            &format!(
                "param `level` of action `backup` has unknown type `int` (expected one of: \
                 {PARAM_TYPES})"
            ),
            4,
            13,
        )],
    );
    assert_eq!(
        errors.errors()[0].key_path,
        ["backup", "params", "level", "type"]
    );
}

#[test]
fn a_param_must_be_a_mapping() {
    assert_actions_error(
        "backup:\n  params:\n    level: integer\n",
        "`backup.params.level` must be a mapping, found a string",
        3,
        12,
    );
}

#[test]
fn param_defaults_must_match_the_type() {
    let yaml = "\
a:
  params:
    s: {type: string, default: 5}
    i: {type: integer, default: 1.5}
    n: {type: number, default: '1'}
    b: {type: boolean, default: 0}
    l: {type: array, default: {}}
    o: {type: object, default: []}
";
    let message = |name: &str, expected: &str, found: &str| {
        format!("the default of param `{name}` of action `a` must be {expected}, found {found}")
    };
    assert_errors(
        &actions_errors(yaml),
        &[
            (&message("s", "a string", "an integer"), 3, 32),
            (&message("i", "an integer", "a float"), 4, 33),
            (&message("n", "a number", "a string"), 5, 32),
            (&message("b", "a boolean", "an integer"), 6, 33),
            (&message("l", "a list", "a mapping"), 7, 31),
            (&message("o", "a mapping", "a list"), 8, 32),
        ],
    );
}

#[test]
fn defaults_json_cannot_represent_are_errors() {
    assert_actions_error(
        "a:\n  params:\n    x:\n      type: number\n      default: .inf\n",
        "the default of param `x` of action `a` is not valid JSON: it holds a NaN or infinite \
         number",
        5,
        16,
    );
}

#[test]
fn required_must_name_declared_params() {
    let yaml = "\
greet:
  params:
    who: {type: string}
  required: [who, whom, 3]
";
    let errors = actions_errors(yaml);
    assert_errors(
        &errors,
        &[
            ("action `greet` requires undeclared param `whom`", 4, 19),
            (
                "`greet.required.2` must be a string, found an integer",
                4,
                25,
            ),
        ],
    );
    assert_eq!(errors.errors()[0].key_path, ["greet", "required", "1"]);
    assert_actions_error(
        "greet:\n  required:\n    - who\n",
        "action `greet` requires undeclared param `who`",
        3,
        7,
    );
}

#[test]
fn a_param_with_errors_is_still_declared() {
    // Only the bad default is reported, not `required: [level]` as well.
    assert_actions_error(
        "a:\n  params:\n    level: {type: integer, default: high}\n  required: [level]\n",
        "the default of param `level` of action `a` must be an integer, found a string",
        3,
        37,
    );
}

#[test]
fn every_actions_error_is_reported() {
    let yaml = "\
Bad:
ok:
  params:
    p: {type: str}
  required: [q]
  extra: 1
";
    assert_errors(
        &actions_errors(yaml),
        &[
            (
                "invalid action name `Bad`: use lowercase letters, digits and `-`, starting with \
                 a letter and not ending with `-`",
                1,
                1,
            ),
            (
                &format!(
                    "param `p` of action `ok` has unknown type `str` (expected one of: \
                     {PARAM_TYPES})"
                ),
                4,
                15,
            ),
            ("action `ok` requires undeclared param `q`", 5, 14),
        ],
    );
}

// synapse's actions.yaml declares params as the JSON-schema `properties` (Juju builds the schema
// from either); `required` names them.
#[test]
fn params_may_be_declared_as_properties() {
    let yaml = "\
register-user:
  description: Registers a user.
  properties:
    username: {type: string}
    admin: {type: boolean, default: false}
  required: [username]
";
    let actions = match parse_actions_str(yaml) {
        Ok(actions) => actions,
        Err(e) => panic!("{e}"),
    };
    let params = &actions[0].params;
    assert_eq!(params.len(), 2);
    assert_eq!(
        (params[0].name.as_ref(), params[0].required),
        ("username", true)
    );
    assert_eq!(params[1].default.as_deref(), Some("false"));
}

#[test]
fn params_and_properties_together_are_an_error() {
    assert_actions_error(
        "run:\n  params: {a: {}}\n  properties: {b: {}}\n",
        "action `run` declares its params under both `params` and `properties`: Juju keeps only \
         one of them (at random); use one",
        3,
        3,
    );
}

// ops 2.1.1 exposes `ActionMeta.title`; Juju requires it to be a string.
#[test]
fn an_action_may_have_a_title() {
    let actions = parse_actions_str("backup:\n  title: Back up\n  description: d\n");
    assert_eq!(
        actions.map(|a| a[0].title.clone()),
        Ok(Some("Back up".into()))
    );
    assert_actions_error(
        "backup:\n  title: [x]\n",
        "`backup.title` must be a string, found a list",
        2,
        10,
    );
}

// JSON schema allows a list of types; `null` among them makes the param nullable.
#[test]
fn a_param_type_may_be_a_list() {
    let yaml = "\
run:
  params:
    name: {type: [string, \"null\"], default: null}
    value: {type: [string, integer]}
    nothing: {type: \"null\"}
";
    let actions = match parse_actions_str(yaml) {
        Ok(actions) => actions,
        Err(e) => panic!("{e}"),
    };
    let p = &actions[0].params;
    assert_eq!((p[0].kind, p[0].nullable), (ParamType::String, true));
    assert_eq!(p[0].default.as_deref(), Some("null"));
    assert_eq!((p[1].kind, p[1].nullable), (ParamType::Any, false));
    assert_eq!((p[2].kind, p[2].nullable), (ParamType::Any, true));
    assert_actions_error(
        "run:\n  params:\n    a: {type: [string, int]}\n",
        &format!(
            "param `a` of action `run` has unknown type `int` (expected one of: {PARAM_TYPES})"
        ),
        3,
        24,
    );
    assert_actions_error(
        "run:\n  params:\n    a: {type: [string], default: 1}\n",
        "the default of param `a` of action `run` must be a string, found an integer",
        3,
        34,
    );
}
