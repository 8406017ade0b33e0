//! The replacement and destroy guard: what a regenerated root would do to the resources
//! that hold data.
//!
//! Terraform's provider schema does not say which argument forces a replacement
//! (hashicorp/terraform#29375), so no generic tool can warn before a plan. infragen knows
//! which resources it writes and which of them hold data (`data/stateful.toml`, read from
//! the AWS provider's source), and it has both generated trees: the one on disk and the
//! one it is about to write. For every stateful resource of the old tree the guard finds
//! whether it disappears, changes address without a `moved` block, or has an argument
//! that forces a new resource changed. Arguments are usually `var.x` of a module, passed
//! from the root: the guard evaluates what it can (literals in module calls, variable
//! defaults, locals) and otherwise compares the expression text with what its variables
//! are given.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use ::hcl::eval::{Context, Evaluate};
use ::hcl::{Body, Expression, Value};
use serde::Deserialize;

use super::review::module_of;
use super::{FileChange, Plan};

/// The table of stateful resource types and their force-new arguments, as kept in the
/// repository.
pub const STATEFUL_TABLE: &str = include_str!("../../data/stateful.toml");

/// A resource type that holds data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stateful {
    /// The Terraform resource type, e.g. `aws_db_instance`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What is lost when the resource is destroyed, as the end of a sentence.
    pub loss: String,
    /// Arguments whose change replaces the resource; `block.argument` inside a nested block.
    pub force_new: Vec<String>,
    /// Where in the provider's source the arguments were read.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    resource: Vec<Stateful>,
}

impl Stateful {
    /// Every stateful type in the table.
    pub fn all() -> &'static [Stateful] {
        static TABLE: OnceLock<Vec<Stateful>> = OnceLock::new();
        TABLE.get_or_init(|| {
            toml::from_str::<Table>(STATEFUL_TABLE).expect("data/stateful.toml parses (a unit test pins it)").resource
        })
    }

    /// The entry of a resource type, if it holds data.
    pub fn of(kind: &str) -> Option<&'static Stateful> {
        Stateful::all().iter().find(|s| s.kind == kind)
    }
}

/// One argument that forces a replacement, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub argument: String,
    pub before: String,
    pub after: String,
}

impl Change {
    /// When only what an expression's variables are given differs, the expression is
    /// named once: `name "${var.name}-logs" where var.name = "a" -> var.name = "b"`.
    fn new(argument: &str, before: String, after: String) -> Change {
        if let (Some((expression, was)), Some((same, will))) = (before.split_once(WHERE), after.split_once(WHERE))
            && expression == same
        {
            return Change {
                argument: format!("{argument} {expression}{}", WHERE.trim_end()),
                before: was.to_string(),
                after: will.to_string(),
            };
        }
        Change { argument: argument.to_string(), before, after }
    }
}

const WHERE: &str = " where ";

/// What happens to one stateful resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// Arguments that force a new resource change: Terraform destroys it and creates another.
    Replaces(Vec<Change>),
    /// The resource gets another address without a `moved` block: Terraform destroys the
    /// old one and creates the new one.
    Moves { to: String },
    /// The resource leaves the configuration and is destroyed.
    Destroys,
    /// The resource leaves the configuration, but a `removed` block with `destroy = false`
    /// only takes it out of the state: the data stays.
    Kept { from: String },
}

/// A stateful resource that a regenerated root would replace, destroy or let go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub address: String,
    pub kind: FindingKind,
    pub loss: &'static str,
}

impl Finding {
    /// True when applying the new root would destroy the data.
    pub fn destroys_data(&self) -> bool {
        !matches!(self.kind, FindingKind::Kept { .. })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let address = &self.address;
        match &self.kind {
            FindingKind::Replaces(changes) => {
                let changes: Vec<String> =
                    changes.iter().map(|c| format!("{} {} -> {}", c.argument, c.before, c.after)).collect();
                write!(f, "REPLACES {address} ({}): {}", changes.join("; "), self.loss)
            }
            FindingKind::Moves { to } => {
                write!(f, "REPLACES {address} (its address becomes {to} without a `moved` block): {}", self.loss)
            }
            FindingKind::Destroys => write!(f, "DESTROYS {address}: {}", self.loss),
            FindingKind::Kept { from } => write!(
                f,
                "KEEPS {address}: `removed {{ from = {from} }}` takes it out of the Terraform state without destroying it; its data stays in AWS (delete it there once it is no longer needed)"
            ),
        }
    }
}

/// The guard's findings for one root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    pub findings: Vec<Finding>,
}

impl Guard {
    /// What writing `plan` would do to the stateful resources of the root `root`.
    pub fn of(plan: &Plan, root: &str) -> Guard {
        if nothing_to_lose(plan, root) {
            return Guard::default();
        }
        let (before, after) = plan.sides(root);
        let (before, after) = (Tree::read(root, &before), Tree::read(root, &after));
        Guard { findings: compare(&before, &after) }
    }

    /// The `removed` blocks a root needs so that no stateful resource leaving it is
    /// destroyed: one for each that leaves now (the whole module when its call is gone),
    /// one for each security group leaving with it, and the ones the tree on disk already
    /// has, as long as their address stays out of the configuration. `plan` is the plan
    /// without them.
    pub fn keeping(plan: &Plan, root: &str) -> Vec<String> {
        if nothing_to_lose(plan, root) {
            return Vec::new();
        }
        let (before, after) = plan.sides(root);
        let (before, after) = (Tree::read(root, &before), Tree::read(root, &after));
        let mut from = BTreeSet::new();
        for finding in compare(&before, &after) {
            if finding.kind == FindingKind::Destroys {
                let module = finding.address.strip_prefix("module.").and_then(|rest| rest.split('.').next());
                match module {
                    Some(module) if !after.calls.contains_key(module) => from.insert(format!("module.{module}")),
                    _ => from.insert(finding.address.clone()),
                };
            }
        }
        // AWS refuses to delete a security group that a network interface still uses: one
        // that leaves together with kept data stays with it.
        if !from.is_empty() {
            for (address, resource) in &before.resources {
                if resource.kind == "aws_security_group" && !after.resources.contains_key(address) {
                    from.insert(address.clone());
                }
            }
        }
        for (address, destroy) in &before.removed {
            if !destroy {
                from.insert(address.clone());
            }
        }
        // A `removed` block the configuration itself has (a module's own) needs no second.
        from.retain(|address| !after.configures(address) && after.removed_from(address).is_none());
        from.into_iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The findings that would destroy data.
    pub fn destructive(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.destroys_data())
    }
}

/// A root that stays as it is, or that has nothing on disk yet, can lose nothing (and has
/// no `removed` blocks to carry on): no need to read it.
fn nothing_to_lose(plan: &Plan, root: &str) -> bool {
    plan.root_is_unchanged(root) || plan.files_of(root, FileChange::Added).count() == plan.files_of_root(root).count()
}

fn compare(before: &Tree, after: &Tree) -> Vec<Finding> {
    let appeared: Vec<(&String, &Resource)> =
        after.resources.iter().filter(|(address, _)| !before.resources.contains_key(*address)).collect();
    let mut findings = Vec::new();
    for (address, old) in &before.resources {
        let Some(stateful) = Stateful::of(&old.kind) else { continue };
        let target =
            if after.resources.contains_key(address) { Some(address.clone()) } else { after.moved_to(address) };
        let kind = match target.as_ref().and_then(|t| after.resources.get(t)) {
            Some(new) => {
                let changes: Vec<Change> = stateful
                    .force_new
                    .iter()
                    .filter_map(|argument| {
                        let (was, will) = (before.resolve(old, argument), after.resolve(new, argument));
                        (was != will).then(|| {
                            Change::new(
                                argument,
                                was.unwrap_or_else(|| "(unset)".into()),
                                will.unwrap_or_else(|| "(unset)".into()),
                            )
                        })
                    })
                    .collect();
                if changes.is_empty() {
                    continue;
                }
                FindingKind::Replaces(changes)
            }
            None => {
                if let Some(from) = after.removed_from(address) {
                    FindingKind::Kept { from }
                } else {
                    // The same resource under another address: the same type, and the same
                    // name or the same module. Only an unambiguous match counts.
                    let candidates: Vec<&String> = appeared
                        .iter()
                        .filter(|(new_address, new)| {
                            new.kind == old.kind
                                && (new.module == old.module || new.name == old.name)
                                && after.removed_from(new_address).is_none()
                        })
                        .map(|(new_address, _)| *new_address)
                        .collect();
                    match candidates.as_slice() {
                        [to] => FindingKind::Moves { to: (*to).clone() },
                        _ => FindingKind::Destroys,
                    }
                }
            }
        };
        findings.push(Finding { address: address.clone(), kind, loss: &stateful.loss });
    }
    findings
}

/// A resource block of a generated tree.
#[derive(Debug)]
struct Resource {
    kind: String,
    name: String,
    module: Option<String>,
    body: Body,
}

/// What a generated root says: its resources by address, the module calls, variable
/// defaults and locals (to resolve arguments), and its `moved` and `removed` blocks.
#[derive(Debug, Default)]
struct Tree {
    resources: BTreeMap<String, Resource>,
    calls: BTreeMap<String, Body>,
    /// Variable defaults by module (`None`: the root's own variables).
    defaults: BTreeMap<Option<String>, BTreeMap<String, Expression>>,
    locals: BTreeMap<Option<String>, Vec<(String, Expression)>>,
    moved: Vec<(String, String)>,
    /// `removed` blocks: the address and whether Terraform destroys the object.
    removed: Vec<(String, bool)>,
}

impl Tree {
    fn read(root: &str, files: &[(&str, &str)]) -> Tree {
        let mut tree = Tree::default();
        for (path, text) in files {
            // A file that does not parse cannot be one infragen wrote; the diff shows it.
            let Ok(body) = ::hcl::parse(text) else { continue };
            tree.add(module_of(root, path), &body);
        }
        tree
    }

    fn add(&mut self, module: Option<String>, body: &Body) {
        let prefix = module.as_ref().map(|m| format!("module.{m}.")).unwrap_or_default();
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            match (block.identifier(), labels.as_slice()) {
                ("resource", [kind, name]) => {
                    self.resources.insert(
                        format!("{prefix}{kind}.{name}"),
                        Resource {
                            kind: kind.to_string(),
                            name: name.to_string(),
                            module: module.clone(),
                            body: block.body().clone(),
                        },
                    );
                }
                ("module", [name]) if module.is_none() => {
                    self.calls.insert(name.to_string(), block.body().clone());
                }
                ("variable", [name]) => {
                    if let Some(default) = attribute(block.body(), "default") {
                        self.defaults.entry(module.clone()).or_default().insert(name.to_string(), default.clone());
                    }
                }
                ("locals", []) => {
                    let locals = self.locals.entry(module.clone()).or_default();
                    for attr in block.body().attributes() {
                        locals.push((attr.key().to_string(), attr.expr().clone()));
                    }
                }
                ("moved", []) => {
                    if let (Some(from), Some(to)) = (attribute(block.body(), "from"), attribute(block.body(), "to")) {
                        self.moved.push((format!("{prefix}{}", text(from)), format!("{prefix}{}", text(to))));
                    }
                }
                ("removed", []) => {
                    if let Some(from) = attribute(block.body(), "from") {
                        let destroy = block
                            .body()
                            .blocks()
                            .filter(|b| b.identifier() == "lifecycle")
                            .find_map(|b| attribute(b.body(), "destroy"))
                            .is_none_or(|d| *d != Expression::Bool(false));
                        self.removed.push((format!("{prefix}{}", text(from)), destroy));
                    }
                }
                _ => {}
            }
        }
    }

    /// True when the configuration has a resource or module call at or under `address`.
    fn configures(&self, address: &str) -> bool {
        let under = format!("{address}.");
        self.resources.keys().any(|a| a == address || a.starts_with(&under))
            || address.strip_prefix("module.").is_some_and(|module| self.calls.contains_key(module))
    }

    /// The new address of `address` after this tree's `moved` blocks.
    fn moved_to(&self, address: &str) -> Option<String> {
        self.moved.iter().find_map(|(from, to)| {
            if address == from {
                Some(to.clone())
            } else {
                address.strip_prefix(&format!("{from}.")).map(|rest| format!("{to}.{rest}"))
            }
        })
    }

    /// The `removed` block (with `destroy = false`) that covers `address`.
    fn removed_from(&self, address: &str) -> Option<String> {
        self.removed
            .iter()
            .find(|(from, destroy)| !destroy && (address == from || address.starts_with(&format!("{from}."))))
            .map(|(from, _)| from.clone())
    }

    /// The value of an argument of a resource as text to compare and show: the evaluated
    /// value where the guard can work it out, the expression with what its variables and
    /// locals are given otherwise; `None` when the argument is not set.
    fn resolve(&self, resource: &Resource, argument: &str) -> Option<String> {
        let (blocks, name) = match argument.rsplit_once('.') {
            Some((blocks, name)) => (blocks.split('.').collect::<Vec<_>>(), name),
            None => (Vec::new(), argument),
        };
        let mut body = &resource.body;
        for block in blocks {
            body = &body.blocks().find(|b| b.identifier() == block)?.body;
        }
        let expression = match attribute(body, name) {
            Some(expression) => expression.clone(),
            // A whole nested block: any change inside it counts.
            None => {
                let block = body.blocks().find(|b| b.identifier() == name)?;
                return Some(format!("{{ {} }}", ::hcl::format::to_string(block.body()).unwrap_or_default().trim()));
            }
        };
        let scope = self.scope(resource.module.as_deref());
        Some(scope.show(&expression))
    }

    /// What `var.*` and `local.*` are inside a module (or the root).
    fn scope(&self, module: Option<&str>) -> Scope {
        let root = Scope::from_defaults(self.defaults.get(&None), &Scope::default());
        let mut scope = match module {
            None => root.clone(),
            Some(name) => {
                let mut vars = Scope::from_defaults(self.defaults.get(&Some(name.to_string())), &root).vars;
                if let Some(call) = self.calls.get(name) {
                    for attr in call.attributes() {
                        vars.insert(attr.key().to_string(), root.known(attr.expr()));
                    }
                }
                Scope { vars, locals: BTreeMap::new() }
            }
        };
        // Locals may use variables and other locals; two passes settle the usual chains.
        for _ in 0..2 {
            for (name, expression) in self.locals.get(&module.map(str::to_string)).into_iter().flatten() {
                let known = scope.known(expression);
                scope.locals.insert(name.clone(), known);
            }
        }
        scope
    }
}

/// A value the guard worked out, or the expression it could not evaluate.
#[derive(Debug, Clone, PartialEq)]
enum Known {
    Value(Value),
    Text(String),
}

impl Known {
    fn show(&self) -> String {
        match self {
            Known::Value(value) => ::hcl::format::to_string(value).unwrap_or_default(),
            Known::Text(text) => text.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Scope {
    vars: BTreeMap<String, Known>,
    locals: BTreeMap<String, Known>,
}

impl Scope {
    fn from_defaults(defaults: Option<&BTreeMap<String, Expression>>, outer: &Scope) -> Scope {
        let vars = defaults.into_iter().flatten().map(|(name, default)| (name.clone(), outer.known(default))).collect();
        Scope { vars, locals: BTreeMap::new() }
    }

    fn context(&self) -> Context<'static> {
        let object = |known: &BTreeMap<String, Known>| {
            let mut map = ::hcl::Map::new();
            for (name, value) in known {
                if let Known::Value(value) = value {
                    map.insert(name.clone(), value.clone());
                }
            }
            Value::Object(map)
        };
        let mut context = Context::new();
        context.declare_var("var", object(&self.vars));
        context.declare_var("local", object(&self.locals));
        context
    }

    fn known(&self, expression: &Expression) -> Known {
        match expression.evaluate(&self.context()) {
            Ok(value) => Known::Value(value),
            Err(_) => Known::Text(text(expression)),
        }
    }

    /// The value of an expression, or its text followed by what each variable and local
    /// it uses is given: `"${var.name}-logs" where var.name = "acme-prod"`.
    fn show(&self, expression: &Expression) -> String {
        let known = self.known(expression);
        let Known::Text(text) = &known else { return known.show() };
        let mut given = Vec::new();
        for (prefix, table) in [("var", &self.vars), ("local", &self.locals)] {
            for name in references(text, prefix) {
                if let Some(value) = table.get(&name) {
                    given.push(format!("{prefix}.{name} = {}", value.show()));
                }
            }
        }
        if given.is_empty() { text.clone() } else { format!("{text}{WHERE}{}", given.join(", ")) }
    }
}

/// The names used as `prefix.name` in an expression's text.
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let needle = format!("{prefix}.");
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices(&needle) {
        if text[..at].chars().next_back().is_some_and(|c| is_ident(c) || c == '.') {
            continue;
        }
        let name: String = text[at + needle.len()..].chars().take_while(|c| is_ident(*c)).collect();
        if !name.is_empty() {
            names.insert(name);
        }
    }
    names
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

fn text(expression: &Expression) -> String {
    ::hcl::format::to_string(expression).unwrap_or_default()
}

#[cfg(test)]
mod tests;
