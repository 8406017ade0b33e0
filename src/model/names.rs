//! Naming rules AWS enforces, checked before Terraform ever sees a name.
//!
//! Each function returns `Err(what is expected)` so the caller can put it into a diagnostic
//! that also names the field.

/// Project and environment names: they prefix every resource name, so they must suit the
/// strictest resource types that use them (RDS identifiers, S3 buckets, ALB and target
/// group names): lowercase letters, digits and single hyphens, starting with a letter.
pub fn check_resource_name_part(name: &str) -> Result<(), String> {
    let expected = "lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let allowed = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !starts_with_letter || !allowed || name.ends_with('-') || name.contains("--") {
        return Err(expected.to_string());
    }
    Ok(())
}

/// S3 bucket names (general purpose buckets).
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(format!("3 to 63 characters (this one has {len})"));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.') {
        return Err("only lowercase letters, digits, hyphens and dots".into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err("a name that starts and ends with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err("no two dots in a row and no hyphen next to a dot".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|part| part.parse::<u8>().is_ok()) {
        return Err("a name that is not formatted as an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!("a name that does not start with `{prefix}` (reserved by AWS)"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"] {
        if name.ends_with(suffix) {
            return Err(format!("a name that does not end with `{suffix}` (reserved by AWS)"));
        }
    }
    Ok(())
}

/// Public DNS names (a Route53 public hosted zone or a record in one).
pub fn check_domain_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("a domain name of 1 to 253 characters".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain with at least two labels, such as example.com".into());
    }
    for label in &labels {
        check_dns_label(label)?;
    }
    if labels.last().is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_lowercase())) {
        return Err("a top-level domain made of letters".into());
    }
    Ok(())
}

/// One label of a DNS name, e.g. `api-dev`.
pub fn check_dns_label(label: &str) -> Result<(), String> {
    if label.is_empty() || label.len() > 63 {
        return Err(format!("labels of 1 to 63 characters (`{label}` has {})", label.len()));
    }
    if !label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(format!("labels of lowercase letters, digits and hyphens (`{label}` is not)"));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("labels that do not start or end with a hyphen (`{label}` does)"));
    }
    Ok(())
}

/// Tag keys and values, as AWS resource tagging accepts them.
pub fn check_tag(key: &str, value: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err("tag keys of 1 to 128 characters".into());
    }
    if value.chars().count() > 256 {
        return Err("tag values of at most 256 characters".into());
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err("tag keys that do not start with `aws:` (reserved by AWS)".into());
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    if !key.chars().all(allowed) || !value.chars().all(allowed) {
        return Err("letters, digits, spaces and _ . : / = + - @ only".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_name_parts() {
        assert!(check_resource_name_part("acme-web2").is_ok());
        for bad in ["", "Acme", "2acme", "acme-", "ac--me", "ac_me"] {
            assert!(check_resource_name_part(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("acme-tfstate-ap-northeast-1").is_ok());
        assert_eq!(check_bucket_name("ab"), Err("3 to 63 characters (this one has 2)".into()));
        assert!(check_bucket_name("Acme").is_err());
        assert!(check_bucket_name("192.168.1.1").is_err());
        assert!(check_bucket_name("xn--acme").is_err());
        assert!(check_bucket_name("acme-s3alias").is_err());
        assert!(check_bucket_name("a..b").is_err());
        assert!(check_bucket_name("-ab").is_err());
    }

    #[test]
    fn domain_names() {
        assert!(check_domain_name("example.com").is_ok());
        assert!(check_domain_name("dev.example.co.jp").is_ok());
        assert!(check_domain_name("localhost").is_err());
        assert!(check_domain_name("exa_mple.com").is_err());
        assert!(check_domain_name("-x.com").is_err());
        assert!(check_domain_name("example.c0m").is_err());
        assert!(check_domain_name("Example.com").is_err());
        assert!(check_domain_name(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn tags() {
        assert!(check_tag("CostCenter", "web/1234").is_ok());
        assert!(check_tag("aws:foo", "x").is_err());
        assert!(check_tag("", "x").is_err());
        assert!(check_tag("a", "semi;colon").is_err());
    }
}
