//! A module's inputs and outputs, read back from its rendered `variables.tf` and
//! `outputs.tf`, so that the README tables can never disagree with the code.

use ::hcl::Expression;
use hcl_edit::structure::{Block, Body};
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
    /// Reads the interface of a module from its `variables.tf` and `outputs.tf` as
    /// hcl-edit parsed them: of the tree only a few expressions are needed, and only those
    /// are converted into hcl-rs's (converting the whole tree, as `hcl::parse` does, costs
    /// about half as much again as the parse).
    pub fn read(variables: Option<&Body>, outputs: Option<&Body>) -> Result<Interface, String> {
        let attribute = |block: &Block, key: &str| -> Option<Expression> {
            block.body.get_attribute(key).map(|attribute| Expression::from(attribute.value.clone()))
        };
        let mut interface = Interface::default();
        for block in variables.into_iter().flat_map(|body| body.get_blocks("variable")) {
            interface.inputs.push(Input {
                name: label(block),
                r#type: attribute(block, "type").map_or_else(|| Ok("any".into()), |e| expression_text(&e))?,
                description: attribute(block, "description").map(|e| string_value(&e)).unwrap_or_default(),
                sensitive: matches!(attribute(block, "sensitive"), Some(Expression::Bool(true))),
            });
        }
        for block in outputs.into_iter().flat_map(|body| body.get_blocks("output")) {
            let description = attribute(block, "description").map(|e| string_value(&e)).unwrap_or_default();
            interface.outputs.push(Output { name: label(block), description });
        }
        Ok(interface)
    }
}

fn label(block: &Block) -> String {
    block.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default()
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
        let variables = hcl_edit::parser::parse_body(
            "variable \"subnets\" {\n  description = \"CIDRs.\"\n  type        = map(string)\n}\n\nvariable \"token\" {\n  type      = string\n  sensitive = true\n}\n",
        )
        .expect("parses");
        let outputs =
            hcl_edit::parser::parse_body("output \"id\" {\n  description = \"The ID.\"\n  value       = 1\n}\n")
                .expect("parses");
        let interface = Interface::read(Some(&variables), Some(&outputs)).expect("reads");
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
