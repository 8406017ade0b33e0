//! The validated architecture: the one source the templates read.
//!
//! [`Architecture::from_environment`] turns layered settings into typed, checked values
//! (CIDRs become `Ipv4Net`, the NAT choice becomes an [`Egress`] that cannot disagree with
//! the subnets, ...), collecting every problem instead of stopping at the first. Nothing
//! downstream ever sees unvalidated input, and rendering never has to decide anything the
//! model could not already say.

pub mod credentials;
pub mod data;
pub mod edge;
pub mod names;
pub mod network;
pub mod pipeline;
pub mod region;
pub mod scale;
pub mod schedule;
pub mod secrets;
pub mod service;

use std::collections::BTreeMap;

pub use data::{Backup, BackupCopy, Database, Frontend, Monitoring, Slack};
pub use edge::{Alb, Dns, HealthCheck, Waf};
pub use network::{Egress, NatLayout, Network, Zone};
pub use scale::{Cache, Cdn};
pub use service::{Autoscaling, NightSchedule, Service};

use crate::config::{FieldPath, LoadedEnvironment, ModuleName, Preset, Settings, Stage, Tier, UsageSettings, presets};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};

/// Resource names are `<project>-<environment>-<suffix>`; the longest suffix used for a name
/// with a 32-character limit (ALB and target group names) is 8 characters.
pub const NAME_PREFIX_MAX: usize = 24;

/// Tags infragen sets on every resource itself.
pub const RESERVED_TAGS: [&str; 3] = ["Project", "Environment", "ManagedBy"];

/// One environment of the architecture, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Environment name, e.g. `dev`.
    pub environment: String,
    /// The environment file, as shown in generated headers, e.g. `environments/dev.toml`.
    pub source_name: String,
    pub project: String,
    /// `<project>-<environment>`: the prefix of every resource name.
    pub name_prefix: String,
    pub stage: Stage,
    pub region: String,
    /// The AWS account the environment's providers are limited to (`allowed_account_ids`).
    pub account_id: Option<String>,
    pub tier: Tier,
    pub presets: Vec<&'static Preset>,
    /// Extra tags on top of Project / Environment / ManagedBy.
    pub tags: BTreeMap<String, String>,
    /// Extra tags of one module's resources, on top of `tags`; only modules the
    /// environment has.
    pub module_tags: BTreeMap<ModuleName, BTreeMap<String, String>>,
    pub state: StateBackend,
    pub network: Network,
    pub dns: Dns,
    pub alb: Alb,
    pub waf: Waf,
    pub service: Service,
    pub database: Database,
    pub backup: Backup,
    pub frontend: Frontend,
    pub monitoring: Monitoring,
    /// The cache, when the environment has one.
    pub cache: Option<Cache>,
    pub cdn: Cdn,
    /// Usage assumptions, read only by the cost estimate.
    pub usage: UsageSettings,
    /// Limits on the estimate, read only by `infragen cost`.
    pub budget: scale::Budget,
    /// The repository whose pipeline plans and applies this environment, when it has one.
    pub ci: Option<pipeline::Ci>,
    pub logs: Logs,
    pub kms: Kms,
}

/// The S3 backend this environment's state lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateBackend {
    pub bucket: String,
    pub region: String,
    /// The object key of this environment's state, `<environment>/terraform.tfstate`.
    pub key: String,
    /// The alias of the KMS key the bootstrap creates for the state, `alias/<project>-tfstate`.
    /// The backends name it (Terraform's S3 backend accepts an alias since 1.10; S3 resolves
    /// it in the caller's account, which is the bucket's).
    pub key_alias: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kms {
    pub deletion_window_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logs {
    pub retention_days: u32,
}

/// Retention periods CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// Collects the diagnostics of one validation pass.
pub struct Checks<'e> {
    env: &'e LoadedEnvironment,
    diagnostics: Vec<Diagnostic>,
}

impl<'e> Checks<'e> {
    pub fn new(env: &'e LoadedEnvironment) -> Self {
        Checks { env, diagnostics: Vec::new() }
    }

    /// Reports an error about the value at `path` (given as dotted keys, or a built path).
    pub fn error(&mut self, path: &FieldPath, message: impl Into<String>, help: impl Into<Option<String>>) {
        let mut diagnostic = self.env.error_at(path, message);
        if let Some(help) = help.into() {
            diagnostic = diagnostic.help(help);
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports an error about the environment as a whole (its file).
    pub fn error_in_file(&mut self, message: impl Into<String>, help: impl Into<Option<String>>) {
        let mut diagnostic = Diagnostic::error(message).note(format!("in {}", self.env.source.name));
        if let Some(help) = help.into() {
            diagnostic = diagnostic.help(help);
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Shorthand for a path written as dotted keys.
pub fn path(dotted: &str) -> FieldPath {
    FieldPath::parse_dotted(dotted)
}

impl Architecture {
    /// Validates the layered settings of an environment and derives the architecture.
    pub fn from_environment(env: &LoadedEnvironment) -> Result<Architecture, Diagnostics> {
        let mut checks = Checks::new(env);
        let settings: &Settings = &env.settings;

        let environment = env.name.clone();
        if let Err(expected) = names::check_resource_name_part(&environment) {
            checks.error_in_file(
                format!("the environment name `{environment}`, taken from the file name, must be {expected}"),
                Some("rename the file, e.g. environments/dev.toml".to_string()),
            );
        }
        if environment.len() > 10 {
            checks.error_in_file(
                format!(
                    "the environment name `{environment}` is {} characters long; at most 10 fit in resource names",
                    environment.len()
                ),
                Some("rename the file to a shorter name".to_string()),
            );
        }
        if let Err(expected) = names::check_resource_name_part(&settings.project) {
            checks.error(
                &path("project"),
                format!("`project` must be {expected}, found \"{}\"", settings.project),
                None,
            );
        }
        let name_prefix = format!("{}-{}", settings.project, environment);
        if name_prefix.len() > NAME_PREFIX_MAX {
            checks.error(
                &path("project"),
                format!(
                    "`project` is too long: resource names start with `{name_prefix}` ({} characters), \
                     and at most {NAME_PREFIX_MAX} leave room for the suffixes within AWS's 32-character name limits",
                    name_prefix.len()
                ),
                format!("use a project name of at most {} characters", NAME_PREFIX_MAX - 1 - environment.len()),
            );
        }

        check_region(&mut checks, &path("region"), &settings.region);
        check_account_id(&mut checks, settings);
        let tags = check_tags(&mut checks, settings);
        let module_tags = check_module_tags(&mut checks, settings);
        let state = StateBackend::from_settings(&mut checks, settings, &environment);
        let network = Network::from_settings(&mut checks, settings);
        let dns = Dns::from_settings(&mut checks, settings);
        let alb = Alb::from_settings(&mut checks, settings);
        let waf = Waf::from_settings(&mut checks, settings);
        let service = Service::from_settings(&mut checks, settings);
        let database = Database::from_settings(&mut checks, settings);
        let backup = Backup::from_settings(&mut checks, settings);
        let frontend = Frontend::from_settings(&mut checks, settings);
        let monitoring = Monitoring::from_settings(&mut checks, settings);
        let cache = Cache::from_settings(&mut checks, settings);
        let cdn = Cdn::from_settings(settings);
        let usage = scale::check_usage(&mut checks, &settings.usage);
        let budget = scale::check_budget(&mut checks, &settings.budget);
        let ci = pipeline::check_ci(&mut checks, settings);
        if !LOG_RETENTION_DAYS.contains(&settings.logs.retention_days) {
            checks.error(
                &path("logs.retention_days"),
                format!(
                    "`logs.retention_days` must be a retention CloudWatch Logs accepts, found {}",
                    settings.logs.retention_days
                ),
                format!("use one of {}", LOG_RETENTION_DAYS.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")),
            );
        }

        if settings.stage == Stage::Production {
            check_production_safeguards(&mut checks, settings, &monitoring);
        }

        let presets = settings.presets.iter().filter_map(|name| presets::find(name)).collect();
        match (checks.has_errors(), network, backup) {
            (false, Some(network), Some(backup)) => Ok(Architecture {
                environment,
                source_name: env.source.name.clone(),
                project: settings.project.clone(),
                name_prefix,
                stage: settings.stage,
                region: settings.region.clone(),
                account_id: settings.account_id.clone(),
                tier: settings.tier,
                presets,
                tags,
                module_tags,
                state,
                network,
                dns,
                alb,
                waf,
                service,
                database,
                backup,
                frontend,
                monitoring,
                cache,
                cdn,
                usage,
                budget,
                ci,
                logs: Logs { retention_days: settings.logs.retention_days },
                kms: Kms { deletion_window_days: settings.kms.deletion_window_days },
            }),
            _ => Err(Diagnostics(checks.diagnostics)),
        }
    }

    /// Every name this environment creates in its DNS zone, with the setting it comes from.
    pub fn record_names(&self) -> Vec<(&'static str, &str)> {
        let mut names = vec![
            ("dns.api_record", self.dns.api_domain.as_str()),
            ("dns.frontend_record", self.dns.frontend_domain.as_str()),
        ];
        if self.cdn.images {
            names.push(("cdn.images_record", self.dns.images_domain.as_str()));
        }
        if self.cdn.api {
            names.push(("dns.api_record (as the CloudFront origin)", self.dns.api_origin_domain.as_str()));
        }
        names
    }

    /// Whether the named preset is switched on.
    pub fn uses_preset(&self, name: &str) -> bool {
        self.presets.iter().any(|p| p.name == name)
    }
}

fn check_region(checks: &mut Checks<'_>, at: &FieldPath, value: &str) {
    if region::is_known(value) {
        return;
    }
    let help = match did_you_mean(value, region::names()) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!("known regions: {}", region::names().collect::<Vec<_>>().join(", ")),
    };
    checks.error(at, format!("`{at}` must be an AWS region code such as \"ap-northeast-1\", found \"{value}\""), help);
}

/// Tags infragen sets on some resources besides the reserved ones (`Name`, and `Tier` on
/// subnets).
pub const RESOURCE_TAGS: usize = 2;
/// AWS allows 50 tags on a resource; infragen's own (the reserved ones, `Name` and `Tier`)
/// leave the rest to `tags` and `module_tags` together.
pub const MAX_USER_TAGS: usize = 50 - RESERVED_TAGS.len() - RESOURCE_TAGS;
/// An AWS account ID is 12 digits; production names its account, so that an apply with the
/// credentials of another account fails before it changes anything.
fn check_account_id(checks: &mut Checks<'_>, settings: &Settings) {
    match &settings.account_id {
        Some(id) if !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) => checks.error(
            &path("account_id"),
            format!("`account_id` must be the 12 digits of an AWS account ID, found \"{id}\""),
            Some("`aws sts get-caller-identity --query Account --output text` prints it".to_string()),
        ),
        None if settings.stage == Stage::Production => checks.error(
            &path("account_id"),
            "production environments name their AWS account: `account_id` is missing",
            Some(
                "set `account_id = \"<12 digits>\"` (`aws sts get-caller-identity --query Account --output text` prints it), \
                 or set `stage = \"development\"` for an environment that does not serve users"
                    .to_string(),
            ),
        ),
        _ => {}
    }
}

fn check_tags(checks: &mut Checks<'_>, settings: &Settings) -> BTreeMap<String, String> {
    if settings.tags.len() > MAX_USER_TAGS {
        checks.error(
            &path("tags"),
            format!(
                "`tags` has {} tags; AWS allows 50 on a resource, and infragen's own leave room for {MAX_USER_TAGS}",
                settings.tags.len()
            ),
            Some("keep the tags that cost allocation or access control need".to_string()),
        );
        // One error for the count, not one per tag on top of it.
        return settings.tags.clone();
    }
    for (key, value) in &settings.tags {
        let at = path("tags").key(key);
        if RESERVED_TAGS.contains(&key.as_str()) {
            checks.error(
                &at,
                format!("tag `{key}` is set by infragen on every resource and cannot be overridden in `tags`"),
                Some(format!("remove `{key}` from `tags`")),
            );
        } else if let Err(expected) = names::check_tag(key, value) {
            checks.error(&at, format!("tag `{key}` is not valid: AWS expects {expected}"), None);
        }
    }
    settings.tags.clone()
}

/// Whether the environment's root has this module.
pub fn has_module(settings: &Settings, module: ModuleName) -> bool {
    match module {
        ModuleName::Cache => settings.cache.enabled,
        ModuleName::Images => settings.cdn.images,
        ModuleName::ApiCdn => settings.cdn.api,
        _ => true,
    }
}

/// `module_tags`: each tag as AWS accepts it, only for modules the environment has, and
/// within AWS's 50 tags per resource together with `tags` and infragen's own.
fn check_module_tags(checks: &mut Checks<'_>, settings: &Settings) -> BTreeMap<ModuleName, BTreeMap<String, String>> {
    let mut valid = BTreeMap::new();
    for (module, tags) in &settings.module_tags {
        let at = path("module_tags").key(module.name());
        if !has_module(settings, *module) {
            let switch = match module {
                ModuleName::Cache => "cache.enabled",
                ModuleName::Images => "cdn.images",
                _ => "cdn.api",
            };
            checks.error(
                &at,
                format!("`module_tags.{}` tags a module this environment does not have", module.name()),
                Some(format!("remove `module_tags.{}`, or switch the module on with `{switch} = true`", module.name())),
            );
            continue;
        }
        let mut ok = true;
        for (key, value) in tags {
            let key_at = at.key(key);
            if RESERVED_TAGS.contains(&key.as_str()) {
                checks.error(
                    &key_at,
                    format!(
                        "tag `{key}` is set by infragen on every resource and cannot be overridden in `module_tags`"
                    ),
                    Some(format!("remove `{key}` from `module_tags.{}`", module.name())),
                );
                ok = false;
            } else if let Err(expected) = names::check_tag(key, value) {
                checks.error(&key_at, format!("tag `{key}` is not valid: AWS expects {expected}"), None);
                ok = false;
            }
        }
        let keys: std::collections::BTreeSet<&String> = settings.tags.keys().chain(tags.keys()).collect();
        if keys.len() > MAX_USER_TAGS {
            checks.error(
                &at,
                format!(
                    "`tags` and `module_tags.{}` together have {} tags; AWS allows 50 on a resource, and infragen's own leave room for {MAX_USER_TAGS}",
                    module.name(),
                    keys.len()
                ),
                Some("keep the tags that cost allocation or access control need".to_string()),
            );
            ok = false;
        }
        if ok && !tags.is_empty() {
            valid.insert(*module, tags.clone());
        }
    }
    valid
}

/// What `stage = "production"` promises: nothing that serves users can be deleted by
/// accident, lose its data with one zone, or fail without telling anyone.
fn check_production_safeguards(checks: &mut Checks<'_>, settings: &Settings, monitoring: &Monitoring) {
    let development = "or set `stage = \"development\"` for an environment that does not serve users";
    let mut require = |dotted: &str, broken: bool, message: &str, fix: &str| {
        if broken {
            checks.error(
                &path(dotted),
                format!("production environments {message}"),
                Some(format!("{fix}, {development}")),
            );
        }
    };
    require(
        "alb.deletion_protection",
        !settings.alb.deletion_protection,
        "keep deletion protection on their load balancer",
        "set `alb.deletion_protection = true`",
    );
    require(
        "database.deletion_protection",
        !settings.database.deletion_protection,
        "keep deletion protection on their database",
        "set `database.deletion_protection = true`",
    );
    require(
        "database.skip_final_snapshot",
        settings.database.skip_final_snapshot,
        "keep a final snapshot when the database is deleted",
        "set `database.skip_final_snapshot = false`",
    );
    require(
        "database.multi_az",
        !settings.database.multi_az,
        "run the database Multi-AZ, with a standby in a second zone",
        "remove the `single-az-db` preset or set `database.multi_az = true`",
    );
    require(
        "service.min_count",
        settings.service.min_count < 2,
        "run at least two tasks, so that both zones serve",
        "set `service.min_count = 2` or more",
    );
    require(
        "service.night_scale_down.enabled",
        settings.service.night_scale_down.enabled,
        "do not scale to zero at night",
        "remove the `night-scale-down` preset",
    );
    require(
        "backup.cross_region_copy",
        !settings.backup.cross_region_copy,
        "copy their backups to a second region",
        "set `backup.cross_region_copy = true` and `backup.copy_region`",
    );
    require(
        "cache.replicas",
        settings.cache.enabled && settings.cache.replicas == 0,
        "keep a cache replica in a second zone, for automatic failover",
        "set `cache.replicas = 1` or more",
    );
    require(
        "monitoring.alarm_emails",
        !monitoring.has_destination(),
        "send alarms somewhere",
        "add an address to `monitoring.alarm_emails` or set `monitoring.slack`",
    );
}

impl StateBackend {
    fn from_settings(checks: &mut Checks<'_>, settings: &Settings, environment: &str) -> Self {
        let region = settings.state.region.clone().unwrap_or_else(|| settings.region.clone());
        if settings.state.region.is_some() {
            check_region(checks, &path("state.region"), &region);
        }
        let bucket = settings.state.bucket.clone().unwrap_or_else(|| format!("{}-tfstate-{region}", settings.project));
        if let Err(expected) = names::check_bucket_name(&bucket) {
            let at = path("state.bucket");
            if settings.state.bucket.is_some() {
                checks.error(&at, format!("`state.bucket` must be a valid S3 bucket name: {expected}"), None);
            } else if names::check_resource_name_part(&settings.project).is_ok() {
                // A bad project name is reported on its own; the name derived from it would
                // only repeat the problem.
                checks.error(
                    &at,
                    format!("the default state bucket name `{bucket}`, made from `project` and the region, is not a valid S3 bucket name: {expected}"),
                    Some("set `state.bucket` explicitly".to_string()),
                );
            }
        }
        StateBackend {
            bucket,
            region,
            key: format!("{environment}/terraform.tfstate"),
            key_alias: format!("alias/{}-tfstate", settings.project),
        }
    }
}

#[cfg(test)]
mod tests;
