//! Rendering a validated architecture into Terraform files.

pub mod format;
