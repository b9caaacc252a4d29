use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/container-reserved-uid")]
impl MyCharm {}

fn main() {}
