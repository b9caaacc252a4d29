use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/resource-without-type")]
impl MyCharm {}

fn main() {}
