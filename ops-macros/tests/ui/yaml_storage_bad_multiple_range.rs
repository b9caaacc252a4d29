use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/storage-bad-range")]
impl MyCharm {}

fn main() {}
