use ops_core::prelude::*;

struct MyCharm<T>(std::marker::PhantomData<T>);

#[charm(dir = "tests/ui/fixtures/good")]
impl<T> MyCharm<T> {}

fn main() {}
