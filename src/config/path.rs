//! Field paths such as `network.subnets.public[1]`: how diagnostics and provenance name a
//! value of the configuration.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Segment {
    Key(String),
    Index(usize),
}

/// The path of a value in the configuration tree, written the way TOML dotted keys are.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// Builds a path from dotted bare keys, e.g. `"network.subnets.public"`.
    pub fn parse_dotted(dotted: &str) -> Self {
        FieldPath(dotted.split('.').filter(|k| !k.is_empty()).map(|k| Segment::Key(k.to_string())).collect())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        FieldPath(segments)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn parent(&self) -> Option<Self> {
        match self.0.split_last() {
            Some((_, rest)) if !rest.is_empty() => Some(FieldPath(rest.to_vec())),
            _ => None,
        }
    }

    /// The last key of the path (an index is shown as `[n]`).
    pub fn last_key(&self) -> String {
        match self.0.last() {
            Some(Segment::Key(k)) => k.clone(),
            Some(Segment::Index(i)) => format!("[{i}]"),
            None => String::new(),
        }
    }

    /// The value at this path in `table`.
    pub fn lookup<'a>(&self, table: &'a toml::Table) -> Option<&'a toml::Value> {
        let (first, rest) = self.0.split_first()?;
        let Segment::Key(key) = first else { return None };
        let mut current = table.get(key)?;
        for segment in rest {
            current = match (segment, current) {
                (Segment::Key(key), toml::Value::Table(t)) => t.get(key)?,
                (Segment::Index(i), toml::Value::Array(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// True when `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &FieldPath) -> bool {
        self.0.starts_with(&other.0)
    }

    /// True when one of the two paths contains the other.
    pub fn overlaps(&self, other: &FieldPath) -> bool {
        self.starts_with(other) || other.starts_with(self)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare_key(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Whether TOML allows the key without quotes.
pub fn is_bare_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_toml_dotted_keys() {
        let path = FieldPath::root().key("network").key("subnets").key("public").index(1);
        assert_eq!(path.to_string(), "network.subnets.public[1]");
        assert_eq!(FieldPath::root().key("tags").key("Cost Center").to_string(), "tags.\"Cost Center\"");
        assert_eq!(path.parent().map(|p| p.to_string()), Some("network.subnets.public".to_string()));
        assert_eq!(path.last_key(), "[1]");
    }

    #[test]
    fn prefixes_and_overlaps() {
        let network = FieldPath::parse_dotted("network");
        let nat = FieldPath::parse_dotted("network.nat");
        assert!(nat.starts_with(&network));
        assert!(!network.starts_with(&nat));
        assert!(network.overlaps(&nat) && nat.overlaps(&network));
        assert!(!nat.overlaps(&FieldPath::parse_dotted("network.azs")));
    }
}
