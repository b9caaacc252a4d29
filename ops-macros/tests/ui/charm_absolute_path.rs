use ops_core::prelude::*;

#[derive(Default, StoredState)]
struct MyCharm;

#[charm(dir = "/srv/charms/good")]
impl MyCharm {}

fn main() {}
