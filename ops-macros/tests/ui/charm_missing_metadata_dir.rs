use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/no-such-dir")]
impl MyCharm {}

fn main() {}
