//! The pictures a run writes: well-formed SVG with the expected panels, series and labels,
//! checked against the run's own tables.

use crate::common;

use common::{group_row, read_rows, stderr};

/// Every `<text>` of an SVG, trimmed, in document order.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn count(doc: &roxmltree::Document, tag: &str, fill: &str) -> usize {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag) && n.attribute("fill") == Some(fill))
        .count()
}

const BOUND_BLUE: &str = "#1F77B4";
const EFFICIENCY_RED: &str = "#D62728";

#[test]
fn posterior_svg_has_a_panel_per_node_and_precision_with_medians_and_forests() {
    let f = common::sampled_fixture();
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(f.path("out/posterior.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("posterior.svg is well-formed XML");
    let t = texts(&doc);
    let has = |s: &str| t.iter().filter(|x| x.as_str() == s).count();

    // Two observed panels (one observation each) and the pooled panel (two nodes).
    assert_eq!(has("4nm · bf16 · 1 observation"), 1);
    assert_eq!(has("7nm · bf16 · 1 observation"), 1);
    assert_eq!(
        has("pooled at 4nm · bf16 · all 2 observations, each moved by its node's scale"),
        1
    );
    // Every panel has a labelled energy axis and density axis.
    assert_eq!(has("energy per MAC, pJ/MAC (log scale)"), 3);
    assert_eq!(has("density (peak = 1)"), 3);
    // The forests name each observation once; one dot per observation.
    assert_eq!(has("llama"), 1);
    assert_eq!(has("mpt"), 1);
    assert_eq!(count(&doc, "circle", "#323232"), 2);

    // One filled density per posterior that exists, and its median labelled with the
    // number quantiles.csv reports.
    let rows = read_rows(&f.path("out/quantiles.csv"));
    for (method, colour) in [("bound", BOUND_BLUE), ("efficiency", EFFICIENCY_RED)] {
        let mut expected_areas = 0;
        for (node, basis) in [("4nm", "observed"), ("7nm", "observed"), ("4nm", "pooled")] {
            let row = group_row(&rows, method, node, basis);
            if row["status"] != "ok" {
                continue;
            }
            expected_areas += 1;
            let median: f64 = row["q0.5"].parse().unwrap();
            let prefix = format!("{method} median ");
            let labelled = t.iter().filter_map(|x| {
                x.strip_prefix(&prefix)
                    .and_then(|r| r.strip_suffix(" pJ/MAC"))
                    .and_then(|n| n.parse::<f64>().ok())
            });
            assert!(
                labelled.clone().any(|v| (v / median - 1.0).abs() < 0.005),
                "no '{prefix}' label near {median} ({node} {basis}); labels: {:?}",
                labelled.collect::<Vec<_>>()
            );
        }
        assert_eq!(
            count(&doc, "polygon", colour),
            expected_areas,
            "{method} areas"
        );
    }
}

#[test]
fn observations_svg_groups_by_node_and_colours_by_accelerator() {
    let f = common::sampled_fixture();
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(f.path("out/observations.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("observations.svg is well-formed XML");
    let t = texts(&doc);
    for expected in [
        "4nm · 1 observation",
        "7nm · 1 observation",
        "llama · bf16",
        "mpt · bf16",
        "accelerator",
        "a100-sxm",
        "h100-sxm",
        "energy per MAC, pJ/MAC (log scale)",
    ] {
        assert_eq!(
            t.iter().filter(|x| x.as_str() == expected).count(),
            1,
            "{expected:?} in {t:?}"
        );
    }
    // 4nm comes before 7nm, and each dot has its accelerator's legend colour.
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(pos("4nm · 1 observation") < pos("7nm · 1 observation"));
    let dots: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| n.attribute("fill").unwrap())
        .collect();
    let swatches: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") != Some("#FFFFFF"))
        .map(|n| n.attribute("fill").unwrap())
        .collect();
    assert_eq!(dots.len(), 2);
    assert_ne!(dots[0], dots[1]);
    // Legend in name order: a100-sxm, h100-sxm; the 4nm dot is the H100's.
    assert_eq!(swatches.len(), 2);
    assert_eq!(dots[0], swatches[1]);
    assert_eq!(dots[1], swatches[0]);
}
