//! The README's charm is this crate, verbatim: the README cannot drift from code that compiles.

#[test]
fn readme_shows_this_charm() {
    let readme = include_str!("../../../README.md");
    let main = include_str!("../src/main.rs");
    let body = main
        .split_once("\n\n")
        .map(|(_, rest)| rest)
        .unwrap_or(main);
    assert!(
        readme.contains(body),
        "README.md's Rust example differs from examples/hello/src/main.rs"
    );
    for file in ["metadata.yaml", "config.yaml", "actions.yaml"] {
        let text =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .expect("the example's YAML files exist");
        assert!(
            readme.contains(&format!("# {file}\n{text}")),
            "README.md's {file} differs from examples/hello/{file}"
        );
    }
}
