//! Hidden `latchkey bench-seed`: fills a pool with confirmed users fast for the benchmark (bench/), through the
//! store's own insert path (a transaction per batch) with the same lookup and search entries a sign-up writes — but with the password
//! hashed once for all users, since a million Argon2id hashes would take hours. Users are `<prefix><i>` with
//! the email `<prefix><i>@bench.example`; the first `--srp-users` of them also get an SRP salt and verifier (one
//! 3072-bit modular exponentiation each), so USER_SRP_AUTH works for them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use latchkey_core::ids::new_uuid;
use latchkey_core::passwords::PasswordHasher;
use latchkey_core::pools::UserPool;
use latchkey_core::srp::{math, pool_name};
use latchkey_core::store::{NewUserRows, Store, StoreError};
use latchkey_core::users::names::{lookups, search_entries};
use latchkey_core::users::{User, STATUS_CONFIRMED};
use latchkey_core::Latchkey;

use crate::app;
use crate::config::Config;

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// The user pool id (it must exist).
    #[arg(long)]
    pool: String,
    /// How many users.
    #[arg(long)]
    count: u64,
    /// Usernames are <prefix><i>.
    #[arg(long, default_value = "u")]
    prefix: String,
    /// Every user's password.
    #[arg(long)]
    password: String,
    /// First index (to grow a pool in several runs).
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// How many of the users (from the first) get an SRP verifier.
    #[arg(long, default_value_t = 1000)]
    srp_users: u64,
    /// Users built per batch.
    #[arg(long, default_value_t = 500)]
    batch: u64,
    /// Batches inserted at once.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
}

struct Shared {
    latchkey: Latchkey,
    store: Arc<dyn Store>,
    pool: UserPool,
    args: SeedArgs,
    phc: String,
    next: AtomicU64,
    /// Batches written at once: SQLite has one writer, so its batches queue here rather than in SQLite's busy
    /// handler (which is neither fair nor patient enough for seconds-long bulk transactions); PostgreSQL takes
    /// them all at once.
    writers: tokio::sync::Semaphore,
    inserted: AtomicU64,
    existing: AtomicU64,
}

fn build_batch(shared: &Shared, from: u64, to: u64) -> Vec<User> {
    let now = shared.latchkey.clock().now();
    let a = &shared.args;
    (from..to)
        .map(|i| {
            let username = format!("{}{i}", a.prefix);
            let mut attributes = BTreeMap::new();
            attributes.insert("email".to_string(), format!("{username}@bench.example"));
            attributes.insert("email_verified".to_string(), "true".to_string());
            let (srp_salt, srp_verifier) = if i < a.start + a.srp_users {
                let mut salt_bytes = [0u8; 16];
                shared.latchkey.rng().fill(&mut salt_bytes);
                let salt = math::u3072_from_be(&salt_bytes);
                let x = math::private_key(&salt, pool_name(&shared.pool.id), &username, &a.password);
                (Some(math::to_hex(&salt)), Some(math::to_hex(&math::verifier(&x))))
            } else {
                (None, None)
            };
            let sub = new_uuid(shared.latchkey.rng());
            let mut user = User::new(&shared.pool.id, username, sub, attributes, STATUS_CONFIRMED, now);
            user.password_hash = Some(shared.phc.clone());
            (user.srp_salt, user.srp_verifier) = (srp_salt, srp_verifier);
            user
        })
        .collect()
}

async fn insert_one_by_one(shared: &Shared, rows: &[NewUserRows]) -> Result<(), String> {
    for (user, l, s) in rows {
        match shared.store.insert_user(user, l, s).await {
            Ok(()) => shared.inserted.fetch_add(1, Ordering::Relaxed),
            Err(StoreError::Duplicate { .. }) => shared.existing.fetch_add(1, Ordering::Relaxed),
            Err(e) => return Err(format!("inserting {} failed: {e}", user.username)),
        };
    }
    Ok(())
}

async fn worker(shared: Arc<Shared>) -> Result<(), String> {
    let end = shared.args.start + shared.args.count;
    loop {
        let from = shared.next.fetch_add(shared.args.batch, Ordering::Relaxed);
        if from >= end {
            return Ok(());
        }
        let to = (from + shared.args.batch).min(end);
        let s = shared.clone();
        // Building may run SRP exponentiations: keep it off the async workers.
        let users = tokio::task::spawn_blocking(move || build_batch(&s, from, to))
            .await
            .map_err(|e| format!("building users failed: {e}"))?;
        let rows: Vec<NewUserRows> = users
            .into_iter()
            .map(|user| {
                let (l, s) = (lookups(&shared.pool, &user), search_entries(&shared.pool, &user));
                (user, l, s)
            })
            .collect();
        // One transaction per batch; a batch that meets users of an earlier run goes one by one instead.
        let writing = shared
            .writers
            .acquire()
            .await
            .map_err(|e| format!("seeding stopped: {e}"))?;
        let inserted = shared.store.insert_users(&rows).await;
        drop(writing);
        match inserted {
            Ok(()) => {
                shared.inserted.fetch_add(rows.len() as u64, Ordering::Relaxed);
            }
            Err(StoreError::Duplicate { .. }) => insert_one_by_one(&shared, &rows).await?,
            Err(e) => return Err(format!("inserting users {from}..{to} failed: {e}")),
        }
        let done = to - shared.args.start;
        if done % 100_000 < shared.args.batch && done >= 100_000 {
            eprintln!("bench-seed: {done} users");
        }
    }
}

pub async fn run(config: &Config, args: SeedArgs) -> Result<(), String> {
    let started = Instant::now();
    let app = app::build(config).await?;
    let latchkey = app.latchkey;
    let pool = latchkey
        .pool(&args.pool)
        .await
        .map_err(|e| e.message().to_string())?;
    // One hash, with the deployment's parameters, for every user.
    let phc = PasswordHasher::new(latchkey.settings().hashing, 1, 1)
        .map_err(|e| e.message().to_string())?
        .hash(latchkey.rng(), &args.password)
        .await
        .map_err(|e| e.message().to_string())?;
    let jobs = args.jobs.max(1);
    let shared = Arc::new(Shared {
        latchkey,
        store: app.store,
        pool,
        next: AtomicU64::new(args.start),
        writers: tokio::sync::Semaphore::new(if config.database_url.is_some() { jobs } else { 1 }),
        phc,
        args: SeedArgs {
            batch: args.batch.max(1),
            ..args
        },
        inserted: AtomicU64::new(0),
        existing: AtomicU64::new(0),
    });
    let handles: Vec<_> = (0..jobs).map(|_| tokio::spawn(worker(shared.clone()))).collect();
    for h in handles {
        h.await.map_err(|e| format!("a seeding task failed: {e}"))??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let inserted = shared.inserted.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "pool": shared.pool.id,
            "inserted": inserted,
            "existing": shared.existing.load(Ordering::Relaxed),
            "seconds": seconds,
            "users_per_second": inserted as f64 / seconds.max(1e-9),
        })
    );
    Ok(())
}
