//! Addresses infragen renamed between versions (`data/moved.toml`), written as `moved`
//! blocks into the roots that have the new address.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The rename table as kept in the repository.
pub const MOVED_TABLE: &str = include_str!("../../data/moved.toml");

/// One rename.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub from: String,
    pub to: String,
    /// The infragen version that made the rename.
    pub since: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    moved: Vec<Move>,
}

/// Parses a rename table.
pub fn parse(text: &str) -> Result<Vec<Move>, toml::de::Error> {
    toml::from_str::<Table>(text).map(|table| table.moved)
}

/// Every rename infragen knows.
pub fn all() -> &'static [Move] {
    static TABLE: OnceLock<Vec<Move>> = OnceLock::new();
    TABLE.get_or_init(|| parse(MOVED_TABLE).expect("data/moved.toml parses (a test pins it)"))
}

/// The renames that apply to a root with these resource addresses: those whose new
/// address it has (a rename inside a module the root does not call would name nothing).
pub fn applying<'a>(moves: &'a [Move], addresses: &[String]) -> Vec<&'a Move> {
    moves
        .iter()
        .filter(|m| {
            // A move to an instance (`...backend[0]`) applies where the resource is.
            let to = m.to.split('[').next().unwrap_or(&m.to);
            addresses.iter().any(|a| a == to || a.starts_with(&format!("{to}.")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_entry_is_a_rename() {
        for entry in all() {
            assert_ne!(entry.from, entry.to);
            assert!(!entry.since.is_empty());
        }
    }

    #[test]
    fn a_rename_applies_where_the_new_address_is() {
        let moves = parse(
            "[[moved]]\nfrom = \"module.network.aws_eip.nat\"\nto = \"module.network.aws_eip.gateway\"\nsince = \"0.2.0\"\n\n[[moved]]\nfrom = \"module.cache\"\nto = \"module.redis\"\nsince = \"0.2.0\"\n",
        )
        .expect("parses");
        let addresses =
            vec!["module.network.aws_eip.gateway".to_string(), "module.rds.aws_db_instance.this".to_string()];
        assert_eq!(applying(&moves, &addresses), [&moves[0]]);
        let with_redis = vec!["module.redis.aws_elasticache_replication_group.this".to_string()];
        assert_eq!(applying(&moves, &with_redis), [&moves[1]]);
    }
}
