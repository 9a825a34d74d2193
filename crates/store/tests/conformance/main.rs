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
    // Pools and clients.
    ping_answers,
    pool_round_trips,
    missing_pool_is_none,
    duplicate_pool_is_duplicate,
    update_pool_checks_version,
    concurrent_pool_updates_one_wins,
    list_pools_filters_region_and_paginates,
    list_pools_orders_by_byte_value,
    client_lifecycle,
    list_clients_paginates,
    duplicate_client_is_duplicate,
    client_of_missing_pool_is_conflict,
    delete_pool_cascades_to_clients,
    data_survives_reopening,
    // Users and codes.
    user_round_trips,
    duplicate_username_is_duplicate,
    duplicate_lookup_names_the_kind,
    user_of_missing_pool_is_conflict,
    update_user_checks_version,
    update_user_replaces_index_rows,
    update_user_clash_changes_nothing,
    insert_users_is_all_or_nothing,
    list_users_paginates,
    list_users_filters_and_paginates,
    list_users_prefix_is_literal_and_byte_ordered,
    list_users_prefix_pages_through_equal_keys,
    code_round_trips_and_upserts,
    code_attempts_count_atomically,
    take_code_succeeds_once,
    code_of_missing_user_is_conflict,
    // Groups.
    group_round_trips_and_updates,
    list_groups_paginates_by_name,
    memberships,
    delete_group_removes_memberships,
    // Devices.
    device_round_trips_and_updates,
    duplicate_device_is_duplicate,
    device_of_missing_user_is_conflict,
    update_device_checks_version,
    list_devices_paginates_per_user,
    delete_device_reports_existence,
    delete_user_removes_devices,
    delete_pool_removes_devices,
    // Domains.
    domain_round_trips,
    duplicate_domain_is_duplicate_across_pools,
    domain_of_missing_pool_is_conflict,
    update_domain_replaces_and_checks_existence,
    delete_domain_reports_existence,
    domains_of_pool_are_ordered_and_isolated,
    delete_pool_removes_domains,
    // Tokens and keys.
    refresh_token_round_trips,
    replaced_tokens_keep_their_first_instant,
    revoke_origin_revokes_one_sign_in,
    revoke_user_tokens_is_per_user,
    signing_keys_rotate,
    stale_rotation_is_conflict,
    concurrent_rotations_one_wins,
    hot_reads_see_every_committed_write,
    // The identity-token key ring.
    identity_keys_rotate,
    identity_keys_are_apart_from_user_pool_keys,
    concurrent_identity_key_rotations_one_wins,
    // Outbox and counters.
    outbox_lists_newest_first,
    counters_count_within_a_window_and_restart,
    concurrent_counter_increments_all_count,
    counters_decrement_while_live_and_never_below_zero,
    sliding_counters_read_and_put,
    // The background purge.
    purge_deletes_expired_rows_and_keeps_live_ones,
    purge_works_in_bounded_batches,
    concurrent_purges_delete_each_row_once,
    migration_fills_expiry_columns_from_documents,
    // Identity pools.
    identity_pool_round_trips_and_updates,
    duplicate_identity_pool_is_duplicate,
    list_identity_pools_filters_prefix_and_paginates,
    identity_round_trips,
    taken_login_is_duplicate_and_inserts_nothing,
    concurrent_identities_for_one_login_one_wins,
    link_logins_is_all_or_nothing,
    unlink_logins_counts_what_was_linked,
    merge_moves_one_provider_and_deletes_an_empty_source,
    delete_identities_reports_the_missing,
    list_identities_paginates_per_pool,
    delete_identity_pool_cascades,
    delete_user_pool_leaves_identity_pools,
    // Cascades.
    delete_user_cascades,
    delete_pool_cascades_everything,
);
