struct Pool {
    max: u32,
}

#[derive(ops_core::RelationData)]
#[databag(encoding = "json")]
struct Endpoint {
    host: String,
    pool: Option<Pool>,
}

fn main() {}
