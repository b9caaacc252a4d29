use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/charmcraft-and-actions-yaml")]
impl MyCharm {}

fn main() {}
