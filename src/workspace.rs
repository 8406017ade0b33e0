//! The environment files of a project: finding, reading and loading them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::config::{LoadedEnvironment, Overrides, load_environment, required};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, did_you_mean};
use crate::model::pipeline::PipelineMember;
use crate::model::{Architecture, credentials};

/// A directory of environment files, `<name>.toml` each.
pub struct Workspace {
    dir: PathBuf,
}

/// An environment, loaded and validated.
pub struct Environment {
    pub loaded: LoadedEnvironment,
    pub architecture: Architecture,
}

impl Workspace {
    pub fn new(dir: &Path) -> Self {
        Workspace { dir: dir.to_path_buf() }
    }

    /// The names of every environment file, sorted.
    pub fn environment_names(&self) -> Result<Vec<String>, Error> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::Usage(format!(
                    "no environments directory at {}\n  = help: {}",
                    self.dir.display(),
                    self.missing_directory_help()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                return Err(Error::Usage(format!(
                    "{} is not a directory\n  = help: --environments names the directory that holds the environment files",
                    self.dir.display()
                )));
            }
            Err(e) => return Err(Error::Io(format!("{}: {e}", self.dir.display()))),
        };
        let mut names = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::Io(format!("{}: {e}", self.dir.display())))?.path();
            if path.extension().is_some_and(|ext| ext == "toml")
                && path.is_file()
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                names.push(stem.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Entries that look like environment files but cannot be one, described for a warning:
    /// `--all` skips them, and says so rather than silently.
    pub fn skipped_entries(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.dir) else { return Vec::new() };
        let mut skipped = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "toml") {
                continue;
            }
            let shown = path.display();
            let problem = match fs::metadata(&path) {
                Err(_) => Some("a link to nothing".to_string()),
                Ok(meta) if !meta.is_file() => Some("not a regular file".to_string()),
                Ok(_) => match path.file_stem().and_then(|s| s.to_str()) {
                    None => Some("its name is not UTF-8".to_string()),
                    Some(stem) => check_name(stem).err(),
                },
            };
            if let Some(problem) = problem {
                skipped.push(format!("{shown}: {problem}"));
            }
        }
        skipped.sort();
        skipped
    }

    /// The name shown for an environment file in messages and generated headers:
    /// `<directory name>/<name>.toml`, the same wherever the project is checked out.
    pub fn display_name(&self, name: &str) -> String {
        // `.` and `..` have no file name of their own; use the directory's real name.
        let dir_name = match self.dir.file_name() {
            Some(n) => n.to_string_lossy().into_owned(),
            None => canonical_dir_name(&self.dir),
        };
        // The name is written into every generated file's header (an HCL comment, a Markdown
        // comment): only characters that mean nothing there pass, and no `--`.
        let mut dir_name: String =
            dir_name.chars().map(|c| if c.is_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
        while dir_name.contains("--") {
            dir_name = dir_name.replace("--", "-_");
        }
        if dir_name.is_empty() { format!("{name}.toml") } else { format!("{dir_name}/{name}.toml") }
    }

    /// What to do when the environments directory does not exist. Run from inside an
    /// environments directory, `infragen init` would nest a second one in it: say so instead.
    fn missing_directory_help(&self) -> String {
        let here_has_environments = fs::read_dir(".").is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                let path = entry.path();
                path.extension().is_some_and(|ext| ext == "toml") && path.is_file()
            })
        });
        if self.dir.is_relative() && here_has_environments {
            "the current directory holds environment files; run infragen from the directory above it, or pass `--environments .` (and `--output` for the output)".to_string()
        } else {
            "run `infragen init` to create one, or point --environments at it".to_string()
        }
    }

    /// Reads the file of one environment: a regular file of at most `MAX_FILE_BYTES`, so
    /// that a FIFO, a device or a runaway file cannot hang or exhaust the run.
    pub fn read(&self, name: &str) -> Result<SourceFile, Error> {
        check_name(name).map_err(|problem| {
            Error::Usage(format!("`--env {}`: {problem}", name.chars().take(80).collect::<String>().escape_debug()))
        })?;
        let path = self.dir.join(format!("{name}.toml"));
        match read_bounded(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(SourceFile::new(self.display_name(name), text)),
                Err(_) => Err(Error::Invalid(Diagnostics(vec![Diagnostic::error(format!(
                    "{} is not UTF-8 text",
                    self.display_name(name)
                ))]))),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let known = self.environment_names().unwrap_or_default();
                let mut diagnostic =
                    Diagnostic::error(format!("no environment `{name}`: {} does not exist", path.display()));
                diagnostic = match did_you_mean(name, known.iter().map(String::as_str)) {
                    Some(s) => diagnostic.help(format!("did you mean `{s}`?")),
                    None if known.is_empty() && !self.dir.is_dir() => diagnostic.help(self.missing_directory_help()),
                    None if known.is_empty() => {
                        diagnostic.help("run `infragen init` to create starter environment files")
                    }
                    None => diagnostic.help(format!("the environments are: {}", known.join(", "))),
                };
                Err(Error::Invalid(Diagnostics(vec![diagnostic])))
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::FileTooLarge) => {
                Err(Error::Invalid(Diagnostics(vec![Diagnostic::error(format!(
                    "{} cannot be an environment file: {e}",
                    self.display_name(name)
                ))])))
            }
            Err(e) => Err(Error::Io(format!("{}: {e}", path.display()))),
        }
    }

    /// Reads, layers and validates one environment. Warnings are returned with it.
    pub fn load(&self, name: &str, overrides: &Overrides) -> Result<Environment, Error> {
        let source = self.read(name)?;
        let mut loaded = load_environment(name, source, overrides).map_err(Error::Invalid)?;
        let (mut missing, placeholders) = required::check(&loaded);
        loaded.warnings.extend(placeholders);
        match Architecture::from_environment(&loaded) {
            Ok(architecture) if missing.is_empty() => Ok(Environment { loaded, architecture }),
            Ok(_) => Err(Error::Invalid(Diagnostics(missing))),
            Err(Diagnostics(errors)) => {
                missing.extend(errors);
                let secrets = credentials::suspected_values(&loaded.settings);
                Err(Error::Invalid(Diagnostics(missing.into_iter().map(|d| d.redact(&secrets)).collect())))
            }
        }
    }
}

/// The largest environment file read: far beyond any real one (the shipped ones are a
/// few KiB), small enough that no input can make a run slow or large.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// An environment name must name a file in the environments directory: letters, digits,
/// `-` and `_`, at most 64 characters (it also becomes part of resource names).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("an environment name has 1 to 64 characters".to_string());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err("an environment name has only letters, digits, `-` and `_`".to_string());
    }
    Ok(())
}

/// Reads a regular file of at most `MAX_FILE_BYTES`.
fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    // Checked before opening: opening a FIFO waits for a writer.
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let file = fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::new(io::ErrorKind::FileTooLarge, format!("larger than {} KiB", MAX_FILE_BYTES / 1024)));
    }
    Ok(bytes)
}

fn canonical_dir_name(dir: &Path) -> String {
    fs::canonicalize(dir).ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_default()
}

/// What an environment claims in what the environments share (the state bucket, the
/// account, names in a DNS zone): all the cross-environment checks read, small enough to
/// keep for a thousand environments after their models are dropped.
#[derive(Debug, Clone)]
pub struct SharedClaims {
    pub source_name: String,
    pub project: String,
    pub state_bucket: String,
    pub state_region: String,
    pub account_id: Option<String>,
    /// The region the environment runs in.
    pub region: String,
    pub zone: String,
    pub record_names: Vec<(&'static str, String)>,
    /// The environment's part in the project's pipeline, when it names a repository.
    pub pipeline: Option<PipelineMember>,
}

impl SharedClaims {
    pub fn of(arch: &Architecture) -> SharedClaims {
        SharedClaims {
            source_name: arch.source_name.clone(),
            project: arch.project.clone(),
            state_bucket: arch.state.bucket.clone(),
            state_region: arch.state.region.clone(),
            account_id: arch.account_id.clone(),
            region: arch.region.clone(),
            zone: arch.dns.zone.clone(),
            record_names: arch.record_names().into_iter().map(|(field, name)| (field, name.to_string())).collect(),
            pipeline: PipelineMember::of(arch),
        }
    }
}

/// Every environment's backend points at the one bucket the bootstrap root creates, so
/// they must agree on it; and environments sharing a DNS zone need names of their own.
pub fn check_shared_state(environments: &[&Environment]) -> Result<(), Error> {
    let claims: Vec<SharedClaims> = environments.iter().map(|e| SharedClaims::of(&e.architecture)).collect();
    check_shared_claims(&claims)
}

/// [`check_shared_state`] on the claims of the environments.
pub fn check_shared_claims(environments: &[SharedClaims]) -> Result<(), Error> {
    let Some(reference) = environments.first() else { return Ok(()) };
    let mut problems = Vec::new();
    for arch in &environments[1..] {
        let pairs = [
            ("project", &reference.project, &arch.project),
            ("state.bucket", &reference.state_bucket, &arch.state_bucket),
            ("state.region", &reference.state_region, &arch.state_region),
        ];
        for (field, expected, found) in pairs {
            if expected != found {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `{field}`: {} has \"{expected}\", {} has \"{found}\"",
                        reference.source_name, arch.source_name
                    ))
                    .help("every environment keeps its state in the one bucket generated/bootstrap creates; use the same value in every file"),
                );
            }
        }
    }
    // One pipeline per project: the bootstrap's OIDC provider and roles trust one repository.
    let mut pipelines = environments.iter().filter_map(|e| e.pipeline.as_ref().map(|member| (e, &member.ci)));
    if let Some((first_named, expected)) = pipelines.next() {
        for (environment, found) in pipelines {
            if (&found.repository, &found.branch) != (&expected.repository, &expected.branch) {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `ci`: {} has \"{}\" (branch {}), {} has \"{}\" (branch {})",
                        first_named.source_name,
                        expected.repository,
                        expected.branch,
                        environment.source_name,
                        found.repository,
                        found.branch
                    ))
                    .help("one repository's pipeline plans and applies every environment; use the same `ci.repository` and `ci.branch` in every file"),
                );
            } else if found.install != expected.install {
                let describe = |install: &Option<crate::model::pipeline::InstallFrom>| match install {
                    Some(from) => format!("{} at {}", from.git, from.rev),
                    None => "the repository itself".to_string(),
                };
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `ci.infragen_git` and `ci.infragen_rev`: {} installs infragen from {}, {} from {}",
                        first_named.source_name,
                        describe(&expected.install),
                        environment.source_name,
                        describe(&found.install)
                    ))
                    .help("the one pipeline installs one infragen; use the same values in every file"),
                );
            }
            // One bootstrap holds the account's provider: it either creates it or reads it.
            if found.oidc_provider != expected.oidc_provider {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `ci.github_oidc_provider`: {} has \"{}\", {} has \"{}\"",
                        first_named.source_name,
                        expected.oidc_provider.name(),
                        environment.source_name,
                        found.oidc_provider.name()
                    ))
                    .help("generated/bootstrap either creates GitHub's OIDC provider (\"create\") or reads the one the account already has (\"existing\"), for every environment; use the same value in every file"),
                );
            }
        }
    }
    // The state bucket and its key live in one account, and the backends reach them with the
    // environment's own credentials: environments naming different accounts could not share it.
    let mut accounts = environments.iter().filter_map(|e| e.account_id.as_ref().map(|id| (e, id)));
    if let Some((first_named, expected)) = accounts.next() {
        for (environment, found) in accounts {
            if found != expected {
                problems.push(
                    Diagnostic::error(format!(
                        "environments disagree on `account_id`: {} has \"{expected}\", {} has \"{found}\"",
                        first_named.source_name, environment.source_name
                    ))
                    .help("the state bucket generated/bootstrap creates lives in one account and every backend reaches it with the environment's own credentials; use one account for the environments that share it"),
                );
            }
        }
    }
    // Environments that share a zone must not claim the same names in it. Each name is
    // looked up among the ones taken before it, so a thousand environments cost a thousand
    // lookups, not half a million comparisons.
    // (zone, name) -> every (environment, position among its names, field) claiming it.
    type Holders<'a> = Vec<(usize, usize, &'a str)>;
    let mut taken: std::collections::HashMap<(&str, &str), Holders> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for (index, arch) in environments.iter().enumerate() {
        let mut names: Vec<(&str, &str)> = arch.record_names.iter().map(|(f, n)| (*f, n.as_str())).collect();
        // One environment's own names are distinct (its validation says so); only the first
        // of equal names counts here, as the pairwise check did.
        let mut seen = std::collections::HashSet::new();
        names.retain(|(_, name)| seen.insert(*name));
        for (position, (field, name)) in names.into_iter().enumerate() {
            let holders = taken.entry((arch.zone.as_str(), name)).or_default();
            for (earlier, earlier_position, earlier_field) in holders.iter() {
                clashes.push((
                    (*earlier, index, *earlier_position),
                    name.to_string(),
                    earlier_field.to_string(),
                    field,
                ));
            }
            holders.push((index, position, field));
        }
    }
    // In the order the pairwise comparison named them: by the first environment, then the
    // second, then the first one's field order.
    clashes.sort_by_key(|(order, ..)| *order);
    for ((first, second, _), name, field_a, field_b) in clashes {
        let (a, b) = (&environments[first], &environments[second]);
        problems.push(
            Diagnostic::error(format!(
                "{} and {} both create {name} in the zone {}",
                a.source_name, b.source_name, a.zone
            ))
            .note(format!("from `{field_a}` in {} and `{field_b}` in {}", a.source_name, b.source_name))
            .help("give each environment names of its own, e.g. api and api-dev"),
        );
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(Diagnostics(problems))) }
}
