//! The Ctrl-C watchdog may end the process only before a results folder has been swapped in
//! (`output::exit_unless_published`). Its own test binary: the state is per process.

use std::cell::Cell;

use mfucal::output::{exit_unless_published, write_folder};
use mfucal::stop::Stop;

#[test]
fn the_watchdog_may_act_before_a_swap_and_never_after() {
    let called = Cell::new(0);
    exit_unless_published(|| called.set(called.get() + 1));
    assert_eq!(called.get(), 1, "nothing published yet: the exit may run");

    let root = tempfile::tempdir().unwrap();
    write_folder(
        &root.path().join("out"),
        &[("a.csv", b"1".to_vec())],
        Stop::NEVER,
    )
    .unwrap();
    exit_unless_published(|| called.set(called.get() + 1));
    assert_eq!(
        called.get(),
        1,
        "a folder was published: the exit must not run"
    );
}
