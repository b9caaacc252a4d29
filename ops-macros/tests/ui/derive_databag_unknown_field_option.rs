#[derive(ops_core::RelationData)]
struct Endpoint {
    #[databag(renamed = "host-name")]
    host: String,
}

fn main() {}
