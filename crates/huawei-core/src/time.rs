//! The `X-Sdk-Date` timestamp: `YYYYMMDDTHHMMSSZ` in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as an `X-Sdk-Date` value.
pub(crate) fn sdk_date_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    sdk_date(secs)
}

/// Unix seconds as `YYYYMMDDTHHMMSSZ` (proleptic Gregorian, UTC).
pub(crate) fn sdk_date(unix_secs: u64) -> String {
    let days = i64::try_from(unix_secs / 86_400).unwrap_or(0);
    let rem = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(sdk_date(0), "19700101T000000Z");
        // The signing vectors' first date.
        assert_eq!(sdk_date(1_795_336_200), "20261122T083000Z");
        assert_eq!(sdk_date(951_782_400), "20000229T000000Z");
        assert_eq!(sdk_date_now().len(), 16);
    }
}
