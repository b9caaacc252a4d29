use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/action-param-bad-type")]
impl MyCharm {}

fn main() {}
