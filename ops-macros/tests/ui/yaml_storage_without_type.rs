use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/storage-without-type")]
impl MyCharm {}

fn main() {}
