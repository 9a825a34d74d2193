//! Verifies tokens given as JSON lines on stdin and prints one JSON verdict line per input line; the compatibility
//! tests drive it side by side with aws-jwt-verify (tests/compat/test_verify_agreement.py).
//!
//! Input line: `{"token": "...", "issuer": "...", "jwks": {...} | "...", "client_id"?: "...",
//! "token_use"?: "id" | "access", "jwks_uri"?: "..."}`. The verifier starts with `jwks` cached; with `jwks_uri`
//! it may fetch from there on an unknown `kid`, without it it never fetches.
//!
//! Output line: `{"valid": true, "sub": ..., "token_use": ...}` or `{"valid": false, "error": "<VerifyError
//! kind>", "message": ...}` (`"error": "BadInput"` for a line that is not such an object).

use std::error::Error;
use std::io::{BufRead, Write};

use latchkey_verify::{TokenUse, Verifier, VerifyError};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct Case {
    token: String,
    issuer: String,
    jwks: Value,
    client_id: Option<String>,
    token_use: Option<String>,
    jwks_uri: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let verdict = match serde_json::from_str::<Case>(&line) {
            Ok(case) => match verify(case).await {
                Ok(v) => v,
                Err(e) => json!({"valid": false, "error": e.kind(), "message": e.to_string()}),
            },
            Err(e) => json!({"valid": false, "error": "BadInput", "message": e.to_string()}),
        };
        writeln!(stdout, "{verdict}")?;
        stdout.flush()?;
    }
    Ok(())
}

async fn verify(case: Case) -> Result<Value, VerifyError> {
    let mut builder = Verifier::builder(case.issuer);
    builder = match case.jwks_uri {
        Some(uri) => builder.jwks_uri(uri),
        None => builder.offline(),
    };
    if let Some(id) = case.client_id {
        builder = builder.client_id(id);
    }
    match case.token_use.as_deref() {
        None => {}
        Some(s) => {
            let t = TokenUse::parse(s).ok_or(VerifyError::Config(format!("token_use {s:?}")))?;
            builder = builder.token_use(t);
        }
    }
    let verifier = builder.build()?;
    let jwks = match case.jwks {
        Value::String(s) => s,
        other => other.to_string(),
    };
    verifier.cache_jwks(&jwks)?;
    let claims = verifier.verify(&case.token).await?;
    Ok(
        json!({"valid": true, "sub": claims.sub, "token_use": claims.token_use.as_str(),
              "client_id": claims.client_id, "username": claims.username}),
    )
}
