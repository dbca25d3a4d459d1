//! The typed run plan: every setting checked, every path resolved, every choice an enum.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::raw::RawConfig;
use crate::dist::Dist;
use crate::error::{cut, BadValue, Field, InputErrors, Problem};
use crate::fmt::Short;

/// Refuse more samples per observation than this: at about 1e8 samples/s it is already
/// 1000 s per observation, and the 64-bit histogram counts stay far from overflow.
pub const MAX_SAMPLES_PER_OBSERVATION: u64 = 100_000_000_000;

/// Default of `sampling.samples_per_observation`.
pub const DEFAULT_SAMPLES_PER_OBSERVATION: u64 = 1_000_000;
/// Default of `sampling.seed`.
pub const DEFAULT_SEED: u64 = 20251205;
/// Default of `sampling.quantiles`.
pub const DEFAULT_QUANTILES: [f64; 7] = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975];

/// How observations turn into a posterior of the energy per MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The MFU inequality: the true energy cannot exceed any observation's implied energy.
    Bound,
    /// The seed's calibrated model: MFU = software efficiency x physics limit.
    Efficiency,
    /// The hierarchical stochastic frontier: runs sit below their chip's physics limit by a
    /// one-sided inefficiency whose law is learned with the energies ([`crate::posterior::frontier`]).
    Frontier,
}

impl Method {
    /// The method's name, as written in `model.methods` and in the `method` column of the results.
    pub fn name(self) -> &'static str {
        match self {
            Method::Bound => "bound",
            Method::Efficiency => "efficiency",
            Method::Frontier => "frontier",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Method> {
        match s {
            "bound" => Some(Method::Bound),
            "efficiency" => Some(Method::Efficiency),
            "frontier" => Some(Method::Frontier),
            _ => None,
        }
    }
}

/// A reported quantile: its level and its column label (`q0.025`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileLevel {
    /// The level, in (0, 1).
    pub p: f64,
    /// The column label: `q` followed by the level as written (`q0.025`).
    pub label: String,
}

/// One `[nodes]` entry: energy at `node` / energy at the reference node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeScale {
    /// The node's name as written in `[nodes]` and the datasets, e.g. `"7nm"`.
    pub node: String,
    /// Energy per MAC at this node / energy per MAC at the reference node (dimensionless, > 0).
    pub scale: Dist,
}

/// `outputs.observation_sensitivity`: which runs write one observation's Sobol indices in
/// `sensitivity.csv` (10 rows per observation and method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationSensitivity {
    /// Up to [`ObservationSensitivity::AUTO_MAX_OBSERVATIONS`] observations: a table a
    /// person opens (about 1 MB); above, none (100,000 observations wrote 233 MB).
    Auto,
    /// Every observation, whatever their number.
    All,
    /// None: `sensitivity.csv` keeps the groups' rows and the prior sensitivity.
    None,
}

impl ObservationSensitivity {
    /// Most observations `auto` writes rows for.
    pub const AUTO_MAX_OBSERVATIONS: usize = 1000;

    /// Whether a run of `observations` observations computes and writes their rows.
    pub fn covers(self, observations: usize) -> bool {
        match self {
            ObservationSensitivity::Auto => observations <= Self::AUTO_MAX_OBSERVATIONS,
            ObservationSensitivity::All => true,
            ObservationSensitivity::None => false,
        }
    }
}

#[cfg(test)]
mod observation_sensitivity_tests {
    use super::ObservationSensitivity::{self, All, Auto, None};

    #[test]
    fn auto_covers_up_to_the_limit_all_always_none_never() {
        let max = ObservationSensitivity::AUTO_MAX_OBSERVATIONS;
        assert!(Auto.covers(max) && !Auto.covers(max + 1));
        assert!(All.covers(max + 1) && All.covers(0));
        assert!(!None.covers(1));
    }
}

/// Command-line settings that override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--samples`: replaces `sampling.samples_per_observation`.
    pub samples_per_observation: Option<u64>,
    /// `--seed`: replaces `sampling.seed`.
    pub seed: Option<u64>,
}

/// The model of one non-training observation kind (`[model.kinds.NAME]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindModel {
    /// MFU / physics limit for observations of this kind (method `efficiency`).
    pub software_efficiency: Dist,
    /// Mean board power during the observation / TDP (both methods).
    pub power_fraction: Dist,
}

/// Everything a run needs, checked.
#[derive(Debug, Clone, Serialize)]
pub struct RunPlan {
    /// Output folder name (`name` in the config; defaults to the config file's stem): results go to
    /// `results/<name>`.
    pub name: String,
    /// Path of the config file the plan was read from, [`normalize`]d; messages name it.
    pub config_path: PathBuf,
    /// `data.accelerators`: path of the accelerators CSV, resolved against the config file's
    /// folder and [`normalize`]d.
    pub accelerators_path: PathBuf,
    /// `data.observations`: path of the MFU observations CSV, resolved against the config
    /// file's folder and [`normalize`]d.
    pub observations_path: PathBuf,
    /// `sampling.samples_per_observation` (or `--samples`): Monte Carlo samples per observation,
    /// from 1 to [`MAX_SAMPLES_PER_OBSERVATION`]; default [`DEFAULT_SAMPLES_PER_OBSERVATION`].
    pub samples_per_observation: u64,
    /// `sampling.seed` (or `--seed`): the random seed, any `u64`; default [`DEFAULT_SEED`].
    pub seed: u64,
    /// `sampling.quantiles`: the reported quantile levels, strictly increasing, each in (0, 1);
    /// default [`DEFAULT_QUANTILES`].
    pub quantiles: Vec<QuantileLevel>,
    /// `units.flops_per_mac`: FLOPs per multiply-accumulate, in [`FLOPS_PER_MAC_RANGE`]; default 2
    /// (vendor convention), 1 reproduces the seed analysis (per FLOP).
    pub flops_per_mac: f64,
    /// `model.methods`: the methods to compute, in the order written, no duplicates; default
    /// frontier then bound.
    pub methods: Vec<Method>,
    /// `model.reference_node`: node of the pooled rows (default `"4nm"`); its `[nodes]` scale is
    /// fixed 1.
    pub reference_node: String,
    /// `model.prior`: prior of the energy per MAC at every node, pJ/MAC (methods `frontier` and
    /// `efficiency`; `bound` has none). Default log-uniform(0.01, 100) when the key is absent (as `configs/default.toml` sets it).
    pub prior: Dist,
    /// `model.power_fraction`: mean board power during a training run / TDP, support in (0, 1];
    /// default uniform(0.85, 1).
    pub power_fraction: Dist,
    /// `model.peak_factor`: peak the published MFU was computed against / the dataset's dense
    /// peak, > 0; default fixed 1.
    pub peak_factor: Dist,
    /// `model.software_efficiency`: MFU / physics limit of a training run, support in (0, 1];
    /// method `efficiency` only; default uniform(0.80, 0.95).
    pub software_efficiency: Dist,
    /// `[model.kinds.matmul_benchmark]`: the model of `matmul_benchmark` observations.
    pub benchmark: KindModel,
    /// `model.measured_power_factor`: an observation's true mean power / its published
    /// `power_w_measured`, > 0: the measurement's uncertainty (meter accuracy, what part of the
    /// run was averaged). Default uniform(0.95, 1.05).
    pub measured_power_factor: Dist,
    /// `[model.frontier]`: the frontier method's priors; every key has a default.
    pub frontier: super::FrontierPriors,
    /// `[nodes]`: each node's energy scale against the reference node, sorted by node size
    /// (`3nm` before `12nm`). Every node in the datasets needs one.
    pub nodes: Vec<NodeScale>,
    /// `outputs.observation_sensitivity` (default `auto`): which runs write per-observation
    /// Sobol rows.
    pub observation_sensitivity: ObservationSensitivity,
}

impl Serialize for Dist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.spec().serialize(s)
    }
}

impl RunPlan {
    /// The `[nodes]` scale of `node` (energy at the node / at the reference node), if it has one.
    pub fn node_scale(&self, node: &str) -> Option<&Dist> {
        self.nodes.iter().find(|n| n.node == node).map(|n| &n.scale)
    }

    /// Whether the sampler must keep its batches apart: only the `efficiency` method's
    /// standard errors come from batch means (the frontier and the bound are quadratures with
    /// no Monte Carlo error), so without it each observation keeps one set of histograms.
    pub fn needs_batch_means(&self) -> bool {
        self.methods.contains(&Method::Efficiency)
    }
}

/// Reads, parses and resolves a config file.
pub fn load(config_path: &Path, overrides: &Overrides) -> Result<RunPlan, InputErrors> {
    load_with_bytes(config_path, overrides).map(|(plan, _)| plan)
}

/// [`load`], also returning the bytes it parsed (for the manifest's checksum: the version
/// the run used, even if the file changes afterwards).
pub fn load_with_bytes(
    config_path: &Path,
    overrides: &Overrides,
) -> Result<(RunPlan, Vec<u8>), InputErrors> {
    use crate::input::{read_input, InputError};
    let file = normalize(config_path);
    match read_input(config_path) {
        Ok(bytes) => from_bytes(&bytes, &file, overrides).map(|plan| (plan, bytes)),
        Err(e) => {
            let why = match e {
                InputError::Folder => {
                    "is a folder, not a config file; pass the .toml file with --config".to_string()
                }
                InputError::Io(e) | InputError::Missing(e) => {
                    format!("cannot read the config file: {e}")
                }
                e => e.to_string(),
            };
            Err(InputErrors(vec![Problem::at(&file, None, why)]))
        }
    }
}

/// [`load`] on the file's bytes: parses and resolves them. `file` is the config's path (paths
/// in it are relative to its folder, messages name it).
pub fn from_bytes(
    bytes: &[u8],
    file: &Path,
    overrides: &Overrides,
) -> Result<RunPlan, InputErrors> {
    // A byte-order mark, as Windows editors write, is not part of the TOML.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            return Err(InputErrors(vec![Problem::at(
                file,
                Some(line),
                "is not valid UTF-8; save the file as UTF-8",
            )]));
        }
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start);
        let (line, col) = line_col(text, start);
        // A value of the wrong type is named by its key, as the resolver's problems are.
        let field = match e.span().and_then(|s| key_at(text, s.start)) {
            Some(key) => Field::Key(key),
            None => Field::Char(col),
        };
        InputErrors(vec![Problem::new(
            file,
            Some(line),
            Some(field),
            cut(e.message().trim(), 400).into_owned(),
        )])
    })?;
    super::resolve::resolve(raw, text, file, overrides)
}

/// FLOPs per MAC accepted, from the config or the command line: 2 by the vendors' count, 1
/// for the seed analysis; outside this range a value is a slip, and far outside it makes
/// every energy 0 or infinite.
pub const FLOPS_PER_MAC_RANGE: (f64, f64) = (0.5, 8.0);

/// Checks a FLOPs-per-MAC value, wherever it comes from.
pub fn check_flops_per_mac(k: f64) -> Result<f64, BadValue> {
    let (lo, hi) = FLOPS_PER_MAC_RANGE;
    if k.is_finite() && (lo..=hi).contains(&k) {
        return Ok(k);
    }
    let what = if k.is_finite() && k > 0.0 {
        format!(
            "{} is out of range; use a number from {lo} to {hi}",
            Short(k)
        )
    } else {
        format!("{} must be a positive number from {lo} to {hi}", Short(k))
    };
    Err(BadValue(format!(
        "{what} (2 counts a MAC as a multiply and an add; 1 reproduces the seed analysis)"
    )))
}

pub(super) fn check_samples(n: i64) -> Result<u64, String> {
    match u64::try_from(n) {
        Ok(n) if (1..=MAX_SAMPLES_PER_OBSERVATION).contains(&n) => Ok(n),
        _ => Err(format!(
            "{n} is out of range; use a whole number from 1 to {MAX_SAMPLES_PER_OBSERVATION}"
        )),
    }
}

pub(super) fn check_quantiles(levels: &[f64]) -> Result<Vec<QuantileLevel>, String> {
    if levels.is_empty() {
        return Err("is empty; list the quantile levels to report, e.g. [0.05, 0.5, 0.95]".into());
    }
    for &p in levels {
        if !(p > 0.0 && p < 1.0) {
            return Err(format!(
                "{p} is outside (0, 1); quantile levels are fractions, e.g. 0.975 not 97.5"
            ));
        }
    }
    for w in levels.windows(2) {
        if w[1] <= w[0] {
            return Err(format!(
                "{} after {} : list levels in increasing order without repeats",
                w[1], w[0]
            ));
        }
    }
    Ok(levels
        .iter()
        .map(|&p| QuantileLevel {
            p,
            label: format!("q{p}"),
        })
        .collect())
}

/// Orders node names by their leading number (`3nm` < `12nm`), then by name.
pub fn node_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn leading(s: &str) -> f64 {
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        s[..end].parse().unwrap_or(f64::INFINITY)
    }
    leading(a).total_cmp(&leading(b)).then_with(|| a.cmp(b))
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> u64 {
    line_col(text, offset).0
}

/// The dotted key whose value starts at `offset` (`sampling.seed`, `nodes."7nm".sigma`),
/// read from the text: the last `[table]` header above it and the `key =` before it on its
/// line. `None` when the offset is not in a value (a syntax error, an unknown key).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let (outer, rest) = before[line_start..].split_once('=')?;
    let mut key = outer.trim().to_string();
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    // Inside an inline table, the innermost `name =` before the value.
    if rest.contains('{') {
        if let Some((left, _)) = rest.rsplit_once('=') {
            let inner = left.rsplit([',', '{']).next().unwrap_or("").trim();
            if !inner.is_empty() {
                key = format!("{key}.{inner}");
            }
        }
    }
    let table = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key,
    })
}

fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u64
        + 1;
    (line, col)
}

/// Removes `.` and `name/..` pairs so messages show `datasets/x.csv`, not
/// `configs/../datasets/x.csv`. Lexical only: symbolic links are not followed.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_sort_by_size() {
        let mut v = vec!["12nm", "3nm", "7nm", "4nm", "16nm"];
        v.sort_by(|a, b| node_order(a, b));
        assert_eq!(v, ["3nm", "4nm", "7nm", "12nm", "16nm"]);
    }

    #[test]
    fn normalize_removes_parent_steps() {
        assert_eq!(
            normalize(Path::new("configs/../datasets/a.csv")),
            PathBuf::from("datasets/a.csv")
        );
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
    }

    #[test]
    fn quantile_labels_follow_the_config() {
        let q = check_quantiles(&[0.025, 0.5]).unwrap();
        assert_eq!(q[0].label, "q0.025");
        assert_eq!(q[1].label, "q0.5");
        assert!(check_quantiles(&[0.5, 0.5]).is_err());
        assert!(check_quantiles(&[97.5]).is_err());
    }
}
