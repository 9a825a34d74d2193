//! The database file holds app-client secrets and sealed signing keys, so only its owner may read it. SQLite
//! creates files as the umask allows (0644 usually) and gives its `-wal` and `-shm` files the mode of the
//! database, so the database is created here first, 0600; a database left readable by an older version is
//! tightened, with a warning.

use std::path::Path;

/// Makes sure the database at `path` (and its WAL files, when present) is readable by its owner only.
pub fn secure(path: &Path) {
    if path.as_os_str().is_empty() || path == Path::new(":memory:") {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            // An empty file is a new, empty database to SQLite.
            Ok(_) => return,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            // A missing directory and the like: SQLite's own open reports it.
            Err(_) => return,
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            let Ok(meta) = std::fs::metadata(file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                // Not fatal: a deployment that shares the file on purpose (another owner, a group) keeps working.
                match std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)) {
                    Ok(()) => tracing::warn!(
                        file = %file.display(),
                        was = format!("{mode:o}"),
                        "the database was readable by other users; restricted it to its owner (0600)"
                    ),
                    Err(e) => tracing::warn!(
                        file = %file.display(),
                        mode = format!("{mode:o}"),
                        error = %e,
                        "the database holds client secrets but is readable by other users and cannot be restricted"
                    ),
                }
            }
        }
    }
}
