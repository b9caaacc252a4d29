#[derive(ops_core::RelationData)]
enum Endpoint {
    Host(String),
    Socket(String),
}

fn main() {}
