//! `latchkey template …` (hidden): shows what latchkey makes of a template without creating anything — the
//! compatibility tests compare its routes with aws-sam-translator's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{gateway_config, placeholder_outputs, PseudoParameters, Resolver, Template};

#[derive(clap::Subcommand)]
pub enum TemplateAction {
    /// Print the gateway configuration (JSON) of the template's API, resolved against placeholder ids.
    Routes(RoutesArgs),
}

#[derive(clap::Args)]
pub struct RoutesArgs {
    /// The template (YAML or JSON).
    file: PathBuf,
    /// A parameter value; repeat for several.
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// The API's logical id, when the template has several.
    #[arg(long)]
    api: Option<String>,
    #[arg(long, default_value = "us-east-1")]
    region: String,
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    #[arg(long, default_value = "latchkey")]
    stack_name: String,
}

/// Runs the action; the text to print, or the error to report.
pub fn run(action: TemplateAction) -> Result<String, String> {
    let TemplateAction::Routes(args) = action;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let template = Template::parse(&text).map_err(|e| e.to_string())?;
    let mut given = BTreeMap::new();
    for pair in &args.parameters {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--parameter {pair:?} is not NAME=VALUE"))?;
        given.insert(name.to_string(), value.to_string());
    }
    let pseudo = PseudoParameters::new(&args.region, &args.account_id, &args.stack_name);
    let parameters = template
        .bind_parameters(&given)
        .map_err(|e| e.to_string())?
        .with_pseudo(pseudo.clone());
    let outputs = placeholder_outputs(&template, &pseudo);
    let resolver = Resolver::new(&template, &parameters, &outputs).map_err(|e| e.to_string())?;
    let config = gateway_config(
        &template,
        &resolver,
        args.api.as_deref(),
        &super::cognito_issuer_for_pool_arn,
    )
    .map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&config).map_err(|e| e.to_string())
}
