use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/missing-name")]
impl MyCharm {}

fn main() {}
