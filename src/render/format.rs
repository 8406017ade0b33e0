//! The `terraform fmt` formatting pass (to be written).
