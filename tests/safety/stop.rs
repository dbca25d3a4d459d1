//! A requested stop (Ctrl-C) is honoured by every stage after sampling, not only by the
//! sampler: the posteriors, the analyses and the write of the results folder each give up with
//! `Cancelled`, and the write leaves the previous folder untouched. (Through the binary,
//! `kill_safety.rs` checks the status and message of Ctrl-C during sampling.)

use std::sync::atomic::AtomicBool;

use mfucal::calibrate;
use mfucal::config::{Method, RunPlan};
use mfucal::data::Dataset;
use mfucal::output::write_folder;
use mfucal::stats;
use mfucal::stop::{Cancelled, Stop};

fn shipped() -> (RunPlan, Dataset) {
    crate::common::shipped(Some(20_000))
}

#[test]
fn posteriors_and_analyses_give_up_once_a_stop_is_requested() {
    let (plan, dataset) = shipped();
    let state = calibrate::sample_all(&plan, &dataset, Default::default()).expect("sampled");
    let merged = state.merged_all();
    let requested = AtomicBool::new(true);
    let stopped = Stop::on(Some(&requested));

    assert_eq!(
        calibrate::calibrate(&plan, &dataset, &state, &merged, stopped).err(),
        Some(Cancelled)
    );
    let cal =
        calibrate::calibrate(&plan, &dataset, &state, &merged, Stop::NEVER).expect("not stopped");
    assert_eq!(
        stats::analyse(&plan, &dataset, &merged, &cal, stopped).err(),
        Some(Cancelled)
    );
    // The same calls without a stop complete: the stop, not the data, ended them.
    let not_requested = AtomicBool::new(false);
    let analyses = stats::analyse(
        &plan,
        &dataset,
        &merged,
        &cal,
        Stop::on(Some(&not_requested)),
    )
    .expect("not stopped");
    // One predictive check per observation for each method that predicts an MFU (the
    // frontier's is its mislabel probability; the bound's ceiling predicts none).
    let checked = plan
        .methods
        .iter()
        .filter(|m| matches!(m, Method::Efficiency | Method::Frontier))
        .count();
    assert_eq!(analyses.ppc.len(), checked * dataset.observations.len());
}

#[test]
fn a_stopped_write_leaves_the_previous_folder_and_no_temporary_one() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("results");
    write_folder(&dir, &[("a.csv", b"old".to_vec())], Stop::NEVER).unwrap();

    let requested = AtomicBool::new(true);
    let err = write_folder(
        &dir,
        &[("a.csv", b"new".to_vec()), ("b.csv", b"new".to_vec())],
        Stop::on(Some(&requested)),
    )
    .unwrap_err();
    assert!(err.is_cancelled(), "{}", err.report());
    assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"old");
    assert!(!dir.join("b.csv").exists());
    let entries: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["results"]);
}
