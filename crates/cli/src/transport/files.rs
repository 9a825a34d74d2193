//! The open-file limit: raised from the soft to the hard limit at start (every connection is a file), and the
//! connection cap derived from it, so that accepting never fails for want of a file.

/// The open-file limit before and after raising it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimit {
    pub soft_before: u64,
    pub soft: u64,
    pub hard: u64,
}

/// Raises the soft open-file limit as far as the hard limit allows.
#[cfg(unix)]
pub fn raise_open_file_limit() -> std::io::Result<FileLimit> {
    let (soft_before, hard) = rlimit::Resource::NOFILE.get()?;
    // `increase_nofile_limit` knows the platforms' quirks (macOS refuses an unlimited soft limit).
    let soft = rlimit::increase_nofile_limit(u64::MAX)?;
    Ok(FileLimit {
        soft_before,
        soft,
        hard,
    })
}

/// Other platforms have no such limit to raise.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> std::io::Result<FileLimit> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Connections served at once when the operator set no cap: three quarters of the open-file limit, leaving the
/// rest for the database, the mail server and the log, and at most 65,536 (about 1 GiB of connection buffers).
pub fn connection_cap(configured: Option<u64>, soft_limit: u64) -> usize {
    let derived = (soft_limit - soft_limit / 4).clamp(1, 65_536);
    let cap = configured.unwrap_or(derived);
    usize::try_from(cap).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_leaves_files_for_everything_else() {
        assert_eq!(connection_cap(None, 1_024), 768);
        assert_eq!(connection_cap(None, 256), 192);
        assert_eq!(connection_cap(None, 1), 1);
        assert_eq!(connection_cap(None, 1_048_576), 65_536);
        assert_eq!(connection_cap(Some(10), 1_024), 10);
    }
}
