//! Command implementations of the binary (formatting only; models are in the library).

pub mod catalog;
pub mod starter;
pub mod sweep;
