//! What every fuzz target checks: the loaders `mfucal run` uses end in `Ok` with data that
//! keeps its invariants, or in located, one-line, human-readable problems. A panic anywhere
//! is a crash libFuzzer reports.

use std::path::Path;
use std::sync::OnceLock;

use mfucal::config::{self, Overrides, RunPlan};
use mfucal::data::{observations::MIN_MFU, Dataset};
use mfucal::error::InputErrors;

/// A config like the test fixture's: two nodes, both methods.
pub const CONFIG: &str = r#"
[data]
accelerators = "../datasets/accelerators.csv"
observations = "../datasets/observations.csv"
[sampling]
samples_per_observation = 1000
seed = 7
[model]
reference_node = "4nm"
[nodes]
"4nm" = { dist = "fixed", value = 1.0 }
"7nm" = { dist = "lognormal", mu = 0.33, sigma = 0.10 }
"#;

pub const ACCELERATORS: &[u8] = b"\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source,power_basis
h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,fixture,
h100-sxm,NVIDIA,4nm,2022,700,fp8,1979,fixture,board_tdp
a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture,
tpu-v4,Google,7nm,2021,170,bf16,275,fixture,chip_measured_mean
";

pub const OBSERVATIONS: &[u8] = b"\
id,accelerator,precision,mfu_low,mfu_high,source,exclude
llama,h100-sxm,bf16,0.43,0.43,fixture,
fp8run,h100-sxm,fp8,0.3,0.35,fixture,
mpt,a100-sxm,bf16,0.50,0.55,fixture,
palm,tpu-v4,bf16,0.462,0.462,fixture,
hfu,a100-sxm,bf16,0.6,0.6,fixture,HFU
";

pub const CONFIG_FILE: &str = "configs/fuzz.toml";

/// The resolved fixture config.
pub fn plan() -> &'static RunPlan {
    static PLAN: OnceLock<RunPlan> = OnceLock::new();
    PLAN.get_or_init(|| {
        config::plan::from_bytes(
            CONFIG.as_bytes(),
            Path::new(CONFIG_FILE),
            &Overrides::default(),
        )
        .expect("the fixture config is valid")
    })
}

/// Every problem names one of `files`, and reads as one short line.
pub fn check_problems(errors: &InputErrors, files: &[&Path]) {
    assert!(!errors.0.is_empty(), "an error without problems");
    for p in &errors.0 {
        assert!(
            files.contains(&p.file.as_path()),
            "problem in an unexpected file: {p}"
        );
        assert!(!p.message.trim().is_empty(), "empty message: {p}");
        let line = p.to_string();
        assert!(!line.contains('\n'), "multi-line problem: {line}");
        assert!(line.len() < 1200, "problem of {} bytes", line.len());
    }
}

/// A dataset that loaded keeps the invariants the sampler relies on.
pub fn check_dataset(plan: &RunPlan, d: &Dataset) {
    assert!(!d.observations.is_empty());
    for o in &d.observations {
        assert!(
            MIN_MFU <= o.mfu_low && o.mfu_low <= o.mfu_high && o.mfu_high <= 1.0,
            "{o:?}"
        );
        assert!(o.power_w.is_finite() && o.power_w > 0.0, "{o:?}");
        assert!(
            o.peak_flops_per_s.is_finite() && o.peak_flops_per_s > 0.0,
            "{o:?}"
        );
        let full = o.pj_per_mac_at_full_utilisation(plan.flops_per_mac);
        assert!(full.is_finite() && full > 0.0, "{o:?}");
        assert!(plan.node_scale(&o.node).is_some(), "{o:?}");
        assert!(!o.id.is_empty() && !o.source.is_empty(), "{o:?}");
    }
    for a in &d.accelerators {
        assert!(a.tdp_w.is_finite() && a.tdp_w > 0.0, "{a:?}");
        assert!(
            a.dense_peak_tflops.is_finite() && a.dense_peak_tflops > 0.0,
            "{a:?}"
        );
    }
}

/// Loads a dataset from bytes as `mfucal run` does and checks the outcome.
pub fn load_and_check(plan: &RunPlan, accelerators: &[u8], observations: &[u8]) {
    match Dataset::from_bytes(plan, accelerators, observations) {
        Ok(d) => check_dataset(plan, &d),
        Err(e) => check_problems(
            &e,
            &[
                plan.accelerators_path.as_path(),
                plan.observations_path.as_path(),
            ],
        ),
    }
}

/// A resolved plan's distributions are usable: sampled ones draw finite values in their
/// quantity's range, their extreme quantiles (what scaled posteriors use) are finite and
/// positive, and the prior's log-density is never NaN or +inf.
pub fn check_plan(plan: &RunPlan) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let fractions = [&plan.power_fraction, &plan.software_efficiency];
    let factors = std::iter::once(&plan.peak_factor).chain(plan.nodes.iter().map(|n| &n.scale));
    for (dist, fraction) in fractions
        .into_iter()
        .map(|d| (d, true))
        .chain(factors.map(|d| (d, false)))
    {
        let sampler = dist.sampler();
        for _ in 0..32 {
            let x = sampler.draw(&mut rng);
            assert!(x.is_finite() && x > 0.0, "{dist:?} drew {x}");
            assert!(!fraction || x <= 1.0, "{dist:?} drew {x}");
        }
        for p in [1e-10, 0.5, 1.0 - 1e-10] {
            let q = dist.inverse_cdf(p);
            assert!(q.is_finite() && q > 0.0, "{dist:?} quantile {p} = {q}");
        }
    }
    for i in 0..=400 {
        let ln_x = -14.0 + 28.0 * i as f64 / 400.0;
        let l = plan.prior.ln_density_of_ln(ln_x);
        assert!(!l.is_nan() && l != f64::INFINITY, "prior at {ln_x}: {l}");
    }
    assert!(!plan.quantiles.is_empty() && !plan.methods.is_empty());
    assert!(plan.flops_per_mac.is_finite() && plan.flops_per_mac > 0.0);
}
