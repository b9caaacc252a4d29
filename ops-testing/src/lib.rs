//! Test harnesses for ops charms.
//!
//! * [`conformance`]: run a compiled charm through the juju-sim scenarios recorded from Python ops.

pub mod conformance;
