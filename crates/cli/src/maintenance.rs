//! Maintenance commands run against the same database as the server: key rotation and the dev outbox.

use crate::app;
use crate::config::Config;

pub async fn rotate_keys(config: &Config, pool_id: &str) -> Result<(), String> {
    let app = app::build(config).await?;
    app.latchkey
        .rotate_keys(pool_id)
        .await
        .map_err(|e| e.message().to_string())?;
    let keys = app
        .latchkey
        .pool_keys(pool_id)
        .await
        .map_err(|e| e.message().to_string())?;
    println!("Rotated the signing keys of {pool_id}.");
    println!("ID tokens now use kid {}", keys.id.kid);
    println!("access tokens now use kid {}", keys.access.kid);
    println!("Running servers pick the new keys up within 30 seconds; the old keys keep verifying until their tokens expire.");
    Ok(())
}

pub async fn print_outbox(config: &Config, limit: u32) -> Result<(), String> {
    let app = app::build(config).await?;
    let messages = app.store.list_outbox(limit).await.map_err(|e| e.to_string())?;
    if messages.is_empty() {
        println!("The outbox is empty.");
    }
    for m in messages {
        println!("--- {} | pool {} | to {}", m.id, m.pool_id, m.recipient);
        if !m.subject.is_empty() {
            println!("Subject: {}", m.subject);
        }
        println!("{}\n", m.body);
    }
    Ok(())
}
