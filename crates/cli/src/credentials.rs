//! Admin access keys: the configured pair, or one generated on first start, stored in the data dir (mode 0600)
//! and printed once so the operator can configure their SDK.

use std::fs;
use std::io::Write;
use std::path::Path;

use latchkey_core::ids::random_string;
use latchkey_core::ports::Rng;
use serde::{Deserialize, Serialize};

use crate::config::Config;

pub const CREDENTIALS_FILE: &str = "admin-credentials.json";

#[derive(Serialize, Deserialize)]
pub struct AdminKey {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Returns the admin key pair and whether it was generated just now.
pub fn admin_key(config: &Config, rng: &dyn Rng) -> Result<(AdminKey, bool), String> {
    if let (Some(id), Some(secret)) = (&config.admin_access_key_id, &config.admin_secret_access_key) {
        return Ok((
            AdminKey {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
            },
            false,
        ));
    }
    let path = config.data_dir.join(CREDENTIALS_FILE);
    if path.exists() {
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let key = serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))?;
        return Ok((key, false));
    }
    let key = AdminKey {
        access_key_id: format!(
            "LKIA{}",
            random_string(rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        secret_access_key: random_string(
            rng,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
    };
    write_private(
        &path,
        &serde_json::to_string_pretty(&key).map_err(|e| e.to_string())?,
    )?;
    Ok((key, true))
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Shown once on stdout, when the key is generated.
pub fn announce(key: &AdminKey, config: &Config) {
    let endpoint = config.public_url();
    println!(
        "Latchkey generated admin credentials (stored in {}; shown only this once):",
        config.data_dir.join(CREDENTIALS_FILE).display()
    );
    println!("AWS_ACCESS_KEY_ID={}", key.access_key_id);
    println!("AWS_SECRET_ACCESS_KEY={}", key.secret_access_key);
    println!(
        "Try: AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=<secret above> aws --endpoint-url {endpoint} --region us-east-1 cognito-idp list-user-pools --max-results 10",
        key.access_key_id
    );
}

pub const MASTER_KEY_FILE: &str = "master.key";

/// The master key: configured (hex), or read from the data dir, or generated there on first start.
pub fn master_key(config: &Config, rng: &dyn Rng) -> Result<latchkey_core::secrets::MasterKey, String> {
    use latchkey_core::secrets::MasterKey;
    if let Some(hex) = &config.master_key {
        return MasterKey::from_hex(hex)
            .ok_or_else(|| "master_key must be 64 hexadecimal characters".to_string());
    }
    let path = config.data_dir.join(MASTER_KEY_FILE);
    if path.exists() {
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return MasterKey::from_hex(&text)
            .ok_or_else(|| format!("{} does not hold a valid master key", path.display()));
    }
    let key = MasterKey::generate(rng);
    write_private(&path, &key.to_hex())?;
    Ok(key)
}
