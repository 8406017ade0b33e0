//! The Mermaid drawing: a top-down flowchart that GitHub renders in pull requests and
//! READMEs.
//!
//! The VPC is a subgraph holding one subgraph per subnet tier, each titled with its subnet
//! in every zone; monitoring and the keys are a subgraph of their own. Every label is
//! quoted and escaped, and node ids come from the [`Picture`], so the text is the same on
//! every run and a preset switch changes only the lines it should.

use std::fmt::Write;

use super::picture::{CachePicture, EgressPicture, Link, LinkStyle, Node, NodeKind, Picture, SubnetTier};
use crate::config::CacheSubnets;

const INDENT: &str = "    ";

pub fn render(picture: &Picture) -> String {
    let mut out = String::from("flowchart TB\n");
    let presets = if picture.presets.is_empty() { "none".to_string() } else { picture.presets.join(", ") };
    line(&mut out, 1, &format!("%% {}: {}", picture.name, picture.summary));
    line(&mut out, 1, &format!("%% presets: {presets}"));

    line(&mut out, 1, "");
    for node in [&picture.users, &picture.frontend_dns, &picture.amplify, &picture.api_dns] {
        node_line(&mut out, 1, node);
    }
    if let Some(node) = &picture.api_cdn {
        node_line(&mut out, 1, node);
    }
    if let Some(images) = &picture.images {
        node_line(&mut out, 1, &images.cdn);
        node_line(&mut out, 1, &images.bucket);
    }
    node_line(&mut out, 1, &picture.waf);

    line(&mut out, 1, "");
    open_subgraph(&mut out, 1, "vpc", &picture.vpc_title);
    let mut public = vec![&picture.alb];
    if let EgressPicture::NatGateways { gateways, .. } = &picture.egress {
        public.extend(gateways.iter().map(|gateway| &gateway.node));
    }
    public.push(&picture.internet_gateway);
    tier(&mut out, &picture.public, &public);

    let cache_in = |subnets: CacheSubnets| -> Vec<&Node> {
        match &picture.cache {
            Some(cache) if cache.subnets == subnets => cache_nodes(cache),
            _ => Vec::new(),
        }
    };
    let mut private = vec![&picture.tasks];
    if let EgressPicture::Endpoints(endpoints) = &picture.egress {
        private.push(endpoints);
    }
    private.push(&picture.s3_endpoint);
    private.extend(cache_in(CacheSubnets::Private));
    tier(&mut out, &picture.private, &private);

    let mut database = vec![&picture.database];
    database.extend(&picture.standby);
    database.extend(cache_in(CacheSubnets::Database));
    tier(&mut out, &picture.database_subnets, &database);
    line(&mut out, 1, "end");

    line(&mut out, 1, "");
    // Left to right, so the alarm chain stays a short row instead of a tall column; its
    // nodes link only to each other, which is when Mermaid honours a subgraph's direction.
    open_subgraph(&mut out, 1, "monitoring", "Monitoring and keys");
    line(&mut out, 2, "direction LR");
    for node in [&picture.kms, &picture.alarms, &picture.sns] {
        node_line(&mut out, 2, node);
    }
    for node in &picture.alarm_destinations {
        node_line(&mut out, 2, node);
    }
    line(&mut out, 1, "end");
    node_line(&mut out, 1, &picture.backup);
    if let Some(node) = &picture.backup_copy {
        node_line(&mut out, 1, node);
    }

    line(&mut out, 1, "");
    for link in &picture.links {
        link_line(&mut out, link);
    }
    out
}

fn cache_nodes(cache: &CachePicture) -> Vec<&Node> {
    std::iter::once(&cache.primary).chain(&cache.replicas).collect()
}

fn tier(out: &mut String, tier: &SubnetTier, nodes: &[&Node]) {
    open_subgraph(out, 2, tier.id, &tier.heading());
    for node in nodes {
        node_line(out, 3, node);
    }
    line(out, 2, "end");
}

/// A subgraph with a one-line title: Mermaid lays out titles of several lines over the
/// nodes inside.
fn open_subgraph(out: &mut String, depth: usize, id: &str, title: &str) {
    line(out, depth, &format!("subgraph {id}[{}]", label(&[title])));
}

/// A node with its shape: people are stadiums, stores cylinders, the rest rectangles.
fn node_line(out: &mut String, depth: usize, node: &Node) {
    let lines: Vec<&str> = node.lines.iter().map(String::as_str).collect();
    let text = label(&lines);
    let shape = match node.kind {
        NodeKind::Person => format!("([{text}])"),
        NodeKind::Service => format!("[{text}]"),
        NodeKind::Store => format!("[({text})]"),
    };
    line(out, depth, &format!("{}{shape}", node.id));
}

fn link_line(out: &mut String, link: &Link) {
    let arrow = match link.style {
        LinkStyle::Flow => "-->",
        LinkStyle::Both => "<-->",
        LinkStyle::Background => "-.->",
    };
    let label = link.label.as_deref().map(|l| format!("|{}|", label(&[l]))).unwrap_or_default();
    line(out, 1, &format!("{} {arrow}{label} {}", link.from, link.to));
}

fn line(out: &mut String, depth: usize, text: &str) {
    if text.is_empty() {
        out.push('\n');
    } else {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{}{text}", INDENT.repeat(depth));
    }
}

/// A quoted label, its lines joined by `<br/>`, with every character that Mermaid or
/// its HTML labels would read as syntax written as an entity.
pub fn label(lines: &[&str]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    format!("\"{}\"", escaped.join("<br/>"))
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // `#` first of all: it starts Mermaid's own entities.
            '#' => escaped.push_str("#35;"),
            '"' => escaped.push_str("#quot;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '&' => escaped.push_str("#amp;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_quoted_and_escaped() {
        assert_eq!(label(&["a \"b\" #1", "<c> & d"]), "\"a #quot;b#quot; #35;1<br/>#lt;c#gt; #amp; d\"");
    }
}
