//! `mfucal list` shows the ids other commands accept; an unknown id suggests the close ones.

use crate::common;

use common::{stderr, stdout, Fixture, CONFIG, OBSERVATIONS};

const ACCELERATORS: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,fixture
h100-sxm,NVIDIA,4nm,2022,700,fp16,989.4,fixture
a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture
a100-sxm4-40gb,NVIDIA,7nm,2020,400,bf16,312,fixture
";

fn fixture() -> Fixture {
    Fixture::with(CONFIG, ACCELERATORS, OBSERVATIONS)
}

fn list(f: &Fixture, args: &[&str]) -> String {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--config", "configs/test.toml"]);
    let out = f.mfucal(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

#[test]
fn list_accelerators_nodes_and_observations() {
    let f = fixture();
    let table = list(&f, &["accelerators"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("accelerator  ") && lines[0].contains("precisions"));
    // One line per accelerator, its precisions together.
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[1].starts_with("h100-sxm ") && lines[1].contains("bf16 fp16"));
    assert!(lines[1].ends_with("bf16 1"), "{}", lines[1]);

    let csv = list(&f, &["accelerators", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let ids: Vec<String> = r.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids, ["h100-sxm", "a100-sxm", "a100-sxm4-40gb"]);

    let nodes = list(&f, &["nodes", "--format", "csv"]);
    assert_eq!(
        nodes,
        "node,in_config,accelerators,observations\n4nm,reference,1,bf16 1\n7nm,yes,2,bf16 1\n"
    );

    let obs = list(&f, &["observations", "--format", "csv"]);
    assert!(obs.starts_with("id,accelerator,node,precision,mfu_low,mfu_high,source\n"));
    assert!(
        obs.contains("\nmpt,a100-sxm,7nm,bf16,0.5,0.55,fixture\n"),
        "{obs}"
    );

    let bad = f.mfucal(&["list", "chips"]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn unknown_ids_suggest_the_close_ones() {
    let f = fixture();
    let limit = f.mfucal(&[
        "limit",
        "--accelerator",
        "a100",
        "--mfu",
        "0.4",
        "--config",
        "configs/test.toml",
    ]);
    assert_eq!(limit.status.code(), Some(1));
    assert_eq!(
        stderr(&limit),
        "error: unknown accelerator 'a100' in datasets/accelerators.csv; did you mean a100-sxm, \
         a100-sxm4-40gb?; `mfucal list accelerators` lists them\n"
    );
    // A typo: the closest id only.
    let typo = f.mfucal(&[
        "limit",
        "--accelerator",
        "h100-smx",
        "--mfu",
        "0.4",
        "--config",
        "configs/test.toml",
    ]);
    assert!(
        stderr(&typo).contains("did you mean h100-sxm?"),
        "{}",
        stderr(&typo)
    );

    let check = f.mfucal(&[
        "check",
        "--pj-per-mac",
        "1",
        "--node",
        "7mn",
        "--config",
        "configs/test.toml",
    ]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check)
            == "error: no bf16 observation at 7mn; bf16 observations are at 4nm, 7nm; did you mean 7nm?\n",
        "{}",
        stderr(&check)
    );

    // In a dataset too: an observation naming an unknown accelerator.
    let obs = OBSERVATIONS.replace("mpt,a100-sxm,", "mpt,a100-sxm4-40g,");
    let g = Fixture::with(CONFIG, ACCELERATORS, &obs);
    let run = g.run(&[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("unknown accelerator 'a100-sxm4-40g'; add it to datasets/accelerators.csv or fix the id; did you mean a100-sxm4-40gb, a100-sxm?"),
        "{}",
        stderr(&run)
    );
}
