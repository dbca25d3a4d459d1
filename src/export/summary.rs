//! `summary.md` and the answer table at the head of the run summary: per node and precision,
//! the figure to quote (the headline method's median and 90 % interval), the ceiling, the
//! tightest observation, and flags where the figure deserves a caveat. One computation serves
//! the file and the terminal, so the two never disagree.

use std::fmt::Write as _;

use crate::calibrate::{Basis, Calibration, GroupResult};
use crate::config::{Method, RunPlan};
use crate::data::Precision;
use crate::stats::prior_sensitivity::{PriorRow, PRIOR_DOMINATED_CHANGE};

/// One node and precision of the headline method (observed or scaled; pooled rows are the
/// source of the scaled ones, named in their flags).
pub struct Answer {
    /// The headline method ([`headline`]): the frontier when it ran, else the first configured.
    pub method: Method,
    /// Process node, e.g. `"7nm"`.
    pub node: String,
    /// Number format of the row.
    pub precision: Precision,
    /// Observed on the node, or scaled from the pooled row.
    pub basis: Basis,
    /// Observations at this node (0 for an extrapolated row).
    pub n_observations: usize,
    /// Median, q0.05 and q0.95, pJ/MAC; `None` when the data contradict each other.
    pub interval: Option<[f64; 3]>,
    /// The bound's q0.95 at the same node, precision and basis.
    pub ceiling: Option<f64>,
    /// The observation with the lowest bound median, and that median.
    pub tightest: Option<(String, f64)>,
    /// Caveats, each a few words.
    pub flags: Vec<String>,
}

/// The method whose figures are quoted: the frontier when it ran, else the first configured.
pub fn headline(plan: &RunPlan) -> Method {
    if plan.methods.contains(&Method::Frontier) {
        Method::Frontier
    } else {
        plan.methods[0]
    }
}

/// Every observed and scaled row of the headline method, in `quantiles.csv` order.
pub fn answers(plan: &RunPlan, cal: &Calibration, prior: &[PriorRow]) -> Vec<Answer> {
    let method = headline(plan);
    let find = |m: Method, node: &str, precision: Precision, basis: Basis| {
        cal.groups.iter().find(|g| {
            g.method == m && g.node == node && g.precision == precision && g.basis == basis
        })
    };
    let pooled_of = |precision: Precision| {
        cal.groups
            .iter()
            .find(|g| g.method == method && g.precision == precision && g.basis == Basis::Pooled)
    };
    cal.groups
        .iter()
        .filter(|g| g.method == method && g.basis != Basis::Pooled)
        .map(|g| {
            let quantiles = |g: &GroupResult| g.outcome.as_ref().ok().map(|(p, _)| p.clone());
            let interval = quantiles(g).map(|p| [0.5, 0.05, 0.95].map(|q| p.quantile(q)));
            let ceiling = find(Method::Bound, &g.node, g.precision, g.basis)
                .and_then(quantiles)
                .map(|p| p.quantile(0.95));
            let tightest = cal
                .observations
                .iter()
                .filter(|o| o.observation.node == g.node && o.observation.precision == g.precision)
                .min_by(|a, b| a.bound_90[1].total_cmp(&b.bound_90[1]))
                .map(|o| (o.observation.id.clone(), o.bound_90[1]));
            let mut flags = Vec::new();
            // The row whose data carry this one: itself, or the pooled row it is scaled from.
            let (source, n_source) = match (g.basis, pooled_of(g.precision)) {
                (Basis::Scaled, Some(p)) => {
                    flags.push(format!(
                        "extrapolated from pooled {} {} ({} obs)",
                        p.node,
                        p.precision.name(),
                        p.n_observations
                    ));
                    (p, p.n_observations)
                }
                _ => (g, g.n_observations),
            };
            if n_source == 1 {
                flags.push("rests on one observation".into());
            }
            if interval.is_none() {
                flags.push("contradictory (see quantiles.csv)".into());
            }
            if let Some(f) = prior_flag(plan, prior, source) {
                flags.push(f);
            }
            Answer {
                method,
                node: g.node.clone(),
                precision: g.precision,
                basis: g.basis,
                n_observations: if g.basis == Basis::Scaled {
                    0
                } else {
                    g.n_observations
                },
                interval,
                ceiling,
                tightest: (g.basis != Basis::Scaled).then_some(tightest).flatten(),
                flags,
            }
        })
        .collect()
}

/// `moved by the prior (wide: q0.95 +35 %)` when an alternative prior moves the row's q0.05
/// or q0.95 by more than [`PRIOR_DOMINATED_CHANGE`]: the largest such move.
fn prior_flag(plan: &RunPlan, prior: &[PriorRow], g: &GroupResult) -> Option<String> {
    // The interval's ends at the plan's levels; the outermost levels when it reports neither.
    let mut levels: Vec<usize> = plan
        .quantiles
        .iter()
        .enumerate()
        .filter(|(_, q)| (q.p - 0.05).abs() < 1e-9 || (q.p - 0.95).abs() < 1e-9)
        .map(|(i, _)| i)
        .collect();
    if levels.is_empty() {
        levels = vec![0, plan.quantiles.len().saturating_sub(1)];
    }
    let mut worst: Option<(f64, String)> = None;
    for r in prior.iter().filter(|r| {
        r.method == g.method && r.node == g.node && r.precision == g.precision && r.basis == g.basis
    }) {
        let Some(changes) = r.relative_changes() else {
            continue;
        };
        for &i in &levels {
            let c = changes.get(i).copied().unwrap_or(0.0);
            if c.abs() > PRIOR_DOMINATED_CHANGE && worst.as_ref().is_none_or(|w| c.abs() > w.0) {
                let label = &plan.quantiles[i].label;
                worst = Some((
                    c.abs(),
                    format!("{}: {label} {:+.0} %", r.alternative.name, c * 100.0),
                ));
            }
        }
    }
    worst.map(|(_, what)| format!("moved by the prior ({what})"))
}

/// `x` with 4 significant digits, in plain decimal (`1.412`, `0.07481`, `24.79`).
pub fn sig4(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..=5).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
}

/// `summary.md`: the answers as a Markdown table with 4 significant digits, and how to read it.
pub fn summary_md(plan: &RunPlan, cal: &Calibration, prior: &[PriorRow]) -> Vec<u8> {
    let rows = answers(plan, cal, prior);
    let method = headline(plan).name();
    let mut s = String::new();
    let _ = writeln!(s, "# mfucal calibration `{}`\n", plan.name);
    let _ = writeln!(
        s,
        "pJ/MAC at {} FLOPs per MAC. Quote the {method} median and its 90 % interval; the \
         ceiling is the bound method's q0.95 (the node's most efficient chip is below it with \
         probability at least 0.95); the tightest observation bounds only its own chip.\n",
        plan.flops_per_mac
    );
    let _ = writeln!(
        s,
        "| node | precision | basis | n | {method} median | q0.05 | q0.95 | ceiling | tightest observation | its bound | flags |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|---:|---:|---|---:|---|");
    let opt = |x: Option<f64>| x.map_or("-".to_string(), sig4);
    for a in &rows {
        let [median, lo, hi] = a.interval.map_or([None; 3], |i| i.map(Some));
        let (id, bound) = a
            .tightest
            .as_ref()
            .map_or(("-".to_string(), None), |(id, b)| (id.clone(), Some(*b)));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            a.node,
            a.precision.name(),
            a.basis.name(),
            a.n_observations,
            opt(median),
            opt(lo),
            opt(hi),
            opt(a.ceiling),
            id,
            opt(bound),
            a.flags.join("; ").replace('|', "/")
        );
    }
    s.into_bytes()
}
