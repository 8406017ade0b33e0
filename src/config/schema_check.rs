//! Structural check of a TOML document against the JSON Schema of [`Settings`].
//!
//! serde stops at the first problem it meets; users fixing a file want all of them at once,
//! each pointing at its line. So before anything is deserialised, the parsed document (with
//! spans) is walked against the schema that schemars derives from the very types serde will
//! fill: unknown keys (with a did-you-mean), wrong types, values outside an enumeration and
//! integers out of range are all collected. The schema is the single source of truth for
//! the shape of an environment file; this checker understands the subset schemars emits.
//!
//! [`Settings`]: super::Settings

use std::ops::Range;

use serde_json::Value as Schema;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::path::FieldPath;
use crate::diagnostic::did_you_mean;

/// A structural problem found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: FieldPath,
    pub span: Range<usize>,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProblemKind {
    UnknownKey { known: Vec<String>, suggestion: Option<String> },
    WrongType { expected: String, found: &'static str },
    NotAllowed { allowed: Vec<String>, found: String, suggestion: Option<String> },
    OutOfRange { found: String, min: Option<i128>, max: Option<i128> },
    MissingKey { key: String },
}

impl Problem {
    /// One sentence naming the field and what was expected.
    pub fn message(&self) -> String {
        let path = &self.path;
        match &self.kind {
            ProblemKind::UnknownKey { .. } => match path.parent() {
                Some(parent) => format!("unknown key `{}` in `{parent}`", path.last_key()),
                None => format!("unknown key `{path}`"),
            },
            ProblemKind::WrongType { expected, found } => {
                format!("`{path}` must be {expected}, found {found}")
            }
            ProblemKind::NotAllowed { allowed, found, .. } => format!(
                "`{path}` must be one of {}, found \"{found}\"",
                allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
            ),
            ProblemKind::OutOfRange { found, min, max } => match (min, max) {
                (Some(min), Some(max)) => format!("`{path}` must be from {min} to {max}, found {found}"),
                (Some(min), None) => format!("`{path}` must be at least {min}, found {found}"),
                (None, Some(max)) => format!("`{path}` must be at most {max}, found {found}"),
                (None, None) => format!("`{path}` is out of range: {found}"),
            },
            ProblemKind::MissingKey { key } => format!("`{path}` is missing the required key `{key}`"),
        }
    }

    /// What to do about it, when there is something specific to say.
    pub fn help(&self) -> Option<String> {
        match &self.kind {
            ProblemKind::UnknownKey { suggestion: Some(s), .. }
            | ProblemKind::NotAllowed { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            ProblemKind::UnknownKey { known, .. } if !known.is_empty() => {
                Some(format!("the keys allowed here are: {}", known.join(", ")))
            }
            _ => None,
        }
    }
}

/// Checks `table`, a whole document or an overlay rooted at `path`, against `schema`.
pub fn check_table(root: &Schema, table: &Spanned<DeTable<'_>>, path: &FieldPath) -> Vec<Problem> {
    let mut checker = Checker { root, problems: Vec::new() };
    checker.check_table(root, table.get_ref(), table.span(), path);
    // Tables iterate in key order; report in the order the file is read.
    checker.problems.sort_by_key(|p| p.span.start);
    checker.problems
}

struct Checker<'s> {
    root: &'s Schema,
    problems: Vec<Problem>,
}

impl<'s> Checker<'s> {
    /// Follows `$ref`s to the schema that actually constrains the value.
    fn resolve(&self, mut schema: &'s Schema) -> &'s Schema {
        // schemars only emits local references (`#/$defs/Name`); a bounded loop guards
        // against a reference cycle.
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Schema::as_str) else { break };
            let pointer = reference.trim_start_matches('#');
            match self.root.pointer(pointer) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn report(&mut self, path: &FieldPath, span: Range<usize>, kind: ProblemKind) {
        self.problems.push(Problem { path: path.clone(), span, kind });
    }

    fn check(&mut self, schema: &'s Schema, value: &Spanned<DeValue<'_>>, path: &FieldPath) {
        let schema = self.resolve(schema);
        let span = value.span();
        let value = value.get_ref();

        if let Some(alternatives) = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Schema::as_array) {
            self.check_alternatives(alternatives, value, span, path);
            return;
        }
        if let Some(allowed) = string_choices(schema) {
            self.check_choice(allowed, value, span, path);
            return;
        }
        if !type_matches(schema, value) {
            let expected = expected_type(schema);
            self.report(path, span, ProblemKind::WrongType { expected, found: type_name(value) });
            return;
        }
        match value {
            DeValue::Table(table) => self.check_table(schema, table, span, path),
            DeValue::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (index, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &path.index(index));
                    }
                }
            }
            DeValue::Integer(integer) => {
                self.check_integer_range(schema, integer.as_str(), integer.radix(), span, path)
            }
            _ => {}
        }
    }

    fn check_table(&mut self, schema: &'s Schema, table: &DeTable<'_>, span: Range<usize>, path: &FieldPath) {
        let schema = self.resolve(schema);
        let properties = schema.get("properties").and_then(Schema::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in table.iter() {
            let child = path.key(key.get_ref());
            if let Some(property) = properties.and_then(|p| p.get(key.get_ref().as_ref())) {
                self.check(property, value, &child);
                continue;
            }
            match additional {
                Some(Schema::Bool(false)) => {
                    let known: Vec<String> = properties.map(|p| p.keys().cloned().collect()).unwrap_or_default();
                    let suggestion = did_you_mean(key.get_ref(), known.iter().map(String::as_str)).map(str::to_string);
                    self.report(&child, key.span(), ProblemKind::UnknownKey { known, suggestion });
                }
                Some(additional @ Schema::Object(_)) => self.check(additional, value, &child),
                _ => {}
            }
        }
        if let Some(required) = schema.get("required").and_then(Schema::as_array) {
            for key in required.iter().filter_map(Schema::as_str) {
                if !table.iter().any(|(k, _)| k.get_ref() == key) {
                    self.report(path, span.clone(), ProblemKind::MissingKey { key: key.to_string() });
                }
            }
        }
    }

    fn check_alternatives(
        &mut self,
        alternatives: &'s [Schema],
        value: &DeValue<'_>,
        span: Range<usize>,
        path: &FieldPath,
    ) {
        // TOML has no null, so the `null` alternative of an optional field never matches
        // anything written in a file.
        let candidates: Vec<&'s Schema> = alternatives
            .iter()
            .map(|a| self.resolve(a))
            .filter(|a| a.get("type").and_then(Schema::as_str) != Some("null"))
            .collect();
        let all_choices: Option<Vec<Vec<String>>> = candidates.iter().map(|c| string_choices(c)).collect();
        if let Some(choices) = all_choices {
            self.check_choice(choices.concat(), value, span, path);
            return;
        }
        let mut best: Option<Vec<Problem>> = None;
        for candidate in &candidates {
            let mut inner = Checker { root: self.root, problems: Vec::new() };
            let spanned = Spanned::new(span.clone(), value.clone());
            inner.check(candidate, &spanned, path);
            if inner.problems.is_empty() {
                return;
            }
            // Prefer the explanation from an alternative of the right type.
            if type_matches(candidate, value) || best.is_none() {
                best = Some(inner.problems);
            }
        }
        self.problems.extend(best.unwrap_or_default());
    }

    /// Checks a value against an enumeration of strings.
    fn check_choice(&mut self, allowed: Vec<String>, value: &DeValue<'_>, span: Range<usize>, path: &FieldPath) {
        match value {
            DeValue::String(found) if allowed.iter().any(|a| a == found.as_ref()) => {}
            DeValue::String(found) => {
                let suggestion = did_you_mean(found, allowed.iter().map(String::as_str)).map(str::to_string);
                let found = found.to_string();
                self.report(path, span, ProblemKind::NotAllowed { allowed, found, suggestion });
            }
            other => {
                let found = type_name(other);
                self.report(path, span, ProblemKind::WrongType { expected: "a string".into(), found });
            }
        }
    }

    fn check_integer_range(&mut self, schema: &Schema, digits: &str, radix: u32, span: Range<usize>, path: &FieldPath) {
        let Some(found) = parse_integer(digits, radix) else {
            self.report(path, span, ProblemKind::OutOfRange { found: digits.to_string(), min: None, max: None });
            return;
        };
        let (mut min, mut max) = format_bounds(schema.get("format").and_then(Schema::as_str));
        if let Some(m) = schema.get("minimum").and_then(Schema::as_i64) {
            min = Some(min.map_or(m.into(), |f: i128| f.max(m.into())));
        }
        if let Some(m) = schema.get("maximum").and_then(Schema::as_i64) {
            max = Some(max.map_or(m.into(), |f: i128| f.min(m.into())));
        }
        if min.is_some_and(|m| found < m) || max.is_some_and(|m| found > m) {
            self.report(path, span, ProblemKind::OutOfRange { found: found.to_string(), min, max });
        }
    }
}

/// Parses the digits of a TOML integer (as `DeInteger::as_str` gives them: sign and digits,
/// no prefix, no underscores) in its radix.
pub fn parse_integer(digits: &str, radix: u32) -> Option<i128> {
    i128::from_str_radix(digits, radix).ok()
}

/// The range of the integer formats schemars emits for Rust integer types.
fn format_bounds(format: Option<&str>) -> (Option<i128>, Option<i128>) {
    match format {
        Some("uint8") => (Some(0), Some(u8::MAX.into())),
        Some("uint16") => (Some(0), Some(u16::MAX.into())),
        Some("uint32") | Some("uint") => (Some(0), Some(u32::MAX.into())),
        Some("uint64") => (Some(0), Some(i64::MAX.into())),
        Some("int8") => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        Some("int16") => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        Some("int32") | Some("int") => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        _ => (Some(i64::MIN.into()), Some(i64::MAX.into())),
    }
}

/// The allowed strings when the schema is an enumeration of strings.
fn string_choices(schema: &Schema) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Schema::as_array) {
        return values.iter().map(|v| v.as_str().map(str::to_string)).collect();
    }
    schema.get("const").and_then(Schema::as_str).map(|c| vec![c.to_string()])
}

fn schema_types(schema: &Schema) -> Vec<&str> {
    match schema.get("type") {
        Some(Schema::String(t)) => vec![t.as_str()],
        Some(Schema::Array(ts)) => ts.iter().filter_map(Schema::as_str).collect(),
        _ => Vec::new(),
    }
}

fn type_matches(schema: &Schema, value: &DeValue<'_>) -> bool {
    let types = schema_types(schema);
    types.is_empty()
        || types.iter().any(|t| {
            matches!(
                (*t, value),
                ("string", DeValue::String(_))
                    | ("integer", DeValue::Integer(_))
                    | ("number", DeValue::Integer(_) | DeValue::Float(_))
                    | ("boolean", DeValue::Boolean(_))
                    | ("array", DeValue::Array(_))
                    | ("object", DeValue::Table(_))
            )
        })
}

fn expected_type(schema: &Schema) -> String {
    let names: Vec<&str> = schema_types(schema)
        .into_iter()
        .filter(|t| *t != "null")
        .map(|t| match t {
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "a boolean (true or false)",
            "array" => "an array",
            "object" => "a table",
            _ => "a value",
        })
        .collect();
    if names.is_empty() { "a value".into() } else { names.join(" or ") }
}

pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings_schema;

    fn problems(text: &str) -> Vec<String> {
        let table = DeTable::parse(text).expect("test input parses");
        check_table(settings_schema(), &table, &FieldPath::root())
            .iter()
            .map(|p| match p.help() {
                Some(help) => format!("{} ({help})", p.message()),
                None => p.message(),
            })
            .collect()
    }

    #[test]
    fn accepts_a_valid_document() {
        assert_eq!(
            problems("project = \"shop\"\n[network]\nnat = \"per_az\"\nazs = [\"a\", \"b\"]\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn collects_every_unknown_key_with_suggestions() {
        let found = problems("projcet = \"x\"\n[network]\nvpc_cdir = \"10.0.0.0/16\"\nzzz = 1\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], "unknown key `projcet` (did you mean `project`?)");
        assert_eq!(found[1], "unknown key `vpc_cdir` in `network` (did you mean `vpc_cidr`?)");
        assert!(
            found[2].starts_with("unknown key `zzz` in `network` (the keys allowed here are: vpc_cidr, azs,"),
            "{}",
            found[2]
        );
    }

    #[test]
    fn reports_wrong_types_with_what_was_expected() {
        let found = problems("presets = \"no-nat\"\n[network]\nazs = [\"a\", 1]\n[logs]\nretention_days = \"7\"\n");
        assert_eq!(
            found,
            [
                "`presets` must be an array, found a string",
                "`network.azs[1]` must be a string, found an integer",
                "`logs.retention_days` must be an integer, found a string",
            ]
        );
    }

    #[test]
    fn reports_enumeration_values_with_did_you_mean() {
        assert_eq!(
            problems("[network]\nnat = \"singel\"\n"),
            [
                "`network.nat` must be one of \"none\", \"single\", \"per_az\", found \"singel\" (did you mean `single`?)"
            ]
        );
    }

    #[test]
    fn reports_integers_out_of_range_for_their_type() {
        assert_eq!(
            problems("[logs]\nretention_days = -3\n"),
            ["`logs.retention_days` must be from 0 to 4294967295, found -3"]
        );
    }

    #[test]
    fn maps_accept_any_key_but_check_values() {
        assert_eq!(problems("[tags]\nOwner = \"me\"\nCost = 3\n"), ["`tags.Cost` must be a string, found an integer"]);
    }

    #[test]
    fn understands_every_integer_notation_toml_allows() {
        assert_eq!(problems("[logs]\nretention_days = 0x1f\n"), Vec::<String>::new());
        assert_eq!(problems("[logs]\nretention_days = 1_000\n"), Vec::<String>::new());
        assert_eq!(
            problems("[logs]\nretention_days = 99_999_999_999\n"),
            ["`logs.retention_days` must be from 0 to 4294967295, found 99999999999"]
        );
    }
}
