use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/config-field-collision")]
impl MyCharm {}

fn main() {}
