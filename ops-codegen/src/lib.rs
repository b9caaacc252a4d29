//! Code generation for the ops macros.
