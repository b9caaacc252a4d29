//! `JujuVersion`: ops 2.1.1's parsing, errors, ordering and feature predicates
//! (test/test_jujuversion.py tables).

use ops_core::version::{JujuVersion, VersionError};

fn v(s: &str) -> JujuVersion {
    JujuVersion::parse(s).expect("valid version")
}

#[test]
fn parsing() {
    let cases = [
        ("0.0.0", 0, 0, "", 0, 0),
        ("0.0.2", 0, 0, "", 2, 0),
        ("0.1.0", 0, 1, "", 0, 0),
        ("0.2.3", 0, 2, "", 3, 0),
        ("10.234.3456", 10, 234, "", 3456, 0),
        ("10.234.3456.1", 10, 234, "", 3456, 1),
        ("1.21-alpha12", 1, 21, "alpha", 12, 0),
        ("1.21-alpha1.34", 1, 21, "alpha", 1, 34),
        ("2.7", 2, 7, "", 0, 0),
        ("01.0.0", 1, 0, "", 0, 0),
        ("999999999.0.0", 999_999_999, 0, "", 0, 0),
        ("3.1.6\n", 3, 1, "", 6, 0), // Python's `$` accepts one trailing newline.
    ];
    for (text, major, minor, tag, patch, build) in cases {
        let got = v(text);
        assert_eq!(
            (got.major, got.minor, got.tag.as_str(), got.patch, got.build),
            (major, minor, tag, patch, build),
            "{text:?}"
        );
    }
}

#[test]
fn parsing_errors() {
    for bad in [
        "xyz",
        "foo.bar",
        "foo.bar.baz",
        "dead.beef.ca.fe",
        "1234567890.2.1",
        "0.2..1",
        "1.21.alpha1",
        "1.21-alpha",
        "1.21-alpha1beta",
        "1.21-alpha-dev",
        "1.21-alpha_dev3",
        "1.21-alpha123dev3",
        "",
        "1",
        "1.",
        "1.2.3.4.5",
        "1.2.3.",
        "1.2-Alpha1",
        " 1.2.3",
        "1.2.3 ",
        "1.2.3\n\n",
        "2.9.1234567890",
    ] {
        let err = JujuVersion::parse(bad).expect_err(bad);
        assert_eq!(
            err,
            VersionError {
                version: bad.to_string()
            }
        );
        assert_eq!(
            err.to_string(),
            format!("\"{bad}\" is not a valid Juju version string")
        );
    }
    assert!("no".parse::<JujuVersion>().is_err());
    assert!(JujuVersion::try_from("2.9.0").is_ok());
}

#[test]
fn display_is_ops_repr() {
    for (text, shown) in [
        ("2.7", "2.7.0"),
        ("2.7.1", "2.7.1"),
        ("2.7.1.0", "2.7.1"),
        ("2.7.1.5", "2.7.1.5"),
        ("1.21-alpha1.34", "1.21-alpha1.34"),
        ("1.21-beta3", "1.21-beta3"),
        ("01.02.03", "1.2.3"),
    ] {
        assert_eq!(v(text).to_string(), shown, "{text}");
    }
    assert_eq!(JujuVersion::new(3, 1, 6).to_string(), "3.1.6");
}

#[test]
fn equality() {
    let cases = [
        ("1.0.0", "1.0.0", true),
        ("01.0.0", "1.0.0", true),
        ("10.0.0", "9.0.0", false),
        ("1.0.0", "1.0.1", false),
        ("1.0.1", "1.0.0", false),
        ("1.0.0", "1.1.0", false),
        ("1.1.0", "1.0.0", false),
        ("1.0.0", "2.0.0", false),
        ("1.2-alpha1", "1.2.0", false),
        ("1.2-alpha2", "1.2-alpha1", false),
        ("1.2-alpha2.1", "1.2-alpha2", false),
        ("1.2-alpha2.2", "1.2-alpha2.1", false),
        ("1.2-beta1", "1.2-alpha1", false),
        ("1.2-beta1", "1.2-alpha2.1", false),
        ("1.2-beta1", "1.2.0", false),
        ("1.2.1", "1.2.0", false),
        ("2.0.0", "1.0.0", false),
        ("2.0.0.0", "2.0.0", true),
        ("2.0.0.0", "2.0.0.0", true),
        ("2.0.0.1", "2.0.0.0", false),
        ("2.0.1.10", "2.0.0.0", false),
    ];
    for (a, b, expected) in cases {
        assert_eq!(v(a) == v(b), expected, "{a} == {b}");
        assert_eq!(v(a) == b, expected, "{a} == {b:?}");
    }
    assert!(v("1.0.0") != "not a version");
}

#[test]
fn ordering() {
    let cases = [
        ("1.0.0", "1.0.0", false, true),
        ("01.0.0", "1.0.0", false, true),
        ("10.0.0", "9.0.0", false, false),
        ("1.0.0", "1.0.1", true, true),
        ("1.0.1", "1.0.0", false, false),
        ("1.0.0", "1.1.0", true, true),
        ("1.1.0", "1.0.0", false, false),
        ("1.0.0", "2.0.0", true, true),
        ("1.2-alpha1", "1.2.0", true, true),
        ("1.2-alpha2", "1.2-alpha1", false, false),
        ("1.2-alpha2.1", "1.2-alpha2", false, false),
        ("1.2-alpha2.2", "1.2-alpha2.1", false, false),
        ("1.2-beta1", "1.2-alpha1", false, false),
        ("1.2-beta1", "1.2-alpha2.1", false, false),
        ("1.2-beta1", "1.2.0", true, true),
        ("1.2.1", "1.2.0", false, false),
        ("2.0.0", "1.0.0", false, false),
        ("2.0.0.0", "2.0.0", false, true),
        ("2.0.0.0", "2.0.0.0", false, true),
        ("2.0.0.1", "2.0.0.0", false, false),
        ("2.0.1.10", "2.0.0.0", false, false),
        ("2.10.0", "2.8.0", false, false),
        // The tag is compared before the patch: a tagged 1.2 is below every untagged 1.2.
        ("1.2-rc9", "1.2.0", true, true),
        ("1.2-alpha9", "1.2-beta1", true, true),
    ];
    for (a, b, strict, weak) in cases {
        assert_eq!(v(a) < v(b), strict, "{a} < {b}");
        assert_eq!(v(a) <= v(b), weak, "{a} <= {b}");
        assert_eq!(v(b) > v(a), strict, "{b} > {a}");
        assert_eq!(v(b) >= v(a), weak, "{b} >= {a}");
        assert_eq!(v(a) < b, strict, "{a} < {b:?}");
        assert_eq!(v(a) <= b, weak, "{a} <= {b:?}");
    }
    // An invalid string is unordered.
    assert_eq!(v("1.0.0").partial_cmp(&"x"), None);
    assert_eq!(
        v("1.0.0").partial_cmp(&"1.0.1"),
        Some(std::cmp::Ordering::Less)
    );
    let mut all = [
        v("2.9.0"),
        v("2.9-beta1"),
        v("2.8.0"),
        v("3.0.0"),
        v("2.9.0.1"),
    ];
    all.sort();
    let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec!["2.8.0", "2.9-beta1", "2.9.0", "2.9.0.1", "3.0.0"]
    );
}

#[test]
fn predicates() {
    assert!(v("2.8.0").has_app_data());
    assert!(v("2.7.0").has_app_data());
    assert!(!v("2.6.9").has_app_data());
    assert!(v("2.8.0").is_dispatch_aware());
    assert!(!v("2.7.9").is_dispatch_aware());
    assert!(v("2.8.0").has_controller_storage());
    assert!(!v("2.7.9").has_controller_storage());
    assert!(v("3.0.2").has_secrets());
    assert!(!v("3.0.1").has_secrets());
    assert!(!v("2.9.30").has_secrets());
    assert!(v("3.0.3").supports_open_port_on_k8s());
    assert!(!v("3.0.2").supports_open_port_on_k8s());
    assert!(v("3.1.6").supports_exec_service_context());
    assert!(!v("3.1.5").supports_exec_service_context());
    assert!(!v("3.2.0").supports_exec_service_context());
    assert!(v("3.2.1").supports_exec_service_context());
    assert!(v("3.4.0").supports_pebble_log_forwarding());
    assert!(!v("3.3.9").supports_pebble_log_forwarding());
    // Predicates ignore the tag and the build: 2.8-beta1 counts as 2.8.1.
    assert!(v("2.8-beta1").is_dispatch_aware());
    assert!(!v("2.7-beta1.5").is_dispatch_aware());
}

#[test]
fn from_env() {
    // The only test in this binary that touches JUJU_VERSION.
    std::env::remove_var("JUJU_VERSION");
    assert_eq!(JujuVersion::from_env().expect("default"), v("0.0.0"));
    std::env::set_var("JUJU_VERSION", "no");
    assert!(JujuVersion::from_env()
        .expect_err("invalid")
        .to_string()
        .contains("not a valid Juju version"));
    std::env::set_var("JUJU_VERSION", "2.8.0");
    assert_eq!(JujuVersion::from_env().expect("set"), v("2.8.0"));
    std::env::remove_var("JUJU_VERSION");
}
