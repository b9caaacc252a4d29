//! The test charm's `dispatch` binary.

fn main() {
    ops_core::main::<ops_test_charm::TestCharm>()
}
