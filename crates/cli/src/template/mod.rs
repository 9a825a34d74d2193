//! The CloudFormation/SAM template engine behind `latchkey apply` and `latchkey gateway --template`: parsing
//! (YAML with short-form tags, or JSON), the `Template` model with SAM Globals, parameter binding, conditions,
//! the intrinsic-function resolver, creation order, resource kinds and the gateway's routes. Pure: no network,
//! no Cognito calls — the caller creates resources and feeds their outputs back to the `Resolver`.

pub mod command;
mod conditions;
mod error;
mod globals;
mod kinds;
mod model;
mod order;
mod parameters;
mod placeholder;
mod resolve;
mod routes;
mod source;
mod sub;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::Value;

pub use error::TemplateError;
pub use kinds::ResourceKind;
pub use model::{Output, Resource, Template, IMPLICIT_API, IMPLICIT_API_STAGE, SAM_TRANSFORM};
pub use parameters::{ParameterSpec, ParameterType, ParameterValue, Parameters, PseudoParameters};
pub use placeholder::placeholder_outputs;
pub use resolve::{ResolvedOutput, Resolver, ResourceOutputs};
pub use routes::{api_ids, cognito_issuer_for_pool_arn, gateway_config, pool_id_from_arn, IssuerForPoolArn};
pub use source::MAX_TEMPLATE_BYTES;

impl Template {
    /// The resources to create, dependencies first (by `Ref`, `Fn::GetAtt`, `Fn::Sub` and `DependsOn`),
    /// leaving out those whose `Condition` is false. A cycle is an error naming it.
    pub fn creation_order(&self, parameters: &Parameters) -> Result<Vec<String>, TemplateError> {
        let no_outputs = BTreeMap::new();
        let resolver = Resolver::new(self, parameters, &no_outputs)?;
        order::creation_order(self, resolver.conditions())
    }

    /// Every condition's value with these parameters.
    pub fn evaluate_conditions(
        &self,
        parameters: &Parameters,
    ) -> Result<BTreeMap<String, bool>, TemplateError> {
        let no_outputs = BTreeMap::new();
        Ok(Resolver::new(self, parameters, &no_outputs)?.conditions().clone())
    }
}

/// A scalar as CloudFormation sees it: text, with numbers and booleans written as text.
pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
