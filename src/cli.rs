//! Command-line definitions. Parsing only: every command lives in `crate::commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "infragen",
    version,
    about = "Generates reviewable Terraform for one proven AWS web architecture from typed environment files",
    after_help = "Exit status: 0 success, 1 generated files are stale (gen --check), 2 invalid input \
                  (or gen refusing to destroy data in production), 3 I/O failure, 4 internal error (a bug in infragen)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the Terraform root of one or every environment (and the state bootstrap).
    Gen(GenArgs),
    /// Print the fully resolved settings of an environment and where each value came from.
    Show(ShowArgs),
    /// Say which settings (and the layer each came from) produced a generated resource.
    Explain(ExplainArgs),
    /// Write starter environment files for a new project.
    Init(InitArgs),
    /// List the presets, what each does and what it saves in an environment.
    Presets(PresetsArgs),
    /// Estimate the monthly AWS bill of an environment, offline, by component.
    Cost(CostArgs),
    /// Draw the architecture of an environment.
    Diagram(DiagramArgs),
    /// Print the JSON Schema of environment files.
    Schema(SchemaArgs),
}

/// Which environments to work on.
#[derive(Debug, Clone, Args)]
pub struct Selection {
    /// Environment name: the file `<environments>/<NAME>.toml`. Repeat for several.
    #[arg(long = "env", value_name = "NAME", required_unless_present = "all", conflicts_with = "all")]
    pub env: Vec<String>,
    /// Every environment file in the environments directory.
    #[arg(long)]
    pub all: bool,
    /// Directory of the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
}

/// Per-run changes to the environment settings.
#[derive(Debug, Clone, Default, Args)]
pub struct OverrideArgs {
    /// Switch a preset on for this run. Repeatable.
    #[arg(long = "preset", value_name = "NAME")]
    pub preset: Vec<String>,
    /// Switch a preset off for this run. Repeatable.
    #[arg(long = "without-preset", value_name = "NAME")]
    pub without_preset: Vec<String>,
    /// Override one setting for this run, e.g. `--set network.nat=single`. VALUE is TOML;
    /// a bare word is taken as a string. Repeatable.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
}

impl OverrideArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            enable_presets: self.preset.clone(),
            disable_presets: self.without_preset.clone(),
            set: self.set.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct GenArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "generated")]
    pub out: PathBuf,
    /// Write nothing; print a diff of what is stale and exit 1 if anything is.
    #[arg(long)]
    pub check: bool,
    /// Write into an output directory that infragen did not create.
    #[arg(long)]
    pub force: bool,
    /// Let this run replace or destroy the resource at ADDRESS although it holds data
    /// (e.g. `module.rds.aws_db_instance.this`), and leave `prevent_destroy` off it.
    /// Repeatable.
    #[arg(long = "allow-replace", value_name = "ADDRESS")]
    pub allow_replace: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Environment name: the file `<environments>/<NAME>.toml`.
    #[arg(long = "env", value_name = "NAME")]
    pub env: String,
    /// Directory of the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// A resource address as a plan or `terraform state list` prints it, e.g.
    /// `module.rds.aws_db_instance.this` (instance keys such as `["ap-northeast-1a"]` may
    /// be left out).
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Project directory; the files go into its `environments/`.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Project name: the first part of every resource name (required: no default can name
    /// a real system).
    #[arg(long, value_name = "NAME")]
    pub project: String,
    /// The Route 53 zone the environments' records go in, e.g. shop.example.net (required).
    #[arg(long, value_name = "DOMAIN")]
    pub zone: String,
    /// The 12-digit AWS account the environments live in (`aws sts get-caller-identity`);
    /// without it the starter files name AWS's documentation example, 123456789012, which
    /// makes every plan stop until it is replaced.
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Overwrite existing environment files.
    #[arg(long)]
    pub force: bool,
}

/// One environment, with per-run overrides.
#[derive(Debug, Clone, Args)]
pub struct EnvironmentArgs {
    /// Environment name: the file `<environments>/<NAME>.toml`.
    #[arg(long = "env", value_name = "NAME")]
    pub env: String,
    /// Directory of the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PresetsArgs {
    /// Environment whose savings to estimate; without it, only the effects are listed.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Directory of the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct CostArgs {
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// For each preset, the difference it makes against the same environment without it.
    #[arg(long)]
    pub compare: bool,
    /// JSON for machines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagramFormat {
    /// Mermaid flowchart (renders in GitHub pull requests and READMEs).
    Mermaid,
    /// Plain-text picture.
    Ascii,
}

#[derive(Debug, Clone, Args)]
pub struct DiagramArgs {
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: DiagramFormat,
}

#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Write the schema to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
