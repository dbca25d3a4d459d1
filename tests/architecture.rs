//! The pipeline's direction, checked: no library module imports a module above it. The layers
//! are those of docs/architecture.md and of `src/lib.rs`'s doc comment, from the bottom up;
//! modules in one layer do not import each other. The binary (`src/main.rs`, `src/cli/`)
//! sits on top and may import anything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's top-level modules, from the bottom of the pipeline up.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["fmt", "units", "stop", "input", "suggest", "schema"],
    &["dist"],
    &["config"],
    &["data"],
    &["sampler"],
    &["posterior"],
    &["calibrate"],
    &["stats"],
    &["compare"],
    &["export"],
    &["output"],
    &["plot"],
    &["report"],
    &["app"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules a source file names (`crate::x::...` and `crate::{x, y}`), comments
/// excluded: a doc link to a module above is a pointer for the reader, not a dependency.
fn crate_dependencies(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut deps = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for item in list[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    deps.insert(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            deps.insert(name);
        }
    }
    deps
}

#[test]
fn no_module_imports_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut unplaced = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        if first == "main.rs" || first == "lib.rs" || first == "cli" {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = layer(&module) else {
            unplaced.insert(module);
            continue;
        };
        for dep in crate_dependencies(&std::fs::read_to_string(file).unwrap()) {
            if dep == module {
                continue;
            }
            match layer(&dep) {
                Some(l) if l >= own => violations.push(format!(
                    "{}: `{module}` (layer {own}) imports `{dep}` (layer {l})",
                    rel.display()
                )),
                Some(_) => {}
                None => {
                    unplaced.insert(dep);
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules not placed in a layer (add them to LAYERS here and to docs/architecture.md): {unplaced:?}"
    );
    assert!(
        violations.is_empty(),
        "imports against the pipeline's direction (move the code down, or the shared part to a \
         lower module):\n  {}",
        violations.join("\n  ")
    );
}

#[test]
fn the_checker_sees_both_import_forms_and_ignores_comments() {
    let deps = crate_dependencies(
        "use crate::config::RunPlan;\nuse crate::{data, stats::ppc};\n\
         /// see [`crate::app`]\nlet x = crate::units::pj_per_mac(1.0); // crate::plot\n",
    );
    let expected: BTreeSet<String> = ["config", "data", "stats", "units"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(deps, expected);
}

#[test]
fn every_library_module_is_placed() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let layered: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(
        declared, layered,
        "src/lib.rs's modules and the layers here differ"
    );
}
