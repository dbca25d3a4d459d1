//! The config file as written: only parsed, never interpreted.
//!
//! `deny_unknown_fields` everywhere, so a misspelt key is an error, not a silently ignored
//! setting. Values that need checking keep their byte span so errors can name the line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::dist::DistSpec;

/// The whole config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Output folder name; defaults to the config file's stem.
    pub name: Option<Spanned<String>>,
    pub data: RawData,
    #[serde(default)]
    pub sampling: RawSampling,
    #[serde(default)]
    pub units: RawUnits,
    #[serde(default)]
    pub model: RawModel,
    /// Energy at a node divided by energy at the reference node.
    #[serde(default)]
    pub nodes: BTreeMap<String, Spanned<DistSpec>>,
}

/// `[data]`: dataset paths, relative to the config file's folder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawData {
    pub accelerators: Spanned<String>,
    pub observations: Spanned<String>,
}

/// `[sampling]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSampling {
    pub samples_per_observation: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub quantiles: Option<Spanned<Vec<f64>>>,
}

/// `[units]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnits {
    pub flops_per_mac: Option<Spanned<f64>>,
}

/// `[model]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub methods: Option<Spanned<Vec<String>>>,
    pub reference_node: Option<Spanned<String>>,
    pub prior: Option<Spanned<DistSpec>>,
    pub power_fraction: Option<Spanned<DistSpec>>,
    pub peak_factor: Option<Spanned<DistSpec>>,
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
    #[serde(default)]
    pub matmul_benchmark: RawKind,
}

/// `[model.kinds.matmul_benchmark]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKind {
    pub software_efficiency: Option<Spanned<DistSpec>>,
    pub power_fraction: Option<Spanned<DistSpec>>,
}
