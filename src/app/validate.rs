//! `mfucal validate`: check the config and datasets without sampling.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;

use crate::config::{self, plan::node_order, Overrides};
use crate::data::{warnings, Dataset};

/// Checks everything a run would check; returns a one-screen summary.
pub fn validate(config_path: &Path) -> Result<String> {
    let plan = config::load(config_path, &Overrides::default())?;
    let dataset = Dataset::load(&plan)?;
    let mut s = String::new();
    let ids: std::collections::BTreeSet<&str> = dataset
        .accelerators
        .iter()
        .map(|a| a.accelerator.as_str())
        .collect();
    let _ = writeln!(
        s,
        "{}: {} accelerators ({} accelerator x precision rows)",
        plan.accelerators_path.display(),
        ids.len(),
        dataset.accelerators.len()
    );
    let _ = writeln!(
        s,
        "{}: {} observations used, {} excluded",
        plan.observations_path.display(),
        dataset.observations.len(),
        dataset.excluded.len()
    );
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for o in &dataset.observations {
        *counts
            .entry((o.node.clone(), o.precision.name()))
            .or_default() += 1;
    }
    let mut keys: Vec<_> = counts.into_iter().collect();
    keys.sort_by(|a, b| node_order(&a.0 .0, &b.0 .0).then(a.0 .1.cmp(b.0 .1)));
    let _ = writeln!(s, "observations per node and precision:");
    for ((node, precision), n) in keys {
        let _ = writeln!(s, "  {node:<6} {precision:<5} {n:>3}");
    }
    for o in &dataset.excluded {
        let _ = writeln!(
            s,
            "excluded {} (line {}): {}",
            o.id,
            o.line,
            o.exclude.as_deref().unwrap_or_default()
        );
    }
    let found = warnings::check(&plan, &dataset);
    for w in &found {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(
        s,
        "{}: ok ({} methods, reference node {}){}",
        plan.config_path.display(),
        plan.methods.len(),
        plan.reference_node,
        match found.len() {
            0 => String::new(),
            1 => "; 1 warning above".into(),
            n => format!("; {n} warnings above"),
        }
    );
    Ok(s)
}
