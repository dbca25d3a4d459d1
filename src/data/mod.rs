//! The two input datasets, loaded, checked against each other and against the run plan.

pub mod accelerators;
pub mod epoch;
pub mod observations;
pub mod table;
pub mod warnings;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

pub use accelerators::AcceleratorSpec;
pub use observations::MfuObservation;

use crate::config::RunPlan;
use crate::error::{shown, BadValue, InputErrors, Problem, Problems};
use crate::units;

/// Number formats whose energy per MAC is calibrated separately: an FP8 MAC is not a BF16 MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// TensorFloat-32.
    Tf32,
    /// bfloat16.
    Bf16,
    /// IEEE half precision.
    Fp16,
    /// 8-bit floating point; the peak is in TFLOPS.
    Fp8,
    /// 8-bit integer; the peak is in TOPS.
    Int8,
}

impl Precision {
    /// Every precision, from tf32 to int8.
    pub const ALL: [Precision; 5] = [
        Precision::Tf32,
        Precision::Bf16,
        Precision::Fp16,
        Precision::Fp8,
        Precision::Int8,
    ];

    /// The precision's name, as written in the datasets and results (`bf16`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::Tf32 => "tf32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
        }
    }

    /// Parses a dataset's `precision` value (case-insensitive); the error message says what is
    /// accepted.
    pub fn parse(s: &str) -> Result<Precision, BadValue> {
        Precision::ALL
            .into_iter()
            .find(|p| p.name() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                BadValue(if s.is_empty() {
                    "is empty; use one of tf32, bf16, fp16, fp8, int8".to_string()
                } else {
                    format!(
                        "unknown precision '{}'; use one of tf32, bf16, fp16, fp8, int8",
                        shown(s)
                    )
                })
            })
    }

    /// The throughput unit of this precision's peak.
    pub fn throughput_unit(self) -> &'static str {
        match self {
            Precision::Int8 => "TOPS",
            _ => "TFLOPS",
        }
    }
}

/// What the `tdp_w` figure of an accelerator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerBasis {
    /// The board's power limit: a run draws a fraction of it (config `power_fraction`).
    BoardTdp,
    /// A measured mean chip power (Google publishes these for TPUs): already the mean draw,
    /// so the power fraction is not applied.
    ChipMeasuredMean,
}

impl PowerBasis {
    /// The value as written in the `power_basis` column.
    pub fn name(self) -> &'static str {
        match self {
            PowerBasis::BoardTdp => "board_tdp",
            PowerBasis::ChipMeasuredMean => "chip_measured_mean",
        }
    }

    /// An absent or empty `power_basis` column means a board TDP.
    pub fn parse(s: &str) -> Result<PowerBasis, BadValue> {
        match s {
            "" | "board_tdp" => Ok(PowerBasis::BoardTdp),
            "chip_measured_mean" => Ok(PowerBasis::ChipMeasuredMean),
            _ => Err(BadValue(format!(
                "unknown power basis '{}'; use board_tdp or chip_measured_mean",
                shown(s)
            ))),
        }
    }
}

/// What an observation measured: a training run, or a large dense GEMM benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    /// A published training run: its MFU includes the software gap (communication, kernels
    /// below peak, pipeline bubbles), modelled by `model.software_efficiency`.
    #[default]
    Training,
    /// The best sustained throughput of a large dense matmul with random data ("maximum
    /// achievable matmul FLOPS"), as a fraction of the dataset's dense peak. Such a GEMM runs at
    /// the board's power cap with almost no software gap, so it gets its own efficiency and
    /// power fraction (`[model.kinds.matmul_benchmark]`).
    MatmulBenchmark,
}

impl ObservationKind {
    /// Every kind, training first.
    pub const ALL: [ObservationKind; 2] =
        [ObservationKind::Training, ObservationKind::MatmulBenchmark];

    /// The value as written in the `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            ObservationKind::Training => "training",
            ObservationKind::MatmulBenchmark => "matmul_benchmark",
        }
    }

    /// An absent or empty `kind` column means a training run (files written before the
    /// column existed hold only training runs).
    pub fn parse(s: &str) -> Result<ObservationKind, BadValue> {
        match s {
            "" | "training" => Ok(ObservationKind::Training),
            "matmul_benchmark" => Ok(ObservationKind::MatmulBenchmark),
            _ => Err(BadValue(format!(
                "unknown kind '{}'; use training (the default when empty) or matmul_benchmark",
                shown(s)
            ))),
        }
    }
}

/// What a published measured power (`power_w_measured`) includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerCoverage {
    /// The accelerator chip or board alone.
    Chip,
    /// The accelerator plus its share of the host (CPU, memory, NIC, fans), as Patterson et
    /// al. 2021 report it. Above the chip's own draw, so a bound built on it is conservative.
    ChipAndHost,
}

impl PowerCoverage {
    /// The value as written in the `power_measured_covers` column.
    pub fn name(self) -> &'static str {
        match self {
            PowerCoverage::Chip => "chip",
            PowerCoverage::ChipAndHost => "chip_and_host",
        }
    }

    /// Parses the `power_measured_covers` column; the error message says what is accepted.
    pub fn parse(s: &str) -> Result<PowerCoverage, BadValue> {
        match s {
            "chip" => Ok(PowerCoverage::Chip),
            "chip_and_host" => Ok(PowerCoverage::ChipAndHost),
            _ => Err(BadValue(format!(
                "unknown coverage '{}'; use chip or chip_and_host",
                shown(s)
            ))),
        }
    }
}

/// One observation joined with its accelerator: everything the sampler needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// The observation's `id` column.
    pub id: String,
    /// The accelerator's id (`accelerator` column of both files).
    pub accelerator: String,
    /// The accelerator's process node, e.g. `"7nm"`.
    pub node: String,
    /// The precision the MFU was measured at.
    pub precision: Precision,
    /// Lower end of the published MFU, a fraction in (0, 1].
    pub mfu_low: f64,
    /// Upper end of the published MFU, >= `mfu_low` (equal for a point value).
    pub mfu_high: f64,
    /// The accelerator's `tdp_w`, W (board TDP, or measured chip mean per `power_basis`).
    pub power_w: f64,
    /// Whether `power_w` is a board TDP or a measured chip mean.
    pub power_basis: PowerBasis,
    /// The accelerator's dense peak at this precision, FLOP/s (OP/s for int8).
    pub peak_flops_per_s: f64,
    /// The observation's `source` column.
    pub source: String,
    /// Training run or matmul benchmark (column `kind`).
    pub kind: ObservationKind,
    /// Measured mean power per chip during this run, W; where given, the run's power is this
    /// times `model.measured_power_factor` instead of `power_w` times a power fraction.
    pub power_w_measured: Option<f64>,
    /// What `power_w_measured` includes; `Some` exactly when it is given.
    pub power_measured_covers: Option<PowerCoverage>,
    /// Line in the observations file, for messages.
    pub line: u64,
}

impl Observation {
    /// The power the run is modelled at before its uncertain factor, W: the measured mean
    /// where the source publishes one, else the accelerator's figure.
    pub fn modelled_power_w(&self) -> f64 {
        self.power_w_measured.unwrap_or(self.power_w)
    }

    /// The implied energy per MAC, pJ, when every uncertain factor is 1 and MFU is 1:
    /// `P * k / F` with `P` the [`Observation::modelled_power_w`]. Each sample multiplies it by
    /// `u * eta / (m * c)`.
    pub fn pj_per_mac_at_full_utilisation(&self, flops_per_mac: f64) -> f64 {
        units::pj_per_mac(
            self.modelled_power_w(),
            self.peak_flops_per_s,
            flops_per_mac,
        )
    }
}

/// The checked inputs of a run.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Every accelerator row, in file order.
    pub accelerators: Vec<AcceleratorSpec>,
    /// Observations used, in file order.
    pub observations: Vec<Observation>,
    /// Observations kept in the file for the record but left out, with the reason.
    pub excluded: Vec<MfuObservation>,
}

/// Energies at 100 % MFU outside this range (pJ/MAC) cannot be right: they are a unit slip
/// (a peak in FLOP/s rather than TFLOPS, a TDP in mW), and they would leave the range the
/// histograms and the posterior grid represent (2^-20 to 2^20 pJ).
pub const FULL_UTILISATION_PJ_RANGE: (f64, f64) = (1e-4, 1e4);

impl Dataset {
    /// Loads both files and checks them against each other and the plan.
    pub fn load(plan: &RunPlan) -> Result<Dataset, InputErrors> {
        Dataset::load_with_bytes(plan).map(|(dataset, _)| dataset)
    }

    /// [`Dataset::load`], also returning the bytes parsed (accelerators, observations), so
    /// the manifest's checksums describe the version the run used.
    pub fn load_with_bytes(plan: &RunPlan) -> Result<(Dataset, [Vec<u8>; 2]), InputErrors> {
        let mut problems = Problems::default();
        let acc_file = &plan.accelerators_path;
        let obs_file = &plan.observations_path;
        let acc = table::read_file(acc_file, acc_file, &mut problems);
        let accelerators = acc
            .as_deref()
            .map(|b| accelerators::load_bytes(b, acc_file, &mut problems))
            .unwrap_or_default();
        let obs = table::read_file(obs_file, obs_file, &mut problems);
        let raw = obs
            .as_deref()
            .map(|b| observations::load_bytes(b, obs_file, &mut problems))
            .unwrap_or_default();
        let dataset = Dataset::check(plan, accelerators, raw, problems)?;
        Ok((dataset, [acc.unwrap_or_default(), obs.unwrap_or_default()]))
    }

    /// [`Dataset::load`] on the two files' bytes; messages name the plan's paths.
    pub fn from_bytes(
        plan: &RunPlan,
        accelerators: &[u8],
        observations: &[u8],
    ) -> Result<Dataset, InputErrors> {
        let mut problems = Problems::default();
        let accelerators =
            accelerators::load_bytes(accelerators, &plan.accelerators_path, &mut problems);
        let raw = observations::load_bytes(observations, &plan.observations_path, &mut problems);
        Dataset::check(plan, accelerators, raw, problems)
    }

    /// The checks across files: nodes against `[nodes]`, observations against accelerators.
    /// Lookups are hashed, so the cost is linear in the number of rows.
    fn check(
        plan: &RunPlan,
        accelerators: Vec<AcceleratorSpec>,
        raw: Vec<MfuObservation>,
        mut problems: Problems,
    ) -> Result<Dataset, InputErrors> {
        let acc_file = &plan.accelerators_path;
        let obs_file = &plan.observations_path;
        let (lowest, highest) = FULL_UTILISATION_PJ_RANGE;
        let mut missing_nodes: HashSet<&str> = HashSet::new();
        for spec in &accelerators {
            // One message per missing node is enough; the first row that uses it carries it.
            if plan.node_scale(&spec.node).is_none() && missing_nodes.insert(&spec.node) {
                problems.push(Problem::column(
                    acc_file,
                    spec.line,
                    "node",
                    format!(
                        "node '{}' has no entry in the config's [nodes] ({}); add \"{}\" = {{ dist = ... }} there",
                        shown(&spec.node),
                        plan.config_path.display(),
                        shown(&spec.node)
                    ),
                ));
            }
            let full = units::pj_per_mac(
                spec.tdp_w,
                units::peak_flops_per_s(spec.dense_peak_tflops),
                plan.flops_per_mac,
            );
            if !(lowest..=highest).contains(&full) {
                problems.push(Problem::column(
                    acc_file,
                    spec.line,
                    "dense_peak_tflops",
                    format!(
                        "{} W at {} {} implies {} pJ/MAC at 100 % MFU, outside {lowest} to {highest}; \
                         check the units (tdp_w in watts, dense_peak_tflops in TFLOPS)",
                        spec.tdp_w,
                        spec.dense_peak_tflops,
                        spec.precision.throughput_unit(),
                        crate::fmt::number(full)
                    ),
                ));
            }
        }

        // Accelerator id -> its row at each precision (indexed like `Precision::ALL`).
        let mut by_id: HashMap<&str, [Option<usize>; 5]> = HashMap::new();
        for (i, spec) in accelerators.iter().enumerate() {
            by_id.entry(&spec.accelerator).or_default()[spec.precision as usize] = Some(i);
        }
        let mut observations = Vec::new();
        let mut excluded = Vec::new();
        for obs in raw {
            let Some(rows) = by_id.get(obs.accelerator.as_str()) else {
                if !accelerators.is_empty() {
                    problems.push(Problem::column(
                        obs_file,
                        obs.line,
                        "accelerator",
                        format!(
                            "unknown accelerator '{}'; add it to {} or fix the id{}",
                            shown(&obs.accelerator),
                            acc_file.display(),
                            crate::suggest::did_you_mean(
                                &obs.accelerator,
                                accelerators.iter().map(|a| a.accelerator.as_str())
                            )
                        ),
                    ));
                }
                continue;
            };
            if obs.exclude.is_some() {
                excluded.push(obs);
                continue;
            }
            let Some(spec) = rows[obs.precision as usize].map(|i| &accelerators[i]) else {
                problems.push(Problem::column(
                    obs_file,
                    obs.line,
                    "precision",
                    format!(
                        "accelerator '{}' has no {} row in {}; add its dense {} peak there or fix the precision",
                        shown(&obs.accelerator),
                        obs.precision.name(),
                        acc_file.display(),
                        obs.precision.name()
                    ),
                ));
                continue;
            };
            observations.push(Observation {
                id: obs.id,
                accelerator: obs.accelerator,
                node: spec.node.clone(),
                precision: obs.precision,
                mfu_low: obs.mfu_low,
                mfu_high: obs.mfu_high,
                power_w: spec.tdp_w,
                power_basis: spec.power_basis,
                peak_flops_per_s: units::peak_flops_per_s(spec.dense_peak_tflops),
                source: obs.source,
                kind: obs.kind,
                power_w_measured: obs.power_w_measured,
                power_measured_covers: obs.power_measured_covers,
                line: obs.line,
            });
        }
        if problems.is_empty() && observations.is_empty() {
            problems.push(Problem::at(
                obs_file,
                None,
                "has no observation to calibrate on (every row is excluded); add a row with an empty exclude column",
            ));
        }
        problems.finish(Dataset {
            accelerators,
            observations,
            excluded,
        })
    }

    /// The accelerator row with this id and precision, if any.
    pub fn accelerator(&self, id: &str, precision: Precision) -> Option<&AcceleratorSpec> {
        self.accelerators
            .iter()
            .find(|a| a.accelerator == id && a.precision == precision)
    }
}
