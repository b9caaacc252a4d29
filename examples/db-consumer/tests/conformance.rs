//! The twin behaves as the Python ops 2.1.1 reference charm: every juju-sim scenario of `db-consumer`.

#[test]
fn matches_the_python_ops_reference_charm() {
    ops_testing::conformance::assert_scenarios_pass(
        "db-consumer",
        env!("CARGO_MANIFEST_DIR"),
        std::path::Path::new(env!("CARGO_BIN_EXE_db-consumer")),
        "scenarios",
    );
}
