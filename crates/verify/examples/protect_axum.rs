//! An axum service whose `/me` and `/admin` routes need a valid access token of one user pool.
//!
//! ```text
//! cargo run -p latchkey-verify --example protect_axum -- http://localhost:9229/us-east-1_Example [client-id]
//! # or: LATCHKEY_ISSUER=... LATCHKEY_CLIENT_ID=... LISTEN=127.0.0.1:3000 cargo run ... --example protect_axum
//! curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:3000/me
//! ```
//!
//! Prints `listening on <addr>` once it accepts connections.

use std::error::Error;

use axum::routing::get;
use axum::{Json, Router};
use latchkey_verify::{Claims, Requirements, TokenUse, Verifier, VerifyLayer};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let issuer = args
        .next()
        .or_else(|| std::env::var("LATCHKEY_ISSUER").ok())
        .ok_or("usage: protect_axum <issuer> [client-id]  (or set LATCHKEY_ISSUER)")?;
    let client_id = args.next().or_else(|| std::env::var("LATCHKEY_CLIENT_ID").ok());
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());

    let mut builder = Verifier::builder(issuer).token_use(TokenUse::Access);
    if let Some(id) = &client_id {
        builder = builder.client_id(id.clone());
    }
    let verifier = builder.build()?;

    // Same verifier, stricter requirements on /admin: members of the "admins" group only.
    let admins = Requirements {
        any_group: vec!["admins".into()],
        ..verifier.requirements().clone()
    };
    let app = Router::new()
        .route("/me", get(me))
        .layer(VerifyLayer::new(verifier.clone()))
        .merge(
            Router::new()
                .route("/admin", get(admin))
                .layer(VerifyLayer::new(verifier).requirements(admins)),
        )
        .route("/", get(|| async { "public: try /me with a bearer token\n" }));

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn me(claims: Claims) -> Json<Value> {
    Json(json!({
        "sub": claims.sub,
        "username": claims.username,
        "client_id": claims.client_id,
        "scopes": claims.scopes,
        "groups": claims.groups,
    }))
}

async fn admin(claims: Claims) -> String {
    format!(
        "welcome, administrator {}\n",
        claims.username.unwrap_or(claims.sub)
    )
}
