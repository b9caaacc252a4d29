use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/resource-type-collision")]
impl MyCharm {}

fn main() {}
