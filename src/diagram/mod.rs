//! Drawings of an environment's architecture, from the validated model: Mermaid for pull
//! requests and READMEs, and a plain-text picture in the style of the reference architecture's diagrams.
//!
//! Both show the same [`Picture`]: the request path, NAT gateways or VPC endpoints,
//! Multi-AZ or not, the task counts and size, the cache and the CDNs, monitoring and
//! backups. Both are deterministic and end with a single newline.

mod ascii;
mod canvas;
mod mermaid;
mod picture;

pub use ascii::WIDTH as ASCII_WIDTH;
pub use picture::{
    CachePicture, EgressPicture, ImagesPicture, Link, LinkStyle, NatGateway, Node, NodeKind, Picture, SubnetTier,
};

use crate::model::Architecture;

/// The architecture as a Mermaid flowchart (without the ```` ```mermaid ```` fence).
pub fn mermaid(arch: &Architecture) -> String {
    mermaid::render(&Picture::new(arch))
}

/// The architecture as a box drawing, at most [`ASCII_WIDTH`] columns wide.
pub fn ascii(arch: &Architecture) -> String {
    ascii::render(&Picture::new(arch))
}
