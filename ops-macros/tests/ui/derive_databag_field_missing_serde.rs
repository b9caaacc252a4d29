// A databag field of a type other than `String` is JSON: its type needs the serde derives. One
// error at the field's type names them.
#[derive(Debug, Clone)]
struct Endpoint {
    host: String,
    port: u16,
}

#[derive(ops_core::RelationData)]
struct DbData {
    user: String,
    endpoint: Endpoint,
    backup: Option<Endpoint>,
}

fn main() {}
