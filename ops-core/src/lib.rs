//! ops for Rust: the runtime.

pub mod hooktools;
