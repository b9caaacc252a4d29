use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/unknown-top-level-key")]
impl MyCharm {}

fn main() {}
