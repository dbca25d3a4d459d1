//! `mfucal validate` warns, without failing, on figures that look typed from the wrong column.

use crate::common;

use common::{stderr, stdout, Fixture, CONFIG};

const ACCELERATORS: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm,NVIDIA,4nm,2022,700,bf16,1978.9,fixture
h100-sxm,NVIDIA,4nm,2022,700,fp16,989.4,fixture
a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture
a100-pcie,NVIDIA,7nm,2020,300,bf16,624,fixture
a100-sxm,NVIDIA,7nm,2020,400,int8,624000,fixture
";

const OBSERVATIONS: &str = "\
id,accelerator,precision,mfu_low,mfu_high,source
llama,h100-sxm,bf16,0.43,0.43,fixture
too-good,a100-sxm,bf16,0.70,0.80,fixture
";

#[test]
fn sparse_looking_peaks_odd_energies_and_high_mfu_are_warned_not_refused() {
    let f = Fixture::with(CONFIG, ACCELERATORS, OBSERVATIONS);
    let out = f.mfucal(&["validate", "--config", "configs/test.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    let acc = "datasets/accelerators.csv";
    let obs = "datasets/observations.csv";
    assert_eq!(
        warnings,
        vec![
            format!("warning: {acc}:2: column dense_peak_tflops: h100-sxm bf16 peak 1978.9 is 2.00x its fp16 peak 989.4 (line 3), which it should equal: it looks like a sparsity figure; use the dense peak"),
            format!("warning: {acc}:5: column dense_peak_tflops: a100-pcie bf16 peak 624 is 2.00x the a100-sxm bf16 peak 312 (line 4), which it should equal: it looks like a sparsity figure; use the dense peak"),
            // 400 W / 624000 TFLOPS: a peak typed in GOPS.
            format!("warning: {acc}:6: columns tdp_w, dense_peak_tflops: a100-sxm int8 draws 0.000641 pJ per FLOP at its peak, outside the plausible 0.1–10 pJ/FLOP; check the units (TFLOPS, W) and that the peak is the dense tensor figure"),
            format!("warning: {obs}:3: column mfu_high: too-good has MFU 0.8, above 0.75, which no published training run reaches; check it is MFU (not HFU) against the dense peak"),
        ]
    );
    assert!(
        text.ends_with("configs/test.toml: ok (2 methods, reference node 4nm); 4 warnings above\n"),
        "{text}"
    );
}
