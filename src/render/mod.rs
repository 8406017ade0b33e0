//! Rendering a validated architecture into Terraform files.
//!
//! Templates under `templates/` are compiled into the binary (see `build.rs`) and rendered
//! with minijinja against a context computed in Rust ([`context`]). Every `.tf` file is then
//! brought into `terraform fmt` form by [`format`], which also lists its top-level blocks
//! from the same tokens ([`RenderedRoot::resources`]), and parsed by hcl-edit as a last
//! check ([`check_parses`]), so nothing that does not parse ever reaches the disk. The
//! files that the roots of one run share are formatted and parsed once ([`memo`]).
//!
//! Layout of an environment root (`<env>/`): `versions.tf`, `providers.tf`, `backend.tf`,
//! `main.tf`, `variables.tf`, `outputs.tf`, `README.md`, and `modules/<module>/` with
//! `main.tf`, `variables.tf`, `outputs.tf`, `versions.tf`, `README.md` and, for a large
//! concern, a file of its own (`flow-logs.tf`, `security-groups.tf`).

pub mod context;
pub mod format;
mod hcl;
mod interface;
mod memo;
pub mod moved;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::model::Architecture;
use crate::model::pipeline::Pipeline;
use context::{BootstrapContext, EnvironmentContext};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The name of the root that holds the state bucket.
pub const BOOTSTRAP_ROOT: &str = "bootstrap";

/// What the bootstrap root holds for all the environments besides their state: the
/// pipeline's roles, and in every region they run in the CloudWatch Logs resource policy
/// that lets WAF deliver to their web ACLs' logs (an account has at most 10 such policies
/// in a region, so one each per environment would stop the eleventh).
#[derive(Debug, Clone, Copy)]
pub struct BootstrapInputs<'a> {
    pub pipeline: Option<&'a Pipeline>,
    /// The regions of the environments.
    pub regions: &'a BTreeSet<String>,
}

/// The pipeline's root: `.github/workflows`, with `.github` as the output directory.
pub const PIPELINE_ROOT: &str = "workflows";

/// A failure to produce output from a valid model: always a bug in infragen's templates.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{template}`: {message}")]
    Template { template: String, message: String },
    #[error("{file}: the generated HCL cannot be formatted: {source}")]
    Format { file: String, source: format::FormatError },
    #[error("{file}: the generated HCL does not parse: {message}")]
    Parse { file: String, message: String },
}

/// One generated root module: its files by path relative to the output directory, e.g.
/// `dev/modules/network/main.tf`.
#[derive(Debug, Clone)]
pub struct RenderedRoot {
    /// The root's directory name: the environment's name, or `bootstrap`.
    pub name: String,
    /// Read through [`RenderedRoot::files`]: only the renderer adds files
    /// (`RenderedRoot::insert`), keeping `blocks` and `parsed` in step; a root made
    /// otherwise comes from [`RenderedRoot::new`].
    files: BTreeMap<String, String>,
    /// The top-level blocks of every `.tf` file of `files`, by path: taken from the lex
    /// that formatted the file ([`format::Canonical`]), so that listing and counting
    /// resources, and the review, never lex a rendered file again. A function of `files`,
    /// so it changes nothing in what equality and clones mean.
    blocks: BTreeMap<String, Arc<[format::TopLevelBlock]>>,
    /// The `.tf` files hcl-edit already parsed in their final form while rendering (a
    /// module's `variables.tf` and `outputs.tf`, read back for its README, and files that
    /// another root shared and that were parsed there, see [`memo`]): the check before
    /// writing ([`check_parses`]) need not parse them a second time.
    parsed: BTreeSet<String>,
    /// The files this root shares with other roots of the run, by path ([`memo`]).
    shared: BTreeMap<String, Arc<memo::SharedFile>>,
}

/// Two roots are equal when they have the same files: `blocks` follows from the files, and
/// `parsed` and `shared` only save work.
impl PartialEq for RenderedRoot {
    fn eq(&self, other: &RenderedRoot) -> bool {
        self.name == other.name && self.files == other.files
    }
}

impl Eq for RenderedRoot {}

/// A resource block of a rendered root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceBlock<'a> {
    /// The file that declares it, e.g. `dev/modules/rds/main.tf`.
    pub path: &'a str,
    /// The module whose directory holds the file (`None` for the root's own files).
    pub module: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
}

impl ResourceBlock<'_> {
    /// The address as Terraform names it: `module.rds.aws_db_instance.this`.
    pub fn address(&self) -> String {
        match self.module {
            Some(module) => format!("module.{module}.{}.{}", self.kind, self.name),
            None => format!("{}.{}", self.kind, self.name),
        }
    }
}

impl RenderedRoot {
    /// A root of files in their final form, not made by the renderer (tests, tools): every
    /// `.tf` file is lexed here for its blocks.
    pub fn new(name: impl Into<String>, files: BTreeMap<String, String>) -> RenderedRoot {
        let blocks = files
            .iter()
            .filter(|(path, _)| path.ends_with(".tf"))
            .map(|(path, text)| (path.clone(), Arc::from(format::top_level_blocks(text))))
            .collect();
        RenderedRoot { name: name.into(), files, blocks, parsed: BTreeSet::new(), shared: BTreeMap::new() }
    }

    /// Its files, by path relative to the output directory.
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    /// Its files, taken out of it.
    pub fn into_files(self) -> BTreeMap<String, String> {
        self.files
    }

    /// Adds (or replaces) a file in its final form.
    fn insert(&mut self, path: String, file: Finished) {
        match file.blocks {
            Some(blocks) => self.blocks.insert(path.clone(), blocks),
            None => self.blocks.remove(&path),
        };
        if file.parsed {
            self.parsed.insert(path.clone());
        } else {
            self.parsed.remove(&path);
        }
        match file.shared {
            Some(shared) => self.shared.insert(path.clone(), shared),
            None => self.shared.remove(&path),
        };
        self.files.insert(path, file.text);
    }

    /// Parses the `.tf` file at `path` with hcl-edit (see [`parse`]), remembering that its
    /// text parses.
    fn parse(&mut self, path: &str) -> Result<Option<hcl_edit::structure::Body>, RenderError> {
        let Some(text) = self.files.get(path) else { return Ok(None) };
        let body = parse(path, text)?;
        self.parsed.insert(path.to_string());
        if let Some(shared) = self.shared.get(path) {
            shared.mark_parsed();
        }
        Ok(Some(body))
    }

    /// Which file of the [`memo`] the file at `path` is: `Some(None)` when the root has no
    /// such file, `None` when it has one the memo does not share.
    fn shared_id(&self, path: &str) -> Option<Option<usize>> {
        match (self.files.contains_key(path), self.shared.get(path)) {
            (false, _) => Some(None),
            (true, Some(shared)) => Some(Some(shared.id)),
            (true, None) => None,
        }
    }

    /// Whether the `.tf` file at `path` still needs [`check_parses`] before it is written:
    /// false for one rendering already parsed, or one another root shares and parsed.
    pub fn needs_parse_check(&self, path: &str) -> bool {
        path.ends_with(".tf")
            && !self.parsed.contains(path)
            && !self.shared.get(path).is_some_and(|shared| shared.is_parsed())
    }

    /// [`check_parses`] of `text`, the file at `path`, before it is written; a file this
    /// root shares with others is then known to parse for them too (see [`memo`]).
    pub fn check_parses_of(&self, path: &str, text: &str) -> Result<(), RenderError> {
        check_parses(path, text)?;
        if let Some(shared) = self.shared.get(path).filter(|_| self.files.get(path).is_some_and(|ours| ours == text)) {
            shared.mark_parsed();
        }
        Ok(())
    }

    /// The top-level blocks of the `.tf` file at `path` (`None` for any other file).
    pub fn blocks(&self, path: &str) -> Option<&[format::TopLevelBlock]> {
        self.blocks.get(path).map(|blocks| &**blocks)
    }

    /// Every resource block of the `.tf` files, in the order of their paths and, within a
    /// file, as written.
    pub fn resources(&self) -> impl Iterator<Item = ResourceBlock<'_>> {
        let prefix = format!("{}/modules/", self.name);
        self.blocks.iter().flat_map(move |(path, blocks)| {
            let module = path.strip_prefix(&prefix).and_then(|rest| rest.split('/').next());
            blocks.iter().filter_map(format::TopLevelBlock::as_resource).map(move |(kind, name)| ResourceBlock {
                path,
                module,
                kind,
                name,
            })
        })
    }

    /// Every resource address of the root, as Terraform names it
    /// (`module.rds.aws_db_instance.this`), sorted.
    pub fn addresses(&self) -> Vec<String> {
        let mut addresses: Vec<String> = self.resources().map(|resource| resource.address()).collect();
        addresses.sort();
        addresses
    }

    /// Parses every `.tf` file rendering did not already parse (see [`check_parses`]).
    pub fn check_parses(&self) -> Result<(), RenderError> {
        self.files
            .iter()
            .filter(|(path, _)| self.needs_parse_check(path))
            .try_for_each(|(path, text)| check_parses(path, text))
    }

    /// Resources per module, counted in the rendered files; `(root)` for resources the
    /// root declares itself.
    pub fn resource_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for resource in self.resources() {
            *counts.entry(resource.module.unwrap_or("(root)").to_string()).or_insert(0) += 1;
        }
        counts
    }
}

/// The template engine with every template loaded.
pub struct Renderer {
    env: Environment<'static>,
    /// The `.tf` files of the roots it rendered, for the roots that share them.
    memo: memo::Memo,
}

impl Renderer {
    pub fn new() -> Result<Self, RenderError> {
        Renderer::with_templates(|_| true)
    }

    /// A renderer of the pipeline alone ([`Renderer::pipeline`]): `gen --check` checks the
    /// workflow on every run and need not compile the Terraform templates for it.
    pub fn for_pipeline() -> Result<Self, RenderError> {
        Renderer::with_templates(|name| name.starts_with("ci/"))
    }

    fn with_templates(wanted: impl Fn(&str) -> bool) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error("(syntax)", e))?;
        env.set_syntax(syntax);
        // A misspelt context field must fail loudly, not render as an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("hcl", |value: Value| hcl::literal(&value));
        // Rules every module's variables share (modules/common/variables.tf.j2).
        env.add_global("name_max", crate::model::NAME_PREFIX_MAX);
        env.add_global("log_retention_days_allowed", Value::from(crate::model::LOG_RETENTION_DAYS.to_vec()));
        env.add_global("key_administration_actions", Value::from(context::KEY_ADMINISTRATION_ACTIONS.to_vec()));
        env.add_filter("md", |text: &str| markdown_cell(text));
        env.add_filter("code", |text: &str| markdown_code(text));
        for (name, source) in TEMPLATES.iter().filter(|(name, _)| wanted(name)) {
            env.add_template(name, source).map_err(|e| template_error(name, e))?;
        }
        Ok(Renderer { env, memo: memo::Memo::default() })
    }

    /// Renders the root module of one environment.
    pub fn environment(&self, arch: &Architecture) -> Result<RenderedRoot, RenderError> {
        self.environment_replacing(arch, &[])
    }

    /// Renders the root module of one environment without `prevent_destroy` on the
    /// resources at `replace_allowed` (`gen --allow-replace`), so that a replacement the
    /// user agreed to can be applied.
    pub fn environment_replacing(
        &self,
        arch: &Architecture,
        replace_allowed: &[String],
    ) -> Result<RenderedRoot, RenderError> {
        let root = self.environment_unparsed(arch, replace_allowed)?;
        root.check_parses()?;
        Ok(root)
    }

    /// [`Renderer::environment_replacing`] without the final parse: for `gen`, which parses
    /// exactly the files it writes (a file whose bytes are already on disk, as infragen
    /// wrote and parsed them, needs no second parse; nor does one rendering parsed, see
    /// [`RenderedRoot::needs_parse_check`]).
    pub fn environment_unparsed(
        &self,
        arch: &Architecture,
        replace_allowed: &[String],
    ) -> Result<RenderedRoot, RenderError> {
        let mut context = EnvironmentContext::new(arch);
        context.data_protection.replace_allowed = replace_allowed.to_vec();
        let header = environment_header(arch);
        let root = &arch.environment;
        // Converted into the engine's values once: every one of some sixty templates reads it.
        let base = Value::from(Serde(&context));
        let mut rendered = RenderedRoot::new(root.clone(), BTreeMap::new());
        self.render_dir("root/", &format!("{root}/"), &base, &header, &mut rendered)?;
        // Two roots rendered side by side go through the modules from opposite ends, so
        // that each formats and parses half of what they share and takes the rest from
        // the other (see `memo`); the files are the same in either order.
        let mut modules: Vec<_> = context.modules.iter().collect();
        if self.memo.begin_root() % 2 == 1 {
            modules.reverse();
        }
        for module in modules {
            let out_dir = format!("{root}/modules/{}/", module.name);
            // A module's templates see its own extra tags (`module_tags`) as `module_tags`.
            let module_context = minijinja::context! {
                module_tags => Value::from(Serde(&context.module_tags[module.name])),
                ..base.clone()
            };
            self.render_dir(&format!("modules/{}/", module.name), &out_dir, &module_context, &header, &mut rendered)?;
            let versions_context = minijinja::context! {
                aliases => Value::from(Serde((module.provider_aliases)(arch))),
                ..base.clone()
            };
            let versions_path = format!("{out_dir}versions.tf");
            let versions = self.render("modules/common/versions.tf.j2", versions_context)?;
            let versions = self.finish(&versions_path, &header, &versions)?;
            rendered.insert(versions_path, versions);

            let interface = self.interface(&mut rendered, &out_dir)?;
            let readme_context = minijinja::context! {
                module => Value::from(Serde(module)),
                interface => Value::from(Serde(&interface)),
                ..base.clone()
            };
            let readme_path = format!("{out_dir}README.md");
            let readme = self.render(&format!("modules/{}/README.md.j2", module.name), readme_context)?;
            let readme = self.finish(&readme_path, &header, &readme)?;
            rendered.insert(readme_path, readme);
        }
        let moves = moved::applying(moved::all(), &rendered.addresses());
        if !moves.is_empty() {
            let path = format!("{root}/moved.tf");
            let text = self.render("keep/moved.tf.j2", minijinja::context! { moves => Value::from(Serde(&moves)) })?;
            let moved = self.finish(&path, &header, &text)?;
            rendered.insert(path, moved);
        }
        Ok(rendered)
    }

    /// Adds `removed.tf` to an environment's root: a `removed` block with `destroy = false`
    /// for each address, so that resources holding data leave the configuration without
    /// being destroyed (the guard in `output` works out which).
    pub fn keep(&self, arch: &Architecture, root: &mut RenderedRoot, removed: &[String]) -> Result<(), RenderError> {
        let path = format!("{}/removed.tf", root.name);
        let text = self.render("keep/removed.tf.j2", minijinja::context! { removed => removed.to_vec() })?;
        let removed = self.finish(&path, &environment_header(arch), &text)?;
        root.insert(path, removed);
        Ok(())
    }

    /// Renders the bootstrap root (the state bucket) from an environment's state settings,
    /// with the pipeline's OIDC provider and roles when the project has a pipeline.
    pub fn bootstrap(&self, arch: &Architecture, inputs: BootstrapInputs<'_>) -> Result<RenderedRoot, RenderError> {
        let root = self.bootstrap_unparsed(arch, inputs)?;
        root.check_parses()?;
        Ok(root)
    }

    /// [`Renderer::bootstrap`] without the final parse (see [`Renderer::environment_unparsed`]).
    pub fn bootstrap_unparsed(
        &self,
        arch: &Architecture,
        inputs: BootstrapInputs<'_>,
    ) -> Result<RenderedRoot, RenderError> {
        let context = BootstrapContext::new(arch, inputs);
        let header = "Generated by infragen from the [state] settings of the environment files. Do not edit by hand: run `infragen gen`.";
        let mut root = RenderedRoot::new(BOOTSTRAP_ROOT, BTreeMap::new());
        self.render_dir("bootstrap/", &format!("{BOOTSTRAP_ROOT}/"), &Value::from(Serde(&context)), header, &mut root)?;
        Ok(root)
    }

    /// Renders the GitHub Actions workflow of the project's pipeline, as the root
    /// `workflows` of the `.github` directory.
    pub fn pipeline(&self, pipeline: &Pipeline) -> Result<RenderedRoot, RenderError> {
        let context = context::PipelineContext::new(pipeline);
        let header = "Generated by infragen from the [ci] settings of the environment files. Do not edit by hand: run `infragen ci`.";
        let mut root = RenderedRoot::new(PIPELINE_ROOT, BTreeMap::new());
        self.render_dir("ci/", &format!("{PIPELINE_ROOT}/"), &Value::from(Serde(&context)), header, &mut root)?;
        Ok(root)
    }

    /// Renders every template directly in `template_dir` (not in subdirectories), except
    /// module READMEs, which need the rendered interface first.
    fn render_dir(
        &self,
        template_dir: &str,
        out_dir: &str,
        context: &Value,
        header: &str,
        root: &mut RenderedRoot,
    ) -> Result<(), RenderError> {
        let is_module = template_dir.starts_with("modules/");
        for (name, _) in TEMPLATES {
            let Some(file) = name.strip_prefix(template_dir).and_then(|f| f.strip_suffix(".j2")) else { continue };
            if file.contains('/') || (is_module && file == "README.md") {
                continue;
            }
            let path = format!("{out_dir}{file}");
            let text = self.render(name, context.clone())?;
            // A template whose subject the root lacks (the pipeline's roles) renders nothing.
            if text.trim().is_empty() {
                continue;
            }
            let file = self.finish(&path, header, &text)?;
            root.insert(path, file);
        }
        Ok(())
    }

    /// The interface of the module in `dir`, read back from its `variables.tf` and
    /// `outputs.tf` (or from the memo, when another root had the same files).
    fn interface(&self, rendered: &mut RenderedRoot, dir: &str) -> Result<interface::Interface, RenderError> {
        let paths = [format!("{dir}variables.tf"), format!("{dir}outputs.tf")];
        let key = rendered.shared_id(&paths[0]).zip(rendered.shared_id(&paths[1]));
        self.memo.interface(key, || {
            let variables = rendered.parse(&paths[0])?;
            let outputs = rendered.parse(&paths[1])?;
            interface::Interface::read(variables.as_ref(), outputs.as_ref())
                .map_err(|message| RenderError::Parse { file: paths[0].clone(), message })
        })
    }

    /// Puts the header on a rendered file and brings it into its final form (a `.tf` file is
    /// formatted, and parsed only when the memo shares it: see [`check_parses`]).
    fn finish(&self, path: &str, header: &str, text: &str) -> Result<Finished, RenderError> {
        if path.ends_with(".tf") {
            self.memo.finish_tf(path, header, text)
        } else {
            Ok(finish_text(path, header, text))
        }
    }

    fn render(&self, template: &str, context: Value) -> Result<String, RenderError> {
        let compiled = self.env.get_template(template).map_err(|e| template_error(template, e))?;
        compiled.render(context).map_err(|e| template_error(template, e))
    }
}

fn environment_header(arch: &Architecture) -> String {
    format!(
        "Generated by infragen from {}. Do not edit by hand: change the environment file and run `infragen gen`.",
        arch.source_name
    )
}

fn template_error(template: &str, error: minijinja::Error) -> RenderError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    RenderError::Template { template: template.to_string(), message }
}

/// Parses a rendered `.tf` file: the last check before it is written, so that nothing
/// that does not parse ever reaches the disk.
pub fn check_parses(path: &str, text: &str) -> Result<(), RenderError> {
    parse(path, text).map(drop)
}

/// Parses a rendered `.tf` file with hcl-edit: [`check_parses`], with the tree.
fn parse(path: &str, text: &str) -> Result<hcl_edit::structure::Body, RenderError> {
    // hcl-rs parses with hcl-edit and then converts the tree into its own; the check needs
    // only the parse, and the conversion cost about a third of it.
    hcl_edit::parser::parse_body(text)
        .map_err(|e| RenderError::Parse { file: path.to_string(), message: e.to_string() })
}

/// A rendered file in its final form.
struct Finished {
    text: String,
    /// The top-level blocks of a `.tf` file ([`format::Canonical::blocks`]); `None` for
    /// any other file. Shared, like the file, by the roots that share it.
    blocks: Option<Arc<[format::TopLevelBlock]>>,
    /// Whether hcl-edit parsed the text (a `.tf` file another root shared, see [`memo`]).
    parsed: bool,
    /// The memo's entry for a `.tf` file roots may share.
    shared: Option<Arc<memo::SharedFile>>,
}

/// Puts the header on a rendered file other than a `.tf` file and tidies it.
fn finish_text(path: &str, header: &str, text: &str) -> Finished {
    let other = |text: String| Finished { text, blocks: None, parsed: false, shared: None };
    if let Some(script) = text.strip_prefix("#!/bin/sh\n") {
        // A script keeps its interpreter line first.
        other(tidy_text(&format!("#!/bin/sh\n# {header}\n{script}")))
    } else if path.ends_with(".yml") {
        other(tidy_text(&format!("# {header}\n\n{text}")))
    } else if path.ends_with(".sh") {
        other(tidy_text(&format!("#!/usr/bin/env bash\n# {header}\n\n{text}")))
    } else {
        other(tidy_text(&format!("<!-- {header} -->\n\n{text}")))
    }
}

/// Escapes text for a Markdown table cell: `|` would end the cell, `<...>` would be read
/// as HTML.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}

/// A string from an environment file as a Markdown code span (the `code` filter): the one
/// way such a string reaches a README. Inside a code span nothing is Markdown or HTML; the
/// fence is longer than any run of backticks in the text, so the text cannot close it; a
/// line break or another control or bidirectional character is written as an escape
/// (`\n`, `\u001B`), so it can neither end the line nor hide what follows; and `|` is
/// escaped, which a table cell needs even inside a code span (elsewhere it shows as `\|`).
pub fn markdown_code(text: &str) -> String {
    let mut body = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => body.push_str("\\n"),
            '\r' => body.push_str("\\r"),
            '\t' => body.push_str("\\t"),
            '|' => body.push_str("\\|"),
            c if c.is_control() || hcl::is_bidi(c) => body.push_str(&format!("\\u{:04X}", c as u32)),
            c => body.push(c),
        }
    }
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // One space inside each end is stripped by the reader; it keeps a backtick at an end
    // from joining the fence.
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Markdown and other text: no trailing spaces, at most one blank line in a row, one final
/// newline.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_from_input_become_code_spans_they_cannot_leave() {
        assert_eq!(markdown_code("/app/backend migrate"), "`/app/backend migrate`");
        assert_eq!(markdown_code("a `b` c"), "``a `b` c``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("a | b\n# c"), "`a \\| b\\n# c`");
        assert_eq!(markdown_code("x\u{1b}\u{202e}"), "`x\\u001B\\u202E`");
        assert_eq!(markdown_code(""), "`  `");
    }

    #[test]
    fn every_template_compiles() {
        Renderer::new().expect("templates compile");
    }

    #[test]
    fn renames_become_moved_blocks_and_kept_data_removed_blocks() {
        let renderer = Renderer::new().expect("templates");
        let moves = moved::parse(
            "[[moved]]\nfrom = \"module.network.aws_eip.nat\"\nto = \"module.network.aws_eip.gateway\"\nsince = \"0.2.0\"\n",
        )
        .expect("parses");
        let text = renderer
            .render("keep/moved.tf.j2", minijinja::context! { moves => Value::from(Serde(&moves)) })
            .expect("renders");
        let moved = renderer.finish("prod/moved.tf", "header", &text).expect("formats").text;
        check_parses("prod/moved.tf", &moved).expect("parses");
        assert!(
            moved
                .contains("moved {\n  from = module.network.aws_eip.nat\n  to   = module.network.aws_eip.gateway\n}\n"),
            "{moved}"
        );
        let text = renderer
            .render("keep/removed.tf.j2", minijinja::context! { removed => vec!["module.cache"] })
            .expect("renders");
        let removed = renderer.finish("prod/removed.tf", "header", &text).expect("formats").text;
        check_parses("prod/removed.tf", &removed).expect("parses");
        assert!(removed.contains("removed {\n  from = module.cache\n\n  lifecycle {\n    destroy = false\n  }\n}\n"));
    }

    #[test]
    fn tidy_text_collapses_blank_runs_and_trailing_space() {
        assert_eq!(tidy_text("# a  \n\n\n\nb\n\n"), "# a\n\nb\n");
    }
}
