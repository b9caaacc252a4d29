use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/action-required-undeclared")]
impl MyCharm {}

fn main() {}
