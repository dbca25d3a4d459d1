//! `posterior.svg`: for every node and precision with observations, each method's posterior
//! density of the energy per MAC, medians labelled, and below it the forest of the
//! observations' 90 % bound intervals (what the posterior is built from). A pooled panel per
//! precision follows where its observations span several nodes.
//!
//! Densities are of `ln E` (the natural density on a log axis), each scaled to a peak of 1:
//! the bound posterior is broad and the efficiency posterior narrow, and on a common scale
//! one would flatten the other.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::LogAxis;
use super::forest::{draw_forest, label_px, ForestRow, ForestStyle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    label_column_px, log_range, short, svg_or_note, text_width_px, thin, tick, y_label_area_px,
    ENERGY_AXIS, FONT,
};
use crate::calibrate::{Basis, Calibration, GroupResult, ObservationResult};
use crate::config::{plan::node_order, Method, RunPlan};

const WIDTH: u32 = 1100;
/// Title and two lines of explanation; a row per method follows.
const HEADER_TOP_PX: u32 = 84;
const HEADER_ROW_PX: u32 = 24;
const DENSITY_PX: u32 = 250;
/// Marker lines end here (density units, peak = 1), below every label row, so that no label
/// is drawn across another method's line.
const LINE_TOP: f64 = 1.04;
/// Height (in density units) of the lowest label row above the lines, and between rows.
const LABEL_BOTTOM: f64 = 1.13;
const LABEL_STEP: f64 = 0.13;
const LABEL_SIZE: f64 = 17.0;
const TICK_SIZE: f64 = 15.0;
const DESC_SIZE: f64 = 17.0;
const DENSITY_AXIS: &str = "density (peak = 1)";
const FOREST_TITLE_PX: u32 = 22;
const ROW_PX: u32 = 19;
const AXIS_PX: u32 = 46;
const GAP_PX: u32 = 26;
/// At most about this many points per curve: a broad bound posterior spans ~9 octaves
/// (9,000 grid points), a narrow efficiency posterior a few dozen, which are all kept.
const MAX_POINTS: usize = 600;
/// Density below this fraction of its peak is not drawn.
const MIN_RELATIVE: f64 = 1e-3;

/// Method colours, kept apart from the accelerator palette's first entries.
pub fn method_colour(m: Method) -> RGBColor {
    match m {
        Method::Bound => RGBColor(31, 119, 180),
        Method::Efficiency => RGBColor(214, 39, 40),
        Method::Frontier => RGBColor(44, 160, 44),
    }
}

/// One panel: the groups of one node and precision (one per method), and its observations.
struct Panel<'a> {
    title: String,
    groups: Vec<&'a GroupResult>,
    forest: Vec<&'a ObservationResult>,
}

fn panels<'a>(plan: &RunPlan, cal: &'a Calibration) -> Vec<Panel<'a>> {
    let mut precisions: Vec<_> = cal.groups.iter().map(|g| g.precision).collect();
    precisions.sort();
    precisions.dedup();
    let mut out = Vec::new();
    for precision in precisions {
        let mut nodes: Vec<&str> = cal
            .groups
            .iter()
            .filter(|g| g.precision == precision && g.basis == Basis::Observed)
            .map(|g| g.node.as_str())
            .collect();
        nodes.sort_by(|a, b| node_order(a, b));
        nodes.dedup();
        for node in &nodes {
            let groups: Vec<_> = cal
                .groups
                .iter()
                .filter(|g| {
                    g.precision == precision && g.node == *node && g.basis == Basis::Observed
                })
                .collect();
            let mut forest: Vec<_> = cal
                .observations
                .iter()
                .filter(|o| o.observation.precision == precision && o.observation.node == *node)
                .collect();
            forest.sort_by(|a, b| {
                a.bound_90[1]
                    .total_cmp(&b.bound_90[1])
                    .then(a.observation.id.cmp(&b.observation.id))
            });
            out.push(Panel {
                title: format!(
                    "{node} · {} · {} observation{}",
                    precision.name(),
                    forest.len(),
                    if forest.len() == 1 { "" } else { "s" }
                ),
                groups,
                forest,
            });
        }
        if nodes.len() > 1 {
            let groups: Vec<_> = cal
                .groups
                .iter()
                .filter(|g| g.precision == precision && g.basis == Basis::Pooled)
                .collect();
            let n = groups.first().map_or(0, |g| g.n_observations);
            out.push(Panel {
                title: format!(
                    "pooled at {} · {} · all {n} observations, each moved by its node's scale",
                    plan.reference_node,
                    precision.name()
                ),
                groups,
                forest: Vec::new(),
            });
        }
    }
    out
}

fn panel_height(p: &Panel) -> u32 {
    let forest = if p.forest.is_empty() {
        0
    } else {
        FOREST_TITLE_PX + ROW_PX * p.forest.len() as u32 + 10
    };
    DENSITY_PX + forest + AXIS_PX + GAP_PX
}

/// A drawn density: `(E, density scaled to peak 1)` points.
type Curve = Vec<(f64, f64)>;

/// The density points of a group's posterior, thinned and scaled to peak 1.
fn curve(g: &GroupResult) -> Option<Curve> {
    let (posterior, _) = g.outcome.as_ref().ok()?;
    // A scaled node's density is built here (a convolution); its numbers never needed it.
    let density = posterior.density();
    let all: Vec<(f64, f64)> = density.density_points(MIN_RELATIVE).collect();
    let step = all.len().div_ceil(MAX_POINTS).max(1);
    let pts = thin(all, step);
    let peak = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    (peak > 0.0).then(|| pts.into_iter().map(|(x, d)| (x, d / peak)).collect())
}

fn median(g: &GroupResult, plan: &RunPlan) -> Option<f64> {
    let (posterior, summary) = g.outcome.as_ref().ok()?;
    Some(
        plan.quantiles
            .iter()
            .position(|q| q.p == 0.5)
            .map_or_else(|| posterior.quantile(0.5), |i| summary.quantiles[i]),
    )
}

/// `posterior.svg` of a run.
pub fn posterior_svg(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    svg_or_note(draw(plan, cal), "posterior.svg")
}

type Drawn = Result<String, DrawingAreaErrorKind<std::io::Error>>;

fn draw(plan: &RunPlan, cal: &Calibration) -> Drawn {
    let panels = panels(plan, cal);
    let curves: Vec<Vec<Option<Curve>>> = panels
        .iter()
        .map(|p| p.groups.iter().map(|g| curve(g)).collect())
        .collect();
    let (lo, hi) = log_range(
        curves
            .iter()
            .flatten()
            .flatten()
            .flat_map(|c| [c[0].0, c[c.len() - 1].0])
            .chain(
                panels
                    .iter()
                    .flat_map(|p| &p.forest)
                    .flat_map(|o| [o.bound_90[0], o.bound_90[2]]),
            ),
    );
    let header_px = HEADER_TOP_PX + HEADER_ROW_PX * plan.methods.len() as u32;
    let height = header_px + panels.iter().map(panel_height).sum::<u32>();
    let layout = Layout::new(plan, &panels);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (header, mut rest) = root.split_vertically(header_px);
        draw_header(&header, plan)?;
        for (panel, curves) in panels.iter().zip(&curves) {
            let (area, below) = rest.split_vertically(panel_height(panel));
            draw_panel(&area, plan, panel, curves, (lo, hi), &layout)?;
            rest = below;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Horizontal layout shared by every panel, so that their energy axes line up: the label
/// column fits the longest observation id and the density axis' labels and title.
struct Layout {
    /// Left of every chart's plotting area.
    label_px: u32,
    /// The density chart's own label area (tick labels and the axis title beside them); it
    /// is pushed right by `label_px - density_px`, so the title sits next to its axis.
    density_px: u32,
    /// Label rows above the curves: a median per method, and the bound's q0.95.
    label_rows: usize,
}

impl Layout {
    fn new(plan: &RunPlan, panels: &[Panel]) -> Layout {
        let forest = label_px(
            panels
                .iter()
                .flat_map(|p| &p.forest)
                .map(|o| o.observation.id.as_str()),
        );
        let density_px = y_label_area_px(label_column_px(["0.5", "1"], TICK_SIZE), DESC_SIZE);
        let label_rows = plan.methods.len() + usize::from(plan.methods.contains(&Method::Bound));
        Layout {
            label_px: forest.max(density_px),
            density_px,
            label_rows,
        }
    }

    /// Top of the density chart's y range.
    fn y_top(&self) -> f64 {
        LABEL_BOTTOM + LABEL_STEP * self.label_rows as f64
    }
}

fn draw_header(
    area: &DrawingArea<SVGBackend, Shift>,
    plan: &RunPlan,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let title = (FONT, 26).into_font().style(FontStyle::Bold);
    area.draw(&Text::new(
        format!(
            "Posterior of the energy per MAC by node and precision ({} FLOPs per MAC)",
            plan.flops_per_mac
        ),
        (16, 10),
        title,
    ))?;
    let small = (FONT, 16).into_font().color(&RGBColor(60, 60, 60));
    area.draw(&Text::new(
        "Curves: posterior density of ln E, each scaled to a peak of 1. Bars: each observation's 90 %",
        (16, 40),
        small.clone(),
    ))?;
    let (prior_lo, prior_hi) = plan.prior.spec().support();
    area.draw(&Text::new(
        format!(
            "bound interval. Dashed: a median; dotted: the bound's q0.95 (the ceiling); grey: the prior's limits {} and {} pJ/MAC.",
            tick(prior_lo),
            tick(prior_hi)
        ),
        (16, 60),
        small.clone(),
    ))?;
    let x = 16;
    for (i, &m) in plan.methods.iter().enumerate() {
        let c = method_colour(m);
        let y = (HEADER_TOP_PX + HEADER_ROW_PX * i as u32) as i32;
        area.draw(&PathElement::new(
            vec![(x, y + 8), (x + 28, y + 8)],
            c.stroke_width(3),
        ))?;
        let label = match m {
            Method::Bound => "bound: the MFU inequality (upper quantiles are the result)",
            Method::Efficiency => "efficiency: calibrated model (MFU = efficiency × physics limit)",
            Method::Frontier => "frontier: runs below their chip's limit by a learned gap",
        };
        area.draw(&Text::new(label, (x + 36, y), (FONT, 17).into_font()))?;
    }
    Ok(())
}

fn draw_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    plan: &RunPlan,
    panel: &Panel,
    curves: &[Option<Curve>],
    (lo, hi): (f64, f64),
    layout: &Layout,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let has_forest = !panel.forest.is_empty();
    let (top, bottom) = area.split_vertically(DENSITY_PX + if has_forest { 0 } else { AXIS_PX });
    let mut chart = ChartBuilder::on(&top)
        .caption(&panel.title, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin_right(40)
        .margin_left(layout.label_px - layout.density_px)
        .x_label_area_size(if has_forest { 0 } else { AXIS_PX })
        .y_label_area_size(layout.density_px)
        .build_cartesian_2d(LogAxis::new(lo, hi), 0f64..layout.y_top())?;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(DENSITY_AXIS)
        .y_labels(3)
        .y_label_formatter(&|y| if *y <= 1.0 { tick(*y) } else { String::new() })
        .x_labels(12)
        .x_label_formatter(&|x| tick(*x))
        .x_desc(ENERGY_AXIS)
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .light_line_style(RGBColor(238, 238, 238))
        .y_max_light_lines(0)
        .x_max_light_lines(1);
    mesh.draw()?;
    // Where the prior ends, every curve ends: say so, or the cut looks like a drawing fault.
    let (prior_lo, prior_hi) = plan.prior.spec().support();
    // Its label goes on the side where no posterior can be, when it fits there inside the
    // plotting area; the header names the limits either way.
    let plot_px = chart.plotting_area().dim_in_pixel().0 as f64;
    let px = |v: f64| (v / lo).ln() / (hi / lo).ln() * plot_px;
    for (edge, dx, anchor) in [(prior_lo, -5, HPos::Right), (prior_hi, 5, HPos::Left)] {
        if edge > lo * 1.001 && edge < hi / 1.001 {
            let text = format!("prior limit {}", tick(edge));
            let width = f64::from(text_width_px(&text, 14.0)) + 5.0;
            let fits = if dx < 0 {
                px(edge) - width >= 0.0
            } else {
                px(edge) + width <= plot_px
            };
            let grey = RGBColor(110, 110, 110);
            chart.draw_series(DashedLineSeries::new(
                vec![(edge, 0.0), (edge, 1.0)],
                3,
                3,
                grey.stroke_width(1),
            ))?;
            if !fits {
                continue;
            }
            chart.draw_series(std::iter::once(
                EmptyElement::at((edge, 0.5))
                    + Text::new(
                        text,
                        (dx, 0),
                        (FONT, 14)
                            .into_font()
                            .color(&grey)
                            .pos(Pos::new(anchor, VPos::Center)),
                    ),
            ))?;
        }
    }
    // Labels sit on their own rows above the curves (each scaled to peak 1) and above the
    // tops of every marker line, so that no two collide and none crosses a line: a row per
    // method for its median, and one more for the bound's 95 % quantile, the number the bound
    // method is read for. The first label is the top row.
    let mut row = 0;
    let mut next_row = || {
        row += 1;
        layout.y_top() - LABEL_STEP * row as f64
    };
    for (g, c) in panel.groups.iter().zip(curves) {
        let colour = method_colour(g.method);
        match (c, median(g, plan), &g.outcome) {
            (Some(points), Some(m), Ok((posterior, _))) => {
                chart.draw_series(
                    AreaSeries::new(points.iter().copied(), 0.0, colour.mix(0.12))
                        .border_style(colour.stroke_width(2)),
                )?;
                let name = g.method.name();
                let text = format!("{name} median {} pJ/MAC", short(m));
                marker(&mut chart, (lo, hi), m, next_row(), text, colour, 5)?;
                if g.method == Method::Bound {
                    let q95 = posterior.quantile(0.95);
                    let text = format!("{name} q0.95 (ceiling) {} pJ/MAC", short(q95));
                    marker(&mut chart, (lo, hi), q95, next_row(), text, colour, 2)?;
                }
            }
            _ => {
                let why = match &g.outcome {
                    Err(_) => format!(
                        "{}: no posterior; these observations contradict each other under this method (quantiles.csv, status column)",
                        g.method.name()
                    ),
                    Ok(_) => format!("{}: posterior too flat to draw", g.method.name()),
                };
                chart.draw_series(std::iter::once(
                    EmptyElement::at((lo, next_row()))
                        + Text::new(
                            why,
                            (8, 0),
                            (FONT, LABEL_SIZE)
                                .into_font()
                                .color(&colour)
                                .pos(Pos::new(HPos::Left, VPos::Bottom)),
                        ),
                ))?;
            }
        }
    }
    if has_forest {
        draw_panel_forest(&bottom, panel, (lo, hi), layout)?;
    }
    Ok(())
}

type DensityChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<LogAxis, RangedCoordf64>>;

/// A vertical line from the axis to [`LINE_TOP`] at `x`, dashed (`dash` px on, 4 off), and
/// its label on the label row at `y`, above every line: starting at the line and running
/// right, or ending at it when the label would leave the plotting area.
fn marker(
    chart: &mut DensityChart,
    (lo, hi): (f64, f64),
    x: f64,
    y: f64,
    text: String,
    colour: RGBColor,
    dash: u32,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    chart.draw_series(DashedLineSeries::new(
        vec![(x, 0.0), (x, LINE_TOP)],
        dash,
        4,
        colour.stroke_width(1),
    ))?;
    let plot_px = chart.plotting_area().dim_in_pixel().0 as f64;
    let at = (x / lo).ln() / (hi / lo).ln() * plot_px;
    let width = text_width_px(&text, LABEL_SIZE) as f64;
    let fits_right = at + width + 4.0 <= plot_px;
    let (x, anchor) = if fits_right {
        (x, HPos::Left)
    } else if at - width - 4.0 >= 0.0 {
        (x, HPos::Right)
    } else {
        // Fits on neither side: it starts at the axis' left end.
        (lo, HPos::Left)
    };
    chart.draw_series(std::iter::once(
        EmptyElement::at((x, y))
            + Text::new(
                text,
                (0, 0),
                (FONT, LABEL_SIZE)
                    .into_font()
                    .color(&colour)
                    .pos(Pos::new(anchor, VPos::Bottom)),
            ),
    ))?;
    Ok(())
}

fn draw_panel_forest(
    area: &DrawingArea<SVGBackend, Shift>,
    panel: &Panel,
    (lo, hi): (f64, f64),
    layout: &Layout,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let (title, rest) = area.split_vertically(FOREST_TITLE_PX);
    title.draw(&Text::new(
        "each observation's bound e_i: 90 % interval, dot at the median",
        (layout.label_px as i32 + 4, 4),
        (FONT, 16).into_font().color(&RGBColor(80, 80, 80)),
    ))?;
    let (forest, _) = rest.split_vertically(ROW_PX * panel.forest.len() as u32 + 10 + AXIS_PX);
    let ink = RGBColor(50, 50, 50);
    let rows: Vec<ForestRow> = panel
        .forest
        .iter()
        .map(|o| ForestRow {
            label: o.observation.id.clone(),
            bound_90: o.bound_90,
            colour: ink,
        })
        .collect();
    let style = ForestStyle {
        caption: None,
        margin_right: 40,
        label_px: layout.label_px,
        axis_px: AXIS_PX,
        bar_width: 2,
        dot_radius: 3,
    };
    draw_forest(&forest, &rows, (lo, hi), &style)
}
