//! How numbers are written: in tables ([`number`], fixed significant digits, stable and
//! diffable) and in messages ([`Short`], as typed when short). Every layer formats numbers,
//! so this sits at the bottom of the pipeline and imports nothing from the crate.

/// A number for a message: as written when short (`0.05`, `2`, `1e-3` stays `0.001`), in
/// short scientific notation when its positional form would be long (`1e300`, not 301
/// digits), so that a message stays one short line whatever the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Short(pub f64);

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        let plain = x.to_string();
        if plain.len() <= 12 || !x.is_finite() {
            f.write_str(&plain)
        } else {
            // `{:e}` is the shortest exact form; long mantissas are cut to 6 digits.
            let sci = format!("{x:e}");
            if sci.len() <= 12 {
                f.write_str(&sci)
            } else {
                let cut = format!("{x:.5e}");
                let (mantissa, exponent) = cut.split_once('e').unwrap_or((&cut, "0"));
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                write!(f, "{mantissa}e{exponent}")
            }
        }
    }
}

#[cfg(test)]
mod short_tests {
    use super::Short;

    #[test]
    fn long_numbers_are_written_in_short_scientific_notation() {
        assert_eq!(Short(0.05).to_string(), "0.05");
        assert_eq!(Short(1e300).to_string(), "1e300");
        assert_eq!(Short(-1e-300).to_string(), "-1e-300");
        assert_eq!(Short(f64::MAX).to_string(), "1.79769e308");
        assert_eq!(Short(123456.789).to_string(), "123456.789");
        assert_eq!(Short(f64::INFINITY).to_string(), "inf");
        assert_eq!(Short(9.397e-317).to_string(), "9.397e-317");
    }
}

/// A number with 7 significant digits, in plain decimal where that stays readable.
/// Fixed-width formatting (not shortest round-trip) keeps the files stable and diffable.
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-4..6).contains(&magnitude) {
        let decimals = (6 - magnitude).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.6e}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn seven_significant_digits() {
        assert_eq!(number(3.2914561), "3.291456");
        assert_eq!(number(0.4257), "0.4257000");
        assert_eq!(number(989.4), "989.4000");
        assert_eq!(number(123456.78), "123456.8");
        assert_eq!(number(1.5e-7), "1.500000e-7");
        assert_eq!(number(0.0), "0");
    }
}
