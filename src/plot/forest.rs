//! A forest of observations: one row per observation, its bound's 90 % interval as a bar and
//! its median as a dot, on the shared log energy axis. Both pictures draw one: under each
//! posterior (`posterior.svg`) and per node (`observations.svg`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::LogAxis;
use super::{label_column_px, tick, ENERGY_AXIS, FONT};

/// What plotters' drawing calls return.
pub use super::DrawResult;

/// One row: its label, the bound's 5 %, 50 % and 95 % quantiles (pJ/MAC), its colour.
pub struct ForestRow {
    /// Text at the left of the row.
    pub label: String,
    /// The bound's 5 %, 50 % and 95 % quantiles, pJ/MAC.
    pub bound_90: [f64; 3],
    /// Colour of the bar and dot.
    pub colour: RGBColor,
}

/// How a forest is framed and drawn.
pub struct ForestStyle {
    /// Title above the forest, if any.
    pub caption: Option<String>,
    /// Space at the right of the plot area, px.
    pub margin_right: u32,
    /// Room left of the chart for the row labels: [`label_px`] of every forest in the picture,
    /// so that the energy axes of its charts line up.
    pub label_px: u32,
    /// Height of the energy axis under the rows; 0 leaves it out.
    pub axis_px: u32,
    /// Stroke width of the interval bars, px.
    pub bar_width: u32,
    /// Radius of the median dots, px.
    pub dot_radius: u32,
}

/// Font size of the row labels.
pub const LABEL_SIZE: f64 = 15.0;

/// The label column that fits the longest of `labels`, so that none is cut at the left.
pub fn label_px<'a>(labels: impl IntoIterator<Item = &'a str>) -> u32 {
    label_column_px(labels, LABEL_SIZE)
}

/// Draws `rows` top to bottom (row 0 at the top) on `[lo, hi]` pJ/MAC.
pub fn draw_forest(
    area: &DrawingArea<SVGBackend, Shift>,
    rows: &[ForestRow],
    (lo, hi): (f64, f64),
    style: &ForestStyle,
) -> DrawResult<()> {
    let n = rows.len();
    let mut builder = ChartBuilder::on(area);
    if let Some(caption) = &style.caption {
        builder.caption(caption, (FONT, 19).into_font().style(FontStyle::Bold));
    }
    let mut chart = builder
        .margin_right(style.margin_right)
        .x_label_area_size(style.axis_px)
        .y_label_area_size(style.label_px)
        .build_cartesian_2d(LogAxis::new(lo, hi), -1i32..n as i32)?;
    // Row i is drawn at y = n - 1 - i: top to bottom.
    let label = |y: &i32| {
        let i = n as i64 - 1 - *y as i64;
        usize::try_from(i)
            .ok()
            .and_then(|i| rows.get(i))
            .map_or(String::new(), |r| r.label.clone())
    };
    chart
        .configure_mesh()
        .disable_y_mesh() // (y_max_light_lines(0) on an i32 axis overflows in plotters 0.3.7)
        .y_labels(n + 2)
        .x_labels(12)
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&label)
        .x_desc(ENERGY_AXIS)
        .axis_desc_style((FONT, 17))
        .label_style((FONT, LABEL_SIZE))
        .light_line_style(RGBColor(238, 238, 238))
        .x_max_light_lines(1)
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        let y = (n - 1 - i) as i32;
        let [q05, q50, q95] = row.bound_90;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(q05, y), (q95, y)],
            row.colour.stroke_width(style.bar_width),
        )))?;
        chart.draw_series(std::iter::once(Circle::new(
            (q50, y),
            style.dot_radius,
            row.colour.filled(),
        )))?;
    }
    Ok(())
}
