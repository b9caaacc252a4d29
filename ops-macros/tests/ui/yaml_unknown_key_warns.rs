// Juju ignores unknown keys, so the charm compiles; the key is reported as a warning (made an
// error here to show it).
#![deny(deprecated)]

use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/unknown-top-level-key")]
impl MyCharm {}

fn main() {}
