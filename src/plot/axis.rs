//! The energy axis of both pictures: logarithmic, with ticks at the 1-2-5 values inside it.
//!
//! plotters' own log axis labels only powers of ten once a range spans a decade or two, which
//! leaves a reader of `0.5 … 50` two numbers to read positions by. 1-2-5 ticks give six to
//! ten labels per picture, each a round number.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::tick;

/// A log-scaled axis from `lo` to `hi` (both positive).
#[derive(Debug, Clone, Copy)]
pub struct LogAxis {
    lo: f64,
    hi: f64,
}

impl LogAxis {
    /// An axis from `lo` to `hi`, pJ/MAC (both > 0, `lo < hi`).
    pub fn new(lo: f64, hi: f64) -> LogAxis {
        LogAxis { lo, hi }
    }

    /// The values 1, 2 and 5 times a power of ten inside the axis, in increasing order.
    pub fn ticks(&self) -> Vec<f64> {
        let mut out = Vec::new();
        let mut decade = 10f64.powf(self.lo.log10().floor());
        while decade <= self.hi {
            for m in [1.0, 2.0, 5.0] {
                let v = m * decade;
                if v >= self.lo * (1.0 - 1e-9) && v <= self.hi * (1.0 + 1e-9) {
                    out.push(v);
                }
            }
            decade *= 10.0;
        }
        out
    }
}

impl Ranged for LogAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let v = value.max(self.lo * 1e-6); // a non-positive value would have no logarithm
        let t = (v / self.lo).ln() / (self.hi / self.lo).ln();
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    /// The 1-2-5 ticks, or only the powers of ten when the hint allows fewer points.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let all = self.ticks();
        if all.len() <= hint.max_num_points() {
            return all;
        }
        all.into_iter()
            .filter(|v| {
                let m = v / 10f64.powf(v.log10().floor());
                (m - 1.0).abs() < 1e-6
            })
            .collect()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for LogAxis {
    fn format(value: &f64) -> String {
        tick(*value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_the_1_2_5_values_inside() {
        let labels: Vec<String> = LogAxis::new(0.05, 50.0)
            .ticks()
            .into_iter()
            .map(tick)
            .collect();
        assert_eq!(
            labels,
            ["0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "20", "50"]
        );
        assert_eq!(LogAxis::new(0.05, 50.0).key_points(4usize).len(), 3);
    }

    #[test]
    fn maps_logarithmically() {
        let a = LogAxis::new(1.0, 100.0);
        assert_eq!(a.map(&1.0, (0, 200)), 0);
        assert_eq!(a.map(&10.0, (0, 200)), 100);
        assert_eq!(a.map(&100.0, (0, 200)), 200);
    }
}
