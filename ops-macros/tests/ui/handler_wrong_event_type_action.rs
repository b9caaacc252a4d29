// An action handler written with the event type of a hook: the message names the action's typed
// event (with its generated params type) and the signature to write.
use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good-actions")]
impl MyCharm {
    #[on(backup_action)]
    fn on_backup(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {}
}

fn main() {}
