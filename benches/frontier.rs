//! What the frontier and the bound's ceiling cost on the shipped data.
//!
//! `cargo bench --bench frontier`. Groups: the frontier fit alone (one prior), the fit with
//! the three alternative priors of the prior-sensitivity analysis (as a run does it), and the
//! ceilings. Speed targets are measured here, never asserted in tests.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use mfucal::config::{self, Overrides};
use mfucal::data::Dataset;
use mfucal::posterior::alternatives::alternatives;
use mfucal::posterior::{ceiling, frontier};
use mfucal::stop::Stop;

fn shipped() -> (config::RunPlan, Dataset) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let plan = config::load(&root.join("configs/default.toml"), &Overrides::default())
        .expect("shipped config");
    let dataset = Dataset::load(&plan).expect("shipped data");
    (plan, dataset)
}

fn fits(c: &mut Criterion) {
    let (plan, dataset) = shipped();
    let alts: Vec<_> = alternatives(&plan.prior)
        .into_iter()
        .map(|a| a.prior)
        .collect();
    let mut group = c.benchmark_group("frontier_shipped");
    group.sample_size(10);
    group.bench_function("fit", |b| {
        b.iter(|| black_box(frontier::fit(&plan, &dataset, Stop::NEVER).expect("fits")))
    });
    group.bench_function("fit_with_3_alternative_priors", |b| {
        b.iter(|| {
            black_box(
                frontier::fit_with_alternatives(&plan, &dataset, &alts, Stop::NEVER).expect("fits"),
            )
        })
    });
    group.bench_function("ceilings", |b| {
        b.iter(|| black_box(ceiling::ceilings(&plan, &dataset)))
    });
    group.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
