use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(
    charmcraft = "tests/ui/fixtures/unified-error/charmcraft.yaml",
    metadata = "tests/ui/fixtures/good/metadata.yaml"
)]
impl MyCharm {}

fn main() {}
