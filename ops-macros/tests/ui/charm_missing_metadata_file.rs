use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(metadata = "tests/ui/fixtures/good/metadata.yml")]
impl MyCharm {}

fn main() {}
