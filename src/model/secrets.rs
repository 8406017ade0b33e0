//! Secret environment variables of the backend container, by reference (`[service.secrets]`).
//!
//! ECS reads each value when a task starts, with the task execution role, from an SSM
//! parameter or a Secrets Manager secret named by its full ARN. The value never enters the
//! generated files or the plan, and the role may read exactly the referenced parameters and
//! secrets. An ARN is checked to the letter here because a wrong one is only found when a
//! task fails to start, in production at the next rollout.

use std::collections::BTreeMap;

use super::region;
use super::service::{RESERVED_ENVIRONMENT, valid_env_name};
use super::{Checks, path};
use crate::config::{NatMode, Settings};

/// One secret environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSecret {
    /// The variable's name in the container.
    pub name: String,
    /// The container definition's `valueFrom`, as written.
    pub value_from: String,
    pub source: SecretSource,
    /// What IAM grants access to: the parameter's ARN, or the secret's ARN without the
    /// JSON key and version that ECS reads from it.
    pub resource_arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// An SSM Parameter Store parameter (`ssm:GetParameters`).
    Parameter,
    /// A Secrets Manager secret (`secretsmanager:GetSecretValue`).
    Secret,
}

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split_arn(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

fn is_account(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

/// A checked reference: what it is, what IAM grants, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub source: SecretSource,
    pub resource_arn: String,
    pub region: String,
    pub account: String,
}

/// Why `value` is not a reference ECS and IAM accept for an environment in
/// `environment_region`, or the reference.
pub fn parse_reference(value: &str, environment_region: &str) -> Result<Reference, String> {
    let Some(arn) = split_arn(value) else {
        return Err("it is not an ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`)".into());
    };
    let partition = region::partition(environment_region);
    if arn.partition != partition {
        return Err(format!(
            "its partition is `{}`, but the environment's region {environment_region} is in partition `{partition}`",
            arn.partition
        ));
    }
    if !region::is_known(arn.region) {
        return Err(format!("`{}` is not an AWS region code", arn.region));
    }
    if !is_account(arn.account) {
        return Err(format!("the account `{}` is not a 12-digit AWS account ID", arn.account));
    }
    match arn.service {
        "ssm" => {
            let Some(name) = arn.resource.strip_prefix("parameter/") else {
                return Err("an SSM ARN names a parameter as `parameter/<name>`".into());
            };
            check_parameter_name(name)?;
            Ok(Reference {
                source: SecretSource::Parameter,
                resource_arn: value.to_string(),
                region: arn.region.to_string(),
                account: arn.account.to_string(),
            })
        }
        "secretsmanager" => {
            let Some(rest) = arn.resource.strip_prefix("secret:") else {
                return Err("a Secrets Manager ARN names a secret as `secret:<name>-<6 characters>`".into());
            };
            let mut fields = rest.split(':');
            let name = fields.next().unwrap_or_default();
            check_secret_name(name)?;
            let extra: Vec<&str> = fields.collect();
            match extra.as_slice() {
                [] => {}
                [json_key, version_stage, version_id] => {
                    check_secret_selector(json_key, version_stage, version_id)?;
                }
                _ => {
                    return Err(
                        "after the secret's ARN, ECS expects exactly `:<json-key>:<version-stage>:<version-id>` \
                         (each part may be empty, e.g. `:password::`)"
                            .into(),
                    );
                }
            }
            let resource_arn =
                format!("arn:{}:secretsmanager:{}:{}:secret:{name}", arn.partition, arn.region, arn.account);
            Ok(Reference {
                source: SecretSource::Secret,
                resource_arn,
                region: arn.region.to_string(),
                account: arn.account.to_string(),
            })
        }
        other => Err(format!(
            "the service is `{other}`; ECS reads secrets from SSM parameters (`ssm`) and Secrets Manager (`secretsmanager`)"
        )),
    }
}

/// SSM parameter names: letters, digits and `_.-/`, a path of up to 15 levels, 1011
/// characters at most. In an ARN, the leading `/` of a path is not repeated.
fn check_parameter_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the parameter name after `parameter/` is empty".into());
    }
    if name.starts_with('/') || name.contains("//") || name.ends_with('/') {
        return Err(format!(
            "`{name}` is not a parameter path as an ARN writes it: `parameter/a/b` for the parameter `/a/b`, without empty levels"
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c))) {
        return Err(format!("the parameter name contains `{bad}`; SSM allows letters, digits and `_.-/`"));
    }
    if name.len() > 1011 {
        return Err(format!("the parameter name has {} characters; SSM allows 1011", name.len()));
    }
    if name.split('/').count() > 15 {
        return Err("the parameter path has more than 15 levels".into());
    }
    Ok(())
}

/// A secret's ARN ends with its name, `-` and six random characters Secrets Manager adds.
/// IAM matches the full ARN, so a partial one (without them) would grant nothing.
fn check_secret_name(name: &str) -> Result<(), String> {
    let suffix_ok = name.len() > 7 && {
        let (base, suffix) = name.split_at(name.len() - 7);
        !base.is_empty() && suffix.starts_with('-') && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric())
    };
    if !suffix_ok {
        return Err(format!(
            "`{name}` does not end with the `-` and six characters Secrets Manager adds to a secret's name; \
             copy the full ARN (`aws secretsmanager describe-secret --secret-id NAME --query ARN`)"
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c))) {
        return Err(format!("the secret name contains `{bad}`; Secrets Manager allows letters, digits and `/_+=.@-`"));
    }
    if name.len() > 512 + 7 {
        return Err("the secret name is longer than the 512 characters Secrets Manager allows".into());
    }
    Ok(())
}

fn check_secret_selector(json_key: &str, version_stage: &str, version_id: &str) -> Result<(), String> {
    if json_key.chars().any(char::is_control) {
        return Err(format!("the JSON key `{json_key}` contains a control character"));
    }
    if version_stage.len() > 256 || version_stage.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "`{version_stage}` is not a version stage (a label such as AWSCURRENT, up to 256 characters)"
        ));
    }
    let id_ok =
        (32..=64).contains(&version_id.len()) && version_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !version_id.is_empty() && !id_ok {
        return Err(format!("`{version_id}` is not a secret version ID (32 to 64 letters, digits or `-`)"));
    }
    Ok(())
}

/// A customer-managed KMS key by ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`).
/// IAM matches keys by key ARN only: an alias ARN would grant nothing.
fn check_kms_key_arn(value: &str, environment_region: &str) -> Result<(), String> {
    let arn = split_arn(value).ok_or("it is not an ARN")?;
    let id = arn.resource.strip_prefix("key/").unwrap_or_default();
    // A key ID is a UUID; a multi-Region key's is `mrk-` and 32 hex digits.
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    let uuid = id.split('-').map(str::len).eq([8, 4, 4, 4, 12]) && hex(&id.replace('-', ""));
    let id_ok = uuid || id.strip_prefix("mrk-").is_some_and(|rest| rest.len() == 32 && hex(rest));
    if arn.partition != region::partition(environment_region)
        || arn.service != "kms"
        || !region::is_known(arn.region)
        || !is_account(arn.account)
        || !id_ok
    {
        return Err(
            "IAM names a KMS key by its key ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (not an alias)".into()
        );
    }
    Ok(())
}

/// Validates `service.secrets` and `service.secrets_kms_key_arns`.
pub fn from_settings(checks: &mut Checks<'_>, settings: &Settings) -> (Vec<ContainerSecret>, Vec<String>) {
    let raw = &settings.service;
    let mut secrets = Vec::new();
    for (name, value) in &raw.secrets {
        let at = path("service.secrets").key(name);
        if !valid_env_name(name) {
            checks.error(
                &at,
                format!(
                    "`{name}` is not an environment variable name (letters, digits and `_`, not starting with a digit)"
                ),
                None,
            );
            continue;
        }
        if RESERVED_ENVIRONMENT.contains(&name.as_str()) {
            checks.error(&at, format!("`{name}` is set by infragen on the container; choose another name"), None);
            continue;
        }
        if raw.environment.contains_key(name) {
            checks.error(
                &at,
                format!(
                    "`{name}` is also a plain variable in `service.environment`; a container variable has one value"
                ),
                Some(format!("remove `{name}` from `service.environment` or from `service.secrets`")),
            );
            continue;
        }
        match parse_reference(value, &settings.region) {
            Ok(reference) => {
                let own_account = settings.account_id.as_deref().is_none_or(|own| own == reference.account);
                if settings.network.nat == NatMode::None && reference.region != settings.region {
                    checks.error(
                        &at,
                        format!("`service.secrets.{name}` lives in another region than the environment's {}", settings.region),
                        Some(
                            "without a NAT gateway (`network.nat = \"none\"`), tasks reach SSM and Secrets Manager only \
                             through the VPC endpoints of their own region: replicate the secret into this region"
                                .to_string(),
                        ),
                    );
                } else if reference.source == SecretSource::Parameter && !own_account {
                    checks.error(
                        &at,
                        format!("`service.secrets.{name}` is a parameter of another account than `account_id`"),
                        Some("ECS reads SSM parameters of the task's own account only; keep the value in a parameter of this account, or in a Secrets Manager secret shared with it".to_string()),
                    );
                } else if reference.source == SecretSource::Secret
                    && !own_account
                    && raw.secrets_kms_key_arns.is_empty()
                {
                    checks.error(
                        &at,
                        format!("`service.secrets.{name}` is a secret of another account than `account_id`"),
                        Some(
                            "a secret shared with another account must be encrypted with a customer-managed KMS key; \
                             add that key's ARN to `service.secrets_kms_key_arns`"
                                .to_string(),
                        ),
                    );
                } else {
                    secrets.push(ContainerSecret {
                        name: name.clone(),
                        value_from: value.clone(),
                        source: reference.source,
                        resource_arn: reference.resource_arn,
                    });
                }
            }
            Err(problem) => checks.error(
                &at,
                format!(
                    "`service.secrets.{name}` is not the ARN of an SSM parameter or a Secrets Manager secret: {problem}"
                ),
                Some(
                    "e.g. \"arn:aws:ssm:ap-northeast-1:123456789012:parameter/shop/prod/stripe-key\" or \
                     \"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shop/prod/stripe-AbCdEf\" \
                     (with a JSON key: \"...:secret:shop/prod/stripe-AbCdEf:api_key::\")"
                        .to_string(),
                ),
            ),
        }
    }
    let mut keys = Vec::new();
    for (index, arn) in raw.secrets_kms_key_arns.iter().enumerate() {
        let at = path("service.secrets_kms_key_arns").index(index);
        if let Err(problem) = check_kms_key_arn(arn, &settings.region) {
            checks.error(&at, format!("`service.secrets_kms_key_arns[{index}]` is not a KMS key ARN: {problem}"), None);
        } else if keys.contains(arn) {
            checks.error(&at, format!("`service.secrets_kms_key_arns[{index}]` repeats \"{arn}\""), None);
        } else {
            keys.push(arn.clone());
        }
    }
    if raw.secrets.is_empty() && !keys.is_empty() {
        checks.error(
            &path("service.secrets_kms_key_arns"),
            "`service.secrets_kms_key_arns` names keys, but `service.secrets` references nothing they could decrypt",
            Some("remove the keys, or add the secrets they encrypt to `service.secrets`".to_string()),
        );
    }
    (secrets, keys)
}

/// The IAM resources of each kind, sorted and without repeats (several variables may read
/// keys of one secret).
pub fn resource_arns(secrets: &[ContainerSecret], source: SecretSource) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> =
        secrets.iter().filter(|s| s.source == source).map(|s| s.resource_arn.as_str()).collect();
    set.into_iter().map(str::to_string).collect()
}

/// Name to `valueFrom`, as the container definition takes them.
pub fn value_froms(secrets: &[ContainerSecret]) -> BTreeMap<String, String> {
    secrets.iter().map(|s| (s.name.clone(), s.value_from.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGION: &str = "ap-northeast-1";

    #[test]
    fn parameters_and_secrets_are_recognised() {
        let parameter =
            parse_reference("arn:aws:ssm:ap-northeast-1:123456789012:parameter/shop/prod/key", REGION).unwrap();
        assert_eq!(parameter.source, SecretSource::Parameter);
        assert_eq!(parameter.resource_arn, "arn:aws:ssm:ap-northeast-1:123456789012:parameter/shop/prod/key");
        assert_eq!((parameter.region.as_str(), parameter.account.as_str()), (REGION, "123456789012"));
        // Another region of the same partition is fine: ECS reads it by its full ARN.
        assert!(parse_reference("arn:aws:ssm:us-east-1:123456789012:parameter/key", REGION).is_ok());

        let plain = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shop/prod/stripe-AbCdEf";
        let secret = parse_reference(plain, REGION).unwrap();
        assert_eq!((secret.source, secret.resource_arn.as_str()), (SecretSource::Secret, plain));
        // A JSON key and a version: IAM grants the secret itself.
        for suffix in [":api_key::", ":api_key:AWSPREVIOUS:", "::AWSCURRENT:", ":k::0123456789abcdef0123456789abcdef"] {
            assert_eq!(parse_reference(&format!("{plain}{suffix}"), REGION).unwrap().resource_arn, plain, "{suffix}");
        }
    }

    #[test]
    fn near_misses_are_refused_with_the_reason() {
        let problem = |value: &str| parse_reference(value, REGION).unwrap_err();
        assert!(problem("/shop/prod/key").contains("not an ARN"));
        assert!(problem("arn:aws-cn:ssm:ap-northeast-1:123456789012:parameter/key").contains("partition"));
        assert!(problem("arn:aws:ssm:ap-northeast-9:123456789012:parameter/key").contains("region"));
        assert!(problem("arn:aws:ssm:ap-northeast-1:12345:parameter/key").contains("account"));
        assert!(problem("arn:aws:ssm:ap-northeast-1:123456789012:parameter//key").contains("parameter path"));
        assert!(problem("arn:aws:ssm:ap-northeast-1:123456789012:param/key").contains("parameter/"));
        assert!(problem("arn:aws:s3:::bucket/key").contains("region"));
        assert!(problem("arn:aws:s3:ap-northeast-1:123456789012:bucket").contains("`s3`"));
        // A partial secret ARN (no random suffix) would grant nothing in IAM.
        assert!(problem("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:stripe").contains("six characters"));
        let full = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:stripe-AbCdEf";
        assert!(problem(&format!("{full}:api_key")).contains("exactly"));
        assert!(problem(&format!("{full}:k::xyz")).contains("version ID"));
    }

    #[test]
    fn kms_keys_by_key_arn_only() {
        assert!(
            check_kms_key_arn(
                "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                REGION
            )
            .is_ok()
        );
        assert!(check_kms_key_arn("arn:aws:kms:ap-northeast-1:123456789012:alias/app", REGION).is_err());
    }
}
