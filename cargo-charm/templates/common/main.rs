//! The `{{name}}` charm's `dispatch` binary: Juju runs it once per event.

fn main() {
    ops_core::main::<{{crate}}::{{Struct}}>()
}
