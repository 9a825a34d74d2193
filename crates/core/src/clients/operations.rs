//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient.

use serde::Deserialize;

use super::model::AppClient;
use super::settings::ClientSettingsInput;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::pagination::page_of;
use crate::service::{landed, Latchkey, MAX_CONFLICT_RETRIES};
use crate::store::{Page, StoreError};

/// Cognito allows 1,000 app clients per pool.
pub const MAX_CLIENTS_PER_POOL: u64 = 1000;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateClientInput {
    pub user_pool_id: String,
    pub client_name: String,
    pub generate_secret: Option<bool>,
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettingsInput,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateClientInput {
    pub user_pool_id: String,
    pub client_id: String,
    pub client_name: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettingsInput,
}

impl Latchkey {
    pub async fn create_user_pool_client(&self, input: CreateClientInput) -> Result<AppClient> {
        let pool = self.pool(&input.user_pool_id).await?;
        if self.store.count_clients(&pool.id).await? >= MAX_CLIENTS_PER_POOL {
            return Err(CognitoError::new(
                ErrorKind::LimitExceededException,
                format!("A user pool can have at most {MAX_CLIENTS_PER_POOL} app clients."),
            ));
        }
        let client_secret = match (input.client_secret, input.generate_secret) {
            (Some(_), Some(false)) => {
                return Err(CognitoError::invalid_parameter(
                    "ClientSecret cannot be set when GenerateSecret is false.",
                ));
            }
            (Some(s), _) => Some(s),
            (None, Some(true)) => Some(crate::ids::new_client_secret(self.rng.as_ref())),
            (None, _) => None,
        };
        let now = self.clock.now();
        let mut client = AppClient {
            user_pool_id: pool.id.clone(),
            client_name: input.client_name,
            client_id: crate::ids::new_client_id(self.rng.as_ref()),
            client_secret,
            last_modified_date: now,
            creation_date: now,
            refresh_token_validity: 30,
            access_token_validity: None,
            id_token_validity: None,
            token_validity_units: None,
            read_attributes: None,
            write_attributes: None,
            explicit_auth_flows: Vec::new(),
            supported_identity_providers: None,
            callback_urls: None,
            logout_urls: None,
            default_redirect_uri: None,
            allowed_oauth_flows: None,
            allowed_oauth_scopes: None,
            allowed_oauth_flows_user_pool_client: false,
            analytics_configuration: None,
            prevent_user_existence_errors: "LEGACY".into(),
            enable_token_revocation: true,
            enable_propagate_additional_user_context_data: false,
            auth_session_validity: 3,
            refresh_token_rotation: None,
            other: Default::default(),
            version: 1,
        };
        input.settings.apply(&pool, &mut client)?;
        match self.store.insert_client(&client).await {
            Ok(()) => Ok(client),
            // The pool was deleted between the read above and the insert.
            Err(StoreError::Conflict(_)) => Err(CognitoError::pool_not_found(&pool.id)),
            Err(e) => Err(e.into()),
        }
    }

    /// DescribeUserPoolClient.
    pub async fn describe_user_pool_client(&self, pool_id: &str, client_id: &str) -> Result<AppClient> {
        self.client_in_pool(pool_id, client_id).await
    }

    /// The client `client_id` of pool `pool_id`; a client of another pool is reported as missing.
    pub(crate) async fn client_in_pool(&self, pool_id: &str, client_id: &str) -> Result<AppClient> {
        match self.store.get_client(client_id).await? {
            Some(c) if c.user_pool_id == pool_id => Ok(c),
            _ => {
                self.pool(pool_id).await?;
                Err(CognitoError::client_not_found(client_id))
            }
        }
    }

    pub async fn list_user_pool_clients(
        &self,
        pool_id: &str,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<Page<AppClient>> {
        self.pool(pool_id).await?;
        page_of("client", next_token, |after| async move {
            self.store
                .list_clients(pool_id, after.as_deref(), max_results)
                .await
        })
        .await
    }

    /// Settings the request omits return to their defaults, as Cognito documents; name and secret are kept.
    pub async fn update_user_pool_client(&self, input: UpdateClientInput) -> Result<AppClient> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let pool = self.pool(&input.user_pool_id).await?;
            let mut client = self.client_in_pool(&pool.id, &input.client_id).await?;
            if let Some(name) = &input.client_name {
                client.client_name = name.clone();
            }
            input.settings.clone().apply(&pool, &mut client)?;
            client.last_modified_date = self.clock.now();
            client.version += 1;
            if landed(self.store.update_client(&client).await)? {
                self.client_cache.forget(&client.client_id);
                return Ok(client);
            }
        }
        Err(StoreError::Conflict(format!("User pool client {}", input.client_id)).into())
    }

    pub async fn delete_user_pool_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.client_in_pool(pool_id, client_id).await?;
        let existed = self.store.delete_client(pool_id, client_id).await?;
        self.client_cache.forget(client_id);
        if !existed {
            return Err(CognitoError::client_not_found(client_id));
        }
        Ok(())
    }
}
