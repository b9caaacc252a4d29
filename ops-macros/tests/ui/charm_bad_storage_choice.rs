use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good", storage = "cloud")]
impl MyCharm {}

fn main() {}
