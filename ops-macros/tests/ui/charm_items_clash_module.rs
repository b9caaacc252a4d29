// A module of the user's named like a generated one (`relations`) hides it: one error at
// `#[charm]` (the generated module is the one holding `__CharmModule`).
use ops_core::prelude::*;

mod relations {
    pub fn helper() {}
}

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {}

fn main() {
    relations::helper();
}
