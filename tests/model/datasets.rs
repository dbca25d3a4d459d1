//! The shipped datasets: the invariants a reader relies on, checked on the files themselves
//! (every row, used or excluded), and the coverage the calibration needs.

use std::collections::{HashMap, HashSet};

use crate::common::{self, repo};
use mfucal::data::warnings::{self, Warning, MEASURED_POWER_WARN_ABOVE_TDP};
use mfucal::data::{ObservationKind, PowerBasis};

/// The "Maximum Achievable Matmul FLOPS" table as copied in
/// ../shared/reference/matmul-ceilings.md: (accelerator id in the dataset, precision, MAMF
/// TFLOPS). Every benchmark row must quote one of these in its notes, and nothing else.
const MAMF_TFLOPS: [(&str, &str, f64); 17] = [
    ("gaudi2", "bf16", 418.7),
    ("a100-sxm4-80gb", "bf16", 271.2),
    ("gh200", "bf16", 828.6),
    ("a100-pcie-80gb", "bf16", 252.9),
    ("h100-sxm", "bf16", 794.5),
    ("b200", "bf16", 1745.0),
    ("gaudi3", "bf16", 1243.0),
    ("gb200", "bf16", 1822.0),
    ("mi325x", "bf16", 784.9),
    ("mi300x", "bf16", 668.4),
    ("gaudi2", "fp8", 826.5),
    ("gh200", "fp8", 1535.0),
    ("gaudi3", "fp8", 1289.5),
    ("b200", "fp8", 3432.5),
    ("h200-sxm", "fp8", 1453.4),
    ("gb200", "fp8", 3615.6),
    ("h100-sxm", "fp8", 1402.6),
];

/// The coverage targets (issue 10, "Done when").
const MIN_USED_TRAINING: usize = 55;
const MIN_USED_BENCHMARKS: usize = 15;
const MIN_NODES: usize = 5;

/// Every row of a shipped CSV as column -> value, with its line number.
fn rows(file: &str) -> Vec<(u64, HashMap<String, String>)> {
    let mut reader = csv::Reader::from_path(repo().join(file)).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let line = r.position().unwrap().line();
            let row = header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect();
            (line, row)
        })
        .collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// The number after `MAMF ` in a benchmark row's notes.
fn mamf_in_notes(notes: &str) -> f64 {
    let rest = notes
        .split("MAMF ")
        .nth(1)
        .unwrap_or_else(|| panic!("notes do not quote the MAMF: {notes}"));
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn every_row_is_sourced_unique_and_refers_to_the_registry() {
    let accelerators = rows("datasets/accelerators.csv");
    let peaks: HashMap<(String, String), f64> = accelerators
        .iter()
        .map(|(_, a)| {
            assert!(
                !a["source"].is_empty(),
                "{} has no source",
                a["accelerator"]
            );
            (
                (a["accelerator"].clone(), a["precision"].clone()),
                number(a, "dense_peak_tflops"),
            )
        })
        .collect();
    let mut ids = HashSet::new();
    for (line, o) in rows("datasets/mfu_observations.csv") {
        let id = &o["id"];
        assert!(ids.insert(id.clone()), "line {line}: id {id} repeated");
        assert!(!o["source"].is_empty(), "line {line}: {id} has no source");
        // Every row names a registered accelerator; a used row also needs the peak of its
        // precision (an excluded row may lack it: DeepSeek-V3's H800 FP8 has no published peak).
        let key = (o["accelerator"].clone(), o["precision"].clone());
        assert!(
            peaks.keys().any(|(a, _)| *a == key.0),
            "line {line}: {id}: unknown accelerator {}",
            key.0
        );
        assert!(
            !o["exclude"].is_empty() || peaks.contains_key(&key),
            "line {line}: {id}: no accelerators.csv row for {key:?}"
        );
        let (low, high) = (number(&o, "mfu_low"), number(&o, "mfu_high"));
        assert!(
            0.0 < low && low <= high && high <= 1.0,
            "line {line}: {id}: MFU {low}..{high} is not in (0, 1]"
        );
    }
}

#[test]
fn benchmark_mfu_is_the_quoted_mamf_over_the_dataset_peak() {
    let peaks: HashMap<(String, String), f64> = rows("datasets/accelerators.csv")
        .into_iter()
        .map(|(_, a)| {
            let peak = number(&a, "dense_peak_tflops");
            ((a["accelerator"].clone(), a["precision"].clone()), peak)
        })
        .collect();
    let mut seen = HashSet::new();
    for (line, o) in rows("datasets/mfu_observations.csv") {
        if o["kind"] != "matmul_benchmark" {
            continue;
        }
        let (acc, precision) = (o["accelerator"].as_str(), o["precision"].as_str());
        let mamf = mamf_in_notes(&o["notes"]);
        let &(_, _, reference) = MAMF_TFLOPS
            .iter()
            .find(|(a, p, _)| *a == acc && *p == precision)
            .unwrap_or_else(|| panic!("line {line}: no MAMF row for {acc} {precision}"));
        assert_eq!(mamf, reference, "line {line}: notes quote another MAMF");
        let want = mamf / peaks[&(acc.to_string(), precision.to_string())];
        for column in ["mfu_low", "mfu_high"] {
            let got = number(&o, column);
            assert!(
                (got - want).abs() < 5e-5,
                "line {line}: {column} {got} is not MAMF {mamf} / peak = {want:.4}"
            );
        }
        assert!(
            seen.insert((acc.to_string(), precision.to_string())),
            "line {line}: a second benchmark row for {acc} {precision}"
        );
    }
    // One row per (accelerator, precision) of the table: none left out silently.
    assert_eq!(seen.len(), MAMF_TFLOPS.len(), "benchmark rows: {seen:?}");
}

#[test]
fn shipped_data_validates_and_covers_enough() {
    let (plan, dataset) = common::shipped(None);
    let used = |kind| {
        dataset
            .observations
            .iter()
            .filter(|o| o.kind == kind)
            .count()
    };
    let (training, benchmarks) = (
        used(ObservationKind::Training),
        used(ObservationKind::MatmulBenchmark),
    );
    assert!(
        training >= MIN_USED_TRAINING,
        "{training} training runs used"
    );
    assert!(
        benchmarks >= MIN_USED_BENCHMARKS,
        "{benchmarks} benchmarks used"
    );
    let nodes: HashSet<&str> = dataset
        .observations
        .iter()
        .map(|o| o.node.as_str())
        .collect();
    assert!(nodes.len() >= MIN_NODES, "observations on nodes {nodes:?}");

    // Measured power: present with its coverage, positive, and plausible against the board
    // TDP. Above 1.2 x TDP is a warning (validate prints it), not a failure.
    let measured: Vec<_> = dataset
        .observations
        .iter()
        .filter(|o| o.power_w_measured.is_some())
        .collect();
    assert!(
        measured.len() >= 5,
        "the Patterson Table 4 rows carry their measured power"
    );
    for o in &measured {
        let p = o.power_w_measured.unwrap();
        assert!(p > 0.0 && o.power_measured_covers.is_some(), "{}", o.id);
        if o.power_basis == PowerBasis::BoardTdp && p > MEASURED_POWER_WARN_ABOVE_TDP * o.power_w {
            eprintln!(
                "warning: {} measured {p} W, above {MEASURED_POWER_WARN_ABOVE_TDP} x TDP {} W",
                o.id, o.power_w
            );
        }
    }
    // The same check through validate's warnings: the shipped rows raise none.
    let high_power: Vec<String> = warnings::check(&plan, &dataset)
        .into_iter()
        .filter(|w| matches!(w, Warning::MeasuredPowerAboveTdp { .. }))
        .map(|w| w.to_string())
        .collect();
    for w in &high_power {
        eprintln!("warning: {w}");
    }
}
