//! The settings that identify a real system. No default can stand for them: an empty
//! environment file would otherwise generate a complete production root for a project
//! called `webapp` on `example.com`. They must be written in the environment file (or given
//! with `--set`), and values from the documentation's reserved domains get a warning.
//!
//! This is a check of the file as written, run by the workspace before validation; the
//! layering itself keeps working on partial files, which is what the model's tests use.

use super::LoadedEnvironment;
use super::layers::Origin;
use super::path::FieldPath;
use crate::diagnostic::Diagnostic;

/// A setting every environment file must write, and what to write there.
pub struct Required {
    pub path: &'static str,
    /// What the setting names, for the message.
    pub what: &'static str,
    /// A line to write in the file, for the help.
    pub example: &'static str,
}

/// Every required setting, in the order the messages list them.
pub const REQUIRED: &[Required] = &[
    Required {
        path: "project",
        what: "the project name, the first part of every resource name",
        example: "project = \"shop\"",
    },
    Required {
        path: "state.bucket",
        what: "the S3 bucket that keeps the Terraform state (bucket names are global)",
        example: "bucket = \"shop-tfstate-ap-northeast-1\" under [state]",
    },
    Required {
        path: "dns.zone",
        what: "the Route 53 zone the environment's records go in",
        example: "zone = \"shop.example.net\" under [dns]",
    },
    Required {
        path: "frontend.repository",
        what: "the Git repository Amplify builds the frontend from",
        example: "repository = \"https://github.com/shop/web\" under [frontend]",
    },
    Required {
        path: "monitoring.alarm_emails",
        what: "who receives the alarms",
        example: "alarm_emails = [\"ops@shop.example.net\"] under [monitoring]",
    },
];

/// Errors for required settings the file does not write, and warnings for values in the
/// domains reserved for documentation (RFC 2606), which cannot be a real system.
pub fn check(environment: &LoadedEnvironment) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let file = &environment.source.name;
    let mut errors = Vec::new();
    for required in REQUIRED {
        let path = FieldPath::parse_dotted(required.path);
        if !matches!(environment.provenance.origin(&path), Origin::File(_) | Origin::Flag(_)) {
            errors.push(
                Diagnostic::error(format!(
                    "`{}` is required: {}; {file} does not set it",
                    required.path, required.what
                ))
                .help(format!("write {} in {file}", required.example)),
            );
        }
    }
    let settings = &environment.settings;
    let mut placeholders: Vec<(&str, &str)> = Vec::new();
    if is_reserved_domain(&settings.dns.zone) {
        placeholders.push(("dns.zone", &settings.dns.zone));
    }
    for email in &settings.monitoring.alarm_emails {
        if email.rsplit_once('@').is_some_and(|(_, domain)| is_reserved_domain(domain)) {
            placeholders.push(("monitoring.alarm_emails", email));
        }
    }
    // AWS's documentation example: with it, every plan stops at allowed_account_ids.
    if let Some(account) = settings.account_id.as_deref().filter(|id| *id == "123456789012") {
        placeholders.push(("account_id", account));
    }
    let repository_path = settings.frontend.repository.split("://").nth(1).unwrap_or_default();
    if repository_path.split('/').nth(1).is_some_and(|owner| owner == "example" || owner == "OWNER") {
        placeholders.push(("frontend.repository", &settings.frontend.repository));
    }
    // One warning per file, pointing at the first placeholder, so the shipped examples
    // say it once each instead of once per value.
    let mut warnings = Vec::new();
    if let Some((first, _)) = placeholders.first() {
        let listed = placeholders.iter().map(|(path, value)| format!("`{path}` \"{value}\"")).collect::<Vec<_>>();
        warnings.push(
            Diagnostic::warning(format!(
                "{file} has values reserved for examples, which no real system has: {}",
                listed.join(", ")
            ))
            .at(environment.locate(&FieldPath::parse_dotted(first)))
            .help("replace them with the real values before applying"),
        );
    }
    (errors, warnings)
}

/// example.com, .net and .org and their subdomains, and the reserved top-level domains.
fn is_reserved_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| domain == suffix || domain.ends_with(&format!(".{suffix}"));
    ["example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"].into_iter().any(under)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_domains_are_the_documentation_ones() {
        for domain in ["example.com", "shop.example.org", "EXAMPLE.NET.", "a.test", "x.invalid"] {
            assert!(is_reserved_domain(domain), "{domain}");
        }
        for domain in ["examples.com", "myexample.com", "shop.io", "example.co.jp"] {
            assert!(!is_reserved_domain(domain), "{domain}");
        }
    }
}
