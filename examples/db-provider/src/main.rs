//! The `db-provider` charm's `dispatch` binary.

fn main() {
    ops_core::main::<db_provider::DbProvider>()
}
