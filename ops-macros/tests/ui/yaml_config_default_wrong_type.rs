use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/config-default-wrong-type")]
impl MyCharm {}

fn main() {}
