use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/wrong-type")]
impl MyCharm {}

fn main() {}
