//! The twin behaves as the Python ops 2.1.1 reference charm: every juju-sim Kubernetes scenario
//! of `webserver`, against juju-sim's fake Pebble (juju-sim runs Kubernetes hooks under
//! `unshare`, so this needs root).

#[test]
fn matches_the_python_ops_reference_charm() {
    ops_testing::conformance::assert_scenarios_pass(
        "webserver",
        env!("CARGO_MANIFEST_DIR"),
        std::path::Path::new(env!("CARGO_BIN_EXE_webserver")),
        "scenarios-k8s",
    );
}
