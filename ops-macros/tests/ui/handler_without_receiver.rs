use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {
    #[on(install)]
    fn install(_ctx: &mut Context<MyCharm>, _event: &HookEvent) {}
}

fn main() {}
