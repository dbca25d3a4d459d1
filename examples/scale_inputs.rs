//! Writes a synthetic project of N observations on M accelerators, to measure how loading,
//! validation and a run scale (README, Reliability):
//!
//! ```sh
//! cargo run --release --example scale_inputs -- 100000 10000 /tmp/scale
//! /usr/bin/time -v target/release/mfucal run --config /tmp/scale/configs/scale.toml --samples 100
//! ```
//!
//! Accelerators alternate between 4 nm and 7 nm, all bf16; observation `i` is on accelerator
//! `i mod M` with an MFU range inside 0.30-0.60. Values vary deterministically, no RNG.

use std::fmt::Write as _;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: scale_inputs N_OBSERVATIONS N_ACCELERATORS DIR";
    let (n_obs, n_acc, dir) = match args.as_slice() {
        [_, o, a, d] => (
            o.parse::<usize>().expect(usage),
            a.parse::<usize>().expect(usage),
            Path::new(d),
        ),
        _ => panic!("{usage}"),
    };
    std::fs::create_dir_all(dir.join("configs"))?;
    std::fs::create_dir_all(dir.join("datasets"))?;

    let mut acc =
        String::from("accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n");
    for a in 0..n_acc {
        let node = if a % 2 == 0 { "4nm" } else { "7nm" };
        let tdp_w = 300 + (a * 37) % 700;
        let peak = 200.0 + ((a * 53) % 1800) as f64;
        writeln!(
            acc,
            "acc-{a:06},Synthetic,{node},2024,{tdp_w},bf16,{peak},synthetic"
        )
        .unwrap();
    }
    let mut obs = String::from("id,accelerator,precision,mfu_low,mfu_high,source\n");
    for i in 0..n_obs {
        let low = 0.30 + ((i * 7919) % 250) as f64 / 1000.0;
        let high = low + ((i * 104_729) % 50) as f64 / 1000.0;
        writeln!(
            obs,
            "obs-{i:07},acc-{:06},bf16,{low:.3},{high:.3},synthetic",
            i % n_acc
        )
        .unwrap();
    }
    std::fs::write(dir.join("datasets/accelerators.csv"), acc)?;
    std::fs::write(dir.join("datasets/observations.csv"), obs)?;
    std::fs::write(
        dir.join("configs/scale.toml"),
        "name = \"scale\"\n\
         [data]\n\
         accelerators = \"../datasets/accelerators.csv\"\n\
         observations = \"../datasets/observations.csv\"\n\
         [sampling]\n\
         samples_per_observation = 100\n\
         [model]\n\
         reference_node = \"4nm\"\n\
         [nodes]\n\
         \"4nm\" = { dist = \"fixed\", value = 1.0 }\n\
         \"7nm\" = { dist = \"lognormal\", mu = 0.33, sigma = 0.10 }\n",
    )?;
    Ok(())
}
