//! Groups: the stored model and the group operations; precedence decides `cognito:preferred_role`.

use serde::{Deserialize, Serialize};

use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::pagination::{page_of, page_size};
use crate::service::{landed, Latchkey, MAX_CONFLICT_RETRIES};
use crate::store::{Page, StoreError};
use crate::time::Timestamp;
use crate::users::User;

/// Cognito's limits: 10,000 groups in a pool, 100 groups per user.
pub const MAX_GROUPS_PER_USER: usize = 100;

/// Cognito's `GroupType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub group_name: String,
    pub user_pool_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "RoleArn", default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<u32>,
    pub last_modified_date: Timestamp,
    pub creation_date: Timestamp,
    #[serde(skip)]
    pub version: i64,
}

/// CreateGroup / UpdateGroup input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupInput {
    pub group_name: String,
    pub user_pool_id: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<u32>,
}

fn group_not_found() -> CognitoError {
    CognitoError::not_found("Group not found.")
}

impl Latchkey {
    pub async fn create_group(&self, input: GroupInput) -> Result<Group> {
        self.pool(&input.user_pool_id).await?;
        let now = self.clock.now();
        let group = Group {
            group_name: input.group_name,
            user_pool_id: input.user_pool_id,
            description: input.description,
            role_arn: input.role_arn,
            precedence: input.precedence,
            last_modified_date: now,
            creation_date: now,
            version: 1,
        };
        match self.store.insert_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Duplicate { .. }) => Err(CognitoError::new(
                ErrorKind::GroupExistsException,
                format!("A group with the name {} already exists.", group.group_name),
            )),
            Err(StoreError::Conflict(_)) => Err(CognitoError::pool_not_found(&group.user_pool_id)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_group(&self, pool_id: &str, name: &str) -> Result<Group> {
        self.pool(pool_id).await?;
        self.store
            .get_group(pool_id, name)
            .await?
            .ok_or_else(group_not_found)
    }

    /// Members the request gives are replaced; the others keep their values.
    pub async fn update_group(&self, input: GroupInput) -> Result<Group> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut g = self.get_group(&input.user_pool_id, &input.group_name).await?;
            if input.description.is_some() {
                g.description = input.description.clone();
            }
            if input.role_arn.is_some() {
                g.role_arn = input.role_arn.clone();
            }
            if input.precedence.is_some() {
                g.precedence = input.precedence;
            }
            g.last_modified_date = self.clock.now();
            g.version += 1;
            if landed(self.store.update_group(&g).await)? {
                return Ok(g);
            }
        }
        Err(StoreError::Conflict(format!("Group {}", input.group_name)).into())
    }

    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()> {
        self.pool(pool_id).await?;
        if !self.store.delete_group(pool_id, name).await? {
            return Err(group_not_found());
        }
        Ok(())
    }

    pub async fn list_groups(
        &self,
        pool_id: &str,
        limit: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<Group>> {
        self.pool(pool_id).await?;
        page_of("group", token, |after| async move {
            self.store
                .list_groups(pool_id, after.as_deref(), page_size(limit))
                .await
        })
        .await
    }

    /// The user an administrator names for a membership change, once the group is known to exist.
    async fn member_of_existing_group(&self, pool_id: &str, name: &str, group: &str) -> Result<User> {
        let (_, user) = self.admin_target(pool_id, name).await?;
        self.store
            .get_group(pool_id, group)
            .await?
            .ok_or_else(group_not_found)?;
        Ok(user)
    }

    pub async fn admin_add_user_to_group(&self, pool_id: &str, name: &str, group: &str) -> Result<()> {
        let user = self.member_of_existing_group(pool_id, name, group).await?;
        let current = self
            .store
            .list_groups_for_user(pool_id, &user.username, None, MAX_GROUPS_PER_USER as u32 + 1)
            .await?;
        let already = current.items.iter().any(|g| g.group_name == group);
        if !already && current.items.len() >= MAX_GROUPS_PER_USER {
            return Err(CognitoError::new(
                ErrorKind::LimitExceededException,
                format!("A user can belong to at most {MAX_GROUPS_PER_USER} groups."),
            ));
        }
        match self.store.add_user_to_group(pool_id, group, &user.username).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(group_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn admin_remove_user_from_group(&self, pool_id: &str, name: &str, group: &str) -> Result<()> {
        let user = self.member_of_existing_group(pool_id, name, group).await?;
        self.store
            .remove_user_from_group(pool_id, group, &user.username)
            .await?;
        Ok(())
    }

    pub async fn admin_list_groups_for_user(
        &self,
        pool_id: &str,
        name: &str,
        limit: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<Group>> {
        let (_, user) = self.admin_target(pool_id, name).await?;
        let username = &user.username;
        page_of("user-group", token, |after| async move {
            self.store
                .list_groups_for_user(pool_id, username, after.as_deref(), page_size(limit))
                .await
        })
        .await
    }

    pub async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: Option<u32>,
        token: Option<&str>,
    ) -> Result<Page<User>> {
        self.get_group(pool_id, group).await?;
        page_of("group-user", token, |after| async move {
            self.store
                .list_users_in_group(pool_id, group, after.as_deref(), page_size(limit))
                .await
        })
        .await
    }
}
