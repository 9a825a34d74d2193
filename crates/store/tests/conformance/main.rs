//! The store conformance suite: every case in `cases` runs once per backend, so SQLite and PostgreSQL are
//! held to the same behaviour. PostgreSQL comes from `LATCHKEY_TEST_POSTGRES_URL` (see `harness`).

// clippy's allow-unwrap-in-tests covers `#[test]` functions only, not the case and fixture helpers they call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod fixtures;
mod harness;

/// Instantiates each case as a test in `sqlite::` and in `postgres::`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $case() { crate::harness::on_sqlite(crate::cases::$case).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $case() { crate::harness::on_postgres(crate::cases::$case).await })*
        }
    };
}

conformance!(
    ping_answers,
    pool_round_trips,
    missing_pool_is_none,
    duplicate_pool_is_conflict,
    update_pool_checks_version,
    concurrent_pool_updates_one_wins,
    list_pools_filters_region_and_paginates,
    list_pools_orders_by_byte_value,
    client_lifecycle,
    list_clients_paginates,
    duplicate_client_is_conflict,
    client_of_missing_pool_is_conflict,
    delete_pool_cascades_to_clients,
    data_survives_reopening,
);
