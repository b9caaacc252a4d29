//! Test harnesses for ops charms.
//!
//! * [`conformance`]: run a compiled charm through the juju-sim scenarios recorded from Python ops.
//! * [`pebble`]: a fake Pebble on a real Unix socket, speaking Pebble's API.

pub mod conformance;
pub mod pebble;
