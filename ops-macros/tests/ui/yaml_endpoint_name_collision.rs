use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/endpoint-name-collision")]
impl MyCharm {}

fn main() {}
