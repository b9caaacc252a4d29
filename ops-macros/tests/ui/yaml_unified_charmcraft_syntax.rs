use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/unified-yaml-syntax")]
impl MyCharm {}

fn main() {}
