//! C ABI for callseal.
