//! AddCustomAttributes: new `custom:` attributes on an existing pool. Existing attributes cannot be changed.

use super::schema::{custom_attribute, SchemaAttributeInput, MAX_CUSTOM_ATTRIBUTES};
use crate::error::{CognitoError, Result};
use crate::service::Latchkey;

impl Latchkey {
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        inputs: Vec<SchemaAttributeInput>,
    ) -> Result<()> {
        let mut new = Vec::with_capacity(inputs.len());
        for input in inputs {
            let attr = custom_attribute(input)?;
            if new
                .iter()
                .any(|a: &super::schema::SchemaAttribute| a.name == attr.name)
            {
                return Err(CognitoError::invalid_parameter(format!(
                    "Duplicate attribute names are not allowed: {}",
                    attr.name
                )));
            }
            new.push(attr);
        }
        self.mutate_pool(pool_id, |pool| {
            for attr in &new {
                if pool.schema_attributes.iter().any(|a| a.name == attr.name) {
                    return Err(CognitoError::invalid_parameter(format!(
                        "Existing attribute already has name {}.",
                        attr.name
                    )));
                }
            }
            if pool.custom_attribute_count() + new.len() > MAX_CUSTOM_ATTRIBUTES {
                return Err(CognitoError::invalid_parameter(format!(
                    "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
                )));
            }
            pool.schema_attributes.extend(new.iter().cloned());
            Ok(())
        })
        .await?;
        Ok(())
    }
}
