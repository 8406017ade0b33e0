//! Command-line definitions. Parsing only: every command lives in `crate::commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "infragen",
    version,
    about = "Generates reviewable Terraform for one proven AWS web architecture from typed environment files",
    after_help = "Exit status: 0 success, 1 a check failed (gen --check: stale files; cost: over budget), 2 invalid input \
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
    /// Write the GitHub Actions pipeline (`.github/workflows/infragen.yml`) that checks,
    /// plans and prices every pull request and applies after merge.
    Ci(CiArgs),
    /// Print a shell completion script (see the README for where each shell looks for it).
    Completions(CompletionsArgs),
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
    /// Output directory (`--out` is an older spelling).
    #[arg(long = "output", alias = "out", value_name = "DIR", default_value = "generated")]
    pub out: PathBuf,
    /// Write nothing; print a diff of what is stale and exit 1 if anything is.
    #[arg(long)]
    pub check: bool,
    /// What to print on standard output: `table`, the summary (and with `--check`, the
    /// unified diff); `json` or `markdown`, the review of every root (data that would be
    /// lost first, then the modules and resources that appear, disappear or change).
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
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

/// What a report is printed as: one spelling, `--format`, for every command that has a choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// JSON for machines.
    Json,
    /// GitHub-flavoured Markdown, for a pull request comment.
    Markdown,
}

#[derive(Debug, Clone, Args)]
pub struct CostArgs {
    /// Environment name: the file `<environments>/<NAME>.toml`. Repeat for several; with
    /// `--diff` and no `--env`, every environment of the base and the head.
    #[arg(long = "env", value_name = "NAME", conflicts_with = "all")]
    pub env: Vec<String>,
    /// Every environment file in the environments directory.
    #[arg(long)]
    pub all: bool,
    /// Directory of the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// For each preset, the difference it makes against the same environment without it.
    #[arg(long, conflicts_with = "diff")]
    pub compare: bool,
    /// The change against BASE: a directory of environment files, or a git revision
    /// (`origin/main`, a commit) whose environments directory is read without checking
    /// it out. Per environment, the total before and after, the lines that changed and the
    /// settings behind them.
    #[arg(long, value_name = "BASE")]
    pub diff: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl CostArgs {
    pub fn format(&self) -> OutputFormat {
        if self.json { OutputFormat::Json } else { self.format }
    }
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

/// The shells `infragen completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Args)]
pub struct CiArgs {
    /// Directory of the environment files; their `[ci]` settings name the repository.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub environments: PathBuf,
    /// The repository's `.github` directory; the workflow goes into its `workflows/`, the
    /// list of what infragen wrote into `.infragen-manifest` beside it.
    #[arg(long = "output", alias = "out", value_name = "DIR", default_value = ".github")]
    pub output: PathBuf,
    /// Write nothing; print a diff of what is stale and exit 1 if anything is.
    #[arg(long)]
    pub check: bool,
    /// Write into a `.github` directory that infragen did not create (other workflows in it
    /// are left alone).
    #[arg(long)]
    pub force: bool,
}
