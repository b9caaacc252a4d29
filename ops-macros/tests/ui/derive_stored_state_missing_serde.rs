// A newcomer's mistake: a charm with fields is its stored state, saved as JSON between hooks, and
// needs the serde derives. One error names them (not serde's generic trait error, twice).
use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct Counter {
    events: u64,
}

#[charm(dir = "tests/ui/fixtures/good")]
impl Counter {
    #[on(install)]
    fn on_install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {
        self.events += 1;
    }
}

fn main() {}
