//! The config file as written: only parsed, never interpreted.
//!
//! `deny_unknown_fields` everywhere, so a misspelt key is an error, not a silently ignored
//! setting. Values that need checking keep their byte span so errors can name the line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::dist::DistSpec;

/// The whole config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Output folder name; defaults to the config file's stem.
    pub name: Option<Spanned<String>>,
    /// `[data]`: the dataset paths (required).
    pub data: RawData,
    /// `[sampling]`: sample count, seed and reported quantiles.
    #[serde(default)]
    pub sampling: RawSampling,
    /// `[units]`: FLOPs per MAC.
    #[serde(default)]
    pub units: RawUnits,
    /// `[model]`: methods, reference node and the model's input laws.
    #[serde(default)]
    pub model: RawModel,
    /// `[outputs]`: which optional results are written.
    #[serde(default)]
    pub outputs: RawOutputs,
    /// Energy at a node divided by energy at the reference node.
    #[serde(default)]
    pub nodes: BTreeMap<String, Spanned<DistSpec>>,
}

/// `[data]`: dataset paths, relative to the config file's folder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawData {
    /// `data.accelerators`: path of the accelerators CSV.
    pub accelerators: Spanned<String>,
    /// `data.observations`: path of the MFU observations CSV.
    pub observations: Spanned<String>,
}

/// `[sampling]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSampling {
    /// `sampling.samples_per_observation`: Monte Carlo samples per observation; signed so a
    /// negative value is reported, not a parse error.
    pub samples_per_observation: Option<Spanned<i64>>,
    /// `sampling.seed`: the random seed, as an integer or a quoted integer.
    pub seed: Option<Spanned<RawSeed>>,
    /// `sampling.quantiles`: the quantile levels to report.
    pub quantiles: Option<Spanned<Vec<f64>>>,
}

/// `[outputs]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutputs {
    /// `"auto"`, `"all"` or `"none"`.
    pub observation_sensitivity: Option<Spanned<String>>,
}

/// `[units]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnits {
    /// `units.flops_per_mac`: FLOPs counted per multiply-accumulate.
    pub flops_per_mac: Option<Spanned<f64>>,
}

/// `[model]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// `model.methods`: method names (`frontier`, `bound`, `efficiency`).
    pub methods: Option<Spanned<Vec<String>>>,
    /// `model.reference_node`: the node of the pooled rows, e.g. `"4nm"`.
    pub reference_node: Option<Spanned<String>>,
    /// `model.prior`: prior of the energy per MAC at every node, pJ/MAC.
    pub prior: Option<Spanned<DistSpec>>,
    /// `model.power_fraction`: mean board power during a run / TDP.
    pub power_fraction: Option<Spanned<DistSpec>>,
    /// `model.peak_factor`: peak the MFU was computed against / the dataset's peak.
    pub peak_factor: Option<Spanned<DistSpec>>,
    /// `model.software_efficiency`: MFU / physics limit (method `efficiency`).
    pub software_efficiency: Option<Spanned<DistSpec>>,
    /// A run's true mean power / its published measured mean power.
    pub measured_power_factor: Option<Spanned<DistSpec>>,
    /// `[model.kinds.*]`: settings of observation kinds other than training.
    #[serde(default)]
    pub kinds: RawKinds,
    /// `[model.frontier]`: priors of the frontier method.
    pub frontier: Option<super::frontier::RawFrontier>,
}

/// `[model.kinds]`: one table per non-training observation kind.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKinds {
    /// `[model.kinds.matmul_benchmark]`: observations of kind `matmul_benchmark`.
    #[serde(default)]
    pub matmul_benchmark: RawKind,
}

/// `[model.kinds.matmul_benchmark]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKind {
    /// `software_efficiency`: MFU / physics limit for this kind (method `efficiency`).
    pub software_efficiency: Option<Spanned<DistSpec>>,
    /// `power_fraction`: mean board power during the observation / TDP.
    pub power_fraction: Option<Spanned<DistSpec>>,
}

/// `sampling.seed`: any u64, as `--seed` takes. TOML integers stop at i64::MAX, so larger
/// seeds are written in quotes (`seed = "18446744073709551615"`); both forms are read here
/// and checked by the resolver.
#[derive(Debug, Clone, PartialEq)]
pub enum RawSeed {
    /// Written as a TOML integer (up to `i64::MAX`, possibly negative: rejected later).
    Int(i64),
    /// Written as a string, or an integer above `i64::MAX`.
    Text(String),
}

impl<'de> Deserialize<'de> for RawSeed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seed;
        impl serde::de::Visitor<'_> for Seed {
            type Value = RawSeed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number from 0 to 18446744073709551615 (in quotes above 9223372036854775807)")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawSeed, E> {
                Ok(RawSeed::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawSeed, E> {
                Ok(RawSeed::Text(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawSeed, E> {
                Ok(RawSeed::Text(v.to_string()))
            }
        }
        d.deserialize_any(Seed)
    }
}
