//! `--help` with examples, shell completions and man pages, through the binary.

use crate::common;

use common::{stderr, stdout, Fixture};

const SUBCOMMANDS: [&str; 11] = [
    "run",
    "merge",
    "diff",
    "import-epoch",
    "show",
    "list",
    "validate",
    "limit",
    "check",
    "completions",
    "man",
];

#[test]
fn help_has_examples_for_every_command() {
    let f = Fixture::new();
    let top = f.mfucal(&["--help"]);
    assert!(top.status.success());
    assert!(
        stdout(&top).contains("\nExamples:\n  mfucal run"),
        "{}",
        stdout(&top)
    );
    for sub in SUBCOMMANDS {
        let help = f.mfucal(&[sub, "--help"]);
        assert!(help.status.success(), "{sub}");
        let text = stdout(&help);
        assert!(
            text.contains("\nExample"),
            "{sub} --help has no example:\n{text}"
        );
        // Every option line carries a description after its name.
        for line in text
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with('-'))
        {
            let spec_end = line.find("  ").map(|i| line[i..].trim());
            assert!(
                spec_end.is_some_and(|d| !d.is_empty()),
                "{sub}: option without description: {line}"
            );
        }
    }
}

#[test]
fn completions_and_man_pages() {
    let f = Fixture::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = f.mfucal(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(
            script.contains("mfucal") && script.contains("show") && script.contains("--exit-code"),
            "{shell}"
        );
    }
    let bad = f.mfucal(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(1));

    let man = f.mfucal(&["man"]);
    assert!(man.status.success());
    let page = stdout(&man);
    assert!(
        page.contains(".TH mfucal 1") && page.contains("mfucal\\-show(1)"),
        "{page}"
    );

    let dir = f.mfucal(&["man", "--dir", "man1"]);
    assert!(dir.status.success(), "{}", stderr(&dir));
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(f.path("man1").join(format!("mfucal-{sub}.1"))).unwrap();
        assert!(
            page.contains(&format!(".TH mfucal\\-{} 1", sub.replace('-', "\\-")))
                || page.contains(&format!(".TH mfucal-{sub} 1")),
            "{sub}:\n{}",
            &page[..200]
        );
    }
    assert!(f.path("man1/mfucal.1").is_file());
}
