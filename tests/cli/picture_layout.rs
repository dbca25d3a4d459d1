//! The pictures' geometry, parsed from the SVG: no text leaves the canvas, no two texts
//! overlap, no text is drawn across a data line, band, polygon or dot, and `nodes.svg` holds
//! every element it promises. Text extents are estimated as plotters lays them out: 0.6 em
//! per character (wider than the common sans-serif faces), one em high around the baseline.

use crate::common;

use std::path::Path;

use common::{mfucal_in, read_rows, stderr};

#[derive(Debug, Clone, Copy)]
struct BoxPx {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl BoxPx {
    fn overlaps(&self, o: &BoxPx) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x > self.x0 && x < self.x1 && y > self.y0 && y < self.y1
    }
    /// 1 px smaller on every side: touching is not overlapping.
    fn shrunk(&self) -> BoxPx {
        BoxPx {
            x0: self.x0 + 1.0,
            y0: self.y0 + 1.0,
            x1: self.x1 - 1.0,
            y1: self.y1 - 1.0,
        }
    }
}

#[derive(Debug)]
struct Text {
    content: String,
    area: BoxPx,
}

fn attr(n: &roxmltree::Node, name: &str) -> f64 {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> without {name}", n.tag_name().name()))
        .parse()
        .unwrap()
}

/// Every text's estimated box, rotation applied.
fn texts(doc: &roxmltree::Document) -> Vec<Text> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let content = n.text().unwrap_or("").trim().to_string();
            let (x, y, size) = (attr(&n, "x"), attr(&n, "y"), attr(&n, "font-size"));
            let width = 0.6 * size * content.chars().count() as f64;
            let dy = match n.attribute("dy").unwrap_or("0") {
                "0.76em" => 0.76 * size,
                "0.5ex" => 0.25 * size,
                "-0.5ex" => -0.25 * size,
                "0" | "0em" => 0.0,
                other => panic!("unexpected dy {other}"),
            };
            let baseline = y + dy;
            let (x0, x1) = match n.attribute("text-anchor").unwrap_or("start") {
                "start" => (x, x + width),
                "middle" => (x - width / 2.0, x + width / 2.0),
                "end" => (x - width, x),
                other => panic!("unexpected anchor {other}"),
            };
            let (y0, y1) = (baseline - 0.76 * size, baseline + 0.24 * size);
            let area = match n.attribute("transform") {
                None => BoxPx { x0, y0, x1, y1 },
                Some(t) if t.starts_with("rotate(270") => {
                    // (px, py) -> (x + (py - y), y - (px - x))
                    BoxPx {
                        x0: x + (y0 - y),
                        x1: x + (y1 - y),
                        y0: y - (x1 - x),
                        y1: y - (x0 - x),
                    }
                }
                Some(t) => panic!("unexpected transform {t}"),
            };
            Text { content, area }
        })
        .collect()
}

fn points(n: &roxmltree::Node) -> Vec<(f64, f64)> {
    n.attribute("points")
        .unwrap_or("")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// Does the segment cross the box? Sampled every half pixel: exact enough for drawings.
fn segment_hits(a: (f64, f64), b: (f64, f64), area: &BoxPx) -> bool {
    let steps = ((b.0 - a.0).hypot(b.1 - a.1) * 2.0).ceil().max(1.0) as usize;
    (0..=steps).any(|i| {
        let t = i as f64 / steps as f64;
        area.contains((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
    })
}

fn inside_polygon(p: (f64, f64), poly: &[(f64, f64)]) -> bool {
    let mut inside = false;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0) {
            inside = !inside;
        }
    }
    inside
}

/// What a text must not cover: data lines and the axes (polylines), filled areas
/// (polygons, rectangles other than the white background) and dots. Mesh lines (`<line>`,
/// light grey) may run behind text.
fn ink_hits(doc: &roxmltree::Document, area: &BoxPx) -> Option<String> {
    for n in doc.descendants().filter(|n| n.is_element()) {
        let hit = match n.tag_name().name() {
            "polyline" => points(&n)
                .windows(2)
                .any(|w| segment_hits(w[0], w[1], area)),
            "polygon" => {
                let p = points(&n);
                let centre = ((area.x0 + area.x1) / 2.0, (area.y0 + area.y1) / 2.0);
                inside_polygon(centre, &p)
                    || (0..p.len()).any(|i| segment_hits(p[i], p[(i + 1) % p.len()], area))
            }
            "rect" if n.attribute("fill") != Some("#FFFFFF") => {
                let r = BoxPx {
                    x0: attr(&n, "x"),
                    y0: attr(&n, "y"),
                    x1: attr(&n, "x") + attr(&n, "width"),
                    y1: attr(&n, "y") + attr(&n, "height"),
                };
                r.overlaps(area)
            }
            "circle" => {
                let (cx, cy, r) = (attr(&n, "cx"), attr(&n, "cy"), attr(&n, "r"));
                BoxPx {
                    x0: cx - r,
                    y0: cy - r,
                    x1: cx + r,
                    y1: cy + r,
                }
                .overlaps(area)
            }
            _ => false,
        };
        if hit {
            let mut s = format!("<{}", n.tag_name().name());
            for a in n.attributes() {
                s.push_str(&format!(" {}=\"{}\"", a.name(), a.value()));
            }
            return Some(s + ">");
        }
    }
    None
}

/// Every layout rule, with every violation listed.
fn layout_faults(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    let (w, h) = (attr(&root, "width"), attr(&root, "height"));
    let canvas = BoxPx {
        x0: 0.0,
        y0: 0.0,
        x1: w,
        y1: h,
    };
    let texts: Vec<Text> = texts(&doc)
        .into_iter()
        .filter(|t| !t.content.is_empty())
        .collect();
    let mut faults = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let a = t.area;
        if a.x0 < canvas.x0 || a.y0 < canvas.y0 || a.x1 > canvas.x1 || a.y1 > canvas.y1 {
            faults.push(format!("{:?} leaves the {w}x{h} canvas: {a:?}", t.content));
        }
        for u in &texts[i + 1..] {
            if a.shrunk().overlaps(&u.area.shrunk()) {
                faults.push(format!("{:?} overlaps {:?}", t.content, u.content));
            }
        }
        if let Some(what) = ink_hits(&doc, &a.shrunk()) {
            faults.push(format!("{:?} is drawn over {what}", t.content));
        }
    }
    faults
}

/// The default calibration (the repository's data and config) into a temporary folder.
fn default_run() -> (tempfile::TempDir, std::path::PathBuf) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("default");
    let run = mfucal_in(repo, &["run", "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(run.status.success(), "{}", stderr(&run));
    (tmp, out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_default_pictures_have_no_clipped_overlapping_or_covering_text() {
    let (_tmp, out) = default_run();
    let mut faults = Vec::new();
    for picture in ["nodes.svg", "posterior.svg", "observations.svg"] {
        for f in layout_faults(&read(&out.join(picture))) {
            faults.push(format!("{picture}: {f}"));
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn pictures_with_three_methods_have_no_text_over_lines() {
    // Three label rows per panel, the efficiency method's red labels among them: the case
    // where labels used to run across another method's median line.
    let f = common::Fixture::with(
        &common::CONFIG.replacen(
            "reference_node = \"4nm\"\n",
            "reference_node = \"4nm\"\nmethods = [\"frontier\", \"bound\", \"efficiency\"]\n",
            1,
        ),
        common::ACCELERATORS,
        common::OBSERVATIONS,
    );
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut faults = Vec::new();
    for picture in ["nodes.svg", "posterior.svg", "observations.svg"] {
        for fault in layout_faults(&read(&f.path("out").join(picture))) {
            faults.push(format!("{picture}: {fault}"));
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn long_labels_fit_and_axis_titles_sit_by_their_axes() {
    let long_id = "a-very-long-observation-id-from-a-scaling-study-on-h100-bf16";
    let observations = common::OBSERVATIONS.replace("llama,", &format!("{long_id},"));
    let f = common::Fixture::with(common::CONFIG, common::ACCELERATORS, &observations);
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for picture in ["posterior.svg", "observations.svg"] {
        let svg = read(&f.path("out").join(picture));
        let faults = layout_faults(&svg);
        assert!(faults.is_empty(), "{picture}: {}", faults.join("\n"));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        assert!(
            texts.iter().any(|t| t.content.starts_with(long_id)),
            "{picture}: the long id is drawn"
        );
    }
    // The density axis' title is beside its tick labels, not a label column away.
    let svg = read(&f.path("out/posterior.svg"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts = texts(&doc);
    let title = texts
        .iter()
        .find(|t| t.content == "density (peak = 1)")
        .unwrap();
    let tick = texts
        .iter()
        .filter(|t| t.content == "1" && t.area.y0 < title.area.y1 && t.area.y1 > title.area.y0)
        .map(|t| t.area.x0)
        .fold(f64::INFINITY, f64::min);
    let gap = tick - title.area.x1;
    assert!(
        (0.0..40.0).contains(&gap),
        "density axis title {:?} is {gap} px from its tick labels",
        title.area
    );
}

#[test]
fn nodes_svg_shows_bands_ceilings_observations_and_references_per_node() {
    let (_tmp, out) = default_run();
    let svg = read(&out.join("nodes.svg"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let t: Vec<String> = texts(&doc).into_iter().map(|t| t.content).collect();
    let has = |s: &str| t.iter().any(|x| x == s);
    for s in [
        "Energy per MAC by process node (2 FLOPs per MAC)",
        "energy per MAC, pJ/MAC (log scale)",
        "process node",
        "precision",
        "marks",
        "median (ring: extrapolated)",
        "ceiling: bound q0.95",
        "an observation's bound median",
        "seed node table (per FLOP x 2)",
        "Horowitz FP16 MAC, foundry-scaled",
    ] {
        assert!(has(s), "{s:?} missing from {t:?}");
    }
    // Every node and precision of quantiles.csv is on the picture.
    let rows = read_rows(&out.join("quantiles.csv"));
    let mut nodes: Vec<&str> = rows
        .iter()
        .filter(|r| r["basis"] != "pooled")
        .map(|r| r["node"].as_str())
        .collect();
    nodes.sort();
    nodes.dedup();
    for node in &nodes {
        assert!(has(node), "node {node} has no axis label");
    }
    let frontier: Vec<_> = rows
        .iter()
        .filter(|r| r["method"] == "frontier" && r["basis"] != "pooled" && r["status"] == "ok")
        .collect();
    let mut precisions: Vec<&str> = frontier.iter().map(|r| r["precision"].as_str()).collect();
    precisions.sort();
    precisions.dedup();
    for p in &precisions {
        assert!(
            has(&format!("{p}: observed, scaled")),
            "legend for {p} in {t:?}"
        );
    }
    // One band per frontier row: solid for observed rows, outlined light for scaled ones.
    let rects: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .collect();
    let band = |opacity: &str| {
        rects
            .iter()
            .filter(|n| {
                n.attribute("opacity") == Some(opacity) && n.attribute("stroke") == Some("none")
            })
            .count()
    };
    let observed = frontier.iter().filter(|r| r["basis"] == "observed").count();
    let scaled = frontier.iter().filter(|r| r["basis"] == "scaled").count();
    // (+ one swatch per precision in the legend for each)
    assert_eq!(band("0.55"), observed + precisions.len());
    assert_eq!(band("0.18"), scaled + precisions.len());
    // Dots: a median per frontier row (fill and ring), a ring per observation, and the
    // legend's two dots.
    let observations = read_rows(&out.join("observations.csv")).len();
    let circles = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(circles, 2 * frontier.len() + observations + 2);
    // The seed's table: a cross (two black lines) at each of 3, 4, 7 and 12 nm, and the
    // legend's; the Horowitz marks (grey triangles) at each of 3, 4, 5, 7 and 16 nm, and the
    // legend's.
    let crosses = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("line")
                && n.attribute("stroke") == Some("#000000")
                && n.attribute("stroke-width") == Some("2")
        })
        .count();
    assert_eq!(crosses, 2 * (4 + 1));
    let triangles = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") == Some("#787878"))
        .count();
    assert_eq!(triangles, 5 + 1);
}

#[test]
fn nodes_svg_places_the_seed_table_at_its_converted_energy() {
    // The seed's table is per FLOP: at 2 FLOPs per MAC its 1.65 at 4 nm is drawn at 3.3.
    let (_tmp, out) = default_run();
    let svg = read(&out.join("nodes.svg"));
    assert!(svg.contains("(per FLOP x 2)"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts = texts(&doc);
    let tick_y = |label: &str| {
        texts
            .iter()
            .find(|t| t.content == label && t.area.x1 < 100.0)
            .map(|t| (t.area.y0 + t.area.y1) / 2.0)
            .unwrap_or_else(|| panic!("no y tick {label}"))
    };
    let (y1, y10) = (tick_y("1"), tick_y("10"));
    // 4 nm's cross: the second cross from the left (3 nm first).
    let mut crosses: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("line")
                && n.attribute("stroke") == Some("#000000")
                && n.attribute("stroke-width") == Some("2")
        })
        .map(|n| {
            (
                (attr(&n, "x1") + attr(&n, "x2")) / 2.0,
                (attr(&n, "y1") + attr(&n, "y2")) / 2.0,
            )
        })
        .collect();
    crosses.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (_, y4nm) = crosses[2]; // two lines per cross
    let expected = y1 + (y10 - y1) * (1.65f64 * 2.0).log10();
    assert!(
        (y4nm - expected).abs() < 3.0,
        "4 nm seed mark at y {y4nm}, expected {expected} (3.3 pJ/MAC)"
    );
}
