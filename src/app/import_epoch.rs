//! placeholder
use std::path::PathBuf;
pub struct ImportOptions {
    pub epoch_csv: PathBuf,
    pub out: PathBuf,
    pub replace: bool,
}
pub fn import_epoch(_o: &ImportOptions) -> anyhow::Result<String> {
    todo!()
}
