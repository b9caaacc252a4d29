use ops_core::prelude::*;

#[charm(dir = "tests/ui/fixtures/good")]
#[derive(Default, StoredState)]
struct MyCharm;

fn main() {}
