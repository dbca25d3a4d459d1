//! What a run says on screen about its sensitivity analyses and predictive checks: which
//! quantiles are prior-dominated, and which observations are suspect.

use std::fmt::Write as _;

use crate::config::{Method, RunPlan};
use crate::data::Dataset;
use crate::stats::ppc::{PpcRow, Suspect, TAIL};
use crate::stats::prior_sensitivity::PRIOR_DOMINATED_CHANGE;
use crate::stats::Analyses;

impl Analyses {
    /// A few lines for the run's summary.
    pub fn summary(&self, plan: &RunPlan, dataset: &Dataset) -> String {
        let mut s = String::new();
        let n = dataset.observations.len();
        if !plan.observation_sensitivity.covers(n) {
            let _ = writeln!(
                s,
                "sensitivity.csv: no per-observation Sobol rows for {n} observations (outputs.observation_sensitivity = \"{}\"; \"all\" writes them)",
                match plan.observation_sensitivity {
                    crate::config::ObservationSensitivity::None => "none",
                    _ => "auto",
                }
            );
        }
        let _ = writeln!(
            s,
            "prior-dominated quantiles (moving > {:.0} % under an alternative prior; sensitivity.csv):",
            PRIOR_DOMINATED_CHANGE * 100.0
        );
        for &method in &plan.methods {
            let rows: Vec<_> = self.prior.iter().filter(|r| r.method == method).collect();
            let mut groups: Vec<(&str, &str, &str)> = rows
                .iter()
                .map(|r| (r.node.as_str(), r.precision.name(), r.basis.name()))
                .collect();
            groups.dedup();
            if method == Method::Bound {
                let _ = writeln!(
                    s,
                    "  {:<10}  a ceiling with no prior: nothing to test",
                    method.name()
                );
                continue;
            }
            if groups.is_empty() {
                let _ = writeln!(s, "  {:<10}  no posterior to test", method.name());
                continue;
            }
            // Per level: in how many groups does any alternative move it by more than 10 %?
            let counts: Vec<usize> = (0..plan.quantiles.len())
                .map(|k| {
                    groups
                        .iter()
                        .filter(|&&g| {
                            rows.iter().any(|r| {
                                (r.node.as_str(), r.precision.name(), r.basis.name()) == g
                                    && r.dominated()[k]
                            })
                        })
                        .count()
                })
                .collect();
            let cells: Vec<String> = plan
                .quantiles
                .iter()
                .zip(&counts)
                .map(|(q, c)| format!("{} {c}/{}", q.label, groups.len()))
                .collect();
            let _ = writeln!(s, "  {:<10}  {}", method.name(), cells.join(", "));
            let all_low = counts.iter().take_while(|&&c| c == groups.len()).count();
            if method == Method::Bound && all_low == counts.len() {
                let _ = writeln!(
                    s,
                    "  every bound quantile is prior-dominated in every group: quote the per-observation bounds (observations.csv), not these posteriors"
                );
            } else if method == Method::Bound && all_low > 0 {
                let _ = writeln!(
                    s,
                    "  the bound method's quantiles up to {} are prior-dominated in every group: an upper bound says nothing about how low the energy is; quote its upper quantiles",
                    plan.quantiles[all_low - 1].label
                );
            }
        }
        let suspects: Vec<&PpcRow> = self.ppc.iter().filter(|r| r.suspect.is_some()).collect();
        if suspects.is_empty() {
            let _ = writeln!(
                s,
                "no observation is in the extreme {:.0} % tails of its posterior predictive (ppc.csv)",
                TAIL * 100.0
            );
        } else {
            let _ = writeln!(
                s,
                "suspect observations, in the extreme {:.0} % tails of their posterior predictive (ppc.csv):",
                TAIL * 100.0
            );
            for r in suspects {
                let o = &dataset.observations[r.observation];
                if let Some(p) = r.p_mislabelled {
                    let _ = writeln!(
                        s,
                        "  frontier {} ({} {}, MFU {}-{}): probably mislabelled (an HFU or sparse peak read as MFU), Pr = {p:.2}",
                        o.id,
                        o.node,
                        o.precision.name(),
                        o.mfu_low,
                        o.mfu_high
                    );
                    continue;
                }
                let (p, which) = judged(r);
                let mfu = if o.mfu_low == o.mfu_high {
                    format!("{}", o.mfu_low)
                } else {
                    format!("{}-{}", o.mfu_low, o.mfu_high)
                };
                let direction = match r.suspect {
                    Some(Suspect::High) => "higher than the model allows",
                    _ => "lower than the model predicts",
                };
                let _ = writeln!(
                    s,
                    "  {} {} ({} {}, MFU {mfu}): {direction}, Pr(MFU >= observed) = {p:.4} ({which})",
                    r.method.name(),
                    o.id,
                    o.node,
                    o.precision.name(),
                );
            }
        }
        s
    }
}

/// The probability a row's verdict rests on, and which one it is (see [`super::ppc`]).
fn judged(r: &PpcRow) -> (f64, &'static str) {
    match (r.n_others > 0, r.p_loo, r.p_posterior) {
        (true, Some(p), _) => (p, "leave-one-out"),
        (_, _, Some(p)) => (p, "posterior"),
        _ => (f64::NAN, "none"),
    }
}
