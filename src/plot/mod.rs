//! Pictures of a run, as SVG bytes: `posterior.svg` (per node and precision, each method's
//! posterior density with the observations' 90 % bound intervals below) and
//! `observations.svg` (every observation's implied bound, grouped by node) and `nodes.svg`
//! (the headline method's energy against process node, with the references).
//!
//! Drawn with plotters' SVG backend only: text is written as `<text>` elements and laid out
//! with plotters' built-in width estimate, so no font file, font library or C library is
//! needed, and the same run gives the same bytes on any machine. Energies are on a log axis
//! shared by every panel of a picture, so panels compare at a glance.

pub mod axis;
pub mod forest;
pub mod nodes;
pub mod observations;
pub mod posterior;

pub use nodes::nodes_svg;
pub use observations::observations_svg;
pub use posterior::posterior_svg;

use plotters::coord::Shift;
use plotters::prelude::*;

/// What drawing on the SVG backend can fail with.
pub type DrawResult<T> = Result<T, DrawingAreaErrorKind<std::io::Error>>;

/// A picture's header: the title in bold, then grey lines of explanation, 20 px apart.
pub fn draw_header(
    header: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    lines: &[&str],
) -> DrawResult<()> {
    header.draw(&Text::new(
        title,
        (16, 10),
        (FONT, 26).into_font().style(FontStyle::Bold),
    ))?;
    let grey = (FONT, 16).into_font().color(&RGBColor(60, 60, 60));
    for (i, line) in lines.iter().enumerate() {
        header.draw(&Text::new(*line, (16, 42 + 20 * i as i32), grey.clone()))?;
    }
    Ok(())
}

/// The one font family named in the SVG; the viewer picks its own sans-serif face.
pub const FONT: &str = "sans-serif";

/// Energy axis title, with its unit.
pub const ENERGY_AXIS: &str = "energy per MAC, pJ/MAC (log scale)";

/// plotters writes a font of size `s` as `font-size = s / 1.24` in the SVG.
const SVG_FONT_SCALE: f64 = 1.0 / 1.24;

/// An upper estimate of the width in pixels of `text` at plotters font size `size`, for
/// laying out labels: 0.6 em per character, wider than the average glyph of the common
/// sans-serif faces (DejaVu Sans, the widest, averages about 0.55 em on lower case). The
/// picture tests measure text with the same estimate.
pub fn text_width_px(text: &str, size: f64) -> u32 {
    (0.6 * size * SVG_FONT_SCALE * text.chars().count() as f64).ceil() as u32
}

/// Width of a label column that fits the widest of `labels` at font size `size`, plus room
/// for the tick marks and a gap.
pub fn label_column_px<'a>(labels: impl IntoIterator<Item = &'a str>, size: f64) -> u32 {
    labels
        .into_iter()
        .map(|l| text_width_px(l, size))
        .max()
        .unwrap_or(0)
        + 16
}

/// Width of a y label area: the tick labels' column and the rotated axis title beside it.
pub fn y_label_area_px(column_px: u32, title_size: f64) -> u32 {
    column_px + (title_size * SVG_FONT_SCALE).ceil() as u32 + 10
}

/// Tableau 20, reordered so that neighbours differ: distinct enough for ~20 accelerators.
pub const PALETTE: [RGBColor; 20] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(255, 152, 150),
    RGBColor(197, 176, 213),
    RGBColor(196, 156, 148),
    RGBColor(247, 182, 210),
    RGBColor(199, 199, 199),
    RGBColor(219, 219, 141),
    RGBColor(158, 218, 229),
];

/// The range of a log axis covering `values` (positive, finite), widened to the nearest
/// 1-2-5 steps outside them so the ends are round numbers.
pub fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !(lo.is_finite() && hi > 0.0) {
        return (0.1, 10.0);
    }
    let steps = [1.0, 2.0, 5.0, 10.0];
    let down = |v: f64| {
        let decade = 10f64.powf(v.log10().floor());
        steps
            .iter()
            .rev()
            .map(|s| s * decade)
            .find(|&x| x <= v * (1.0 + 1e-9))
            .unwrap_or(decade)
    };
    let up = |v: f64| {
        let decade = 10f64.powf(v.log10().floor());
        steps
            .iter()
            .map(|s| s * decade)
            .find(|&x| x >= v * (1.0 - 1e-9))
            .unwrap_or(10.0 * decade)
    };
    (down(lo), up(hi))
}

/// An axis number without float noise: `0.05`, `2`, `20`.
pub fn tick(x: f64) -> String {
    let s = format!("{:.3}", x);
    let t = s.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() || t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// A median or energy label: 3 significant digits.
pub fn short(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) {
        return format!("{x}");
    }
    let decimals = (2 - x.log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.decimals$}")
}

/// One point in every `step` of a curve, plus its last point: grid points are 1/1024 of an
/// octave apart, far finer than a picture can show.
pub fn thin(points: Vec<(f64, f64)>, step: usize) -> Vec<(f64, f64)> {
    let n = points.len();
    points
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == n)
        .map(|(_, p)| p)
        .collect()
}

/// Drawing into a `String` cannot fail with plotters' built-in font layout; a failure is a
/// bug in the picture code, reported in the picture's place rather than aborting the run.
pub fn svg_or_note<E: std::fmt::Debug>(drawn: Result<String, E>, what: &str) -> Vec<u8> {
    match drawn {
        Ok(svg) => svg.into_bytes(),
        Err(e) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"40\"><text x=\"10\" y=\"25\">{what} could not be drawn: {}</text></svg>\n",
            format!("{e:?}").replace('&', "&amp;").replace('<', "&lt;")
        )
        .into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ranges_end_on_round_numbers() {
        assert_eq!(log_range([0.061, 22.5].into_iter()), (0.05, 50.0));
        assert_eq!(log_range([0.2, 2.0].into_iter()), (0.2, 2.0));
        assert_eq!(log_range([0.0, f64::NAN].into_iter()), (0.1, 10.0));
    }

    #[test]
    fn ticks_and_labels_have_no_float_noise() {
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(20.0), "20");
        assert_eq!(short(0.36806), "0.368");
        assert_eq!(short(18.0525), "18.1");
    }

    #[test]
    fn thinning_keeps_the_ends() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 0.0)).collect();
        let xs: Vec<f64> = thin(pts, 4).iter().map(|p| p.0).collect();
        assert_eq!(xs, vec![0.0, 4.0, 8.0, 9.0]);
    }
}
