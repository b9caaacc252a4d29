use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/duplicate-endpoint")]
impl MyCharm {}

fn main() {}
