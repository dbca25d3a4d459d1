//! `mfucal diff` names a changed setting key by key (`nodes.5nm ...`), not the whole resolved
//! config printed twice; and the git-revision form the README uses works on this repository.

use crate::common;

use std::path::Path;

use common::{mfucal_in, stderr, stdout, Fixture};

#[test]
fn adding_a_node_is_one_short_settings_line() {
    let f = Fixture::new();
    let first = f.mfucal(&[
        "run",
        "--config",
        "configs/test.toml",
        "--out",
        "old",
        "--quiet",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let config = std::fs::read_to_string(f.path("configs/test.toml")).unwrap();
    f.write(
        "configs/test.toml",
        format!("{config}\"5nm\" = {{ dist = \"lognormal\", mu = 0.09, sigma = 0.10 }}\n")
            .as_bytes(),
    );
    let second = f.mfucal(&[
        "run",
        "--config",
        "configs/test.toml",
        "--out",
        "new",
        "--quiet",
    ]);
    assert!(second.status.success(), "{}", stderr(&second));
    let out = f.mfucal(&["diff", "old", "new"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let settings: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "Settings changed:")
        .skip(1)
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(
        settings,
        [r#"- nodes.5nm (none) -> {"scale":{"dist":"lognormal","mu":0.09,"sigma":0.1}}"#],
        "{text}"
    );
    assert!(
        !text.contains("\"4nm\""),
        "the unchanged nodes are not printed: {text}"
    );
}

#[test]
fn the_readme_revision_form_reads_committed_results() {
    // `HEAD:results/default` is what the README's example uses: a revision that exists in
    // any clone (tags may not). Skipped outside a git checkout (a source tarball).
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inside = std::process::Command::new("git")
        .args([
            "rev-parse",
            "--verify",
            "-q",
            "HEAD:results/default/quantiles.csv",
        ])
        .current_dir(repo)
        .output();
    if !inside.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: not a git checkout with committed results/default");
        return;
    }
    let out = mfucal_in(repo, &["diff", "HEAD:results/default", "results/default"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("HEAD:results/default"),
        "{}",
        stdout(&out)
    );
}
