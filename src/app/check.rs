//! `mfucal check`: does a claimed energy per MAC contradict the published MFU observations?
//!
//! A claim of `E` pJ/MAC implies a physics limit `u P k / (c F E)` for every run on the node
//! and precision. The claim contradicts a run when that limit is below the run's MFU, i.e.
//! when the run's implied energy (the bound method's `e_i = u P k / (m c F)`, eta = 1) is
//! below `E`. Its probability `Pr(e_i < E)` is read from the same histogram the calibration
//! builds, over the MFU range, power fraction and peak factor of the config. This is how the
//! seed analysis found 2.5 pJ impossible: H100 runs reach MFUs above the 28 % limit it implies.
//!
//! **At an extrapolated node** (one of the config's `[nodes]` with no observation of the
//! precision, where `run` writes a scaled row) the claim is moved to every observed node by
//! the node scales, as `run` extrapolates: a claim `E` at node `N` is `E S_M / S_N` at node
//! `M`, so run `i` on `M` contradicts it with probability `E[Pr(e_i < E S_M / S_N)]` over the
//! two scales' priors (each taken at [`SCALE_POINTS`] quantiles).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::error::{Error, Result};

use crate::calibrate::INTERVAL_90;
use crate::config::{self, Overrides};
use crate::data::{Dataset, Precision};
use crate::sampler::{Control, ObservationModel};

/// A probability of contradiction above this rules the claim out ("contradicted").
pub const CONTRADICTED: f64 = 0.95;
/// Above this (and below [`CONTRADICTED`]) the claim is "in tension" with a run.
pub const IN_TENSION: f64 = 0.05;

/// Quantile points of each node scale's prior averaged over at an extrapolated node.
pub const SCALE_POINTS: usize = 64;

/// What `check` was asked.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// `--config`: the config file whose data and model the claim is checked against.
    pub config: PathBuf,
    /// The claimed energy, pJ per MAC (per FLOP with `flops_per_mac = 1`).
    pub pj_per_mac: f64,
    /// Default: the config's reference node.
    pub node: Option<String>,
    /// `--precision`: the number format of the claim.
    pub precision: Precision,
    /// Default: the config's `units.flops_per_mac`.
    pub flops_per_mac: Option<f64>,
    /// Fail (exit status 3) when any probability of contradiction exceeds this.
    pub fail_if_contradicted: Option<f64>,
}

/// The table and verdict, and whether the caller asked to fail on it.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The table of probabilities and the verdict, as printed.
    pub text: String,
    /// The largest probability of contradiction.
    pub max_probability: f64,
    /// `--fail-if-contradicted P` was given and some probability exceeds `P`.
    pub fails: bool,
}

struct Row<'a> {
    probability: f64,
    id: &'a str,
    node: &'a str,
    accelerator: &'a str,
    mfu: String,
    bound: [f64; 2],
    source: &'a str,
}

/// A threshold of contradiction must be a probability. The message starts with the value
/// (the binary puts `--fail-if-contradicted` in front).
pub fn check_probability(p: f64) -> Result<f64, crate::error::BadValue> {
    if !(0.0..=1.0).contains(&p) {
        return Err(crate::error::BadValue(format!(
            "{p} must be a probability in [0, 1]"
        )));
    }
    Ok(p)
}

/// `mfucal check`: whether a claimed energy per MAC contradicts the published observations, with
/// the probability per run and the verdict.
pub fn check(opts: &CheckOptions) -> Result<CheckReport> {
    let mut plan = config::load(&opts.config, &Overrides::default())?;
    let dataset = Dataset::load(&plan)?;
    let e = opts.pj_per_mac;
    super::limit::check_pj_per_mac(e)?;
    if let Some(k) = opts.flops_per_mac {
        plan.flops_per_mac = crate::config::plan::check_flops_per_mac(k)?;
    }
    if let Some(p) = opts.fail_if_contradicted {
        check_probability(p)?;
    }
    let node = opts.node.clone().unwrap_or(plan.reference_node.clone());
    let precision = opts.precision;
    let mut members: Vec<_> = dataset
        .observations
        .iter()
        .filter(|o| o.node == node && o.precision == precision)
        .collect();
    // At a node of the config with no observation here: every run of the precision, moved to
    // the node by the scales (module docs).
    let target_scale = members
        .is_empty()
        .then(|| plan.node_scale(&node).cloned())
        .flatten();
    if target_scale.is_some() {
        members = dataset
            .observations
            .iter()
            .filter(|o| o.precision == precision && plan.node_scale(&o.node).is_some())
            .collect();
    }
    if members.is_empty() {
        let mut nodes: Vec<&str> = dataset
            .observations
            .iter()
            .filter(|o| o.precision == precision)
            .map(|o| o.node.as_str())
            .collect();
        nodes.sort_by(|a, b| config::plan::node_order(a, b));
        nodes.dedup();
        if nodes.is_empty() {
            return Err(Error::Argument(format!(
                "no {} observation in the dataset",
                precision.name()
            )));
        }
        // A typo (`7mn`) gets a suggestion; a well-formed node (`3nm`) is simply not observed.
        let well_formed = node
            .strip_suffix("nm")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let known = plan
            .nodes
            .iter()
            .map(|n| n.node.as_str())
            .chain(dataset.accelerators.iter().map(|a| a.node.as_str()));
        return Err(Error::Argument(format!(
            "no {} observation at {node}; {} observations are at {}{}",
            precision.name(),
            precision.name(),
            nodes.join(", "),
            if well_formed {
                String::new()
            } else {
                crate::suggest::did_you_mean(&node, known)
            }
        )));
    }

    let k = plan.flops_per_mac;
    let target_points = target_scale
        .as_ref()
        .map(|d| config::frontier::quantile_points(d, SCALE_POINTS));
    let mut rows: Vec<Row> = members
        .iter()
        .map(|o| {
            // The same streams as `run` draws for this observation.
            let samples = ObservationModel::new(&plan, o)
                .sample(plan.seed, plan.samples_per_observation, Control::default())
                .expect("no cancel hook");
            // The 90 % interval, as on every screen (q0.05-q0.95).
            let q = samples.bound.quantiles(&[INTERVAL_90[0], INTERVAL_90[2]]);
            let probability = match &target_points {
                None => samples.bound.cdf(e),
                Some(target) => {
                    let here = plan.node_scale(&o.node).expect("members have a scale");
                    let here = config::frontier::quantile_points(here, SCALE_POINTS);
                    let mut claims: Vec<f64> = here
                        .iter()
                        .flat_map(|m| target.iter().map(move |n| e * m / n))
                        .collect();
                    claims.sort_by(f64::total_cmp); // cdf_many reads them in order
                    let cdfs = samples.bound.cdf_many(&claims);
                    cdfs.iter().sum::<f64>() / cdfs.len() as f64
                }
            };
            Row {
                probability,
                id: &o.id,
                node: &o.node,
                accelerator: &o.accelerator,
                mfu: if o.mfu_low == o.mfu_high {
                    format!("{}", o.mfu_low)
                } else {
                    format!("{}-{}", o.mfu_low, o.mfu_high)
                },
                bound: [q[0], q[1]],
                source: &o.source,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.bound[0].total_cmp(&b.bound[0]))
            .then(a.id.cmp(b.id))
    });

    let mut s = String::new();
    let convention = if k == 1.0 {
        "1 FLOP per MAC: the figure is per FLOP, as the seed analysis counted".to_string()
    } else {
        format!("{k} FLOPs per MAC: {} pJ per FLOP", e / k)
    };
    let _ = writeln!(
        s,
        "claim: {e} pJ/MAC at {node} {} ({convention})",
        precision.name()
    );
    if target_scale.is_some() {
        let _ = writeln!(
            s,
            "{node} has no {} observation: the claim is extrapolated to each run's node by the \
             config's node scales, E at {node} = E x scale(run's node) / scale({node}), over \
             their priors",
            precision.name()
        );
        let _ = writeln!(
            s,
            "Pr(contradiction) = Pr(e_i < {e} x scale(node) / scale({node})): the claim's physics \
             limit is below the run's MFU (bound method, {} samples per observation)",
            plan.samples_per_observation
        );
    } else {
        let _ = writeln!(
            s,
            "Pr(contradiction) = Pr(e_i < {e}): the claim's physics limit is below the run's MFU \
             (bound method, {} samples per observation)",
            plan.samples_per_observation
        );
    }
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let acc_width = rows
        .iter()
        .map(|r| r.accelerator.len())
        .max()
        .unwrap_or(11)
        .max(11);
    let _ = writeln!(
        s,
        "  {:>6}  {:<id_width$}  {:<acc_width$}  {:<5}  {:<11}  {:<22}  source",
        "Pr", "id", "accelerator", "node", "MFU", "e_i 90 % (pJ/MAC)"
    );
    for r in &rows {
        let _ = writeln!(
            s,
            "  {:>6.3}  {:<id_width$}  {:<acc_width$}  {:<5}  {:<11}  {:<22}  {}",
            r.probability,
            r.id,
            r.accelerator,
            r.node,
            r.mfu,
            format!("[{:.3}, {:.3}]", r.bound[0], r.bound[1]),
            r.source
        );
    }
    let max = rows[0].probability;
    let n = rows.len();
    let count = |t: f64| rows.iter().filter(|r| r.probability > t).count();
    let claim = format!("{e} pJ/MAC at {node} {}", precision.name());
    let verdict = if max > CONTRADICTED {
        format!(
            "contradicted: {} of {n} observations rule out {claim} with probability above {CONTRADICTED}",
            count(CONTRADICTED)
        )
    } else if max > IN_TENSION {
        format!(
            "in tension: {} of {n} observations rule out {claim} with probability above {IN_TENSION} (at most {max:.3})",
            count(IN_TENSION)
        )
    } else {
        format!(
            "consistent: none of the {n} observations rules out {claim} (largest probability {max:.3})"
        )
    };
    let _ = writeln!(s, "verdict: {verdict}");
    Ok(CheckReport {
        text: s,
        max_probability: max,
        fails: opts.fail_if_contradicted.is_some_and(|p| max > p),
    })
}
