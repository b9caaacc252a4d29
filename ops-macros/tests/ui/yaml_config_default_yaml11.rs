use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/config-default-yaml11")]
impl MyCharm {}

fn main() {}
