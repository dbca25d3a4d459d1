//! Throughput of the engine's stages, in samples (or bins) per second.
//!
//! `cargo bench --bench engine`. Groups: the sampler on one observation (`sampler_one_chunk`)
//! and on the shipped data's mix per dispatch path this CPU has (`sampler_shipped_mix/scalar`,
//! `/avx2`, `/avx512`), the histogram's quantile step, one posterior, the efficiency method's
//! density smoothing next to its previous implementation (`smoothing_efficiency/fast`,
//! `/before`), a whole calibration of the shipped data (small sample count), and the
//! statistics of a default run (`sensitivity.csv`, `ppc.csv`). Stages other than the sampler
//! group run on the path `MFUCAL_SIMD` selects (default: the best available), e.g.
//! `MFUCAL_SIMD=scalar cargo bench --bench engine -- smoothing`. Speed targets are measured
//! here, never asserted in tests.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use mfucal::calibrate;
use mfucal::config::{self, Method, Overrides};
use mfucal::data::Dataset;
use mfucal::posterior::Engine;
use mfucal::sampler::{Accumulators, LogHistogram, ObservationModel, Path as SimdPath};
use mfucal::stop::Stop;

fn shipped(samples: u64) -> (config::RunPlan, Dataset) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let overrides = Overrides {
        samples_per_observation: Some(samples),
        seed: None,
    };
    let plan =
        config::load(&root.join("configs/default.toml"), &overrides).expect("shipped config");
    let dataset = Dataset::load(&plan).expect("shipped data");
    (plan, dataset)
}

fn sampler(c: &mut Criterion) {
    let (plan, dataset) = shipped(1);
    let obs = dataset
        .observations
        .iter()
        .find(|o| o.node == "7nm")
        .expect("a 7nm observation");
    let model = ObservationModel::new(&plan, obs);
    let mut group = c.benchmark_group("sampler_one_chunk");
    let len = mfucal::sampler::CHUNK_SAMPLES;
    group.throughput(Throughput::Elements(len));
    group.bench_with_input(BenchmarkId::from_parameter(len), &len, |b, &len| {
        let mut acc = Accumulators::default();
        let mut chunk = 0;
        b.iter(|| {
            model.sample_chunk(&mut acc, plan.seed, chunk, len);
            chunk += 1;
        });
        black_box(acc);
    });
    group.finish();

    // The shipped data's mix: one chunk of every observation per iteration, per dispatch path
    // this CPU has (all give the same bits; see tests/model/simd_paths.rs).
    let models: Vec<ObservationModel> = dataset
        .observations
        .iter()
        .map(|o| ObservationModel::new(&plan, o))
        .collect();
    let mut group = c.benchmark_group("sampler_shipped_mix");
    group.throughput(Throughput::Elements(len * models.len() as u64));
    for path in SimdPath::available_paths() {
        group.bench_function(path.name(), |b| {
            let mut acc = Accumulators::default();
            let mut chunk = 0;
            b.iter(|| {
                for m in &models {
                    m.sample_chunk_on(path, &mut acc, plan.seed, chunk, len);
                    // Empty the accumulators as a run does between jobs.
                    black_box(acc.take(m));
                }
                chunk += 1;
            });
        });
    }
    group.finish();
}

fn histogram(c: &mut Criterion) {
    let mut h = LogHistogram::new();
    for i in 0..1_000_000u64 {
        h.add(1.0 + (i % 10_007) as f64 / 3_000.0);
    }
    let levels = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975];
    let mut group = c.benchmark_group("histogram_quantiles");
    group.throughput(Throughput::Elements(
        mfucal::sampler::histogram::BINS as u64,
    ));
    group.bench_function("7_levels", |b| {
        b.iter(|| black_box(h.quantiles(black_box(&levels))))
    });
    group.finish();
}

fn posterior(c: &mut Criterion) {
    let (plan, dataset) = shipped(100_000);
    let samples =
        calibrate::sample_all(&plan, &dataset, Default::default()).expect("not cancelled");
    let engine = Engine::new(&plan.prior);
    let merged: Vec<_> = (0..dataset.observations.len())
        .map(|i| samples.merged(i))
        .collect();
    let hists: Vec<(&str, &LogHistogram)> = dataset
        .observations
        .iter()
        .zip(&merged)
        .map(|(o, s)| (o.id.as_str(), &s.bound))
        .collect();
    let mut group = c.benchmark_group("posterior_bound");
    group.throughput(Throughput::Elements(hists.len() as u64));
    group.bench_function(BenchmarkId::from_parameter(hists.len()), |b| {
        b.iter(|| black_box(engine.posterior(Method::Bound, &hists).is_ok()))
    });
    group.finish();
}

/// The efficiency method's density smoothing (`ln_density`) of every shipped observation's
/// efficiency histogram at 1e6 samples, and the previous scalar implementation in the same run.
fn smoothing(c: &mut Criterion) {
    use mfucal::posterior::likelihood::{ln_density, ln_density_before};
    let (plan, dataset) = shipped(1_000_000);
    let samples =
        calibrate::sample_all(&plan, &dataset, Default::default()).expect("not cancelled");
    let merged: Vec<_> = (0..dataset.observations.len())
        .map(|i| samples.merged(i))
        .collect();
    let len = mfucal::posterior::grid::LEN;
    let mut group = c.benchmark_group("smoothing_efficiency");
    group.throughput(Throughput::Elements(merged.len() as u64));
    group.bench_function("fast", |b| {
        b.iter(|| {
            for s in &merged {
                black_box(ln_density(&s.efficiency, 0..len));
            }
        })
    });
    group.bench_function("before", |b| {
        b.iter(|| {
            for s in &merged {
                black_box(ln_density_before(&s.efficiency, 0..len));
            }
        })
    });
    group.finish();
}

fn whole_run(c: &mut Criterion) {
    let per_obs = 200_000;
    let (plan, dataset) = shipped(per_obs);
    let mut group = c.benchmark_group("calibration_shipped_data");
    group.sample_size(10);
    group.throughput(Throughput::Elements(
        per_obs * dataset.observations.len() as u64,
    ));
    group.bench_function(BenchmarkId::from_parameter(per_obs), |b| {
        b.iter(|| {
            let samples =
                calibrate::sample_all(&plan, &dataset, Default::default()).expect("not cancelled");
            let merged = samples.merged_all();
            black_box(
                calibrate::calibrate(&plan, &dataset, &samples, &merged, Stop::NEVER)
                    .expect("never stopped")
                    .total_samples,
            )
        })
    });
    group.finish();
}

/// Sensitivity indices, prior sensitivity and predictive checks of the default run (1e6
/// samples per observation), on the current thread pool.
fn analyses(c: &mut Criterion) {
    let (plan, dataset) = shipped(1_000_000);
    let samples =
        calibrate::sample_all(&plan, &dataset, Default::default()).expect("not cancelled");
    let merged = samples.merged_all();
    let cal = calibrate::calibrate(&plan, &dataset, &samples, &merged, Stop::NEVER)
        .expect("never stopped");
    let samples = merged;
    let mut group = c.benchmark_group("analyses_shipped_data");
    group.sample_size(10);
    group.bench_function("sobol", |b| {
        b.iter(|| {
            black_box(mfucal::stats::sobol_targets::sobol_all(
                &plan,
                &dataset,
                &cal,
                mfucal::stats::sobol::DEFAULT_SETTINGS,
                Stop::NEVER,
            ))
        })
    });
    group.bench_function("prior_sensitivity", |b| {
        b.iter(|| {
            black_box(mfucal::stats::prior_sensitivity::prior_sensitivity(
                &plan,
                &dataset,
                &samples,
                &cal,
                Stop::NEVER,
            ))
        })
    });
    group.bench_function("ppc", |b| {
        b.iter(|| {
            black_box(mfucal::stats::ppc::ppc_all(
                &plan,
                &dataset,
                &samples,
                &cal,
                Stop::NEVER,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, sampler, histogram, posterior, smoothing, whole_run, analyses);
criterion_main!(benches);
