//! Values to HCL literals: the `hcl` template filter.
//!
//! Templates write Terraform expressions themselves and use `{{ value | hcl }}` wherever a
//! value from the model goes, so quoting and escaping live in exactly one place. Strings are
//! escaped for HCL *templates* too: a literal `${` or `%{` in a value becomes `$${` / `%%{`,
//! so no value can ever inject an interpolation into the generated code.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// Renders a value as an HCL literal. Lists stay on one line when short; maps are
/// written one key per line (the formatter aligns them).
pub fn literal(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::None => Ok("null".into()),
        ValueKind::Bool => Ok(if value.is_true() { "true" } else { "false" }.into()),
        ValueKind::Number => number(value),
        ValueKind::String => Ok(quote(value.as_str().unwrap_or_default())),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = value.try_iter()?.map(|item| literal(&item)).collect::<Result<Vec<_>, _>>()?;
            let single_line = format!("[{}]", items.join(", "));
            if single_line.len() <= 160 && !single_line.contains('\n') {
                Ok(single_line)
            } else {
                Ok(format!("[\n{},\n]", items.join(",\n")))
            }
        }
        ValueKind::Map => {
            let mut lines = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                lines.push(format!("{} = {}", object_key(&key.to_string()), literal(&item)?));
            }
            if lines.is_empty() { Ok("{}".into()) } else { Ok(format!("{{\n{}\n}}", lines.join("\n"))) }
        }
        kind => Err(Error::new(ErrorKind::InvalidOperation, format!("cannot write a {kind} value as HCL"))),
    }
}

fn number(value: &Value) -> Result<String, Error> {
    if let Some(integer) = value.as_i64() {
        return Ok(integer.to_string());
    }
    let text = value.to_string();
    match text.parse::<f64>() {
        Ok(float) if float.is_finite() => Ok(text),
        _ => Err(Error::new(ErrorKind::InvalidOperation, format!("{text} is not a number HCL can write"))),
    }
}

/// A quoted HCL string with every special character escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            // Control characters, and the bidirectional ones that make code read otherwise
            // than it is ("Trojan Source"), are written as escapes.
            c if c.is_control() || is_bidi(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The characters that reorder text when displayed (Unicode bidirectional controls).
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// An object key: bare when it is a plain identifier, quoted otherwise.
fn object_key(key: &str) -> String {
    let mut chars = key.chars();
    let bare = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if bare { key.to_string() } else { quote(key) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::value::Serde;

    #[test]
    fn bidirectional_characters_are_escaped() {
        assert_eq!(quote("a\u{202e}b\u{2066}"), "\"a\\u202Eb\\u2066\"");
    }
    use std::collections::BTreeMap;

    #[test]
    fn scalars() {
        assert_eq!(literal(&Value::from(true)).unwrap(), "true");
        assert_eq!(literal(&Value::from(8000)).unwrap(), "8000");
        assert_eq!(literal(&Value::from(0.5)).unwrap(), "0.5");
        assert_eq!(literal(&Value::from(())).unwrap(), "null");
        assert_eq!(literal(&Value::from("10.0.0.0/16")).unwrap(), "\"10.0.0.0/16\"");
    }

    #[test]
    fn strings_cannot_inject_interpolations_or_break_quotes() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(quote("${var.x} and %{if}"), "\"$${var.x} and %%{if}\"");
        assert_eq!(quote("cost $5 or 5%"), "\"cost $5 or 5%\"");
        assert_eq!(quote("bell\u{7}"), "\"bell\\u0007\"");
    }

    #[test]
    fn lists_and_maps() {
        assert_eq!(literal(&Value::from(vec!["a", "b"])).unwrap(), "[\"a\", \"b\"]");
        let long: Vec<String> = (0..12).map(|i| format!("subnet-{i:010}")).collect();
        assert!(literal(&Value::from(long)).unwrap().starts_with("[\n\"subnet-0000000000\",\n"));
        let map: BTreeMap<&str, &str> = [("ap-northeast-1a", "10.0.0.0/24"), ("Name", "x")].into();
        assert_eq!(
            literal(&Value::from(Serde(&map))).unwrap(),
            "{\nName = \"x\"\n\"ap-northeast-1a\" = \"10.0.0.0/24\"\n}"
        );
        let empty: BTreeMap<&str, &str> = BTreeMap::new();
        assert_eq!(literal(&Value::from(Serde(&empty))).unwrap(), "{}");
    }
}
