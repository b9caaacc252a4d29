#[derive(ops_core::RelationData)]
#[databag(encoding = "JSON")]
struct Endpoint {
    host: String,
}

fn main() {}
