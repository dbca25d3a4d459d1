//! `sensitivity.csv`: Sobol indices of the uncertain inputs and the prior-sensitivity report,
//! in one long-form table (one number per row, `analysis` says which part a row is from).
//!
//! * `analysis = sobol`: `output` is `ln_pj_per_mac_at_reference_node` (one observation:
//!   `observation` names it, `basis` is empty) or `ln_posterior_median` (one group);
//!   `statistic` is `first_order` or `total`, with a 95 % bootstrap interval. `flag` is
//!   `fixed` (the input does not vary: both indices are 0), `not_an_input` (software
//!   efficiency under the bound method; node scale at a group's own node) or
//!   `undefined: ...` / `constant output` (no numbers).
//! * `analysis = prior`: `input` is the alternative prior, `output` the quantile level,
//!   `statistic = quantile`, `value` the quantile under the alternative, `baseline` under the
//!   configured prior, `relative_change = value / baseline - 1`; `flag = prior-dominated` when
//!   it exceeds 10 % in size; `prior excludes the data` (no numbers) when the posterior
//!   vanishes under the alternative.

use super::tables::{finish, writer};
use crate::config::RunPlan;
use crate::dist::DistSpec;
use crate::fmt::number;
use crate::schema::columns;
use crate::stats::prior_sensitivity::PriorRow;
use crate::stats::sobol::{Effect, Estimate};
use crate::stats::sobol_targets::{Input, SobolResult};

const HEADER: [&str; 15] = [
    columns::ANALYSIS,
    columns::METHOD,
    columns::NODE,
    columns::PRECISION,
    columns::BASIS,
    "observation",
    columns::OUTPUT,
    "input",
    "statistic",
    "value",
    "ci_low",
    "ci_high",
    "baseline",
    columns::RELATIVE_CHANGE,
    "flag",
];

/// `sensitivity.csv`'s bytes: the Sobol rows, then the prior-sensitivity rows.
pub fn sensitivity_csv(plan: &RunPlan, sobol: &[SobolResult], prior: &[PriorRow]) -> Vec<u8> {
    let mut w = writer();
    w.write_record(HEADER).expect("in memory");
    for r in sobol {
        let head = [
            "sobol".to_string(),
            r.method.name().to_string(),
            r.node.clone(),
            r.precision.name().to_string(),
            r.basis.map(|b| b.name().to_string()).unwrap_or_default(),
            r.observation.clone().unwrap_or_default(),
            r.output.name().to_string(),
        ];
        for (k, input) in Input::ALL.iter().enumerate() {
            for statistic in ["first_order", "total"] {
                let (numbers, flag) = match &r.effects {
                    Err(e) => (None, e.to_string()),
                    Ok(effects) => match effects[k] {
                        Effect::NotAnInput => (None, "not_an_input".to_string()),
                        Effect::Fixed => (Some((0.0, 0.0, 0.0)), "fixed".to_string()),
                        Effect::Indices { first_order, total } => {
                            let e: Estimate = if statistic == "first_order" {
                                first_order
                            } else {
                                total
                            };
                            (Some((e.value, e.ci_low, e.ci_high)), String::new())
                        }
                    },
                };
                let mut row: Vec<String> = head.to_vec();
                row.push(input.name().to_string());
                row.push(statistic.to_string());
                match numbers {
                    Some((v, lo, hi)) => row.extend([number(v), number(lo), number(hi)]),
                    None => row.extend(std::iter::repeat_n(String::new(), 3)),
                }
                row.extend([String::new(), String::new(), flag]);
                w.write_record(&row).expect("in memory");
            }
        }
    }
    for r in prior {
        let changes = r.relative_changes();
        let dominated = r.dominated();
        for (k, level) in plan.quantiles.iter().enumerate() {
            let (value, change) = match (&r.quantiles, &changes) {
                (Some(q), Some(c)) => (number(q[k]), number(c[k])),
                _ => (String::new(), String::new()),
            };
            let flag = match (&r.quantiles, dominated[k]) {
                (None, _) => "prior excludes the data: the posterior vanishes",
                (Some(_), true) => "prior-dominated",
                (Some(_), false) => "",
            };
            let row = [
                "prior".to_string(),
                r.method.name().to_string(),
                r.node.clone(),
                r.precision.name().to_string(),
                r.basis.name().to_string(),
                String::new(),
                level.label.clone(),
                format!(
                    "{}: {}",
                    r.alternative.name,
                    describe(r.alternative.prior.spec())
                ),
                "quantile".to_string(),
                value,
                String::new(),
                String::new(),
                number(r.baseline[k]),
                change,
                flag.to_string(),
            ];
            w.write_record(&row).expect("in memory");
        }
    }
    finish(w)
}

/// `log_uniform(0.2236068, 4.472136)`: an alternative prior as it would be written.
fn describe(spec: DistSpec) -> String {
    match spec {
        DistSpec::LogUniform { low, high } => {
            format!("log_uniform({}, {})", trim(low), trim(high))
        }
        DistSpec::Uniform { low, high } => format!("uniform({}, {})", trim(low), trim(high)),
        other => format!("{other:?}"),
    }
}

/// Seven significant digits without trailing zeros.
fn trim(x: f64) -> String {
    let s = number(x);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
