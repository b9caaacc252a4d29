//! Secrets, actions and metrics through the model against the scripted fake runner: ops 2.1.1's
//! argv, the `get_secret` fallback to `secret-info-get`, canonical ids, content caching, id
//! resolution for label-only secrets, and the validation done before any call.

#![allow(clippy::unwrap_used)]

#[path = "model_support/mod.rs"]
mod support;

use ops_core::hooktools::{HookToolError, SecretOptions, SecretRotate, ToolOutput};
use ops_core::model::{ModelError, SecretContent};
use serde_json::json;
use support::{argv, fixture};

fn content(items: &[(&str, &str)]) -> SecretContent {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const INFO: &str = r#"{"cs8cb4ln0000":{"label":"db-creds","owner":"application","revision":2,"rotation":"daily"}}"#;

// ---- get_secret --------------------------------------------------------------------------------

#[test]
fn get_secret_by_id_reads_the_content_with_a_canonical_id() {
    let f = fixture();
    f.fake.on_ok("secret-get", r#"{"password":"hunter2"}"#);
    let s = f.model.get_secret(Some("  cs8cb4ln0000 "), None).unwrap();
    assert_eq!(s.id().as_deref(), Some("secret:cs8cb4ln0000"));
    assert_eq!(s.label(), None);
    assert_eq!(
        s.get_content(false).unwrap(),
        content(&[("password", "hunter2")])
    );
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-get",
            "secret:cs8cb4ln0000",
            "--format=json"
        ])],
        "get_content uses the content read by get_secret"
    );
}

#[test]
fn get_secret_by_id_and_label_passes_both() {
    let f = fixture();
    f.fake.on_ok("secret-get", r#"{"a":"b"}"#);
    let s = f
        .model
        .get_secret(Some("secret:abc"), Some("mine"))
        .unwrap();
    assert_eq!(s.label(), Some("mine"));
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-get",
            "secret:abc",
            "--label",
            "mine",
            "--format=json"
        ])]
    );
}

#[test]
fn get_secret_falls_back_to_secret_info_get() {
    let f = fixture();
    f.fake
        .on_fail("secret-get", 1, "ERROR secret \"abc\" not found\n");
    f.fake.on_ok("secret-info-get", INFO);
    let s = f.model.get_secret(Some("cs8cb4ln0000"), None).unwrap();
    assert_eq!(s.id().as_deref(), Some("secret:cs8cb4ln0000"));
    assert_eq!(s.label(), Some("db-creds"));
    assert_eq!(
        f.take(),
        vec![
            argv(&["secret-get", "secret:cs8cb4ln0000", "--format=json"]),
            argv(&["secret-info-get", "secret:cs8cb4ln0000", "--format=json"]),
        ]
    );
    // No content yet: get_content asks Juju.
    f.fake.on_ok("secret-get", r#"{"k":"v"}"#);
    assert_eq!(s.get_content(false).unwrap(), content(&[("k", "v")]));
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-get",
            "secret:cs8cb4ln0000",
            "--label",
            "db-creds",
            "--format=json"
        ])]
    );
}

#[test]
fn get_secret_errors_of_the_fallback_propagate() {
    let f = fixture();
    f.fake.on_fail("secret-get", 1, "ERROR permission denied\n");
    f.fake
        .on_fail("secret-info-get", 1, "ERROR secret \"abc\" not found\n");
    let err = f.model.get_secret(Some("abc"), None).unwrap_err();
    assert!(err.is_secret_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "secret not found: secret:abc");

    let f = fixture();
    let err = f.model.get_secret(None, None).unwrap_err();
    assert!(matches!(err, ModelError::Invalid(_)), "{err:?}");
    assert!(f.calls().is_empty());
}

#[test]
fn get_secret_does_not_fall_back_when_secret_get_is_broken() {
    // Missing tool: the error names secret-get (ops: RuntimeError, not ModelError).
    let f = fixture();
    f.fake.on_ok("secret-info-get", INFO);
    let err = f.model.get_secret(Some("abc"), None).unwrap_err();
    assert_eq!(err.to_string(), "command not found: secret-get");
    // Unreadable output (ops: a JSON error, not ModelError).
    f.fake.on_ok("secret-get", "not json");
    let err = f.model.get_secret(Some("abc"), None).unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
    assert_eq!(f.count("secret-info-get"), 0);
}

#[test]
fn get_secret_by_label_only() {
    let f = fixture();
    f.fake.on_ok("secret-get", r#"{"k":"v"}"#);
    let s = f.model.get_secret(None, Some("db-creds")).unwrap();
    assert_eq!(s.id(), None);
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-get",
            "--label",
            "db-creds",
            "--format=json"
        ])]
    );
    // Changing it needs the id: resolved once through secret-info-get --label.
    f.fake.on_ok("secret-info-get", INFO);
    s.set_content(&content(&[("key", "new")])).unwrap();
    s.grant(&f.model.relation_by_id("db", 3), None).unwrap();
    assert_eq!(s.id().as_deref(), Some("secret:cs8cb4ln0000"));
    assert_eq!(
        f.take(),
        vec![
            argv(&["secret-info-get", "--label", "db-creds", "--format=json"]),
            argv(&["secret-set", "secret:cs8cb4ln0000", "key=new"]),
            argv(&["secret-grant", "secret:cs8cb4ln0000", "--relation", "3"]),
        ]
    );
}

// ---- content -----------------------------------------------------------------------------------

#[test]
fn content_is_cached_until_refreshed_and_peek_is_not_cached() {
    let f = fixture();
    let s = f.model.secret_handle(Some("abc".into()), None);
    assert_eq!(s.id().as_deref(), Some("secret:abc"));
    f.fake.once("secret-get", ToolOutput::ok(r#"{"v":"1"}"#));
    f.fake.once("secret-get", ToolOutput::ok(r#"{"v":"2"}"#));
    f.fake.once("secret-get", ToolOutput::ok(r#"{"v":"3"}"#));
    assert_eq!(s.get_content(false).unwrap(), content(&[("v", "1")]));
    assert_eq!(s.get_content(false).unwrap(), content(&[("v", "1")]));
    assert_eq!(s.get_content(true).unwrap(), content(&[("v", "2")]));
    assert_eq!(s.peek_content().unwrap(), content(&[("v", "3")]));
    assert_eq!(s.get_content(false).unwrap(), content(&[("v", "2")]));
    assert_eq!(
        f.take(),
        vec![
            argv(&["secret-get", "secret:abc", "--format=json"]),
            argv(&["secret-get", "secret:abc", "--refresh", "--format=json"]),
            argv(&["secret-get", "secret:abc", "--peek", "--format=json"]),
        ]
    );
}

#[test]
fn secret_get_garbage_never_shows_the_output() {
    let f = fixture();
    f.fake.on_ok("secret-get", "password=hunter2");
    let s = f.model.secret_handle(Some("abc".into()), None);
    let err = s.get_content(false).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("secret-get secret:abc --format=json"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

// ---- changing secrets --------------------------------------------------------------------------

#[test]
fn set_content_set_info_grant_revoke_remove_argv() {
    let f = fixture();
    let s = f.model.secret_handle(Some("secret:abc".into()), None);
    s.set_content(&content(&[("password", "p1"), ("username", "u1")]))
        .unwrap();
    s.set_info(&SecretOptions {
        label: Some("new-label".into()),
        description: Some("the db password".into()),
        expire: Some("2030-01-01T00:00:00".into()),
        rotate: Some(SecretRotate::Daily),
    })
    .unwrap();
    let rel = f.model.relation_by_id("db", 3);
    s.grant(&rel, None).unwrap();
    s.grant(&rel, Some(&f.model.get_unit("remote/0"))).unwrap();
    s.revoke(&rel, Some(&f.model.get_unit("remote/0"))).unwrap();
    s.revoke(&rel, None).unwrap();
    s.remove_revision(3).unwrap();
    s.remove_all_revisions().unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&["secret-set", "secret:abc", "password=p1", "username=u1"]),
            argv(&[
                "secret-set",
                "secret:abc",
                "--label",
                "new-label",
                "--description",
                "the db password",
                "--expire",
                "2030-01-01T00:00:00",
                "--rotate",
                "daily"
            ]),
            argv(&["secret-grant", "secret:abc", "--relation", "3"]),
            argv(&[
                "secret-grant",
                "secret:abc",
                "--relation",
                "3",
                "--unit",
                "remote/0"
            ]),
            argv(&[
                "secret-revoke",
                "secret:abc",
                "--relation",
                "3",
                "--unit",
                "remote/0"
            ]),
            argv(&["secret-revoke", "secret:abc", "--relation", "3"]),
            argv(&["secret-remove", "secret:abc", "--revision", "3"]),
            argv(&["secret-remove", "secret:abc"]),
        ]
    );
}

#[test]
fn set_content_keeps_the_tracked_content_as_ops_3() {
    // ops 3 (since #1248) keeps the content read on the handle across `set_content`: it is the
    // tracked revision's, and Juju's hook context shows a revision set in this hook only to
    // `--peek` and `--refresh` (`getPendingSecretValue`), so a plain `secret-get` would print the
    // old content anyway. No call is made for it; peek and refresh read Juju.
    let f = fixture();
    f.fake.on_ok("secret-get", r#"{"v":"old"}"#);
    let s = f.model.get_secret(Some("abc"), None).unwrap();
    s.set_content(&content(&[("val", "new")])).unwrap();
    assert_eq!(s.get_content(false).unwrap(), content(&[("v", "old")]));
    assert_eq!(f.count("secret-get"), 1);
    f.fake.on_ok("secret-get", r#"{"val":"new"}"#);
    assert_eq!(s.peek_content().unwrap(), content(&[("val", "new")]));
    // peek is not kept: the tracked content is still the old one.
    assert_eq!(s.get_content(false).unwrap(), content(&[("v", "old")]));
    assert_eq!(s.get_content(true).unwrap(), content(&[("val", "new")]));
    // refresh replaced what is kept.
    assert_eq!(s.get_content(false).unwrap(), content(&[("val", "new")]));
    assert_eq!(f.count("secret-get"), 3);
    let calls = f.take();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c[0] == "secret-get")
            .collect::<Vec<_>>(),
        vec![
            &argv(&["secret-get", "secret:abc", "--format=json"]),
            &argv(&["secret-get", "secret:abc", "--peek", "--format=json"]),
            &argv(&["secret-get", "secret:abc", "--refresh", "--format=json"]),
        ]
    );
}

#[test]
fn a_handle_without_content_reads_juju_after_set_content() {
    // A handle that never read (an event's secret) has nothing kept: the read goes to Juju,
    // which answers with the committed revision.
    let f = fixture();
    let s = f.model.secret_handle(Some("secret:abc".into()), None);
    s.set_content(&content(&[("val", "new")])).unwrap();
    f.fake.on_ok("secret-get", r#"{"val":"old"}"#);
    assert_eq!(s.get_content(false).unwrap(), content(&[("val", "old")]));
    assert_eq!(f.count("secret-get"), 1);
}

// ---- unique identifier, info, not found --------------------------------------------------------

#[test]
fn unique_identifier_is_the_id_without_prefix_or_model() {
    let f = fixture();
    let id = |i: &str| {
        f.model
            .secret_handle(Some(i.to_string()), None)
            .unique_identifier()
    };
    // The forms ops 3's `Secret.unique_identifier` handles: `secret:<id>`, a bare id
    // (canonicalised), and the full locator `secret://<model-uuid>/<id>`.
    assert_eq!(
        id("secret:cq8oq7vmp25c7ebh8ur0").as_deref(),
        Some("cq8oq7vmp25c7ebh8ur0")
    );
    assert_eq!(
        id(" cq8oq7vmp25c7ebh8ur0 ").as_deref(),
        Some("cq8oq7vmp25c7ebh8ur0")
    );
    assert_eq!(
        id("secret://1234-uuid/cq8oq7vmp25c7ebh8ur0").as_deref(),
        Some("cq8oq7vmp25c7ebh8ur0")
    );
    // Label only: unknown, and no call is made to find it.
    let s = f.model.secret_handle(None, Some("db".into()));
    assert_eq!(s.unique_identifier(), None);
    assert!(f.calls().is_empty());
}

#[test]
fn get_info_has_typed_times_and_the_model_uuid() {
    let f = fixture();
    // As Juju prints it: Go's time.Time in JSON is RFC 3339 with nanoseconds when there are any.
    f.fake.on_ok(
        "secret-info-get",
        r#"{"cs8cb4ln0000":{"revision":3,"label":"db-creds","owner":"application","expiry":"2025-03-04T05:06:07.123456789+02:00","rotation":"hourly","rotates":"2025-03-04T04:00:00Z"}}"#,
    );
    let s = f
        .model
        .secret_handle(Some("secret:cs8cb4ln0000".into()), None);
    let info = s.get_info().unwrap();
    let expires = info.expires.unwrap();
    assert_eq!(expires.unix_timestamp(), 1_741_057_567);
    assert_eq!(expires.nanosecond(), 123_456_789);
    assert_eq!(expires.offset().whole_hours(), 2);
    assert_eq!(info.rotates.unwrap().unix_timestamp(), 1_741_060_800);
    assert_eq!(info.rotation, Some(SecretRotate::Hourly));
    assert_eq!(info.model_uuid.as_deref(), Some("1234-uuid"));

    // A time Juju would never print is a parse error naming the field, not a silent None.
    f.fake.on_ok(
        "secret-info-get",
        r#"{"cs8cb4ln0000":{"revision":3,"expiry":"2025-03-04 05:06:07"}}"#,
    );
    let err = s.get_info().unwrap_err();
    assert!(
        matches!(&err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("expiry"), "{err}");
}

#[test]
fn secret_not_found_is_a_first_class_error_for_juju_s_messages() {
    // The messages Juju's secrets facade and hook tools print (`errors.NotFoundf`), and the
    // same with other case (ops 3 lower-cases stderr before looking for "not found").
    for stderr in [
        "ERROR secret \"secret:cs8cb4ln0000\" not found\n",
        "ERROR secret with label \"db-creds\" not found\n",
        "ERROR consumer label \"db-creds\" not found\n",
        "ERROR secret \"cs8cb4ln0000\" NOT FOUND\n",
    ] {
        let f = fixture();
        f.fake.on_fail("secret-get", 1, stderr);
        let s = f
            .model
            .secret_handle(Some("secret:cs8cb4ln0000".into()), None);
        let err = s.get_content(false).unwrap_err();
        assert!(
            matches!(&err, ModelError::SecretNotFound { id_or_label } if id_or_label == "secret:cs8cb4ln0000"),
            "{stderr}: {err:?}"
        );
        assert!(err.is_secret_not_found());
        f.fake.on_fail("secret-remove", 1, stderr);
        assert!(matches!(
            s.remove_revision(2).unwrap_err(),
            ModelError::SecretNotFound { .. }
        ));
    }
    // A refusal that is not "not found" stays the tool's failure (ops: ModelError).
    let f = fixture();
    f.fake.on_fail("secret-get", 1, "ERROR permission denied\n");
    let s = f
        .model
        .secret_handle(Some("secret:cs8cb4ln0000".into()), None);
    let err = s.peek_content().unwrap_err();
    assert!(
        matches!(&err, ModelError::HookTool(HookToolError::Failed { stderr, .. }) if stderr.contains("permission denied")),
        "{err:?}"
    );
    assert!(!err.is_secret_not_found());
}

#[test]
fn remove_revision_argv() {
    let f = fixture();
    let s = f
        .model
        .secret_handle(Some("secret:cs8cb4ln0000".into()), None);
    s.remove_revision(4).unwrap();
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-remove",
            "secret:cs8cb4ln0000",
            "--revision",
            "4"
        ])]
    );
}

#[test]
fn invalid_changes_are_refused_before_any_call() {
    let f = fixture();
    let s = f.model.secret_handle(Some("secret:abc".into()), None);
    let err = s.set_info(&SecretOptions::default()).unwrap_err();
    assert!(err.to_string().contains("must provide a label"), "{err}");
    let err = s.set_content(&SecretContent::new()).unwrap_err();
    assert_eq!(err.to_string(), "Secret content must not be empty");
    let err = s.set_content(&content(&[("A_b", "x")])).unwrap_err();
    assert!(
        err.to_string().starts_with("Invalid secret keys: ['A_b']"),
        "{err}"
    );
    assert!(f.calls().is_empty());
}

#[test]
fn secret_tool_failures_map_not_found() {
    let f = fixture();
    f.fake
        .on_fail("secret-set", 1, "ERROR secret \"abc\" not found\n");
    let s = f.model.secret_handle(Some("abc".into()), None);
    let err = s.set_content(&content(&[("key", "v")])).unwrap_err();
    assert!(err.is_secret_not_found(), "{err:?}");

    f.fake
        .on_fail("secret-remove", 1, "ERROR permission denied\n");
    let err = s.remove_all_revisions().unwrap_err();
    assert!(!err.is_secret_not_found());
    let text = err.to_string();
    assert!(
        text.contains("secret-remove secret:abc") && text.contains("permission denied"),
        "{text}"
    );
}

#[test]
fn add_secret_for_unit_and_app() {
    let f = fixture();
    f.fake.on_ok("secret-add", "secret:new1\n");
    let s = f
        .model
        .unit()
        .add_secret(
            &content(&[("token", "t0k3n")]),
            &SecretOptions {
                label: Some("mine".into()),
                ..SecretOptions::default()
            },
        )
        .unwrap();
    assert_eq!(s.id().as_deref(), Some("secret:new1"));
    assert_eq!(s.label(), Some("mine"));
    assert_eq!(
        s.get_content(false).unwrap(),
        content(&[("token", "t0k3n")])
    );
    f.model
        .app()
        .add_secret(&content(&[("token", "x")]), &SecretOptions::default())
        .unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&[
                "secret-add",
                "--label",
                "mine",
                "--owner",
                "unit",
                "token=t0k3n"
            ]),
            argv(&["secret-add", "--owner", "application", "token=x"]),
        ]
    );

    // secret-add failures are errors naming the call, with the content redacted.
    f.fake.on_fail("secret-add", 1, "ERROR quota exceeded\n");
    let err = f
        .model
        .unit()
        .add_secret(&content(&[("token", "s3cr3t")]), &SecretOptions::default())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("secret-add --owner unit token#file=<redacted>"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

// ---- actions -----------------------------------------------------------------------------------

#[test]
fn action_get_set_log_fail_argv() {
    let f = fixture();
    f.fake
        .on_ok("action-get", r#"{"foo-name":"bar","silent":false}"#);
    let params = f.model.action_get().unwrap();
    assert_eq!(params["foo-name"], "bar");
    assert_eq!(params["silent"], false);
    f.model
        .action_set(&json!({"a": {"b": 1, "c": true}, "d": "x y"}))
        .unwrap();
    f.model.action_log("working on it").unwrap();
    f.model.action_fail("").unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&["action-get", "--format=json"]),
            argv(&["action-set", "a.b=1", "a.c=True", "d=x y"]),
            argv(&["action-log", "working on it"]),
            argv(&["action-fail", ""]),
        ]
    );
}

#[test]
fn invalid_action_results_are_refused_before_any_call() {
    let f = fixture();
    let err = f.model.action_set(&json!({"Bad_Key": 1})).unwrap_err();
    assert!(err.to_string().contains("Bad_Key"), "{err}");
    let err = f
        .model
        .action_set(&json!({"a": {"b": 1}, "a.b": 2}))
        .unwrap_err();
    assert!(err.to_string().contains("duplicate key"), "{err}");
    let err = f.model.action_set(&json!(["not", "a", "map"])).unwrap_err();
    assert!(matches!(err, ModelError::Invalid(_)), "{err:?}");
    assert!(f.calls().is_empty());
}

#[test]
fn action_get_garbage_is_a_typed_error() {
    let f = fixture();
    f.fake.on_ok("action-get", "[]");
    let err = f.model.action_get().unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("action-get --format=json"),
        "{err}"
    );
}

// ---- metrics -----------------------------------------------------------------------------------

#[test]
fn add_metrics_argv_and_validation() {
    let f = fixture();
    f.model
        .add_metrics(&[("foo", 42.0), ("bar-baz", 4.5)], &[("region", "eu")])
        .unwrap();
    assert_eq!(
        f.take(),
        vec![argv(&[
            "add-metric",
            "--labels",
            "region=eu",
            "foo=42.0",
            "bar-baz=4.5"
        ])]
    );
    assert!(f.model.add_metrics(&[("1bad", 1.0)], &[]).is_err());
    assert!(f.model.add_metrics(&[("ok", -1.0)], &[]).is_err());
    assert!(f.model.add_metrics(&[("ok", f64::NAN)], &[]).is_err());
    assert!(f
        .model
        .add_metrics(&[("ok", 1.0)], &[("l", "a,b")])
        .is_err());
    assert!(f.model.add_metrics(&[("ok", 1.0)], &[("l", "")]).is_err());
    assert!(f.calls().is_empty());
}

#[test]
fn expire_at_passes_an_rfc_3339_time() {
    let f = fixture();
    let s = f.model.secret_handle(Some("secret:abc".into()), None);
    let at = ops_core::model::OffsetDateTime::from_unix_timestamp(1_741_064_767).unwrap();
    s.set_info(&SecretOptions::default().expire_at(at)).unwrap();
    assert_eq!(
        f.take(),
        vec![argv(&[
            "secret-set",
            "secret:abc",
            "--expire",
            "2025-03-04T05:06:07Z"
        ])]
    );
    // What Juju prints back parses to the same time.
    assert_eq!(
        ops_core::hooktools::parse_rfc3339("2025-03-04T05:06:07Z").unwrap(),
        at
    );
    assert!(ops_core::hooktools::parse_rfc3339("2025-03-04").is_err());
}
