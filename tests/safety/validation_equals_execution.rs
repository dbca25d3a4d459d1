//! What `validate` accepts, `run` completes; what cannot complete is refused up front, with
//! its key, status 1 and nothing written; command-line values pass the same checks as config
//! values; numbers in messages stay short (issue 12, cases 3, 4, 7, 8, 13, 15, 17).

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{
    assert_rejected_at, stderr, stdout, top_level, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS,
};

const CFG: &str = "configs/test.toml";

/// The fixture config with `from` replaced by `to` (which must occur).
fn config(from: &str, to: &str) -> Fixture {
    assert!(CONFIG.contains(from), "{from}");
    Fixture::with(&CONFIG.replace(from, to), ACCELERATORS, OBSERVATIONS)
}

fn key(line: u32, name: &str) -> String {
    format!("{CFG}:{line}: key {name}: ")
}

/// A refused command: status 1, one line starting `error: WHAT`, nothing written.
fn assert_refused(f: &Fixture, args: &[&str], what: &str) {
    let o = f.mfucal(args);
    let text = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with(&format!("error: {what}")), "{text}");
    assert!(text.len() < 300, "a long message: {text}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert_eq!(
        top_level(f),
        ["configs", "datasets"],
        "{args:?} wrote something"
    );
}

#[test]
fn a_prior_as_wide_as_the_grid_allows_runs_its_prior_sensitivity() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nprior = { dist = \"log_uniform\", low = 1e-4, high = 1e4 }",
    );
    let v = f.mfucal(&["validate", "--config", CFG]);
    assert!(v.status.success(), "{}", stderr(&v));
    let o = f.run(&["--samples", "20000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sensitivity = std::fs::read_to_string(f.path("out/sensitivity.csv")).unwrap();
    assert!(sensitivity.contains("wide"), "{sensitivity}");
}

#[test]
fn beta_parameters_a_library_hangs_or_panics_on_are_refused_with_their_key() {
    // 1e308 panicked inside statrs; 1e16 hung validate and run.
    for x in ["1e308", "1e16", "2e6"] {
        let f = config(
            "reference_node = \"4nm\"",
            &format!(
                "reference_node = \"4nm\"\nsoftware_efficiency = {{ dist = \"beta\", alpha = {x}, beta = {x} }}"
            ),
        );
        let shown = x.replace("2e6", "2000000");
        assert_rejected_at(
            &f,
            &[],
            &[(
                &key(10, "model.software_efficiency"),
                &format!("alpha = {shown} is too large"),
            )],
        );
    }
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nsoftware_efficiency = { dist = \"beta\", alpha = 9e5, beta = 1e5 }",
    );
    let o = f.run(&["--samples", "20000"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_sampled_reference_node_scale_is_refused() {
    let f = config(
        "\"4nm\" = { dist = \"fixed\", value = 1.0 }",
        "\"4nm\" = { dist = \"lognormal\", mu = 0.0, sigma = 0.05 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(11, "nodes.\"4nm\""),
            "it must be { dist = \"fixed\", value = 1.0 }",
        )],
    );
}

#[test]
fn absurd_thread_counts_are_refused_before_any_thread_starts() {
    let f = Fixture::new();
    for n in ["5000", "18446744073709551615"] {
        let args = ["run", "--config", CFG, "--out", "out", "--threads", n];
        assert_refused(&f, &args, &format!("--threads {n}: use at most 1024"));
        let merge = ["merge", "--out", "out", "--threads", n, "s1"];
        assert_refused(&f, &merge, &format!("--threads {n}: use at most 1024"));
    }
    let o = f.run(&["--samples", "20000", "--threads", "1024"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn command_line_values_pass_the_config_checks() {
    let f = Fixture::new();
    fn check<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["check", "--config", CFG, "--node", "4nm"];
        args.extend_from_slice(extra);
        args
    }
    assert_refused(
        &f,
        &check(&["--pj-per-mac", "2", "--flops-per-mac", "1e308"]),
        "--flops-per-mac 1e308 is out of range; use a number from 0.5 to 8",
    );
    assert_refused(
        &f,
        &check(&["--pj-per-mac", "1e300"]),
        "--pj-per-mac 1e300 must be a positive number from 1e-6 to 1e6 pJ/MAC",
    );
    fn limit<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["limit", "--config", CFG, "--accelerator", "h100-sxm"];
        args.extend_from_slice(extra);
        args
    }
    for (extra, what) in [
        (
            &["--pj-per-mac", "1e-320"][..],
            "--pj-per-mac 1e-320 must be",
        ),
        (&["--pj-per-mac", "1e300"][..], "--pj-per-mac 1e300 must be"),
        (
            &["--mfu", "1e-300"][..],
            "--mfu 1e-300 must be a fraction in (0, 1], at least 0.001",
        ),
        (
            &["--mfu", "0.4", "--flops-per-mac", "1e-300"][..],
            "--flops-per-mac 1e-300 is out of range",
        ),
    ] {
        assert_refused(&f, &limit(extra), what);
    }
    // The config key gets the same range.
    let f = config("[model]", "[units]\nflops_per_mac = 1e308\n[model]");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(9, "units.flops_per_mac"),
            "1e308 is out of range; use a number from 0.5 to 8",
        )],
    );
}

#[test]
fn numbers_in_messages_use_short_scientific_notation() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nprior = { dist = \"uniform\", low = -1e300, high = 1e300 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.prior"),
            "uniform(-1e300, 1e300) has support [-1e300, 1e300]",
        )],
    );
    let run = f.run(&[]);
    assert!(
        stderr(&run).lines().all(|l| l.len() < 300),
        "{}",
        stderr(&run)
    );
}

#[test]
fn an_unreachable_target_mcse_is_refused_and_a_long_one_announced() {
    let f = Fixture::new();
    let args = [
        "run",
        "--config",
        CFG,
        "--out",
        "out",
        "--target-mcse",
        "1e-300",
    ];
    assert_refused(
        &f,
        &args,
        "--target-mcse 1e-300: give a relative error from 1e-5",
    );

    // Reachable but long: announced with its expected length before sampling, then stopped.
    let mut observations = OBSERVATIONS.to_string();
    for i in 0..6 {
        observations.push_str(&format!("run{i},h100-sxm,bf16,0.4,0.45,fixture\n"));
    }
    let f = Fixture::with(CONFIG, ACCELERATORS, &observations);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mfucal"))
        .args(["run", "--config", CFG, "--out", "out", "--threads", "1"])
        .args(["--target-mcse", "1e-5"])
        .current_dir(f.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with(
            "warning: --target-mcse 0.00001 may need about 1.0e10 samples per observation, about "
        ) && line.contains("minutes on 1 thread"),
        "{line}"
    );
}
