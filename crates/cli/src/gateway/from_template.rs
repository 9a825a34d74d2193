//! `latchkey gateway --template FILE --stack NAME`: the routes a CloudFormation/SAM template declares, with its
//! authorizers pointed at the user pools that `latchkey apply` made for that stack.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::apply;
use crate::config::Config;
use crate::template::{
    gateway_config, placeholder_outputs, pool_id_from_arn, PseudoParameters, Resolver, Template,
    TemplateError,
};

use super::config::GatewayConfig;

/// What names the template, its stack and where that stack lives.
pub struct TemplateSource<'a> {
    pub file: &'a Path,
    pub stack: Option<&'a str>,
    pub params: &'a [String],
    pub api: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
    pub region: Option<&'a str>,
    pub profile: Option<&'a str>,
}

/// Reads the template, finds the stack's pools through the Cognito API and asks each pool's OIDC discovery for its
/// issuer — the issuer a token carries, whatever public URL or issuer style the server has.
pub async fn load(config: &Config, source: &TemplateSource<'_>) -> Result<GatewayConfig, String> {
    let file = source.file;
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let template = Template::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let stack = match source.stack {
        Some(name) => name.to_string(),
        None => apply::stack_name_from_stem(&file.file_stem().unwrap_or_default().to_string_lossy())?,
    };
    let client = apply::connect(config, source.endpoint_url, source.region, source.profile)?;
    let stacked = apply::load_stack(&client, &stack)
        .await
        .map_err(|e| format!("cannot read stack {stack} at {}: {e}", client.endpoint()))?;
    if stacked.is_empty() {
        return Err(format!(
            "stack {stack} has no user pools at {}: run `latchkey apply {} --stack {stack}` first",
            client.endpoint(),
            file.display()
        ));
    }
    let pseudo = PseudoParameters::new(client.region(), &config.account_id, &stack);
    let parameters = template
        .bind_parameters(&apply::parse_params(source.params)?)
        .map_err(|e| e.to_string())?
        .with_pseudo(pseudo.clone());
    // Resources the stack does not hold (the API and functions themselves) keep placeholder ids: routes need only
    // their logical ids, and the pools' real ARNs come from the stack.
    let mut outputs = placeholder_outputs(&template, &pseudo);
    outputs.extend(stacked.clone());
    let resolver = Resolver::new(&template, &parameters, &outputs).map_err(|e| e.to_string())?;

    let mut issuers = BTreeMap::new();
    for pool in stacked.values() {
        if let (Some(arn), Some(id)) = (pool.attributes.get("Arn"), pool.attributes.get("UserPoolId")) {
            issuers.insert(arn.clone(), discover_issuer(client.endpoint(), id).await?);
        }
    }
    let issuer_for = |arn: &str| {
        issuers.get(arn).cloned().ok_or_else(|| TemplateError::Issuer {
            arn: arn.to_string(),
            message: match pool_id_from_arn(arn) {
                Some(_) => format!("this user pool is not in stack {stack}"),
                None => "not a user pool ARN".to_string(),
            },
        })
    };
    gateway_config(&template, &resolver, source.api, &issuer_for).map_err(|e| e.to_string())
}

/// The pool's issuer from `{endpoint}/{pool}/.well-known/openid-configuration` (Latchkey and Cognito alike).
async fn discover_issuer(endpoint: &str, pool_id: &str) -> Result<String, String> {
    let url = format!(
        "{}/{pool_id}/.well-known/openid-configuration",
        endpoint.trim_end_matches('/')
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {url}: {e}");
    let answer = http.get(&url).send().await.map_err(|e| fail(&e))?;
    let answer = answer.error_for_status().map_err(|e| fail(&e))?;
    let document: serde_json::Value = answer.json().await.map_err(|e| fail(&e))?;
    document
        .get("issuer")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| fail(&"no issuer in the discovery document"))
}
