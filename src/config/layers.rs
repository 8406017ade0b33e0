//! Configuration layers and their merge, keeping track of where every value came from.
//!
//! From bottom to top: built-in defaults < scale tier < presets < environment file <
//! command-line flags. Tables merge key by key; any other value (a string, a number, an
//! array) is replaced whole by the layer above. Every leaf of the merged tree remembers the
//! layer that set it (its [`Origin`]), which is what `infragen show` prints and what
//! diagnostics use to point at the line that needs fixing.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

use super::path::FieldPath;
use super::schema_check::parse_integer;
use super::settings::Tier;

/// Which layer a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// Follows from the environment's region (its zones, time zone, backup partner).
    Region(String),
    /// The scale tier's setting.
    Tier(Tier),
    /// A preset's setting.
    Preset(String),
    /// The environment file, at this byte span.
    File(Range<usize>),
    /// A command-line flag, as typed.
    Flag(String),
}

impl Origin {
    /// The short label `infragen show` prints next to a value.
    pub fn label(&self) -> String {
        match self {
            Origin::Default => "default".into(),
            Origin::Region(region) => format!("region {region}"),
            Origin::Tier(tier) => format!("tier {}", tier.name()),
            Origin::Preset(name) => format!("preset {name}"),
            Origin::File(_) => "file".into(),
            Origin::Flag(flag) => flag.clone(),
        }
    }
}

/// One layer: a partial tree of settings, all from the same place.
#[derive(Debug, Clone)]
pub struct Layer {
    pub kind: LayerKind,
    pub values: Table,
    /// Spans of the values in their source text, for file layers.
    pub spans: BTreeMap<FieldPath, Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerKind {
    Default,
    Region(String),
    Tier(Tier),
    Preset(String),
    File,
    Flag(String),
}

impl Layer {
    /// A layer without source positions (defaults, tiers, presets).
    pub fn new(kind: LayerKind, values: Table) -> Self {
        Layer { kind, values, spans: BTreeMap::new() }
    }

    /// A layer parsed from text, keeping the position of every value.
    pub fn from_document(kind: LayerKind, document: &DeTable<'_>) -> Result<Self, ConversionError> {
        let mut spans = BTreeMap::new();
        let values = plain_table(document, &FieldPath::root(), &mut spans)?;
        Ok(Layer { kind, values, spans })
    }

    fn origin_of(&self, path: &FieldPath) -> Origin {
        match &self.kind {
            LayerKind::Default => Origin::Default,
            LayerKind::Region(region) => Origin::Region(region.clone()),
            LayerKind::Tier(tier) => Origin::Tier(*tier),
            LayerKind::Preset(name) => Origin::Preset(name.clone()),
            LayerKind::Flag(flag) => Origin::Flag(flag.clone()),
            LayerKind::File => {
                let mut probe = Some(path.clone());
                while let Some(p) = probe {
                    if let Some(span) = self.spans.get(&p) {
                        return Origin::File(span.clone());
                    }
                    probe = p.parent();
                }
                Origin::File(0..0)
            }
        }
    }

    /// Every leaf path this layer sets (tables are not leaves; arrays are).
    pub fn leaf_paths(&self) -> Vec<FieldPath> {
        let mut out = Vec::new();
        collect_leaves(&self.values, &FieldPath::root(), &mut out);
        out
    }

    /// The value this layer sets at `path`, if any.
    pub fn get(&self, path: &FieldPath) -> Option<&Value> {
        path.lookup(&self.values)
    }
}

fn collect_leaves(table: &Table, path: &FieldPath, out: &mut Vec<FieldPath>) {
    for (key, value) in table {
        let child = path.key(key);
        match value {
            Value::Table(t) => collect_leaves(t, &child, out),
            _ => out.push(child),
        }
    }
}

/// Where each value of the merged configuration came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance(BTreeMap<FieldPath, Origin>);

impl Provenance {
    /// The origin of the value at `path`, or of its nearest ancestor that has one.
    pub fn origin(&self, path: &FieldPath) -> Origin {
        let mut probe = Some(path.clone());
        while let Some(p) = probe {
            if let Some(origin) = self.0.get(&p) {
                return origin.clone();
            }
            probe = p.parent();
        }
        Origin::Default
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FieldPath, &Origin)> {
        self.0.iter()
    }

    /// Forgets `path` and everything below it. A path's descendants sort right after it
    /// (paths compare segment by segment), so they are one range of the map: linear in
    /// what is forgotten, not in the size of the map.
    fn forget_below(&mut self, path: &FieldPath) {
        let below: Vec<FieldPath> =
            self.0.range(path.clone()..).map(|(p, _)| p).take_while(|p| p.starts_with(path)).cloned().collect();
        for p in below {
            self.0.remove(&p);
        }
    }

    fn record(&mut self, path: &FieldPath, value: &Value, layer: &Layer) {
        self.0.insert(path.clone(), layer.origin_of(path));
        match value {
            Value::Table(table) => {
                for (key, child) in table {
                    self.record(&path.key(key), child, layer);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.record(&path.index(index), item, layer);
                }
            }
            _ => {}
        }
    }
}

/// Merges the layers, bottom first, into one table and its provenance.
pub fn merge(layers: &[Layer]) -> (Table, Provenance) {
    let mut merged = Table::new();
    let mut provenance = Provenance::default();
    for layer in layers {
        overlay(&mut merged, &layer.values, &FieldPath::root(), layer, &mut provenance);
    }
    (merged, provenance)
}

fn overlay(base: &mut Table, top: &Table, path: &FieldPath, layer: &Layer, provenance: &mut Provenance) {
    for (key, value) in top {
        let child = path.key(key);
        if let (Some(Value::Table(below)), Value::Table(above)) = (base.get_mut(key), value) {
            overlay(below, above, &child, layer, provenance);
            continue;
        }
        if base.contains_key(key) {
            provenance.forget_below(&child);
        }
        provenance.record(&child, value, layer);
        base.insert(key.clone(), value.clone());
    }
}

/// A value that TOML can write but the configuration cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionError {
    pub path: FieldPath,
    pub span: Range<usize>,
    pub message: String,
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

fn plain_table(
    table: &DeTable<'_>,
    path: &FieldPath,
    spans: &mut BTreeMap<FieldPath, Range<usize>>,
) -> Result<Table, ConversionError> {
    let mut out = Table::new();
    for (key, value) in table.iter() {
        let child = path.key(key.get_ref());
        spans.insert(child.clone(), value.span());
        out.insert(key.get_ref().to_string(), plain_value(value, &child, spans)?);
    }
    Ok(out)
}

fn plain_value(
    value: &Spanned<DeValue<'_>>,
    path: &FieldPath,
    spans: &mut BTreeMap<FieldPath, Range<usize>>,
) -> Result<Value, ConversionError> {
    let error = |message: String| ConversionError { path: path.clone(), span: value.span(), message };
    Ok(match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let parsed = parse_integer(i.as_str(), i.radix()).and_then(|n| i64::try_from(n).ok());
            Value::Integer(parsed.ok_or_else(|| error(format!("integer {} does not fit in 64 bits", i.as_str())))?)
        }
        DeValue::Float(f) => Value::Float(
            parse_float(f.as_str()).ok_or_else(|| error(format!("{} is not a number TOML allows", f.as_str())))?,
        ),
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(*d),
        DeValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let child = path.index(index);
                spans.insert(child.clone(), item.span());
                out.push(plain_value(item, &child, spans)?);
            }
            Value::Array(out)
        }
        DeValue::Table(table) => Value::Table(plain_table(table, path, spans)?),
    })
}

fn parse_float(text: &str) -> Option<f64> {
    match text.trim_start_matches('+') {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        other => other.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(kind: LayerKind, text: &str) -> Layer {
        let document = DeTable::parse(text).expect("test layer parses");
        Layer::from_document(kind, document.get_ref()).expect("test layer converts")
    }

    #[test]
    fn upper_layers_win_key_by_key_and_arrays_are_replaced_whole() {
        let layers = [
            layer(
                LayerKind::Default,
                "[network]\nnat = \"single\"\nazs = [\"a\", \"b\", \"c\"]\nvpc_cidr = \"10.0.0.0/16\"\n",
            ),
            layer(LayerKind::Preset("no-nat".into()), "network.nat = \"none\"\n"),
            layer(LayerKind::File, "[network]\nazs = [\"x\", \"y\"]\n"),
        ];
        let (merged, provenance) = merge(&layers);
        let network = merged["network"].as_table().expect("network table");
        assert_eq!(network["nat"].as_str(), Some("none"));
        assert_eq!(network["azs"].as_array().map(Vec::len), Some(2));
        assert_eq!(network["vpc_cidr"].as_str(), Some("10.0.0.0/16"));

        let origin = |p: &str| provenance.origin(&FieldPath::parse_dotted(p));
        assert_eq!(origin("network.nat"), Origin::Preset("no-nat".into()));
        assert_eq!(origin("network.vpc_cidr"), Origin::Default);
        assert!(matches!(origin("network.azs"), Origin::File(_)));
        // The third zone of the default array is gone, and so is its provenance.
        let third = FieldPath::parse_dotted("network.azs").index(2);
        assert!(provenance.iter().all(|(p, _)| *p != third));
    }

    #[test]
    fn file_origins_carry_the_span_of_each_array_element() {
        let text = "[network]\nazs = [\"x\", \"y\"]\n";
        let (_, provenance) = merge(&[layer(LayerKind::File, text)]);
        let Origin::File(span) = provenance.origin(&FieldPath::parse_dotted("network.azs").index(1)) else {
            panic!("expected a file origin");
        };
        assert_eq!(&text[span], "\"y\"");
    }

    #[test]
    fn leaf_paths_and_lookup() {
        let preset = layer(LayerKind::Preset("p".into()), "network.nat = \"none\"\nlogs.retention_days = 7\n");
        let leaves: Vec<String> = preset.leaf_paths().iter().map(ToString::to_string).collect();
        assert_eq!(leaves, ["network.nat", "logs.retention_days"]);
        assert_eq!(preset.get(&FieldPath::parse_dotted("network.nat")).and_then(Value::as_str), Some("none"));
        assert_eq!(preset.get(&FieldPath::parse_dotted("network.azs")), None);
    }
}
