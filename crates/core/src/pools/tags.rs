//! TagResource, UntagResource, ListTagsForResource: tags on a user pool addressed by its ARN.

use std::collections::BTreeMap;

use super::create::check_tag_count;
use crate::error::Result;
use crate::service::Latchkey;

impl Latchkey {
    pub async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let pool = self.pool_by_arn(arn).await?;
        self.mutate_pool(&pool.id, |pool| {
            let mut merged = pool.user_pool_tags.clone();
            merged.extend(tags.clone());
            check_tag_count(&merged)?;
            pool.user_pool_tags = merged;
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<()> {
        let pool = self.pool_by_arn(arn).await?;
        self.mutate_pool(&pool.id, |pool| {
            for k in keys {
                pool.user_pool_tags.remove(k);
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn list_tags_for_resource(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.user_pool_tags)
    }
}
