use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/unified-with-stray-metadata")]
impl MyCharm {}

fn main() {}
