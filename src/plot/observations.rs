//! `observations.svg`: every observation's implied bound `e_i` (90 % interval and median),
//! grouped by node, sorted by median within a node, coloured by accelerator. This is the raw
//! material of the calibration: where observations on one node disagree, it shows at once.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::forest::{draw_forest, label_px, DrawResult, ForestRow, ForestStyle};
use super::{log_range, svg_or_note, FONT, PALETTE};
use crate::calibrate::{Calibration, ObservationResult};
use crate::config::{plan::node_order, RunPlan};

const WIDTH: u32 = 1100;
const LEGEND_PX: u32 = 230;
const HEADER_PX: u32 = 90;
const CAPTION_PX: u32 = 30;
const ROW_PX: u32 = 19;
const AXIS_PX: u32 = 50;
const GAP_PX: u32 = 8;

/// Accelerators in name order, each with its colour.
fn colours(cal: &Calibration) -> Vec<(String, RGBColor)> {
    let mut names: Vec<&str> = cal
        .observations
        .iter()
        .map(|o| o.observation.accelerator.as_str())
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), PALETTE[i % PALETTE.len()]))
        .collect()
}

/// Observations grouped by node (in node order), each group sorted by median bound.
fn groups(cal: &Calibration) -> Vec<(String, Vec<&ObservationResult>)> {
    let mut nodes: Vec<&str> = cal
        .observations
        .iter()
        .map(|o| o.observation.node.as_str())
        .collect();
    nodes.sort_by(|a, b| node_order(a, b));
    nodes.dedup();
    nodes
        .into_iter()
        .map(|node| {
            let mut rows: Vec<_> = cal
                .observations
                .iter()
                .filter(|o| o.observation.node == node)
                .collect();
            rows.sort_by(|a, b| {
                a.bound_90[1]
                    .total_cmp(&b.bound_90[1])
                    .then(a.observation.id.cmp(&b.observation.id))
            });
            (node.to_string(), rows)
        })
        .collect()
}

fn group_height(rows: usize, last: bool) -> u32 {
    CAPTION_PX + ROW_PX * rows as u32 + if last { AXIS_PX } else { 6 } + GAP_PX
}

/// `observations.svg` of a run.
pub fn observations_svg(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    svg_or_note(draw(plan, cal), "observations.svg")
}

fn draw(plan: &RunPlan, cal: &Calibration) -> DrawResult<String> {
    let groups = groups(cal);
    let colours = colours(cal);
    // 5 % of room either side, so no interval starts on the axis line.
    let (lo, hi) = log_range(
        cal.observations
            .iter()
            .flat_map(|o| [o.bound_90[0] / 1.05, o.bound_90[2] * 1.05]),
    );
    let n_groups = groups.len();
    let body: u32 = groups
        .iter()
        .enumerate()
        .map(|(i, (_, rows))| group_height(rows.len(), i + 1 == n_groups))
        .sum();
    let legend_height = 40 + 22 * colours.len() as u32;
    let height = HEADER_PX + body.max(legend_height);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (header, rest) = root.split_vertically(HEADER_PX);
        super::draw_header(
            &header,
            &format!(
                "Each observation's implied bound on the energy per MAC ({} FLOPs per MAC)",
                plan.flops_per_mac
            ),
            &[
                "e_i = u P k / (m c F): 90 % interval over the sampled MFU, power fraction and peak factor;",
                "dot at the median. Grouped by node, sorted by median.",
            ],
        )?;
        let (mut body_area, legend) = rest.split_horizontally(WIDTH - LEGEND_PX);
        let labels: Vec<String> = cal.observations.iter().map(row_label).collect();
        let label_px = label_px(labels.iter().map(String::as_str));
        for (i, (node, rows)) in groups.iter().enumerate() {
            let last = i + 1 == n_groups;
            let (area, below) = body_area.split_vertically(group_height(rows.len(), last));
            draw_group(&area, node, rows, &colours, (lo, hi), last, label_px)?;
            body_area = below;
        }
        draw_legend(&legend, &colours)?;
        root.present()?;
    }
    Ok(svg)
}

fn row_label(o: &ObservationResult) -> String {
    format!("{} · {}", o.observation.id, o.observation.precision.name())
}

#[allow(clippy::too_many_arguments)]
fn draw_group(
    area: &DrawingArea<SVGBackend, Shift>,
    node: &str,
    rows: &[&ObservationResult],
    colours: &[(String, RGBColor)],
    (lo, hi): (f64, f64),
    last: bool,
    label_px: u32,
) -> DrawResult<()> {
    let n = rows.len();
    let (chart_area, _) = area.split_vertically(area.dim_in_pixel().1 - GAP_PX);
    let colour = |accelerator: &str| {
        colours
            .iter()
            .find(|(name, _)| name == accelerator)
            .map_or(BLACK, |(_, c)| *c)
    };
    let rows: Vec<ForestRow> = rows
        .iter()
        .map(|o| ForestRow {
            label: row_label(o),
            bound_90: o.bound_90,
            colour: colour(&o.observation.accelerator),
        })
        .collect();
    let style = ForestStyle {
        caption: Some(format!(
            "{node} · {n} observation{}",
            if n == 1 { "" } else { "s" }
        )),
        margin_right: 20,
        label_px,
        axis_px: if last { AXIS_PX } else { 0 },
        bar_width: 3,
        dot_radius: 4,
    };
    draw_forest(&chart_area, &rows, (lo, hi), &style)
}

fn draw_legend(
    area: &DrawingArea<SVGBackend, Shift>,
    colours: &[(String, RGBColor)],
) -> DrawResult<()> {
    area.draw(&Text::new(
        "accelerator",
        (10, 12),
        (FONT, 18).into_font().style(FontStyle::Bold),
    ))?;
    for (i, (name, colour)) in colours.iter().enumerate() {
        let y = 44 + 22 * i as i32;
        area.draw(&Rectangle::new([(10, y), (30, y + 12)], colour.filled()))?;
        area.draw(&Text::new(name.as_str(), (38, y - 1), (FONT, 16)))?;
    }
    Ok(())
}
