//! The `db-consumer` charm's `dispatch` binary.

fn main() {
    ops_core::main::<db_consumer::DbConsumer>()
}
