//! The data dir holds the database, the master key and the generated admin key: it is created readable by its
//! owner only (0700). One created looser by an older version is reported, not changed: it may be shared on
//! purpose, and the secret files inside are 0600 either way.

use std::path::Path;

pub fn prepare(dir: &Path) -> Result<(), String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(dir) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    data_dir = %dir.display(),
                    mode = format!("{mode:o}"),
                    "the data dir holds secrets but other users may open it; consider chmod 700"
                );
            }
        }
    }
    Ok(())
}
