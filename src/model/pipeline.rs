//! The GitHub Actions pipeline: the repository it runs in (validated here, since it ends up
//! in IAM trust policies and in the workflow), and the pipeline of a whole project, built
//! from every environment.

use super::{Architecture, Checks, path};
use crate::config::{GithubOidcProvider, Settings, Stage};

/// The GitHub OIDC issuer; the provider's URL and the prefix of the trust conditions' keys.
pub const GITHUB_OIDC_URL: &str = "https://token.actions.githubusercontent.com";

/// The audience GitHub's tokens carry for AWS (what aws-actions/configure-aws-credentials
/// requests).
pub const GITHUB_OIDC_AUDIENCE: &str = "sts.amazonaws.com";

/// The repository an environment's pipeline runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ci {
    /// `owner/name`.
    pub repository: String,
    /// The branch whose pushes are applied.
    pub branch: String,
    /// Where the pipeline installs infragen from; `None`: the repository itself.
    pub install: Option<InstallFrom>,
    /// Whether the bootstrap creates GitHub's OIDC provider or reads the account's.
    pub oidc_provider: GithubOidcProvider,
}

/// A git repository and commit to `cargo install` infragen from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InstallFrom {
    pub git: String,
    pub rev: String,
}

pub fn check_ci(checks: &mut Checks<'_>, settings: &Settings) -> Option<Ci> {
    let repository = settings.ci.repository.as_ref()?;
    let mut valid = true;
    if let Err(expected) = check_repository(repository) {
        checks.error(
            &path("ci.repository"),
            format!("`ci.repository` must be a GitHub repository as `owner/name`, found \"{repository}\": {expected}"),
            Some("e.g. `acme/infrastructure`, the repository that holds environments/ and generated/".to_string()),
        );
        valid = false;
    }
    let branch = &settings.ci.branch;
    if !is_branch_name(branch) {
        checks.error(
            &path("ci.branch"),
            format!("`ci.branch` must be a branch name of letters, digits, `.`, `_`, `-` and `/`, found \"{branch}\""),
            Some("e.g. `main`".to_string()),
        );
        valid = false;
    }
    if settings.account_id.is_none() {
        checks.error(
            &path("ci.repository"),
            "the pipeline assumes roles in the environment's account: `account_id` is missing",
            Some("set `account_id = \"<12 digits>\"`, or leave `ci.repository` out".to_string()),
        );
        valid = false;
    }
    let install = match (&settings.ci.infragen_git, &settings.ci.infragen_rev) {
        (None, None) => None,
        (Some(git), Some(rev)) => {
            let url_ok = git.starts_with("https://")
                && git.len() <= 300
                && git.chars().all(|c| c.is_ascii_alphanumeric() || "._~:/@%+-".contains(c));
            if !url_ok {
                checks.error(
                    &path("ci.infragen_git"),
                    format!("`ci.infragen_git` must be an https:// git URL, found \"{git}\""),
                    Some("e.g. `https://github.com/acme/infragen`".to_string()),
                );
                valid = false;
            }
            if !(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())) {
                checks.error(
                    &path("ci.infragen_rev"),
                    format!("`ci.infragen_rev` must be a full commit id, 40 hex digits, found \"{rev}\""),
                    Some("a branch or tag would let every run install another infragen: pin the commit".to_string()),
                );
                valid = false;
            }
            Some(InstallFrom { git: git.clone(), rev: rev.to_ascii_lowercase() })
        }
        (Some(_), None) | (None, Some(_)) => {
            checks.error(
                &path(if settings.ci.infragen_git.is_some() { "ci.infragen_rev" } else { "ci.infragen_git" }),
                "`ci.infragen_git` and `ci.infragen_rev` go together: the repository and the commit to install",
                None,
            );
            valid = false;
            None
        }
    };
    valid.then(|| Ci {
        repository: repository.clone(),
        branch: branch.clone(),
        install,
        oidc_provider: settings.ci.github_oidc_provider,
    })
}

/// GitHub's rules: an owner of 1 to 39 letters, digits and single hyphens, not at either
/// end; a name of 1 to 100 letters, digits, `.`, `_` and `-`, other than `.` and `..`.
fn check_repository(repository: &str) -> Result<(), &'static str> {
    let Some((owner, name)) = repository.split_once('/') else { return Err("no `/` between owner and name") };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    if !owner_ok {
        return Err("the owner has 1 to 39 letters, digits and single hyphens inside");
    }
    let name_ok = (1..=100).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && name != "."
        && name != "..";
    if !name_ok {
        return Err("the name has 1 to 100 letters, digits, `.`, `_` and `-`");
    }
    Ok(())
}

fn is_branch_name(branch: &str) -> bool {
    !branch.is_empty()
        && branch.len() <= 200
        && branch.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        && !branch.starts_with(['-', '/', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.ends_with(".lock")
}

/// One environment as the pipeline sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PipelineEnvironment {
    /// The environment's name: its root `generated/<name>` and its GitHub environment.
    pub name: String,
    pub production: bool,
    pub region: String,
    /// The state object, `<name>/terraform.tfstate`, and its lock file next to it.
    pub state_key: String,
    /// IAM role names: `<project>-<environment>-plan` / `-apply`.
    pub plan_role: String,
    pub apply_role: String,
    pub plan_role_arn: String,
    pub apply_role_arn: String,
}

/// The pipeline of a project: one repository, one account, every environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pipeline {
    pub repository: String,
    pub branch: String,
    pub install: Option<InstallFrom>,
    /// `true`: the account already has GitHub's OIDC provider and the bootstrap reads it.
    pub existing_oidc_provider: bool,
    pub account_id: String,
    /// Environments in the order they are applied: development stages first, then
    /// production, each group by name.
    pub environments: Vec<PipelineEnvironment>,
}

/// What the pipeline takes from one environment that names a repository: small enough to
/// keep for every environment of a run after its model is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineMember {
    pub ci: Ci,
    pub account_id: Option<String>,
    pub environment: String,
    pub production: bool,
    pub region: String,
    pub state_key: String,
    pub name_prefix: String,
}

impl PipelineMember {
    /// The environment's part in the pipeline, or `None` when it names no repository.
    pub fn of(arch: &Architecture) -> Option<PipelineMember> {
        Some(PipelineMember {
            ci: arch.ci.clone()?,
            account_id: arch.account_id.clone(),
            environment: arch.environment.clone(),
            production: arch.stage == Stage::Production,
            region: arch.region.clone(),
            state_key: arch.state.key.clone(),
            name_prefix: arch.name_prefix.clone(),
        })
    }
}

impl Pipeline {
    /// The pipeline of the environments that name a repository (they agree on it, on the
    /// account and on the branch: `workspace::check_shared_state`), or `None`.
    pub fn new(architectures: &[&Architecture]) -> Option<Pipeline> {
        let members: Vec<PipelineMember> = architectures.iter().filter_map(|a| PipelineMember::of(a)).collect();
        Pipeline::of_members(&members)
    }

    /// [`Pipeline::new`] from the environments' parts.
    pub fn of_members(members: &[PipelineMember]) -> Option<Pipeline> {
        let first = members.first()?;
        let account_id = first.account_id.clone()?;
        let mut environments: Vec<PipelineEnvironment> = members
            .iter()
            .map(|member| {
                let role = |kind: &str| format!("{}-{kind}", member.name_prefix);
                let arn = |name: &str| format!("arn:aws:iam::{account_id}:role/{name}");
                PipelineEnvironment {
                    name: member.environment.clone(),
                    production: member.production,
                    region: member.region.clone(),
                    state_key: member.state_key.clone(),
                    plan_role: role("plan"),
                    apply_role: role("apply"),
                    plan_role_arn: arn(&role("plan")),
                    apply_role_arn: arn(&role("apply")),
                }
            })
            .collect();
        environments.sort_by(|a, b| (a.production, &a.name).cmp(&(b.production, &b.name)));
        environments.dedup_by(|a, b| a.name == b.name);
        Some(Pipeline {
            repository: first.ci.repository.clone(),
            branch: first.ci.branch.clone(),
            install: first.ci.install.clone(),
            existing_oidc_provider: first.ci.oidc_provider == GithubOidcProvider::Existing,
            account_id,
            environments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_follow_github() {
        assert!(check_repository("acme/infrastructure").is_ok());
        assert!(check_repository("a-b/c.d_e-f").is_ok());
        for bad in
            ["acme", "/x", "acme/", "-acme/x", "acme-/x", "ac--me/x", "acme/..", "acme/a b", "acme/$(id)", "a/b/c"]
        {
            assert!(check_repository(bad).is_err(), "{bad}");
        }
        assert!(is_branch_name("main") && is_branch_name("release/1.2"));
        for bad in ["", "-x", "a..b", "x/", "a b", "x.lock", "${{x}}"] {
            assert!(!is_branch_name(bad), "{bad}");
        }
    }
}
