//! What infragen knows of each AWS region: its zones, and the defaults that follow from it.
//!
//! Settings that depend on where an environment runs (its zones, the time zone of the nightly
//! scale-down, the second region that receives backup copies) are not fixed defaults: they
//! form a layer of their own, derived from `region`, between the built-in defaults and the
//! scale tier. An environment in `eu-west-1` then scales down at night in Dublin's time and
//! copies its backups to Frankfurt, not to Osaka.

/// One commercial region.
pub struct Region {
    pub code: &'static str,
    /// The letters of its availability zones, as AWS lists them for new accounts. Zone
    /// names are per account in some older regions, but which letters exist is not;
    /// `ap-northeast-1b`, for example, is closed to accounts created since 2012.
    pub zone_letters: &'static str,
    /// The IANA time zone of the region's city, for schedules people read as local time.
    pub time_zone: &'static str,
    /// Where backups are copied by default: the nearest other region in the same country,
    /// else in the same legal area (the EU). None where no such region exists, since a
    /// copy abroad is a decision about where data may live that only its owner can make.
    pub backup_partner: Option<&'static str>,
}

const fn region(
    code: &'static str,
    zone_letters: &'static str,
    time_zone: &'static str,
    backup_partner: Option<&'static str>,
) -> Region {
    Region { code, zone_letters, time_zone, backup_partner }
}

/// Every region infragen knows, sorted by code.
pub const REGIONS: &[Region] = &[
    region("af-south-1", "abc", "Africa/Johannesburg", None),
    region("ap-east-1", "abc", "Asia/Hong_Kong", None),
    region("ap-east-2", "abc", "Asia/Taipei", None),
    region("ap-northeast-1", "acd", "Asia/Tokyo", Some("ap-northeast-3")),
    region("ap-northeast-2", "abcd", "Asia/Seoul", None),
    region("ap-northeast-3", "abc", "Asia/Tokyo", Some("ap-northeast-1")),
    region("ap-south-1", "abc", "Asia/Kolkata", Some("ap-south-2")),
    region("ap-south-2", "abc", "Asia/Kolkata", Some("ap-south-1")),
    region("ap-southeast-1", "abc", "Asia/Singapore", None),
    region("ap-southeast-2", "abc", "Australia/Sydney", Some("ap-southeast-4")),
    region("ap-southeast-3", "abc", "Asia/Jakarta", None),
    region("ap-southeast-4", "abc", "Australia/Melbourne", Some("ap-southeast-2")),
    region("ap-southeast-5", "abc", "Asia/Kuala_Lumpur", None),
    region("ap-southeast-6", "abc", "Pacific/Auckland", None),
    region("ap-southeast-7", "abc", "Asia/Bangkok", None),
    region("ca-central-1", "abd", "America/Toronto", Some("ca-west-1")),
    region("ca-west-1", "abc", "America/Edmonton", Some("ca-central-1")),
    region("eu-central-1", "abc", "Europe/Berlin", Some("eu-west-1")),
    region("eu-central-2", "abc", "Europe/Zurich", None),
    region("eu-north-1", "abc", "Europe/Stockholm", Some("eu-central-1")),
    region("eu-south-1", "abc", "Europe/Rome", Some("eu-central-1")),
    region("eu-south-2", "abc", "Europe/Madrid", Some("eu-west-3")),
    region("eu-west-1", "abc", "Europe/Dublin", Some("eu-central-1")),
    region("eu-west-2", "abc", "Europe/London", None),
    region("eu-west-3", "abc", "Europe/Paris", Some("eu-central-1")),
    region("il-central-1", "abc", "Asia/Jerusalem", None),
    region("me-central-1", "abc", "Asia/Dubai", None),
    region("me-south-1", "abc", "Asia/Bahrain", None),
    region("mx-central-1", "abc", "America/Mexico_City", None),
    region("sa-east-1", "abc", "America/Sao_Paulo", None),
    region("us-east-1", "abcdef", "America/New_York", Some("us-west-2")),
    region("us-east-2", "abc", "America/New_York", Some("us-west-2")),
    region("us-west-1", "abc", "America/Los_Angeles", Some("us-west-2")),
    region("us-west-2", "abcd", "America/Los_Angeles", Some("us-east-2")),
];

/// The region with this code.
pub fn find(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

impl Region {
    /// Its zone names, e.g. `ap-northeast-1a`.
    pub fn zones(&self) -> Vec<String> {
        self.zone_letters.chars().map(|letter| format!("{}{letter}", self.code)).collect()
    }

    /// The settings that follow from the region, as TOML (dotted keys): the first two zones,
    /// the time zone of the nightly scale-down and, where one exists, the backup partner. A
    /// region without a partner leaves `backup.copy_region` empty, which validation reports
    /// where copies are on.
    pub fn overlay(&self) -> String {
        let zones = self.zones().into_iter().take(2).map(|z| format!("\"{z}\"")).collect::<Vec<_>>().join(", ");
        format!(
            "network.azs = [{zones}]\nservice.night_scale_down.timezone = \"{}\"\nbackup.copy_region = \"{}\"\n",
            self.time_zone,
            self.backup_partner.unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_sorted_unique_with_two_zones_and_partners_that_exist() {
        let codes: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for region in REGIONS {
            assert!(region.zones().len() >= 2, "{}", region.code);
            if let Some(partner) = region.backup_partner {
                assert!(find(partner).is_some() && partner != region.code, "{}: {partner}", region.code);
            }
        }
    }

    #[test]
    fn tokyo_defaults_are_the_built_in_ones() {
        let tokyo = find("ap-northeast-1").expect("Tokyo");
        assert_eq!(
            tokyo.overlay(),
            "network.azs = [\"ap-northeast-1a\", \"ap-northeast-1c\"]\nservice.night_scale_down.timezone = \"Asia/Tokyo\"\nbackup.copy_region = \"ap-northeast-3\"\n"
        );
    }
}
