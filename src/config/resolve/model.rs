//! `[units]` and `[model]`: FLOPs per MAC, the methods, the uncertain inputs' laws, the
//! matmul benchmarks' model and the frontier's priors. Each default says where it comes from.

use super::Found;
use crate::config::plan::{check_flops_per_mac, KindModel, Method};
use crate::config::raw::{RawModel, RawUnits};
use crate::config::FrontierPriors;
use crate::dist::{Dist, DistSpec, Quantity};
use crate::error::shown;
use crate::units::DEFAULT_FLOPS_PER_MAC;

/// The resolved `[units]` and `[model]` sections, but for the reference node ([`super::nodes`]).
pub(super) struct Model {
    pub flops_per_mac: f64,
    pub methods: Vec<Method>,
    pub prior: Dist,
    pub power_fraction: Dist,
    pub peak_factor: Dist,
    pub software_efficiency: Dist,
    pub benchmark: KindModel,
    pub measured_power_factor: Dist,
    pub frontier: FrontierPriors,
}

pub(super) fn resolve(raw: &RawModel, units: &RawUnits, found: &mut Found) -> Model {
    let flops_per_mac = match &units.flops_per_mac {
        Some(k) => check_flops_per_mac(*k.get_ref()).unwrap_or_else(|m| {
            found.key(Some(k.span()), "units.flops_per_mac", m.into());
            DEFAULT_FLOPS_PER_MAC
        }),
        None => DEFAULT_FLOPS_PER_MAC,
    };

    let methods = match &raw.methods {
        Some(m) => {
            let mut methods = Vec::new();
            for s in m.get_ref() {
                match Method::parse(s) {
                    Some(method) if methods.contains(&method) => found.key(
                        Some(m.span()),
                        "model.methods",
                        format!("'{}' is listed twice", shown(s)),
                    ),
                    Some(method) => methods.push(method),
                    None => found.key(
                        Some(m.span()),
                        "model.methods",
                        format!(
                            "unknown method '{}'; use \"frontier\", \"bound\" and/or \"efficiency\"",
                            shown(s)
                        ),
                    ),
                }
            }
            if m.get_ref().is_empty() {
                found.key(
                    Some(m.span()),
                    "model.methods",
                    "is empty; list \"frontier\", \"bound\" and/or \"efficiency\"".into(),
                );
            }
            methods
        }
        None => vec![Method::Frontier, Method::Bound],
    };

    let prior = found.dist(
        &raw.prior,
        "model.prior",
        DistSpec::LogUniform {
            low: 0.01,
            high: 100.0,
        },
        Quantity::EnergyPrior,
    );
    let power_fraction = found.dist(
        &raw.power_fraction,
        "model.power_fraction",
        DistSpec::Uniform {
            low: 0.85,
            high: 1.0,
        },
        Quantity::Fraction,
    );
    let peak_factor = found.dist(
        &raw.peak_factor,
        "model.peak_factor",
        DistSpec::Fixed { value: 1.0 },
        Quantity::PositiveFactor,
    );
    let software_efficiency = found.dist(
        &raw.software_efficiency,
        "model.software_efficiency",
        DistSpec::Uniform {
            low: 0.80,
            high: 0.95,
        },
        Quantity::Fraction,
    );
    // Defaults (docs/model.md; ../shared/reference/matmul-ceilings.md): a GEMM
    // with random data runs at the board's power cap (power fraction close to 1), with a gap
    // of a few percent to the physics limit (the best MAMF rows reach 95-97 % of peak, and the
    // 100-iteration mean may sit a little above the sustained rate).
    let benchmark = KindModel {
        software_efficiency: found.dist(
            &raw.kinds.matmul_benchmark.software_efficiency,
            "model.kinds.matmul_benchmark.software_efficiency",
            DistSpec::Uniform {
                low: 0.90,
                high: 1.0,
            },
            Quantity::Fraction,
        ),
        power_fraction: found.dist(
            &raw.kinds.matmul_benchmark.power_fraction,
            "model.kinds.matmul_benchmark.power_fraction",
            DistSpec::Uniform {
                low: 0.95,
                high: 1.0,
            },
            Quantity::Fraction,
        ),
    };
    // A published mean power is a measurement, not a cap: +-5 % covers meter accuracy and
    // which part of the run was averaged. Above 1 is allowed, unlike a power fraction.
    let measured_power_factor = found.dist(
        &raw.measured_power_factor,
        "model.measured_power_factor",
        DistSpec::Uniform {
            low: 0.95,
            high: 1.05,
        },
        Quantity::PositiveFactor,
    );

    let mut frontier_problems = Vec::new();
    let frontier = crate::config::frontier::resolve(raw.frontier.as_ref(), &mut frontier_problems);
    for (span, key, message) in frontier_problems {
        found.key(span, &key, message);
    }

    Model {
        flops_per_mac,
        methods,
        prior,
        power_fraction,
        peak_factor,
        software_efficiency,
        benchmark,
        measured_power_factor,
        frontier,
    }
}
