// A wrong event type behind an alias is not visible to the macro: the type checker reports it,
// with the same message (through a trait that only the right type implements).
use ops_core::prelude::*;

type Ev = StorageEvent;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl MyCharm {
    #[on(db_relation_changed)]
    fn db_changed(&mut self, _ctx: &mut Context<Self>, _event: &Ev) {}
}

fn main() {}
