//! The config as written ([`super::raw`]) resolved into a checked [`RunPlan`], one section at
//! a time: [`sampling`], [`model`] (units, methods, laws, frontier priors), [`nodes`] and
//! [`outputs`]. Every problem is collected, located by the byte span of its value, so one
//! `mfucal validate` lists everything to fix; sections run in the file's order, so the
//! problems come out in it too.

use std::path::Path;

use toml::Spanned;

use super::plan::{line_of, normalize, Overrides, RunPlan};
use super::raw::RawConfig;
use crate::dist::{Dist, DistSpec, Quantity};
use crate::error::{shown, Field, InputErrors, Problem, Problems};

mod model;
mod nodes;
mod outputs;
mod sampling;

/// Turns a parsed config into a plan, collecting every problem.
pub(super) fn resolve(
    raw: RawConfig,
    text: &str,
    file: &Path,
    overrides: &Overrides,
) -> Result<RunPlan, InputErrors> {
    let mut found = Found {
        file,
        text,
        problems: Problems::default(),
    };
    let folder = file.parent().unwrap_or(Path::new(""));
    let name = match &raw.name {
        // `.` and `..` name the folder itself or its parent, never a results folder.
        Some(n)
            if n.get_ref().trim().is_empty()
                || n.get_ref().contains(['/', '\\'])
                || matches!(n.get_ref().trim(), "." | "..") =>
        {
            found.key(
                Some(n.span()),
                "name",
                format!(
                    "'{}' is not a folder name; use letters, digits, '-' or '_'",
                    shown(n.get_ref())
                ),
            );
            String::new()
        }
        Some(n) => n.get_ref().clone(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "default".into()),
    };

    let sampling = sampling::resolve(&raw.sampling, overrides, &mut found);
    let model = model::resolve(&raw.model, &raw.units, &mut found);
    let (nodes, reference_node) = nodes::resolve(&raw.nodes, &raw.model.reference_node, &mut found);
    let observation_sensitivity = outputs::resolve(&raw.outputs, &mut found);

    let plan = RunPlan {
        name,
        config_path: file.to_path_buf(),
        accelerators_path: normalize(&folder.join(raw.data.accelerators.get_ref())),
        observations_path: normalize(&folder.join(raw.data.observations.get_ref())),
        samples_per_observation: sampling.samples,
        seed: sampling.seed,
        quantiles: sampling.quantiles,
        flops_per_mac: model.flops_per_mac,
        methods: model.methods,
        reference_node,
        prior: model.prior,
        power_fraction: model.power_fraction,
        peak_factor: model.peak_factor,
        software_efficiency: model.software_efficiency,
        benchmark: model.benchmark,
        measured_power_factor: model.measured_power_factor,
        frontier: model.frontier,
        nodes,
        observation_sensitivity,
    };
    found.problems.finish(plan)
}

/// Problems found while resolving, located by the byte spans of their values.
struct Found<'a> {
    file: &'a Path,
    text: &'a str,
    problems: Problems,
}

impl Found<'_> {
    fn key(&mut self, span: Option<std::ops::Range<usize>>, key: &str, message: String) {
        let line = span.map(|s| line_of(self.text, s.start));
        self.problems.push(Problem::new(
            self.file,
            line,
            Some(Field::Key(key.to_string())),
            message,
        ));
    }
}

impl Found<'_> {
    /// The law at `key` (or `default` when the key is absent), checked against `quantity`'s
    /// valid range; a problem at the key's line otherwise (and a placeholder law).
    fn dist(
        &mut self,
        spec: &Option<Spanned<DistSpec>>,
        key: &str,
        default: DistSpec,
        quantity: Quantity,
    ) -> Dist {
        let (spec_value, span) = match spec {
            Some(s) => (*s.get_ref(), Some(s.span())),
            None => (default, None),
        };
        spec_value.resolve(quantity).unwrap_or_else(|m| {
            self.key(span, key, m.into());
            Dist::fixed(1.0)
        })
    }
}
