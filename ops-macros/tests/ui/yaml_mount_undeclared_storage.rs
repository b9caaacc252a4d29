use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/mount-undeclared-storage")]
impl MyCharm {}

fn main() {}
