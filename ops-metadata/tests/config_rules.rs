//! One test per `config.yaml` rule: the exact message and `line:column` of each error.
#![cfg(feature = "parse")]

mod common;

use common::{assert_config_error, assert_errors, config_errors, warnings_of};
use ops_metadata::{parse_config_str, ConfigType, ConfigValue};

const TYPES: &str = "string, int, float, boolean, secret";

#[test]
fn options_are_read_with_typed_defaults() {
    let yaml = "\
options:
  name: {type: string, default: app, description: The name.}
  port: {type: int, default: -80}
  ratio: {type: float, default: 2}
  scale: {type: float, default: 0.5}
  debug: {type: boolean, default: true}
  password: {type: secret, default: 'secret:abc'}
  empty: {type: string, default: ''}
  unset: {type: int, default: null}
  bare: {type: boolean}
";
    let options = match parse_config_str(yaml) {
        Ok(options) => options,
        Err(e) => panic!("{e}"),
    };
    let summary: Vec<(&str, ConfigType, Option<ConfigValue>, &str)> = options
        .iter()
        .map(|o| {
            (
                o.name.as_ref(),
                o.kind,
                o.default.clone(),
                o.description.as_ref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "name",
                ConfigType::String,
                Some(ConfigValue::String("app".into())),
                "The name."
            ),
            ("port", ConfigType::Int, Some(ConfigValue::Int(-80)), ""),
            (
                "ratio",
                ConfigType::Float,
                Some(ConfigValue::Float(2.0)),
                ""
            ),
            (
                "scale",
                ConfigType::Float,
                Some(ConfigValue::Float(0.5)),
                ""
            ),
            (
                "debug",
                ConfigType::Boolean,
                Some(ConfigValue::Boolean(true)),
                ""
            ),
            (
                "password",
                ConfigType::Secret,
                Some(ConfigValue::String("secret:abc".into())),
                ""
            ),
            (
                "empty",
                ConfigType::String,
                Some(ConfigValue::String("".into())),
                ""
            ),
            ("unset", ConfigType::Int, None, ""),
            ("bare", ConfigType::Boolean, None, ""),
        ]
    );
}

#[test]
fn an_empty_file_or_section_has_no_options() {
    assert_eq!(parse_config_str("").map(|o| o.len()), Ok(0));
    assert_eq!(parse_config_str("options:\n").map(|o| o.len()), Ok(0));
    assert_eq!(parse_config_str("options: {}\n").map(|o| o.len()), Ok(0));
}

#[test]
fn only_options_is_known_at_the_top_level() {
    assert_errors(
        &warnings_of("config.yaml", "options: {}\nport: {type: int}\n"),
        &[(
            "unknown key `port` in the top level of `config.yaml` is ignored, as Juju ignores it \
             (known keys: options)",
            2,
            1,
        )],
    );
    assert_config_error(
        "- options\n",
        "the top level of `config.yaml` must be a mapping, found a list",
        1,
        1,
    );
    assert_config_error(
        "options: [port]\n",
        "`options` must be a mapping, found a list",
        1,
        10,
    );
}

#[test]
fn an_option_must_be_a_mapping() {
    assert_config_error(
        "options:\n  port: int\n",
        "`options.port` must be a mapping, found a string",
        2,
        9,
    );
}

#[test]
fn an_option_needs_a_type() {
    let errors = config_errors("options:\n  port:\n    default: 1\n");
    assert_errors(
        &errors,
        &[(
            &format!("config option `port` has no `type` (expected one of: {TYPES})"),
            2,
            3,
        )],
    );
    assert_eq!(errors.errors()[0].key_path, ["options", "port", "type"]);
}

#[test]
fn an_option_type_must_be_known() {
    assert_config_error(
        "options:\n  port:\n    type: integer\n",
        &format!("config option `port` has unknown type `integer` (expected one of: {TYPES})"),
        3,
        11,
    );
    assert_config_error(
        "options:\n  port:\n    type: [int]\n",
        "`options.port.type` must be a string, found a list",
        3,
        11,
    );
}

#[test]
fn defaults_must_match_the_type() {
    let yaml = "\
options:
  a:
    type: int
    default: '8080'
  b:
    type: int
    default: 1.5
  c:
    type: float
    default: fast
  d:
    type: boolean
    default: \"yes\"
  e:
    type: string
    default: 5
  f:
    type: secret
    default: [x]
  g:
    type: int
    default: 18446744073709551615
";
    let message = |name: &str, kind: &str, expected: &str, found: &str| {
        format!(
            "the default of config option `{name}` (type `{kind}`) must be {expected}, found \
             {found}"
        )
    };
    assert_errors(
        &config_errors(yaml),
        &[
            (&message("a", "int", "an integer", "a string"), 4, 14),
            (&message("b", "int", "an integer", "a float"), 7, 14),
            (&message("c", "float", "a number", "a string"), 10, 14),
            (
                &message("d", "boolean", "a boolean (`true` or `false`)", "a string"),
                13,
                14,
            ),
            (&message("e", "string", "a string", "an integer"), 16, 14),
            (
                &message("f", "secret", "a string (a secret URI)", "a list"),
                19,
                14,
            ),
            (
                &message("g", "int", "an integer", "an integer out of range"),
                22,
                14,
            ),
        ],
    );
}

#[test]
fn unknown_option_keys_are_warnings() {
    let errors = warnings_of(
        "config.yaml",
        "options:\n  port:\n    type: int\n    defualt: 1\n",
    );
    assert_errors(
        &errors,
        &[(
            "unknown key `defualt` in `options.port` is ignored, as Juju ignores it (known keys: \
             type, default, description)",
            4,
            5,
        )],
    );
    assert_eq!(errors.errors()[0].key_path, ["options", "port", "defualt"]);
}

// Neither Juju (juju/charm config.go) nor charmcraft (models/config.py: `dict[str, ...]`) rules
// option names; only an empty one is refused (it cannot be set). The generated field names are
// sanitized (`Port` -> `port`, `log level` -> `log_level`, `2fa` -> `_2fa`).
#[test]
fn option_names_are_free_but_not_empty() {
    let yaml = "\
options:
  Port: {type: int}
  log level: {type: string}
  2fa: {type: boolean}
  ok-name_2: {type: string}
";
    let names: Vec<String> = match parse_config_str(yaml) {
        Ok(options) => options.iter().map(|o| o.name.to_string()).collect(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(names, ["Port", "log level", "2fa", "ok-name_2"]);
    assert_config_error(
        "options:\n  '': {type: int}\n",
        "a config option has an empty name",
        2,
        3,
    );
}

#[test]
fn a_description_must_be_a_string() {
    assert_config_error(
        "options:\n  port:\n    type: int\n    description: [a]\n",
        "`options.port.description` must be a string, found a list",
        4,
        18,
    );
}

#[test]
fn every_config_error_is_reported() {
    let yaml = "\
options:
  a: {type: int, default: x}
  b: {default: 1}
  c: {type: text}
  d: {type: string, extra: 1}
";
    assert_errors(
        &config_errors(yaml),
        &[
            (
                "the default of config option `a` (type `int`) must be an integer, found a string",
                2,
                27,
            ),
            (
                &format!("config option `b` has no `type` (expected one of: {TYPES})"),
                3,
                3,
            ),
            (
                &format!("config option `c` has unknown type `text` (expected one of: {TYPES})"),
                4,
                13,
            ),
        ],
    );
}

// Juju reads config.yaml with go-yaml v2 (YAML 1.1): plain `off`, `Yes`, `n` are booleans and
// `0644` is octal (hello-kubecon-style `default: off` for a boolean is valid).
#[test]
fn scalars_resolve_as_yaml_1_1() {
    let yaml = "\
options:
  debug: {type: boolean, default: off}
  enabled: {type: boolean, default: Yes}
  strict: {type: boolean, default: n}
  mode: {type: int, default: 0644}
  big: {type: int, default: 1_000}
  ratio: {type: float, default: 09}
  word: {type: string, default: \"no\"}
  block: {type: string, default: 'on'}
";
    let options = match parse_config_str(yaml) {
        Ok(options) => options,
        Err(e) => panic!("{e}"),
    };
    let defaults: Vec<_> = options.iter().map(|o| o.default.clone()).collect();
    assert_eq!(
        defaults,
        [
            Some(ConfigValue::Boolean(false)),
            Some(ConfigValue::Boolean(true)),
            Some(ConfigValue::Boolean(false)),
            Some(ConfigValue::Int(0o644)),
            Some(ConfigValue::Int(1000)),
            Some(ConfigValue::Float(9.0)),
            Some(ConfigValue::String("no".into())),
            Some(ConfigValue::String("on".into())),
        ]
    );
}

// juju/charm config.go: `invalid config default: option "x" expected string, got false`.
#[test]
fn a_string_option_defaulting_to_a_yaml_1_1_boolean_is_the_error_juju_gives() {
    assert_config_error(
        "options:\n  answer: {type: string, default: no}\n",
        "the default of config option `answer` (type `string`) must be a string, found a \
         boolean (`no` is a boolean in YAML 1.1, as Juju reads it: Juju refuses it with \
         \"invalid config default: option \\\"answer\\\" expected string, got false\"; write \
         `\"no\"` for the string)",
        2,
        35,
    );
    assert_config_error(
        "options:\n  mode: {type: string, default: 0644}\n",
        "the default of config option `mode` (type `string`) must be a string, found an \
         integer (`0644` is an integer in YAML 1.1, as Juju reads it: Juju refuses it with \
         \"invalid config default: option \\\"mode\\\" expected string, got 420\"; write \
         `\"0644\"` for the string)",
        2,
        33,
    );
}
