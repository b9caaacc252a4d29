use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(metdata = "tests/ui/fixtures/good/metadata.yaml")]
impl MyCharm {}

fn main() {}
