use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {
    #[on(install)]
    fn install(&mut self, _ctx: &Context<Self>, _event: &HookEvent) {}
}

fn main() {}
