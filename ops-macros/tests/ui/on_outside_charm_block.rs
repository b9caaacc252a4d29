use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {}

// A second impl block: its handlers are not seen by `#[charm]`.
impl MyCharm {
    #[on(install)]
    fn install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {}
}

fn main() {}
