//! The `counter` charm's `dispatch` binary.

fn main() {
    ops_core::main::<counter::Counter>()
}
