use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {
    #[on(config_chnaged)]
    fn configure(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {}
}

fn main() {}
