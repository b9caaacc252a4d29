#[derive(ops_core::RelationData)]
#[databag(rename_al = "kebab-case")]
struct Endpoint {
    host: String,
}

fn main() {}
