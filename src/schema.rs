//! The results folder's schema, spelled once: every file name and every column a writer
//! writes and a reader ([`crate::compare`], `mfucal show`) reads. Renaming a column here
//! renames it on both sides; a reader that names a column by hand is a bug.
//!
//! Quantile columns are the plan's level labels (`q0.05`, `q0.5`, ...), and `mcse_` + a label
//! for their Monte Carlo standard errors ([`mcse_column`]).

/// Every file a results or shard folder may hold, and nothing else: a folder holding only these (and
/// an mfucal manifest) is mfucal's to replace ([`crate::output::folder`]).
pub mod files {
    /// Posterior quantiles per method, node and precision.
    pub const QUANTILES: &str = "quantiles.csv";
    /// Each observation's bound and, with the frontier, its software efficiency.
    pub const OBSERVATIONS: &str = "observations.csv";
    /// Each accelerator's energy, physics limit and sustainable throughput.
    pub const ACCELERATORS: &str = "accelerators.csv";
    /// Sobol indices and prior sensitivity.
    pub const SENSITIVITY: &str = "sensitivity.csv";
    /// Posterior predictive checks.
    pub const PPC: &str = "ppc.csv";
    /// The frontier's hyperparameter posteriors.
    pub const HYPERPARAMETERS: &str = "hyperparameters.csv";
    /// Inputs, their hashes, the resolved config and the run's facts.
    pub const MANIFEST: &str = "manifest.json";
    /// The quotable answer for people.
    pub const SUMMARY: &str = "summary.md";
    /// Posterior densities per node.
    pub const POSTERIOR_SVG: &str = "posterior.svg";
    /// Every observation's bound.
    pub const OBSERVATIONS_SVG: &str = "observations.svg";
    /// pJ/MAC against process node, with the references.
    pub const NODES_SVG: &str = "nodes.svg";
    /// Threads, run time and speed: kept out of the manifest so that regenerating unchanged
    /// inputs leaves the committed results unchanged (git-ignored).
    pub const TIMING: &str = "timing.json";
    /// A shard's sampler state (`run --shard K/N`), which `mfucal merge` adds up.
    pub const STATE: &str = "state.bin";

    /// Every file above.
    pub const ALL: &[&str] = &[
        QUANTILES,
        OBSERVATIONS,
        ACCELERATORS,
        SENSITIVITY,
        PPC,
        HYPERPARAMETERS,
        MANIFEST,
        SUMMARY,
        POSTERIOR_SVG,
        OBSERVATIONS_SVG,
        NODES_SVG,
        TIMING,
        STATE,
    ];
}

/// Columns shared by several tables.
pub mod columns {
    /// The method (`frontier`, `bound`, `efficiency`).
    pub const METHOD: &str = "method";
    /// Process node, as in the datasets (`4nm`).
    pub const NODE: &str = "node";
    /// Numeric precision (`bf16`).
    pub const PRECISION: &str = "precision";
    /// `observed`, `pooled` or `scaled`.
    pub const BASIS: &str = "basis";
    /// Unit of the row's numbers.
    pub const UNIT: &str = "unit";
    /// Observations at the row's node (0 where the row is scaled from the pooled one).
    pub const N_OBSERVATIONS: &str = "n_observations";
    /// Observations the row's posterior is built from (the pooled ones for a scaled row).
    pub const N_OBSERVATIONS_USED: &str = "n_observations_used";
    /// Monte Carlo samples behind the row.
    pub const SAMPLES: &str = "samples";
    /// Posterior mean.
    pub const MEAN: &str = "mean";
    /// Posterior standard deviation.
    pub const SD: &str = "sd";
    /// `ok`, or why the row has no numbers.
    pub const STATUS: &str = "status";
    /// Observation id.
    pub const ID: &str = "id";
    /// Accelerator id.
    pub const ACCELERATOR: &str = "accelerator";
    /// Lower end of the published MFU range.
    pub const MFU_LOW: &str = "mfu_low";
    /// Upper end of the published MFU range.
    pub const MFU_HIGH: &str = "mfu_high";
    /// `training` or `matmul_benchmark`.
    pub const KIND: &str = "kind";
    /// What an `accelerators.csv` row reports.
    pub const QUANTITY: &str = "quantity";
}

/// `quantiles.csv`'s columns before the quantiles; then the quantile columns, their MCSE
/// columns and [`columns::STATUS`].
pub const QUANTILES_LEADING: [&str; 10] = {
    use columns::*;
    [
        METHOD,
        NODE,
        PRECISION,
        BASIS,
        UNIT,
        N_OBSERVATIONS,
        N_OBSERVATIONS_USED,
        SAMPLES,
        MEAN,
        SD,
    ]
};

/// `observations.csv`'s columns before the quantiles; then the quantile columns,
/// [`columns::KIND`] and, with the frontier, [`FRONTIER_OBSERVATION_COLUMNS`].
pub const OBSERVATIONS_LEADING: [&str; 10] = {
    use columns::*;
    [
        ID,
        ACCELERATOR,
        NODE,
        PRECISION,
        MFU_LOW,
        MFU_HIGH,
        UNIT,
        SAMPLES,
        MEAN,
        SD,
    ]
};

/// The frontier's columns of `observations.csv`: the run's posterior software efficiency
/// `m_i / L_i` (how close it came to its chip's physics limit; median and 90 % interval) and
/// the posterior probability that its published MFU is mislabelled.
pub const FRONTIER_OBSERVATION_COLUMNS: [&str; 4] = [
    "frontier_efficiency_q0.05",
    "frontier_efficiency_q0.5",
    "frontier_efficiency_q0.95",
    "frontier_p_mislabelled",
];

/// `accelerators.csv`'s columns before the quantiles; then the quantile columns and
/// [`columns::STATUS`].
pub const ACCELERATORS_LEADING: [&str; 6] = {
    use columns::*;
    [METHOD, ACCELERATOR, NODE, PRECISION, QUANTITY, UNIT]
};

/// The column of a quantile's Monte Carlo standard error.
pub fn mcse_column(label: &str) -> String {
    format!("mcse_{label}")
}
