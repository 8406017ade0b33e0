//! A module's inputs and outputs, read back from its rendered `variables.tf` and
//! `outputs.tf`, so that the README tables can never disagree with the code.

use std::collections::BTreeMap;

use ::hcl::{Body, Expression};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Interface {
    pub inputs: Vec<Input>,
    pub outputs: Vec<Output>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Input {
    pub name: String,
    /// The type expression as written, e.g. `map(string)`.
    pub r#type: String,
    pub description: String,
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    pub name: String,
    pub description: String,
}

impl Interface {
    /// Reads the interface of the module whose files are under `dir` in `files`.
    pub fn read(files: &BTreeMap<String, String>, dir: &str) -> Result<Interface, String> {
        let parse = |file: &str| -> Result<Option<Body>, String> {
            files.get(&format!("{dir}{file}")).map(|text| ::hcl::parse(text).map_err(|e| e.to_string())).transpose()
        };
        let mut interface = Interface::default();
        if let Some(body) = parse("variables.tf")? {
            for block in body.blocks().filter(|b| b.identifier() == "variable") {
                let attributes = block.body().attributes();
                let mut input =
                    Input { name: label(block), r#type: "any".into(), description: String::new(), sensitive: false };
                for attribute in attributes {
                    match attribute.key() {
                        "type" => input.r#type = expression_text(attribute.expr())?,
                        "description" => input.description = string_value(attribute.expr()),
                        "sensitive" => input.sensitive = matches!(attribute.expr(), Expression::Bool(true)),
                        _ => {}
                    }
                }
                interface.inputs.push(input);
            }
        }
        if let Some(body) = parse("outputs.tf")? {
            for block in body.blocks().filter(|b| b.identifier() == "output") {
                let description = block
                    .body()
                    .attributes()
                    .find(|a| a.key() == "description")
                    .map(|a| string_value(a.expr()))
                    .unwrap_or_default();
                interface.outputs.push(Output { name: label(block), description });
            }
        }
        Ok(interface)
    }
}

fn label(block: &::hcl::Block) -> String {
    block.labels().first().map(|l| l.as_str().to_string()).unwrap_or_default()
}

fn string_value(expression: &Expression) -> String {
    match expression {
        Expression::String(s) => s.clone(),
        other => expression_text(other).unwrap_or_default(),
    }
}

fn expression_text(expression: &Expression) -> Result<String, String> {
    ::hcl::format::to_string(expression).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_variables_and_outputs() {
        let mut files = BTreeMap::new();
        files.insert(
            "m/variables.tf".to_string(),
            "variable \"subnets\" {\n  description = \"CIDRs.\"\n  type        = map(string)\n}\n\nvariable \"token\" {\n  type      = string\n  sensitive = true\n}\n"
                .to_string(),
        );
        files.insert(
            "m/outputs.tf".to_string(),
            "output \"id\" {\n  description = \"The ID.\"\n  value       = 1\n}\n".to_string(),
        );
        let interface = Interface::read(&files, "m/").expect("parses");
        assert_eq!(
            interface.inputs[0],
            Input {
                name: "subnets".into(),
                r#type: "map(string)".into(),
                description: "CIDRs.".into(),
                sensitive: false
            }
        );
        assert!(interface.inputs[1].sensitive);
        assert_eq!(interface.outputs, [Output { name: "id".into(), description: "The ID.".into() }]);
    }
}
