//! Go duration strings, as Pebble writes and reads them (`1h2m3.5s`, `500ms`, `4.000s`).

use std::time::Duration;

/// A duration as ops sends it: seconds with three decimals, e.g. `4.000s`.
pub fn format(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// Parse a Go duration string (`168h0m0s`, `1.5s`, `300ms`, `2us`, `10ns`); `None` if invalid
/// or negative.
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.strip_prefix('+').unwrap_or(text);
    if text == "0" {
        return Some(Duration::ZERO);
    }
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += value * scale;
    }
    Some(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse("168h0m0s"), Some(Duration::from_secs(168 * 3600)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse("2us"), Some(Duration::from_micros(2)));
        assert_eq!(parse("0"), Some(Duration::ZERO));
        assert_eq!(parse(""), None);
        assert_eq!(parse("5"), None);
        assert_eq!(parse("5x"), None);
        assert_eq!(parse("-1s"), None);
    }

    #[test]
    fn durations_format_as_ops_sends_them() {
        assert_eq!(format(Duration::from_secs(4)), "4.000s");
        assert_eq!(format(Duration::from_millis(1500)), "1.500s");
    }
}
