//! The `callseal` command.
fn main() {}
