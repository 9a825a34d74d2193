//! Secrets given as files (`--master-key-file`, `LATCHKEY_SMTP_URL_FILE`, `database_url_file = ...`): read once at
//! start into the setting they stand for, so a secret need not appear in `ps` or a shell history. Giving both a
//! value and its file is an error, as is a file that cannot be read; one trailing newline (what `echo` and most
//! editors add) is not part of the secret.

use std::path::Path;

use crate::config::Config;

/// Replaces each `<name>_file` setting by the contents of the file it names.
pub fn resolve(config: &mut Config) -> Result<(), String> {
    fill(
        "master_key",
        &mut config.master_key,
        config.master_key_file.as_deref(),
    )?;
    fill(
        "admin_secret_access_key",
        &mut config.admin_secret_access_key,
        config.admin_secret_access_key_file.as_deref(),
    )?;
    fill("smtp_url", &mut config.smtp_url, config.smtp_url_file.as_deref())?;
    fill(
        "database_url",
        &mut config.database_url,
        config.database_url_file.as_deref(),
    )?;
    Ok(())
}

fn fill(name: &str, value: &mut Option<String>, file: Option<&Path>) -> Result<(), String> {
    let Some(path) = file else { return Ok(()) };
    if value.is_some() {
        return Err(format!(
            "{name} and {name}_file are both set: give the secret one way only"
        ));
    }
    *value = Some(read(name, path)?);
    Ok(())
}

pub fn read(name: &str, path: &Path) -> Result<String, String> {
    // The error names the file and the reason, never the contents.
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {name}_file {}: {e}", path.display()))?;
    let secret = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if secret.is_empty() {
        return Err(format!("{name}_file {} is empty", path.display()));
    }
    Ok(secret.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::config::{load, Options};

    fn temp(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lk-secret-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn files_fill_their_settings_without_the_trailing_newline() {
        let key = "ab".repeat(32);
        let flags = Options {
            master_key_file: Some(temp("mk", &format!("{key}\n"))),
            smtp_url_file: Some(temp("smtp", "smtp://u:pw@mail:25\r\n")),
            ..Default::default()
        };
        let env = vec![
            ("LATCHKEY_ADMIN_ACCESS_KEY_ID".to_string(), "AKID".to_string()),
            (
                "LATCHKEY_ADMIN_SECRET_ACCESS_KEY_FILE".to_string(),
                temp("admin", "s3cret  ").display().to_string(),
            ),
            (
                "LATCHKEY_DATABASE_URL_FILE".to_string(),
                temp("db", "postgres://u:pw@h/db").display().to_string(),
            ),
        ];
        let (c, unknown) = load(&flags, env).unwrap();
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(c.master_key.as_deref(), Some(key.as_str()));
        assert_eq!(c.smtp_url.as_deref(), Some("smtp://u:pw@mail:25"));
        assert_eq!(
            c.admin_secret_access_key.as_deref(),
            Some("s3cret  "),
            "only the line end is trimmed"
        );
        assert_eq!(c.database_url.as_deref(), Some("postgres://u:pw@h/db"));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains(&key) && !shown.contains(":pw@"),
            "{shown}"
        );
    }

    #[test]
    fn value_and_file_together_or_an_unreadable_file_are_refused() {
        let flags = Options {
            master_key: Some("ab".repeat(32)),
            master_key_file: Some(temp("mk2", &"cd".repeat(32))),
            ..Default::default()
        };
        let err = load(&flags, Vec::new()).err().unwrap_or_default();
        assert!(err.contains("master_key and master_key_file"), "{err}");
        assert!(!err.contains(&"cd".repeat(32)), "{err}");

        let missing = std::env::temp_dir().join("lk-no-such-secret-file");
        let flags = Options {
            smtp_url_file: Some(missing.clone()),
            ..Default::default()
        };
        let err = load(&flags, Vec::new()).err().unwrap_or_default();
        assert!(
            err.contains("smtp_url_file") && err.contains(&missing.display().to_string()),
            "{err}"
        );

        let flags = Options {
            database_url_file: Some(temp("empty", "\n")),
            ..Default::default()
        };
        let err = load(&flags, Vec::new()).err().unwrap_or_default();
        assert!(err.contains("is empty"), "{err}");
    }
}
