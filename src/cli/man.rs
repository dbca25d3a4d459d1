//! `mfucal man`: the man pages, rendered by clap_mangen from the same grammar as `--help`.

use std::path::PathBuf;

use clap::CommandFactory;

use mfucal::error::{Error, Result};

use super::args::Cli;

/// The man page on stdout; with a folder, it and one page per subcommand (the top page refers
/// to them as mfucal-run(1), ...) written there, and their names returned.
pub fn man(dir: Option<PathBuf>) -> Result<String> {
    let cmd = Cli::command();
    let page = |c: clap::Command| -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(c)
            .render(&mut bytes)
            .map_err(|e| Error::Other(e.into()))?;
        Ok(bytes)
    };
    let Some(dir) = dir else {
        return String::from_utf8(page(cmd)?).map_err(|e| Error::Other(e.into()));
    };
    let mut pages = vec![("mfucal.1".to_string(), page(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("mfucal-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((format!("{name}.1"), page(sub)?));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Argument(format!("--dir {}: {e}", dir.display())))?;
    let mut written = String::new();
    for (name, bytes) in pages {
        let path = dir.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(path.display().to_string(), &path, e))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    Ok(written)
}
