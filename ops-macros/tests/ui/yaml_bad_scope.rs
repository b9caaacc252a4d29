use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/bad-scope")]
impl MyCharm {}

fn main() {}
