//! The ops macros.
