//! infragen: a typed, validated model of one AWS web architecture, rendered into Terraform.

pub mod config;
pub mod diagnostic;
pub mod model;
pub mod render;
