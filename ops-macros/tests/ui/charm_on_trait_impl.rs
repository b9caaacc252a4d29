use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "tests/ui/fixtures/good")]
impl Clone for MyCharm {
    fn clone(&self) -> Self {
        MyCharm
    }
}

fn main() {}
