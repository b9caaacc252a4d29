//! The `actions` charm's `dispatch` binary.

fn main() {
    ops_core::main::<actions::Actions>()
}
