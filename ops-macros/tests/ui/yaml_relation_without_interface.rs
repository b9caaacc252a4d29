use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/relation-without-interface")]
impl MyCharm {}

fn main() {}
