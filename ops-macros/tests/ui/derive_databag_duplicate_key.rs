#[derive(ops_core::RelationData)]
#[databag(rename_all = "kebab-case")]
struct Endpoint {
    user_name: String,
    #[databag(rename = "user-name")]
    login: String,
}

fn main() {}
