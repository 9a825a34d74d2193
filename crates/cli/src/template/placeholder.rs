//! Stand-in outputs for every resource — what a dry run (`latchkey template routes`, a plan) resolves against
//! before anything exists: user pools get ids and ARNs of Cognito's shape, everything else readable names.

use std::collections::BTreeMap;

use super::kinds::ResourceKind;
use super::model::Template;
use super::parameters::PseudoParameters;
use super::resolve::ResourceOutputs;

/// Placeholder outputs for every resource of the template.
pub fn placeholder_outputs(
    template: &Template,
    pseudo: &PseudoParameters,
) -> BTreeMap<String, ResourceOutputs> {
    template
        .resources
        .iter()
        .map(|(name, resource)| (name.clone(), placeholder(name, resource.kind, pseudo)))
        .collect()
}

fn placeholder(name: &str, kind: ResourceKind, pseudo: &PseudoParameters) -> ResourceOutputs {
    let PseudoParameters {
        region,
        account_id,
        partition,
        url_suffix,
        ..
    } = pseudo;
    if kind == ResourceKind::UserPool {
        let id = format!("{region}_{name}");
        let provider = format!("cognito-idp.{region}.{url_suffix}/{id}");
        let attributes = BTreeMap::from([
            (
                "Arn".to_string(),
                format!("arn:{partition}:cognito-idp:{region}:{account_id}:userpool/{id}"),
            ),
            ("ProviderName".to_string(), provider.clone()),
            ("ProviderURL".to_string(), format!("https://{provider}")),
            ("UserPoolId".to_string(), id.clone()),
        ]);
        return ResourceOutputs {
            ref_value: id,
            attributes,
        };
    }
    let ref_value = format!("{name}-placeholder");
    let mut attributes: BTreeMap<String, String> = kind
        .attributes()
        .unwrap_or_default()
        .iter()
        .map(|attribute| (attribute.to_string(), format!("{name}-{attribute}-placeholder")))
        .collect();
    // Functions (SAM's and plain Lambda ones, which are skipped) are referred to by ARN in integrations.
    if matches!(kind, ResourceKind::ServerlessFunction | ResourceKind::Skipped) {
        attributes.insert(
            "Arn".to_string(),
            format!("arn:{partition}:lambda:{region}:{account_id}:function:{name}"),
        );
    }
    ResourceOutputs {
        ref_value,
        attributes,
    }
}
