//! The `webserver` charm's `dispatch` binary.

fn main() {
    ops_core::main::<webserver::Webserver>()
}
