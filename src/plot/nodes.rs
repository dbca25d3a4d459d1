//! `nodes.svg`: the node trend, the picture for a slide. Energy per MAC against process node
//! on a log axis: per precision, the headline method's 90 % interval (q0.05–q0.95) as a bar
//! and its median as a dot joined across nodes; observed nodes solid, extrapolated (scaled)
//! nodes light with a hollow median; the ceiling (bound q0.95) as a dash; every observation's
//! bound median as a small ring; and two outside references:
//!
//! - the seed analysis' node table (`../shared/reference/seed-analysis.md`, "Scaled Values by
//!   Process Node": 3 nm 1.4, 4 nm 1.65, 7 nm 2.3, 12 nm 3.3). Those figures are per FLOP
//!   (README, "The MAC = 2 FLOPs convention"), so they are converted to the run's MAC;
//! - Horowitz's component model (`../shared/reference/hardware-and-mfu-sources.md` §C.1:
//!   16-bit FP multiply 1.1 pJ + add 0.4 pJ = 1.5 pJ per fused FP16 MAC at 45 nm, ISSCC 2014)
//!   scaled by the foundry power claims of §C.2 (16FF+ → N7 −60 %, N7 → N5 −30 %, N5 → N4P
//!   −22 % power per operation, N5 → N3 −30 %). The reference has no factor from 45 nm to
//!   16 nm, so the chain starts from the 45 nm figure at 16 nm: the marks are an *upper*
//!   estimate of the arithmetic alone, with no operand delivery, control or memory. A board's
//!   energy per MAC sits well above them, which is the point of showing them.
//!
//! No text is drawn inside the plotting area: the legend is beside it, so nothing covers a bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::LogAxis;
use super::{
    draw_header, label_column_px, log_range, svg_or_note, tick, y_label_area_px, DrawResult,
    ENERGY_AXIS, FONT, PALETTE,
};
use crate::calibrate::{Basis, Calibration};
use crate::config::{plan::node_order, Method, RunPlan};
use crate::data::Precision;
use crate::export::summary::headline;
use crate::units::{pj_per_mac_from_pj_per_flop, pj_per_mac_from_pj_per_fused_mac};

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 700;
const HEADER_PX: u32 = 84;
const LEGEND_PX: u32 = 350;
const AXIS_PX: u32 = 56;
const TICK_SIZE: f64 = 15.0;
const DESC_SIZE: f64 = 17.0;
const LEGEND_ROW_PX: i32 = 24;

/// The seed analysis' node table, pJ per FLOP.
pub const SEED_NODE_TABLE_PJ_PER_FLOP: [(&str, f64); 4] =
    [("3nm", 1.4), ("4nm", 1.65), ("7nm", 2.3), ("12nm", 3.3)];

/// Horowitz (ISSCC 2014) at 45 nm: 16-bit FP multiply 1.1 pJ + 16-bit FP add 0.4 pJ, per
/// fused FP16 MAC (reference §C.1).
pub const HOROWITZ_FP16_MAC_45NM_PJ: f64 = 1.1 + 0.4;

/// Power per operation at each node relative to the 45 nm figure, chained from reference
/// §C.2 with 16 nm standing in for 45 nm (no factor between them is published there).
pub const HOROWITZ_NODE_FACTORS: [(&str, f64); 5] = [
    ("16nm", 1.0),
    ("7nm", 0.40),               // TSMC 16FF+ -> N7: ~60 % less power
    ("5nm", 0.40 * 0.70),        // N7 -> N5: ~30 %
    ("4nm", 0.40 * 0.70 * 0.78), // N5 -> N4P: "22 % power efficiency improvement"
    ("3nm", 0.40 * 0.70 * 0.70), // N5 -> N3: 25-35 %, ~30 %
];

/// The colour of a precision, fixed whatever the run holds, so pictures of two runs match.
pub fn precision_colour(p: Precision) -> RGBColor {
    let i = Precision::ALL.iter().position(|&q| q == p).unwrap_or(0);
    [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4]][i % 5]
}

const SEED_INK: RGBColor = RGBColor(0, 0, 0);
const HOROWITZ_INK: RGBColor = RGBColor(120, 120, 120);

/// One precision's row at one node.
struct Cell {
    x: usize,
    scaled: bool,
    /// q0.05, median, q0.95 of the headline method.
    interval: Option<[f64; 3]>,
    ceiling: Option<f64>,
}

struct Series {
    precision: Precision,
    cells: Vec<Cell>,
    /// (node index, bound median) of every observation.
    observations: Vec<(usize, f64)>,
}

fn quantiles(
    cal: &Calibration,
    m: Method,
    node: &str,
    p: Precision,
    ps: &[f64],
) -> Option<Vec<f64>> {
    cal.groups
        .iter()
        .filter(|g| g.method == m && g.node == node && g.precision == p && g.basis != Basis::Pooled)
        .find_map(|g| g.outcome.as_ref().ok())
        .map(|(post, _)| ps.iter().map(|&q| post.quantile(q)).collect())
}

fn series(plan: &RunPlan, cal: &Calibration, nodes: &[String]) -> Vec<Series> {
    let method = headline(plan);
    let mut precisions: Vec<Precision> = cal.groups.iter().map(|g| g.precision).collect();
    precisions.sort();
    precisions.dedup();
    precisions
        .into_iter()
        .map(|precision| {
            let cells = nodes
                .iter()
                .enumerate()
                .filter_map(|(x, node)| {
                    let g = cal.groups.iter().find(|g| {
                        g.method == method
                            && &g.node == node
                            && g.precision == precision
                            && g.basis != Basis::Pooled
                    })?;
                    Some(Cell {
                        x,
                        scaled: g.basis == Basis::Scaled,
                        interval: quantiles(cal, method, node, precision, &[0.05, 0.5, 0.95])
                            .map(|q| [q[0], q[1], q[2]]),
                        ceiling: plan
                            .methods
                            .contains(&Method::Bound)
                            .then(|| quantiles(cal, Method::Bound, node, precision, &[0.95]))
                            .flatten()
                            .map(|q| q[0]),
                    })
                })
                .collect();
            let observations = cal
                .observations
                .iter()
                .filter(|o| o.observation.precision == precision)
                .filter_map(|o| {
                    let x = nodes.iter().position(|n| *n == o.observation.node)?;
                    Some((x, o.bound_90[1]))
                })
                .collect();
            Series {
                precision,
                cells,
                observations,
            }
        })
        .filter(|s: &Series| !s.cells.is_empty() || !s.observations.is_empty())
        .collect()
}

/// The outside references at the nodes on the axis: (node index, pJ/MAC).
fn references(plan: &RunPlan, nodes: &[String]) -> [Vec<(usize, f64)>; 2] {
    let at = |node: &str| nodes.iter().position(|n| n == node);
    let seed = SEED_NODE_TABLE_PJ_PER_FLOP
        .iter()
        .filter_map(|&(n, e)| Some((at(n)?, pj_per_mac_from_pj_per_flop(e, plan.flops_per_mac))))
        .collect();
    let horowitz = HOROWITZ_NODE_FACTORS
        .iter()
        .filter_map(|&(n, f)| {
            let e =
                pj_per_mac_from_pj_per_fused_mac(HOROWITZ_FP16_MAC_45NM_PJ * f, plan.flops_per_mac);
            Some((at(n)?, e))
        })
        .collect();
    [seed, horowitz]
}

/// `nodes.svg` of a run.
pub fn nodes_svg(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    svg_or_note(draw(plan, cal), "nodes.svg")
}

/// Where a precision's marks sit within a node's slot (-0.5 to 0.5), so precisions do not
/// hide each other: spread over the left three quarters, the references at [`REFERENCE_DX`].
fn offset(i: usize, n: usize) -> f64 {
    let (left, width) = (-0.34, 0.5);
    if n <= 1 {
        left + width / 2.0
    } else {
        left + width * i as f64 / (n - 1) as f64
    }
}

/// The reference marks' place in a node's slot, right of every precision's marks.
const REFERENCE_DX: f64 = 0.36;

fn draw(plan: &RunPlan, cal: &Calibration) -> DrawResult<String> {
    let method = headline(plan);
    let mut nodes: Vec<String> = cal
        .groups
        .iter()
        .filter(|g| g.basis != Basis::Pooled)
        .map(|g| g.node.clone())
        .chain(cal.observations.iter().map(|o| o.observation.node.clone()))
        .collect();
    nodes.sort_by(|a, b| node_order(a, b));
    nodes.dedup();
    let series = series(plan, cal, &nodes);
    let refs = references(plan, &nodes);
    let (lo, hi) = log_range(
        series
            .iter()
            .flat_map(|s| {
                s.cells
                    .iter()
                    .flat_map(|c| c.interval.into_iter().flatten().chain(c.ceiling))
                    .chain(s.observations.iter().map(|o| o.1))
                    .collect::<Vec<_>>()
            })
            .chain(refs.iter().flatten().map(|r| r.1))
            .flat_map(|v| [v / 1.1, v * 1.1]),
    );
    let tick_labels: Vec<String> = LogAxis::new(lo, hi).ticks().into_iter().map(tick).collect();
    let y_area = y_label_area_px(
        label_column_px(tick_labels.iter().map(String::as_str), TICK_SIZE),
        DESC_SIZE,
    );

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let (header, rest) = root.split_vertically(HEADER_PX);
        draw_header(
            &header,
            &format!(
                "Energy per MAC by process node ({} FLOPs per MAC)",
                plan.flops_per_mac
            ),
            &[
                &format!(
                    "Bars: the {} method's 90 % interval (q0.05-q0.95), dot at the median; light bars and rings",
                    method.name()
                ),
                "are extrapolated (scaled) nodes, with no observation there. Log energy axis.",
            ],
        )?;
        let (chart_area, legend) = rest.split_horizontally(WIDTH - LEGEND_PX);
        draw_chart(&chart_area, &nodes, &series, &refs, (lo, hi), y_area)?;
        draw_legend(&legend, plan, &series)?;
        root.present()?;
    }
    Ok(svg)
}

fn draw_chart(
    area: &DrawingArea<SVGBackend, Shift>,
    nodes: &[String],
    series: &[Series],
    refs: &[Vec<(usize, f64)>; 2],
    (lo, hi): (f64, f64),
    y_area: u32,
) -> DrawResult<()> {
    let n = nodes.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(12)
        .margin_top(10)
        .x_label_area_size(AXIS_PX)
        .y_label_area_size(y_area)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, LogAxis::new(lo, hi))?;
    let node_label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            nodes.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&node_label)
        .y_labels(12)
        .y_label_formatter(&|y| tick(*y))
        .x_desc("process node")
        .y_desc(ENERGY_AXIS)
        .axis_desc_style((FONT, DESC_SIZE))
        .label_style((FONT, TICK_SIZE))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(225, 225, 225))
        .disable_x_mesh()
        .draw()?;
    let k = series.len();
    for (i, s) in series.iter().enumerate() {
        let c = precision_colour(s.precision);
        let dx = offset(i, k);
        let half = 0.07;
        for cell in &s.cells {
            let x = cell.x as f64 + dx;
            if let Some([q05, _, q95]) = cell.interval {
                let fill = if cell.scaled {
                    c.mix(0.18)
                } else {
                    c.mix(0.55)
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - half, q05), (x + half, q95)],
                    fill.filled(),
                )))?;
                if cell.scaled {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - half, q05), (x + half, q95)],
                        c.mix(0.5).stroke_width(1),
                    )))?;
                }
            }
            if let Some(ceiling) = cell.ceiling {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - 1.8 * half, ceiling), (x + 1.8 * half, ceiling)],
                    BLACK.mix(0.8).stroke_width(3),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - 1.8 * half, ceiling), (x + 1.8 * half, ceiling)],
                    c.stroke_width(1),
                )))?;
            }
        }
        let medians: Vec<(f64, f64, bool)> = s
            .cells
            .iter()
            .filter_map(|cell| {
                cell.interval
                    .map(|q| (cell.x as f64 + dx, q[1], cell.scaled))
            })
            .collect();
        chart.draw_series(LineSeries::new(
            medians.iter().map(|m| (m.0, m.1)),
            c.stroke_width(2),
        ))?;
        for &(x, m, scaled) in &medians {
            let style = if scaled { WHITE.filled() } else { c.filled() };
            chart.draw_series(std::iter::once(Circle::new((x, m), 5, style)))?;
            chart.draw_series(std::iter::once(Circle::new((x, m), 5, c.stroke_width(2))))?;
        }
        chart.draw_series(
            s.observations
                .iter()
                .map(|&(x, e)| Circle::new((x as f64 + dx + 2.2 * half, e), 3, c.stroke_width(1))),
        )?;
    }
    let [seed, horowitz] = refs;
    chart
        .draw_series(seed.iter().map(|&(x, e)| {
            Cross::new((x as f64 + REFERENCE_DX, e), 6, SEED_INK.stroke_width(2))
        }))?;
    chart.draw_series(horowitz.iter().map(|&(x, e)| {
        TriangleMarker::new((x as f64 + REFERENCE_DX, e), 6, HOROWITZ_INK.filled())
    }))?;
    Ok(())
}

fn draw_legend(
    area: &DrawingArea<SVGBackend, Shift>,
    plan: &RunPlan,
    series: &[Series],
) -> DrawResult<()> {
    let text = |s: &str, y: i32| {
        Text::new(
            s.to_string(),
            (44, y),
            (FONT, 16)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )
    };
    let mut y = 24;
    area.draw(&Text::new(
        "precision",
        (10, y - 10),
        (FONT, 18).into_font().style(FontStyle::Bold),
    ))?;
    y += LEGEND_ROW_PX;
    for s in series {
        let c = precision_colour(s.precision);
        area.draw(&Rectangle::new(
            [(10, y - 8), (22, y + 8)],
            c.mix(0.55).filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(25, y - 8), (37, y + 8)],
            c.mix(0.18).filled(),
        ))?;
        area.draw(&text(
            &format!("{}: observed, scaled", s.precision.name()),
            y,
        ))?;
        y += LEGEND_ROW_PX;
    }
    y += 8;
    area.draw(&Text::new(
        "marks",
        (10, y - 10),
        (FONT, 18).into_font().style(FontStyle::Bold),
    ))?;
    y += LEGEND_ROW_PX;
    let ink = RGBColor(90, 90, 90);
    area.draw(&Circle::new((24, y), 5, ink.filled()))?;
    area.draw(&text("median (ring: extrapolated)", y))?;
    y += LEGEND_ROW_PX;
    area.draw(&PathElement::new(
        vec![(14, y), (34, y)],
        BLACK.mix(0.8).stroke_width(3),
    ))?;
    area.draw(&text("ceiling: bound q0.95", y))?;
    y += LEGEND_ROW_PX;
    area.draw(&Circle::new((24, y), 3, ink.stroke_width(1)))?;
    area.draw(&text("an observation's bound median", y))?;
    y += LEGEND_ROW_PX;
    area.draw(&Cross::new((24, y), 6, SEED_INK.stroke_width(2)))?;
    area.draw(&text(
        &format!("seed node table (per FLOP x {})", tick(plan.flops_per_mac)),
        y,
    ))?;
    y += LEGEND_ROW_PX;
    area.draw(&TriangleMarker::new((24, y), 6, HOROWITZ_INK.filled()))?;
    area.draw(&text("Horowitz FP16 MAC, foundry-scaled", y))?;
    y += LEGEND_ROW_PX - 4;
    area.draw(&text("(arithmetic only; upper estimate)", y))?;
    Ok(())
}
