#[derive(ops_core::RelationData)]
struct Endpoint(String, u16);

fn main() {}
