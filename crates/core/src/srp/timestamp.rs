//! The TIMESTAMP of a PASSWORD_VERIFIER response: `Tue Mar 5 07:04:09 UTC 2024` (English names, UTC, day not
//! zero-padded as JavaScript clients send it; Java and .NET clients may pad it). The signature covers the string
//! as received; this parse only checks that it is recent.

use crate::time::Timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [weekday, month, day, hms, "UTC", year] = parts[..] else {
        return None;
    };
    let month = MONTHS.iter().position(|m| *m == month)? as u8 + 1;
    let day: u8 = day.parse().ok()?;
    let year: i32 = year.parse().ok()?;
    let mut t = hms.split(':');
    let (h, m, s): (u8, u8, u8) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    if t.next().is_some() {
        return None;
    }
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    // The weekday must be the date's: a TIMESTAMP is compared as written, so a wrong one is malformed.
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    if DAYS[date.weekday().number_days_from_monday() as usize] != weekday {
        return None;
    }
    let dt = date.with_hms(h, m, s).ok()?.assume_utc();
    Some(Timestamp::from_millis(dt.unix_timestamp() * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_with_and_without_zero_padding() {
        let a = parse_timestamp("Tue Mar 5 07:04:09 UTC 2024").unwrap();
        let b = parse_timestamp("Tue Mar 05 07:04:09 UTC 2024").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.seconds(), 1_709_622_249);
        assert!(parse_timestamp("Tue Mar 5 07:04:09 GMT 2024").is_none());
        assert!(parse_timestamp("Tue Foo 5 07:04:09 UTC 2024").is_none());
        assert!(parse_timestamp("Tue Feb 30 07:04:09 UTC 2024").is_none());
        assert!(parse_timestamp("").is_none());
        assert!(
            parse_timestamp("Wed Mar 5 07:04:09 UTC 2024").is_none(),
            "5 March 2024 was a Tuesday"
        );
    }
}
