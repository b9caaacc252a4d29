use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/bad-limit")]
impl MyCharm {}

fn main() {}
