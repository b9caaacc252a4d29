//! Test harnesses for ops charms.
