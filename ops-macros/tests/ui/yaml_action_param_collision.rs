use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/action-param-collision")]
impl MyCharm {}

fn main() {}
