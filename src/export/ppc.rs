//! `ppc.csv`: per method and observation, the posterior predictive probability of an MFU at
//! least as high as the published one (definitions in [`crate::stats::ppc`]).

use super::tables::{finish, writer};
use crate::data::Dataset;
use crate::fmt::number;
use crate::stats::ppc::PpcRow;

const HEADER: [&str; 13] = [
    "method",
    "id",
    "accelerator",
    "node",
    "precision",
    "mfu_low",
    "mfu_high",
    "n_others",
    "p_posterior",
    "p_loo",
    "suspect",
    "status",
    "p_mislabelled",
];

/// `ppc.csv`'s bytes: one row per [`PpcRow`], with its observation's id, accelerator, node,
/// precision and MFU range from `dataset`.
pub fn ppc_csv(dataset: &Dataset, rows: &[PpcRow]) -> Vec<u8> {
    let mut w = writer();
    w.write_record(HEADER).expect("in memory");
    for r in rows {
        let o = &dataset.observations[r.observation];
        let p = |x: Option<f64>| x.map(number).unwrap_or_default();
        w.write_record([
            r.method.name().to_string(),
            o.id.clone(),
            o.accelerator.clone(),
            o.node.clone(),
            o.precision.name().to_string(),
            number(o.mfu_low),
            number(o.mfu_high),
            r.n_others.to_string(),
            p(r.p_posterior),
            p(r.p_loo),
            r.suspect.map(|s| s.name()).unwrap_or_default().to_string(),
            r.status.to_string(),
            p(r.p_mislabelled),
        ])
        .expect("in memory");
    }
    finish(w)
}
