//! Which chunks are sampled, where, and into which batch.
//!
//! Chunk `c` of an observation always draws the same stream (see [`super::stream_seed`]) and
//! always lands in batch `c % BATCHES`. A run, a round of `--target-mcse` or a shard is just a
//! set of chunks, so any split of the work merges back, by integer addition, into exactly the
//! histograms a single process would have built.
//!
//! * **Batches** give the Monte Carlo standard error by batch means: the posterior is
//!   recomputed from each batch alone, and the spread of those estimates over `sqrt(B)` is
//!   the standard error of the estimate from all of them.
//! * **Rounds** (`--target-mcse`) sample chunks `[first_chunk, end)`; a later round only adds
//!   chunks, so the final state equals a single run of the final size.
//! * **Shards** (`--shard K/N`) own the chunks with `c % N == K - 1`.

use crate::error::BadValue;

use rayon::prelude::*;
use serde::Serialize;

use super::{
    Accumulators, Cancelled, Control, ObservationModel, ObservationSamples, SampleState,
    CHUNK_SAMPLES,
};

/// Batches per observation for the batch-means standard error.
pub const BATCHES: usize = 16;

/// One of `count` disjoint parts of the chunks; `index` is 0-based (the CLI's K is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    /// 0-based index of this shard, < `count`.
    pub index: u64,
    /// Number of shards, >= 1.
    pub count: u64,
}

impl Shard {
    /// The whole run.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses the command line's `K/N` (1 <= K <= N).
    pub fn parse(s: &str) -> Result<Shard, BadValue> {
        let err = || format!("--shard {s}: write K/N with 1 <= K <= N, e.g. --shard 3/8");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(BadValue(err()));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Whether chunk number `chunk` belongs to this shard (chunks are dealt round-robin).
    pub fn owns(&self, chunk: u64) -> bool {
        chunk % self.count == self.index
    }
}

/// One sampling pass over every observation.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Total samples per observation of the run this pass belongs to (sets the last chunk's length).
    pub samples_per_observation: u64,
    /// Chunks below this were sampled by an earlier round.
    pub first_chunk: u64,
    /// The part of the chunks this pass samples.
    pub shard: Shard,
    /// Keep each batch's histograms apart (for batch-means standard errors), or merge an
    /// observation's batches as soon as they are drawn. Merged, an observation holds one set
    /// of histograms whatever the sample count, not [`BATCHES`]; the merged histograms are
    /// the same either way (counts add exactly), so only the standard errors need them apart.
    pub keep_batches: bool,
}

impl Schedule {
    /// A single pass over all `samples_per_observation` samples, unsharded.
    pub fn whole(samples_per_observation: u64) -> Schedule {
        Schedule {
            samples_per_observation,
            first_chunk: 0,
            shard: Shard::WHOLE,
            keep_batches: true,
        }
    }

    fn end_chunk(&self) -> u64 {
        self.samples_per_observation.div_ceil(CHUNK_SAMPLES)
    }

    fn chunk_len(&self, chunk: u64) -> u64 {
        CHUNK_SAMPLES.min(self.samples_per_observation - chunk * CHUNK_SAMPLES)
    }

    /// The chunks of batch `batch` in this pass.
    fn chunks(&self, batch: usize) -> impl Iterator<Item = u64> + '_ {
        let b = batch as u64;
        let first = self.first_chunk
            + (b + BATCHES as u64 - self.first_chunk % BATCHES as u64) % BATCHES as u64;
        (first..self.end_chunk())
            .step_by(BATCHES)
            .filter(move |&c| self.shard.owns(c))
    }

    /// Samples this pass draws in all.
    pub fn samples(&self, observations: usize) -> u64 {
        let per_obs: u64 = (0..BATCHES)
            .flat_map(|b| self.chunks(b))
            .map(|c| self.chunk_len(c))
            .sum();
        per_obs * observations as u64
    }
}

thread_local! {
    /// A worker's dense accumulator, allocated once per thread and left empty between tasks.
    static ACCUMULATORS: std::cell::RefCell<Accumulators> = std::cell::RefCell::new(Accumulators::default());
}

/// Runs one pass on the current rayon pool: tasks are (observation, batch) pairs, each worker
/// reusing one dense accumulator.
pub fn sample(
    models: &[ObservationModel],
    seed: u64,
    schedule: Schedule,
    control: Control,
) -> Result<SampleState, Cancelled> {
    // One (observation, batch) task per job (tasks differ in cost: an observation at the
    // reference node bins two values per sample, others four), so idle workers always find one
    // to steal; each worker keeps one dense accumulator for all its tasks.
    let task = |i: usize, b: usize| -> ObservationSamples {
        ACCUMULATORS.with(|acc| {
            let acc = &mut *acc.borrow_mut();
            for chunk in schedule.chunks(b) {
                if control.cancelled() {
                    break;
                }
                let len = schedule.chunk_len(chunk);
                models[i].sample_chunk(acc, seed, chunk, len);
                if let Some(report) = control.on_chunk {
                    report(len);
                }
            }
            acc.take(&models[i])
        })
    };
    let filled = |b: &usize| schedule.chunks(*b).next().is_some();
    let mut state = SampleState::new(models.len());
    if schedule.keep_batches {
        let tasks: Vec<(usize, usize)> = (0..models.len())
            .flat_map(|i| (0..BATCHES).map(move |b| (i, b)))
            .filter(|(_, b)| filled(b))
            .collect();
        let results: Vec<_> = tasks
            .par_iter()
            .with_max_len(1)
            .map(|&(i, b)| (i, b, task(i, b)))
            .collect();
        // Move each task's histograms into place, so the results and the state never both
        // hold a copy.
        for (i, b, samples) in results {
            state.batches[i][b] = samples;
        }
    } else {
        // Each observation's batches are merged as they finish (exact integer sums, so the
        // order of the reduction cannot change a count), into batch 0: at most a few tasks'
        // histograms are alive beside the merged ones.
        let merged: Vec<ObservationSamples> = (0..models.len())
            .into_par_iter()
            .with_max_len(1)
            .map(|i| {
                (0..BATCHES)
                    .into_par_iter()
                    .with_max_len(1)
                    .filter(filled)
                    .map(|b| task(i, b))
                    .reduce(ObservationSamples::default, |mut a, b| {
                        a.merge(&b);
                        a
                    })
            })
            .collect();
        for (batches, samples) in state.batches.iter_mut().zip(merged) {
            batches[0] = samples;
        }
    }
    if control.cancelled() {
        return Err(Cancelled);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::tests::model;

    #[test]
    fn shards_and_rounds_merge_to_the_single_run() {
        let models = vec![model(), model()];
        let samples = 20 * CHUNK_SAMPLES + 77;
        let whole = sample(&models, 5, Schedule::whole(samples), Control::default()).unwrap();
        let mut sharded = SampleState::new(2);
        for index in 0..3 {
            let s = Schedule {
                shard: Shard { index, count: 3 },
                ..Schedule::whole(samples)
            };
            sharded
                .merge(&sample(&models, 5, s, Control::default()).unwrap())
                .unwrap();
        }
        assert_eq!(sharded, whole);
        let mut rounds = sample(
            &models,
            5,
            Schedule::whole(7 * CHUNK_SAMPLES),
            Control::default(),
        )
        .unwrap();
        let later = Schedule {
            first_chunk: 7,
            ..Schedule::whole(samples)
        };
        rounds
            .merge(&sample(&models, 5, later, Control::default()).unwrap())
            .unwrap();
        assert_eq!(rounds, whole);
        assert_eq!(whole.merged(0).bound.total(), samples);
    }

    #[test]
    fn merged_batches_hold_exactly_the_kept_batches_sum_in_batch_0() {
        let models = vec![model(), model(), model()];
        let samples = 20 * CHUNK_SAMPLES + 77;
        let kept = sample(&models, 9, Schedule::whole(samples), Control::default()).unwrap();
        let merged_as_drawn = Schedule {
            keep_batches: false,
            ..Schedule::whole(samples)
        };
        let mut merged = sample(&models, 9, merged_as_drawn, Control::default()).unwrap();
        assert!(
            kept.batches[0][1].bound.total() > 0,
            "the kept state has several batches"
        );
        for i in 0..models.len() {
            assert!(merged.batches[i][1..].iter().all(|s| s.bound.total() == 0));
            assert_eq!(merged.batches[i][0], kept.merged(i));
        }
        // Sharded and merged as drawn, the shards still add up to the single run.
        let mut sharded = SampleState::new(models.len());
        for index in 0..3 {
            let s = Schedule {
                shard: Shard { index, count: 3 },
                ..merged_as_drawn
            };
            sharded
                .merge(&sample(&models, 9, s, Control::default()).unwrap())
                .unwrap();
        }
        assert_eq!(sharded, merged);
        // Taking the histograms out lends them without a copy, and puts them back unchanged.
        let taken = merged.take_merged();
        assert_eq!(merged.samples_per_observation(), 0);
        assert_eq!(taken, kept.merged_all());
        merged.put_back(taken);
        assert_eq!(merged.merged_all(), kept.merged_all());
    }

    #[test]
    fn progress_hook_sees_every_sample_once() {
        let seen = std::sync::atomic::AtomicU64::new(0);
        let report = |n: u64| {
            seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let control = Control {
            on_chunk: Some(&report),
            stop: crate::stop::Stop::NEVER,
        };
        let schedule = Schedule::whole(3 * CHUNK_SAMPLES + 5);
        sample(&[model()], 3, schedule, control).unwrap();
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::Relaxed),
            3 * CHUNK_SAMPLES + 5
        );
        assert_eq!(schedule.samples(1), 3 * CHUNK_SAMPLES + 5);
    }

    #[test]
    fn a_set_cancel_flag_stops_sampling() {
        let cancel = std::sync::atomic::AtomicBool::new(true);
        let control = Control {
            on_chunk: None,
            stop: crate::stop::Stop::on(Some(&cancel)),
        };
        assert_eq!(
            sample(&[model()], 3, Schedule::whole(10 * CHUNK_SAMPLES), control),
            Err(Cancelled)
        );
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("3/8"), Ok(Shard { index: 2, count: 8 }));
        assert!(
            Shard::parse("0/8").is_err()
                && Shard::parse("9/8").is_err()
                && Shard::parse("x").is_err()
        );
    }
}
