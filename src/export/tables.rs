//! The three CSV tables of a run: `quantiles.csv`, `observations.csv`, `accelerators.csv`.

use crate::calibrate::{Calibration, Summary, INTERVAL_90};
use crate::config::RunPlan;
use crate::fmt::number;
use crate::posterior::Contradiction;
use crate::schema::{self, columns};

/// The unit every energy is reported in.
pub const ENERGY_UNIT: &str = "pJ/MAC";

pub(super) fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

pub(super) fn finish(mut w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.flush().expect("writing to memory cannot fail");
    w.into_inner().expect("writing to memory cannot fail")
}

fn quantile_labels(plan: &RunPlan) -> impl Iterator<Item = String> + '_ {
    plan.quantiles.iter().map(|q| q.label.clone())
}

/// `ok`, or `contradictory: ...` naming the observations; numbers are then left empty.
fn status(c: Option<&Contradiction>) -> String {
    match c {
        None => "ok".into(),
        Some(c) => format!("contradictory: {}", c.message),
    }
}

fn summary_fields(s: &Summary) -> Vec<String> {
    let mut v = vec![number(s.mean), number(s.sd)];
    v.extend(s.quantiles.iter().map(|&q| number(q)));
    v
}

/// `quantiles.csv`: one row per method x node x precision, and the pooled rows.
pub fn quantiles_csv(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    let mut w = writer();
    let mut header: Vec<String> = schema::QUANTILES_LEADING.map(String::from).to_vec();
    header.extend(quantile_labels(plan));
    header.extend(quantile_labels(plan).map(|l| schema::mcse_column(&l)));
    header.push(columns::STATUS.into());
    w.write_record(&header).expect("in memory");
    for g in &cal.groups {
        let mut row = vec![
            g.method.name().to_string(),
            g.node.clone(),
            g.precision.name().to_string(),
            g.basis.name().to_string(),
            ENERGY_UNIT.to_string(),
            g.n_observations.to_string(),
            g.n_observations_used.to_string(),
            g.samples.to_string(),
        ];
        match &g.outcome {
            Ok((_, s)) => {
                row.extend(summary_fields(s));
                row.extend(s.mcse.iter().map(|m| m.map(number).unwrap_or_default()));
            }
            Err(_) => row.extend(std::iter::repeat_n(
                String::new(),
                2 + 2 * plan.quantiles.len(),
            )),
        }
        row.push(status(g.outcome.as_ref().err()));
        w.write_record(&row).expect("in memory");
    }
    finish(w)
}

/// `observations.csv`: each observation's bound `e_i` (eta = 1), its kind and, with the
/// frontier, its software efficiency.
pub fn observations_csv(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    let mut w = writer();
    let mut header: Vec<String> = schema::OBSERVATIONS_LEADING.map(String::from).to_vec();
    header.extend(quantile_labels(plan));
    header.push(columns::KIND.into());
    let frontier = cal.frontier.as_ref();
    if frontier.is_some() {
        header.extend(schema::FRONTIER_OBSERVATION_COLUMNS.map(String::from));
    }
    w.write_record(&header).expect("in memory");
    for (i, r) in cal.observations.iter().enumerate() {
        let o = &r.observation;
        let mut row = vec![
            o.id.clone(),
            o.accelerator.clone(),
            o.node.clone(),
            o.precision.name().to_string(),
            number(o.mfu_low),
            number(o.mfu_high),
            ENERGY_UNIT.to_string(),
            r.samples.to_string(),
        ];
        row.extend(summary_fields(&r.bound));
        row.push(o.kind.name().to_string());
        if let Some(fit) = frontier {
            let run = &fit.runs[i];
            row.extend(
                INTERVAL_90
                    .iter()
                    .map(|&p| number(run.efficiency.quantile(p))),
            );
            row.push(number(run.mislabel_probability));
        }
        w.write_record(&row).expect("in memory");
    }
    finish(w)
}

/// `accelerators.csv`, long form: energy, physics limit and sustainable throughput.
pub fn accelerators_csv(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    let mut w = writer();
    let mut header: Vec<String> = schema::ACCELERATORS_LEADING.map(String::from).to_vec();
    header.extend(quantile_labels(plan));
    header.push(columns::STATUS.into());
    w.write_record(&header).expect("in memory");
    for r in &cal.accelerators {
        let mut row = vec![
            r.method.name().to_string(),
            r.accelerator.clone(),
            r.node.clone(),
            r.precision.name().to_string(),
            r.quantity.name().to_string(),
            r.unit.to_string(),
        ];
        match &r.quantiles {
            Ok(q) => row.extend(q.iter().map(|&x| number(x))),
            Err(_) => row.extend(std::iter::repeat_n(String::new(), plan.quantiles.len())),
        }
        row.push(status(r.quantiles.as_ref().err()));
        w.write_record(&row).expect("in memory");
    }
    finish(w)
}

/// `hyperparameters.csv`: the frontier's hyperparameters on their quadrature grid, each
/// point's prior and posterior weight, so a reader sees what the data learnt and what the
/// priors carried.
pub fn hyperparameters_csv(cal: &Calibration) -> Option<Vec<u8>> {
    let fit = cal.frontier.as_ref()?;
    let h = &fit.hyper;
    let mut w = writer();
    w.write_record([
        "parameter",
        "meaning",
        "value",
        "prior_weight",
        "posterior_weight",
    ])
    .expect("in memory");
    let rows: [(&str, &str, &[f64], &[f64]); 4] = [
        (
            "best_run_efficiency",
            "exp(-g): MFU of the best runs / their physics limit",
            &h.grid.gap,
            &h.gap,
        ),
        (
            "inefficiency_mean",
            "theta: mean log-inefficiency of a run beyond the best runs' gap",
            &h.grid.theta,
            &h.theta,
        ),
        (
            "inefficiency_shape",
            "kappa: Gamma shape of a run's log-inefficiency",
            &h.grid.kappa,
            &h.kappa,
        ),
        (
            "architecture_spread",
            "tau: sd of ln E across the chips of a node",
            &h.grid.tau,
            &h.tau,
        ),
    ];
    for (name, meaning, values, posterior) in rows {
        let prior = 1.0 / values.len() as f64;
        for (v, p) in values.iter().zip(posterior.iter()) {
            let v = if name == "best_run_efficiency" {
                (-v).exp()
            } else {
                *v
            };
            w.write_record([
                name.to_string(),
                meaning.to_string(),
                number(v),
                number(prior),
                number(*p),
            ])
            .expect("in memory");
        }
    }
    Some(finish(w))
}
