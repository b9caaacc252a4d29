use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/config-unknown-type")]
impl MyCharm {}

fn main() {}
