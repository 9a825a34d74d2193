//! What `latchkey apply` prints: the plan (or what was done), the resource types it skipped or leaves to
//! `latchkey gateway`, and the template's Outputs — as text (`Key = Value` lines for the outputs), or as one JSON
//! object for scripts: `{"stack", "endpoint", "region", "dry_run", "delete", "changes", "skipped", "gateway",
//! "routes", "notes", "outputs"}`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::client::CognitoClient;
use super::plan::{Action, Change, Outcome};
use super::stack::is_aws_endpoint;
use super::{ApplyArgs, OutputFormat};
use crate::template::{
    cognito_issuer_for_pool_arn, gateway_config, placeholder_outputs, pool_id_from_arn, Parameters, Resolver,
    Template, TemplateError,
};

#[derive(Serialize)]
pub struct Listed {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
}

#[derive(Serialize)]
pub struct Report<'a> {
    pub stack: &'a str,
    pub endpoint: &'a str,
    pub region: &'a str,
    pub dry_run: bool,
    pub delete: bool,
    pub changes: &'a [Change],
    /// Types latchkey does not create (neither Cognito nor API Gateway).
    pub skipped: Vec<Listed>,
    /// API types: not created here, served by `latchkey gateway --template`.
    pub gateway: Vec<Listed>,
    /// The routes `latchkey gateway --template` serves for the template's API, with the stack's pools.
    pub routes: Vec<String>,
    pub notes: Vec<String>,
    pub outputs: BTreeMap<String, Value>,
}

impl<'a> Report<'a> {
    pub fn new(
        template: &Template,
        parameters: &Parameters,
        order: &[String],
        stack: &'a str,
        client: &'a CognitoClient,
        outcome: &'a Outcome,
        args: &ApplyArgs,
    ) -> Self {
        let listed = |api: bool| -> Vec<Listed> {
            template
                .resources
                .iter()
                .filter(|(id, r)| {
                    if api {
                        r.kind.is_api() && order.contains(id)
                    } else {
                        !r.kind.is_cognito() && !r.kind.is_api()
                    }
                })
                .map(|(id, r)| Listed {
                    logical_id: id.clone(),
                    resource_type: r.resource_type.clone(),
                })
                .collect()
        };
        let mut notes = outcome.notes.clone();
        let mut outputs = BTreeMap::new();
        let outputs_with_stand_ins = with_stand_ins(template, parameters, &outcome.outputs);
        if outcome.failure.is_none() && !args.delete {
            match Resolver::new(template, parameters, &outputs_with_stand_ins).and_then(|r| r.outputs()) {
                Ok(resolved) => {
                    outputs = resolved.into_iter().map(|(k, v)| (k, v.value)).collect();
                }
                Err(e) => notes.push(format!("Outputs not shown: {e}")),
            }
        }
        let gateway = listed(true);
        let mut routes = Vec::new();
        if outcome.failure.is_none() && !args.delete && !args.dry_run && !gateway.is_empty() {
            match gateway_routes(template, parameters, client, &outputs_with_stand_ins) {
                Ok(r) => routes = r,
                Err(e) => notes.push(format!("Gateway routes not shown: {e}")),
            }
        }
        Self {
            stack,
            endpoint: client.endpoint(),
            region: client.region(),
            dry_run: args.dry_run,
            delete: args.delete,
            changes: &outcome.changes,
            skipped: listed(false),
            gateway,
            routes,
            notes,
            outputs,
        }
    }
}

/// The outputs of what apply made, plus stand-ins for what it does not make (the API, its functions, skipped
/// types), so that Outputs and routes naming those still resolve; `latchkey gateway` serves the API itself, so its
/// id has no meaning here.
fn with_stand_ins(
    template: &Template,
    parameters: &Parameters,
    made: &BTreeMap<String, crate::template::ResourceOutputs>,
) -> BTreeMap<String, crate::template::ResourceOutputs> {
    let mut outputs: BTreeMap<_, _> = placeholder_outputs(template, &parameters.pseudo)
        .into_iter()
        .filter(|(id, _)| template.resources.get(id).is_some_and(|r| !r.kind.is_cognito()))
        .collect();
    outputs.extend(made.iter().map(|(k, v)| (k.clone(), v.clone())));
    outputs
}

/// `GET /hello (authorizer Users)` lines for the template's API. Issuers are Cognito's on AWS, else the
/// endpoint's (`{endpoint}/{pool id}`, Latchkey's default).
fn gateway_routes(
    template: &Template,
    parameters: &Parameters,
    client: &CognitoClient,
    outputs: &BTreeMap<String, crate::template::ResourceOutputs>,
) -> Result<Vec<String>, TemplateError> {
    let resolver = Resolver::new(template, parameters, outputs)?;
    let endpoint = client.endpoint();
    let issuer = |arn: &str| -> Result<String, TemplateError> {
        if is_aws_endpoint(endpoint) {
            return cognito_issuer_for_pool_arn(arn);
        }
        pool_id_from_arn(arn)
            .map(|id| format!("{endpoint}/{id}"))
            .ok_or_else(|| TemplateError::Issuer {
                arn: arn.to_string(),
                message: "not a user pool ARN".to_string(),
            })
    };
    let config = gateway_config(template, &resolver, None, &issuer)?;
    Ok(config
        .routes
        .iter()
        .map(|r| match &r.authorizer {
            Some(a) => format!("{} {} (authorizer {a})", r.method, r.path),
            None => format!("{} {} (open)", r.method, r.path),
        })
        .collect())
}

pub fn print(report: &Report<'_>, format: OutputFormat) {
    match format {
        OutputFormat::Json => match serde_json::to_string_pretty(report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("latchkey apply: cannot write the report: {e}"),
        },
        OutputFormat::Text => print!("{}", text(report)),
    }
}

/// The report for people.
pub fn text(report: &Report<'_>) -> String {
    let mut out = String::new();
    let mode = if report.dry_run {
        " (dry run: nothing is changed)"
    } else {
        ""
    };
    out.push_str(&format!(
        "Stack {} at {} ({}){mode}\n",
        report.stack, report.endpoint, report.region
    ));
    let width = report
        .changes
        .iter()
        .map(|c| c.logical_id.len())
        .max()
        .unwrap_or(0);
    for c in report.changes {
        let mut line = format!(
            "  {:<9}  {:<width$}  {}",
            c.action.word(),
            c.logical_id,
            c.resource_type
        );
        if let Some(id) = &c.physical_id {
            line.push_str(&format!("  {id}"));
        }
        if !c.details.is_empty() {
            line.push_str(&format!("  ({})", c.details.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if report.changes.iter().all(|c| c.action == Action::Unchanged) {
        out.push_str(if report.delete {
            "Nothing to delete.\n"
        } else {
            "No changes.\n"
        });
    }
    if !report.skipped.is_empty() {
        out.push_str("Skipped (latchkey does not create these types):\n");
        for s in &report.skipped {
            out.push_str(&format!("  {}  {}\n", s.logical_id, s.resource_type));
        }
    }
    if !report.gateway.is_empty() {
        out.push_str("Served by `latchkey gateway --template`, not created here:\n");
        for s in &report.gateway {
            out.push_str(&format!("  {}  {}\n", s.logical_id, s.resource_type));
        }
    }
    if !report.routes.is_empty() {
        out.push_str("Routes:\n");
        for r in &report.routes {
            out.push_str(&format!("  {r}\n"));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    if !report.outputs.is_empty() {
        out.push_str("Outputs:\n");
        for (key, value) in &report.outputs {
            let shown = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push_str(&format!("{key} = {shown}\n"));
        }
    }
    out
}
