//! Values that look like credentials. Plain settings are written into the generated
//! Terraform (and shown by `infragen show`, the console, every plan), so a password, a key
//! or a token there is a leak in a commit. Both the name and the value are looked at; the
//! value is never repeated in a message.

/// The values of the settings that look like credentials, to keep out of every message.
pub fn suspected_values(settings: &crate::config::Settings) -> Vec<String> {
    let mut values = Vec::new();
    for environment in [&settings.service.environment, &settings.frontend.environment] {
        for (name, value) in environment {
            if suspected(name, value).is_some() {
                values.push(value.clone());
            }
        }
    }
    if let Some(userinfo) = userinfo(&settings.frontend.repository) {
        values.push(userinfo.to_string());
    }
    values
}

/// Why an environment variable looks like a credential, or None.
pub fn suspected(name: &str, value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Some(reason) = by_value(value) {
        return Some(reason);
    }
    // A reference to a secret (an ARN, an SSM parameter name) is what belongs here.
    let is_reference = value.starts_with("arn:") || value.starts_with("/") || value.starts_with("ssm:");
    let upper = name.to_ascii_uppercase();
    const NAMES: &[(&str, &str)] = &[
        ("PASSWORD", "its name says it is a password"),
        ("PASSWD", "its name says it is a password"),
        ("SECRET", "its name says it is a secret"),
        ("TOKEN", "its name says it is a token"),
        ("API_KEY", "its name says it is an API key"),
        ("APIKEY", "its name says it is an API key"),
        ("PRIVATE_KEY", "its name says it is a private key"),
        ("ACCESS_KEY", "its name says it is an access key"),
        ("CREDENTIAL", "its name says it is a credential"),
    ];
    NAMES.iter().find(|(part, _)| upper.contains(part)).filter(|_| !is_reference).map(|(_, reason)| *reason)
}

/// Value shapes of well-known credentials.
fn by_value(value: &str) -> Option<&'static str> {
    let aws_key_id = |prefix: &str| {
        value
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == 16 && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
    };
    if aws_key_id("AKIA") || aws_key_id("ASIA") {
        return Some("it has the shape of an AWS access key ID");
    }
    if ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].iter().any(|p| value.starts_with(p)) {
        return Some("it has the shape of a GitHub token");
    }
    if ["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"].iter().any(|p| value.starts_with(p)) {
        return Some("it has the shape of a Slack token");
    }
    if ["sk_live_", "rk_live_"].iter().any(|p| value.starts_with(p)) {
        return Some("it has the shape of a Stripe secret key");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("it holds a PEM private key");
    }
    if url_with_password(value) {
        return Some("it is a URL with a password in it");
    }
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].starts_with("eyJ") {
        return Some("it has the shape of a JSON Web Token");
    }
    None
}

/// The `user[:password]` part of `scheme://user[:password]@host...`.
fn userinfo(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').map(|(userinfo, _)| userinfo)
}

/// `scheme://user:password@host...`
pub fn url_with_password(value: &str) -> bool {
    userinfo(value).is_some_and(|userinfo| userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognised_by_name_and_by_value() {
        assert!(suspected("DB_PASSWORD", "hunter2").is_some());
        assert!(suspected("STRIPE_SECRET", "abc").is_some());
        assert!(suspected("X", "AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(suspected("X", "ghp_0123456789abcdef0123456789abcdef0123").is_some());
        assert!(suspected("X", "-----BEGIN RSA PRIVATE KEY-----\nMII...").is_some());
        assert!(suspected("DATABASE_URL", "postgres://app:s3cret@db:5432/app").is_some());
        assert!(suspected("X", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig").is_some());
        // References to secrets and ordinary settings pass.
        assert!(suspected("DB_PASSWORD_ARN", "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:x").is_none());
        assert!(suspected("TOKEN_PARAMETER", "/acme/prod/token").is_none());
        assert!(suspected("RUST_LOG", "info").is_none());
        assert!(suspected("DATABASE_URL", "postgres://db:5432/app").is_none());
        assert!(suspected("PUBLIC_URL", "https://user@example.com/").is_none());
    }
}
