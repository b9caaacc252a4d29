// `#[charm]` places `Config`, `relations`, `actions`, ... next to the charm type. A `Config` of the
// module's own hides the generated one: one error, at `#[charm]`, naming the two ways out.
use ops_core::prelude::*;

/// The charm's own settings, unrelated to its Juju config.
pub struct Config {
    pub verbose: bool,
}

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {}

fn main() {
    let _ = Config { verbose: true }.verbose;
}
