//! Cron expressions as AWS schedules them (Application Auto Scaling, AWS Backup,
//! EventBridge): `cron(minutes hours day-of-month month day-of-week year)`.

use std::fmt;

/// A checked `cron(...)` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    fields: [String; 6],
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Field names, for error messages.
const FIELDS: [&str; 6] = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"];
const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    /// Parses `cron(...)`; `Err` says what is wrong with it, as a clause ("its hours field ...").
    pub fn parse(text: &str) -> Result<Cron, String> {
        let inner = text.trim().strip_prefix("cron(").and_then(|rest| rest.strip_suffix(')')).ok_or_else(|| {
            "it must have the form cron(minutes hours day-of-month month day-of-week year)".to_string()
        })?;
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let fields: [String; 6] = parts.iter().map(|p| p.to_string()).collect::<Vec<_>>().try_into().map_err(|_| {
            format!(
                "it has {} fields; cron() takes six: minutes hours day-of-month month day-of-week year",
                parts.len()
            )
        })?;
        check_field(&fields[0], FIELDS[0], 0, 59, &[], "*,-/")?;
        check_field(&fields[1], FIELDS[1], 0, 23, &[], "*,-/")?;
        check_field(&fields[2], FIELDS[2], 1, 31, &[], "*,-/?LW")?;
        check_field(&fields[3], FIELDS[3], 1, 12, &MONTHS, "*,-/")?;
        check_field(&fields[4], FIELDS[4], 1, 7, &DAYS, "*,-?L#")?;
        check_field(&fields[5], FIELDS[5], 1970, 2199, &[], "*,-/")?;
        // AWS needs exactly one of the two day fields to be "?".
        if (fields[2] == "?") == (fields[4] == "?") {
            return Err("exactly one of day-of-month and day-of-week must be `?`".into());
        }
        Ok(Cron { text: text.trim().to_string(), fields })
    }

    /// The time of day, when the expression fires once a day at a fixed hour and minute.
    pub fn daily_time(&self) -> Option<(u32, u32)> {
        let every_day = |f: &str| f == "*" || f == "?";
        if !(every_day(&self.fields[2]) && every_day(&self.fields[4]) && self.fields[3] == "*") {
            return None;
        }
        let minute = self.fields[0].parse().ok()?;
        let hour = self.fields[1].parse().ok()?;
        Some((hour, minute))
    }
}

impl Cron {
    /// Every time the expression fires in a week, as minutes from Sunday 00:00, when it
    /// fires at fixed minutes and hours on every day or on fixed days of the week (any
    /// month, any year); `None` for anything else (days of the month, steps, `L`, `#`).
    pub fn weekly_times(&self) -> Option<Vec<u32>> {
        let numbers = |field: &str| -> Option<Vec<u32>> { field.split(',').map(|n| n.parse().ok()).collect() };
        let minutes = numbers(&self.fields[0])?;
        let hours = numbers(&self.fields[1])?;
        let every_day = |f: &str| f == "*" || f == "?";
        if !every_day(&self.fields[2]) || self.fields[3] != "*" {
            return None;
        }
        // AWS numbers the days 1 (SUN) to 7 (SAT); a week here starts on Sunday, as 0.
        let day = |d: &str| -> Option<u32> {
            d.parse::<u32>()
                .ok()
                .filter(|n| (1..=7).contains(n))
                .map(|n| n - 1)
                .or_else(|| DAYS.iter().position(|n| n.eq_ignore_ascii_case(d)).map(|i| i as u32))
        };
        let days: Vec<u32> = if every_day(&self.fields[4]) {
            (0..7).collect()
        } else {
            let mut days = Vec::new();
            for item in self.fields[4].split(',') {
                let (low, high) = item.split_once('-').unwrap_or((item, item));
                let (low, high) = (day(low)?, day(high)?);
                if low > high {
                    return None;
                }
                days.extend(low..=high);
            }
            days
        };
        let mut times = Vec::new();
        for d in &days {
            for h in &hours {
                times.extend(minutes.iter().map(|m| d * 1440 + h * 60 + m));
            }
        }
        times.sort_unstable();
        times.dedup();
        Some(times)
    }
}

/// Hours from a daily `stop` to the next daily `start`, when both are plain daily times.
pub fn hours_between(stop: &Cron, start: &Cron) -> Option<f64> {
    let (stop_h, stop_m) = stop.daily_time()?;
    let (start_h, start_m) = start.daily_time()?;
    let stop_minutes = stop_h * 60 + stop_m;
    let start_minutes = start_h * 60 + start_m;
    let minutes = (start_minutes + 24 * 60 - stop_minutes) % (24 * 60);
    Some(f64::from(minutes) / 60.0)
}

fn check_field(field: &str, name: &str, min: u32, max: u32, names: &[&str], specials: &str) -> Result<(), String> {
    let bad = || {
        let named =
            if names.is_empty() { String::new() } else { format!(" or {}-{}", names[0], names[names.len() - 1]) };
        let specials: Vec<String> = specials.chars().map(|c| c.to_string()).collect();
        format!("its {name} field `{field}` must hold values {min}-{max}{named} (with {})", specials.join(" "))
    };
    if field == "*" && specials.contains('*') || field == "?" && specials.contains('?') {
        return Ok(());
    }
    if field == "L" && specials.contains('L') {
        return Ok(());
    }
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) if specials.contains('/') => (range, Some(step)),
            Some(_) => return Err(bad()),
            None => (item, None),
        };
        if let Some(step) = step
            && step.parse::<u32>().map_or(true, |s| s == 0 || s > max)
        {
            return Err(bad());
        }
        if range == "*" && step.is_some() {
            continue;
        }
        // day-of-week `n#k` (k-th weekday n of the month) and `nL` (last weekday n).
        let range = if specials.contains('#') {
            match range.split_once('#') {
                Some((day, nth)) if nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n)) => day,
                Some(_) => return Err(bad()),
                None => range,
            }
        } else {
            range
        };
        let range = range.strip_suffix('L').filter(|_| specials.contains('L')).unwrap_or(range);
        let range = range.strip_suffix('W').filter(|_| specials.contains('W')).unwrap_or(range);
        let (low, high) = range.split_once('-').unwrap_or((range, range));
        let value = |v: &str| -> Option<u32> {
            v.parse::<u32>()
                .ok()
                .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(v)).map(|i| min + i as u32))
        };
        match (value(low), value(high)) {
            (Some(l), Some(h)) if (min..=max).contains(&l) && (min..=max).contains(&h) => {}
            _ => return Err(bad()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_aws_cron_expressions() {
        for ok in [
            "cron(0 22 * * ? *)",
            "cron(30 6 ? * MON-FRI *)",
            "cron(0/15 * * * ? *)",
            "cron(0 18 L * ? *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(5,35 14 * JAN-MAR ? 2027)",
        ] {
            assert!(Cron::parse(ok).is_ok(), "{ok}: {:?}", Cron::parse(ok));
        }
    }

    #[test]
    fn rejects_malformed_ones_with_the_reason() {
        assert_eq!(
            Cron::parse("0 22 * * *"),
            Err("it must have the form cron(minutes hours day-of-month month day-of-week year)".into())
        );
        assert_eq!(
            Cron::parse("cron(0 22 * * *)"),
            Err("it has 5 fields; cron() takes six: minutes hours day-of-month month day-of-week year".into())
        );
        assert_eq!(
            Cron::parse("cron(0 24 * * ? *)"),
            Err("its hours field `24` must hold values 0-23 (with * , - /)".into())
        );
        assert_eq!(
            Cron::parse("cron(0 22 * * * *)"),
            Err("exactly one of day-of-month and day-of-week must be `?`".into())
        );
        assert!(Cron::parse("cron(0 22 * FOO ? *)").is_err());
        assert!(Cron::parse("cron(0/0 22 * * ? *)").is_err());
    }

    #[test]
    fn weekly_times_of_daily_and_weekly_schedules() {
        let times = |text: &str| Cron::parse(text).unwrap().weekly_times();
        assert_eq!(times("cron(0 20 * * ? *)"), Some((0..7).map(|d| d * 1440 + 1200).collect()));
        assert_eq!(times("cron(30 18 ? * SAT *)"), Some(vec![6 * 1440 + 1110]));
        assert_eq!(times("cron(0 1,13 ? * 2-3 *)"), Some(vec![1440 + 60, 1440 + 780, 2880 + 60, 2880 + 780]));
        assert_eq!(times("cron(0 18 1 * ? *)"), None);
        assert_eq!(times("cron(0/30 18 * * ? *)"), None);
        assert_eq!(times("cron(0 18 ? * 6#1 *)"), None);
    }

    #[test]
    fn nightly_hours_wrap_around_midnight() {
        let stop = Cron::parse("cron(0 22 * * ? *)").unwrap();
        let start = Cron::parse("cron(0 6 * * ? *)").unwrap();
        assert_eq!(hours_between(&stop, &start), Some(8.0));
        let weekdays = Cron::parse("cron(0 6 ? * MON-FRI *)").unwrap();
        assert_eq!(hours_between(&stop, &weekdays), None);
    }
}
