//! Findings that do not stop a run but deserve a look: figures that are probably typed from
//! the wrong column of a datasheet, or that no real run reaches. `mfucal validate` prints them
//! and still exits 0; each is located like an input error.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{AcceleratorSpec, Dataset, ObservationKind, PowerBasis, Precision};
use crate::config::RunPlan;
use crate::units;

/// Peak energy per FLOP (TDP / dense peak) expected of a real accelerator, pJ/FLOP.
///
/// The shipped registry spans 0.20 (B100 FP8, 700 W / 3500 TFLOPS) to 2.56 (A100 TF32,
/// 400 W / 156 TFLOPS) pJ/FLOP. The band allows a factor of 2 beyond the most efficient chip
/// (one more generation) and of 4 beyond the least. Outside it sit the usual slips: a peak in
/// GFLOPS or PFLOPS, a power in kW, a non-tensor FP32 rate in a tensor row (V100 FP32:
/// 300 W / 15.7 TFLOPS = 19 pJ/FLOP), an FP4 or sparse FP8 figure on a recent chip.
/// Per FLOP, so the band does not depend on `units.flops_per_mac`.
pub const PJ_PER_FLOP_BAND: (f64, f64) = (0.1, 10.0);

/// MFU above this is beyond any published training run (the best in the reference is 0.65,
/// MegaScale on 256 GPUs): more likely HFU, a sparse denominator, or a percent typo.
pub const MFU_WARN_ABOVE: f64 = 0.75;

/// A measured mean power per chip above this many times the board TDP is more likely a
/// per-node or per-server figure, or kW typed as W, than a real draw. Host overhead alone
/// brings a GPU's share to about 1.1 x TDP (V100 on GPT-3: 330 W against 300 W, Patterson et
/// al. 2021, ../shared/reference/data-audit-2026-12.md section 3); 1.2 leaves a margin.
pub const MEASURED_POWER_WARN_ABOVE_TDP: f64 = 1.2;

/// A dense peak this many times another that should equal it looks like a sparsity figure
/// (2:4 structured sparsity doubles the datasheet number).
pub const SPARSE_RATIO: (f64, f64) = (1.9, 2.1);

/// Precision pairs whose dense peaks are equal on every chip in the reference registry.
const EQUAL_PAIRS: [(Precision, Precision); 2] = [
    (Precision::Bf16, Precision::Fp16),
    (Precision::Fp8, Precision::Int8),
];

/// A finding that does not stop a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// A dense peak twice a figure it should equal: same accelerator at an equal-rate
    /// precision, or a sibling accelerator (same family id) at the same precision.
    LooksSparse {
        /// The accelerators file.
        file: PathBuf,
        /// Line of the row.
        line: u64,
        /// Accelerator id.
        accelerator: String,
        /// Precision of the row.
        precision: Precision,
        /// The row's dense peak, TFLOPS (TOPS for int8).
        peak_tflops: f64,
        /// What it was compared with, e.g. `its fp16 peak 989.4 (line 17)`.
        other: String,
        /// The row's peak / the figure it was compared with, in [`SPARSE_RATIO`].
        ratio: f64,
    },
    /// TDP / dense peak outside [`PJ_PER_FLOP_BAND`].
    EnergyOutsideBand {
        /// The accelerators file.
        file: PathBuf,
        /// Line of the row.
        line: u64,
        /// Accelerator id.
        accelerator: String,
        /// Precision of the row.
        precision: Precision,
        /// TDP / dense peak, pJ per FLOP.
        pj_per_flop: f64,
    },
    /// A `power_w_measured` above [`MEASURED_POWER_WARN_ABOVE_TDP`] times the board TDP.
    MeasuredPowerAboveTdp {
        /// The observations file.
        file: PathBuf,
        /// Line of the row.
        line: u64,
        /// Observation id.
        id: String,
        /// The published measured mean power, W.
        power_w_measured: f64,
        /// The accelerator's TDP, W.
        tdp_w: f64,
    },
    /// An MFU above [`MFU_WARN_ABOVE`].
    HighMfu {
        /// The observations file.
        file: PathBuf,
        /// Line of the row.
        line: u64,
        /// Observation id.
        id: String,
        /// The row's `mfu_high`, a fraction.
        mfu: f64,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::LooksSparse {
                file,
                line,
                accelerator,
                precision,
                peak_tflops,
                other,
                ratio,
            } => write!(
                f,
                "{}:{line}: column dense_peak_tflops: {accelerator} {} peak {peak_tflops} is {ratio:.2}x {other}, which it should equal: it looks like a sparsity figure; use the dense peak",
                file.display(),
                precision.name()
            ),
            Warning::EnergyOutsideBand {
                file,
                line,
                accelerator,
                precision,
                pj_per_flop,
            } => write!(
                f,
                "{}:{line}: columns tdp_w, dense_peak_tflops: {accelerator} {} draws {} pJ per FLOP at its peak, outside the plausible {}–{} pJ/FLOP; check the units (TFLOPS, W) and that the peak is the dense tensor figure",
                file.display(),
                precision.name(),
                three_digits(*pj_per_flop),
                PJ_PER_FLOP_BAND.0,
                PJ_PER_FLOP_BAND.1
            ),
            Warning::MeasuredPowerAboveTdp {
                file,
                line,
                id,
                power_w_measured,
                tdp_w,
            } => write!(
                f,
                "{}:{line}: column power_w_measured: {id} measured {power_w_measured} W per chip, {:.2}x its board TDP {tdp_w} W (above {MEASURED_POWER_WARN_ABOVE_TDP}x); check it is per chip, in watts, and not a node or server total",
                file.display(),
                power_w_measured / tdp_w
            ),
            Warning::HighMfu {
                file,
                line,
                id,
                mfu,
            } => write!(
                f,
                "{}:{line}: column mfu_high: {id} has MFU {mfu}, above {MFU_WARN_ABOVE}, which no published training run reaches; check it is MFU (not HFU) against the dense peak",
                file.display()
            ),
        }
    }
}

/// Three significant digits: `0.00128`, `2.56`, `19.1`.
fn three_digits(x: f64) -> String {
    let decimals = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}

/// The id up to its first token with a digit: `h100-sxm` → `h100`, `tpu-v4` → `tpu-v4`,
/// `a100-sxm4-80gb` → `a100`. Siblings share it; generations do not.
fn family(id: &str) -> &str {
    let mut end = 0;
    for token in id.split('-') {
        end += token.len();
        if token.chars().any(|c| c.is_ascii_digit()) {
            return &id[..end];
        }
        end += 1;
    }
    id
}

fn looks_doubled(a: f64, b: f64) -> Option<f64> {
    let r = a / b;
    (SPARSE_RATIO.0..=SPARSE_RATIO.1).contains(&r).then_some(r)
}

/// Pairs of accelerator rows `(a, b, same_chip, ratio)` where `a`'s peak is about twice
/// `b`'s ([`SPARSE_RATIO`]) and the two should be equal: another precision of the same chip
/// ([`EQUAL_PAIRS`]), or a sibling of the same family at the same precision. In file order
/// of `a`, then of `b`.
///
/// Candidates come from two indexes rather than every pair of rows (10,000 accelerators would
/// make 10^8): rows of the same chip, and rows of a family and precision sorted by peak, of
/// which only those about half as fast can qualify.
fn doubled_pairs(specs: &[AcceleratorSpec]) -> Vec<(usize, usize, bool, f64)> {
    let mut by_chip: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_family: HashMap<(&str, Precision), Vec<usize>> = HashMap::new();
    for (i, a) in specs.iter().enumerate() {
        by_chip.entry(&a.accelerator).or_default().push(i);
        by_family
            .entry((family(&a.accelerator), a.precision))
            .or_default()
            .push(i);
    }
    let peak = |j: usize| specs[j].dense_peak_tflops;
    by_family
        .values_mut()
        .for_each(|v| v.sort_by(|&x, &y| peak(x).total_cmp(&peak(y))));
    let mut out = Vec::new();
    for (i, a) in specs.iter().enumerate() {
        let same_chip = by_chip[a.accelerator.as_str()].iter().filter(|&&j| {
            let pair = (a.precision, specs[j].precision);
            EQUAL_PAIRS
                .iter()
                .any(|&(x, y)| pair == (x, y) || pair == (y, x))
        });
        // Peaks within a's / SPARSE_RATIO, widened a hair so that rounding cannot drop a pair
        // `looks_doubled` accepts.
        let family_rows = &by_family[&(family(&a.accelerator), a.precision)];
        let lo = family_rows
            .partition_point(|&j| peak(j) < a.dense_peak_tflops / SPARSE_RATIO.1 * (1.0 - 1e-9));
        let hi = family_rows
            .partition_point(|&j| peak(j) <= a.dense_peak_tflops / SPARSE_RATIO.0 * (1.0 + 1e-9));
        let siblings = family_rows[lo..hi.max(lo)]
            .iter()
            .filter(|&&j| specs[j].accelerator != a.accelerator);
        let mut partners: Vec<(usize, bool)> = same_chip
            .map(|&j| (j, true))
            .chain(siblings.map(|&j| (j, false)))
            .collect();
        partners.sort_unstable();
        out.extend(partners.into_iter().filter_map(|(j, same_chip)| {
            looks_doubled(a.dense_peak_tflops, peak(j)).map(|r| (i, j, same_chip, r))
        }));
    }
    out
}

/// Every warning about the checked inputs, in file order.
pub fn check(plan: &RunPlan, dataset: &Dataset) -> Vec<Warning> {
    let acc_file: &Path = &plan.accelerators_path;
    let mut out = Vec::new();
    let specs = &dataset.accelerators;
    let pairs = doubled_pairs(specs);
    let mut pairs = pairs.iter().peekable();
    for (i, a) in specs.iter().enumerate() {
        while let Some(&(_, j, same_chip, ratio)) = pairs.next_if(|p| p.0 == i) {
            let b = &specs[j];
            let other = if same_chip {
                format!(
                    "its {} peak {} (line {})",
                    b.precision.name(),
                    b.dense_peak_tflops,
                    b.line
                )
            } else {
                format!(
                    "the {} {} peak {} (line {})",
                    b.accelerator,
                    b.precision.name(),
                    b.dense_peak_tflops,
                    b.line
                )
            };
            out.push(Warning::LooksSparse {
                file: acc_file.to_path_buf(),
                line: a.line,
                accelerator: a.accelerator.clone(),
                precision: a.precision,
                peak_tflops: a.dense_peak_tflops,
                other,
                ratio,
            });
        }
        let pj_per_flop =
            units::pj_per_mac(a.tdp_w, units::peak_flops_per_s(a.dense_peak_tflops), 1.0);
        if !(PJ_PER_FLOP_BAND.0..=PJ_PER_FLOP_BAND.1).contains(&pj_per_flop) {
            out.push(Warning::EnergyOutsideBand {
                file: acc_file.to_path_buf(),
                line: a.line,
                accelerator: a.accelerator.clone(),
                precision: a.precision,
                pj_per_flop,
            });
        }
    }
    for o in &dataset.observations {
        // Only against a board TDP: a `chip_measured_mean` figure (TPU) is a chip's mean draw,
        // not a cap, and a system measurement with the host's share is well above it (TPU v3:
        // 245-310 W against a 220 W chip mean, Patterson et al. 2021).
        if let (Some(p), PowerBasis::BoardTdp) = (o.power_w_measured, o.power_basis) {
            if p > MEASURED_POWER_WARN_ABOVE_TDP * o.power_w {
                out.push(Warning::MeasuredPowerAboveTdp {
                    file: plan.observations_path.clone(),
                    line: o.line,
                    id: o.id.clone(),
                    power_w_measured: p,
                    tdp_w: o.power_w,
                });
            }
        }
        // A GEMM benchmark legitimately reaches 0.8-0.97 of peak (MAMF table); the threshold is
        // about training runs.
        if o.kind == ObservationKind::Training && o.mfu_high > MFU_WARN_ABOVE {
            out.push(Warning::HighMfu {
                file: plan.observations_path.clone(),
                line: o.line,
                id: o.id.clone(),
                mfu: o.mfu_high,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_stop_at_the_first_numbered_token() {
        assert_eq!(family("h100-sxm"), "h100");
        assert_eq!(family("a100-sxm4-80gb"), "a100");
        assert_eq!(family("tpu-v4"), "tpu-v4");
        assert_eq!(family("gaudi2"), "gaudi2");
        assert_eq!(family("no-digits"), "no-digits");
    }

    #[test]
    fn doubled_means_within_five_percent_of_two() {
        assert!(looks_doubled(1978.9, 989.4).is_some());
        assert!(looks_doubled(989.4, 756.0).is_none());
        assert!(
            looks_doubled(989.4, 1978.9).is_none(),
            "the smaller one is not the suspect"
        );
    }

    /// Every pair of rows tested, as the check did before it was indexed.
    fn doubled_pairs_by_scanning(specs: &[AcceleratorSpec]) -> Vec<(usize, usize, bool, f64)> {
        let mut out = Vec::new();
        for (i, a) in specs.iter().enumerate() {
            for (j, b) in specs.iter().enumerate() {
                let pair = (a.precision, b.precision);
                let same_chip = a.accelerator == b.accelerator
                    && EQUAL_PAIRS
                        .iter()
                        .any(|&(x, y)| pair == (x, y) || pair == (y, x));
                let sibling = a.accelerator != b.accelerator
                    && a.precision == b.precision
                    && family(&a.accelerator) == family(&b.accelerator);
                if same_chip || sibling {
                    if let Some(r) = looks_doubled(a.dense_peak_tflops, b.dense_peak_tflops) {
                        out.push((i, j, same_chip, r));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn indexed_pairs_equal_a_scan_of_every_pair() {
        let precisions = [Precision::Bf16, Precision::Fp16, Precision::Fp8];
        // Few families and peaks on a coarse lattice, so exact ratios 1.9, 2 and 2.1 occur.
        let specs: Vec<AcceleratorSpec> = (0..400u64)
            .map(|i| AcceleratorSpec {
                accelerator: format!("fam{}-v{}", i % 3, (i * 7) % 11),
                vendor: "test".into(),
                node: "4nm".into(),
                year: 2024,
                tdp_w: 700.0,
                power_basis: PowerBasis::BoardTdp,
                precision: precisions[(i as usize / 3) % 3],
                dense_peak_tflops: [100.0, 190.0, 200.0, 210.0, 95.0, 400.0][(i as usize * 13) % 6],
                source: "test".into(),
                line: i + 2,
            })
            .collect();
        let want = doubled_pairs_by_scanning(&specs);
        assert!(
            want.len() > 100,
            "the fixture has pairs to find: {}",
            want.len()
        );
        assert!(want.iter().any(|p| p.2) && want.iter().any(|p| !p.2));
        assert_eq!(doubled_pairs(&specs), want);
    }
}
