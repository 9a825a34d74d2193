//! `latchkey apply FILE`: creates, updates and deletes what a CloudFormation/SAM template declares, through the
//! Cognito API of the server at `--endpoint-url` (the local server by default, real Cognito just as well), signed
//! with the usual AWS credentials. The template engine (`crate::template`) resolves the template; this module
//! finds the stack's resources (`stack`), decides and carries out the changes (`plan`, `resources`) and reports
//! them (`output`).

mod client;
mod credentials;
mod diff;
mod output;
mod plan;
mod resources;
mod stack;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::template::{PseudoParameters, Template};

// What `latchkey gateway --template --stack` uses to find the stack's pools.
pub use client::CognitoClient;
pub use stack::{load_stack, stack_name_from_stem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The CloudFormation or SAM template (YAML with short-form tags, or JSON).
    file: PathBuf,
    /// The stack name tying the template's logical ids to what exists [default: the file name, sanitised].
    #[arg(long)]
    stack: Option<String>,
    /// A template parameter's value; repeat for several.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// The Cognito endpoint [default: http://<the local server's listen address>].
    #[arg(long)]
    endpoint_url: Option<String>,
    /// The region [default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1].
    #[arg(long)]
    region: Option<String>,
    /// A profile of the shared AWS config and credentials files [default: AWS_PROFILE, then default].
    #[arg(long)]
    profile: Option<String>,
    /// Print the plan and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Delete what the stack created.
    #[arg(long)]
    delete: bool,
    /// `text` for people, `json` (one object) for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
}

/// Runs `latchkey apply`; the error names the failing resource and Cognito's answer.
pub async fn run(config: &Config, args: ApplyArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let template = Template::parse(&text).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let stack = match &args.stack {
        Some(name) => stack::validate_stack_name(name).map(|()| name.clone())?,
        None => stack::stack_name_from_stem(&args.file.file_stem().unwrap_or_default().to_string_lossy())?,
    };
    let given = parse_params(&args.params)?;

    let client = connect(
        config,
        args.endpoint_url.as_deref(),
        args.region.as_deref(),
        args.profile.as_deref(),
    )?;
    let parameters = template
        .bind_parameters(&given)
        .map_err(|e| e.to_string())?
        .with_pseudo(PseudoParameters::new(client.region(), &config.account_id, &stack));
    let order = template.creation_order(&parameters).map_err(|e| e.to_string())?;
    plan::check_natural_keys(&template, &parameters, &order, &stack)?;
    let endpoint = client.endpoint().to_string();

    let index = stack::StackIndex::find(&client, &stack)
        .await
        .map_err(|e| format!("cannot list the stack's pools at {endpoint}: {e}"))?;
    let env = resources::Env {
        client: &client,
        stack: &stack,
        index: &index,
    };
    let resolve = plan::resolver_fn(&template, &parameters);
    let outcome = if args.delete {
        plan::delete(&env, &template, &order, &resolve, args.dry_run).await
    } else {
        plan::apply(&env, &template, &order, &resolve, args.dry_run).await
    };
    let report = output::Report::new(&template, &parameters, &order, &stack, &client, &outcome, &args);
    output::print(&report, args.output);
    match outcome.failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// A Cognito client for `--endpoint-url` (default: the local server's listen address), `--region` and
/// `--profile`, signed with the usual AWS credentials (see `credentials`). `latchkey gateway --template --stack`
/// uses it too, with `load_stack`.
pub fn connect(
    config: &Config,
    endpoint_url: Option<&str>,
    region: Option<&str>,
    profile: Option<&str>,
) -> Result<CognitoClient, String> {
    let env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("AWS_") || k == "HOME")
        .collect();
    let endpoint = endpoint_url.map_or_else(|| local_endpoint(&config.listen), str::to_string);
    let lookup = credentials::Lookup {
        env: &env,
        profile_flag: profile,
        region_flag: region,
        endpoint_is_local: is_local(&endpoint),
        config,
    };
    let region = credentials::region(&lookup)?;
    let aws = credentials::credentials(&lookup)?;
    CognitoClient::new(&endpoint, &region, aws, Arc::new(crate::system::SystemClock))
}

/// The URL of the local server's listener; a wildcard address is reached on loopback.
fn local_endpoint(listen: &str) -> String {
    let address = match listen.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => listen.to_string(),
    };
    format!("http://{address}")
}

/// `KEY=VALUE` pairs; a key given twice is an error.
pub fn parse_params(pairs: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| format!("--param {pair:?} is not KEY=VALUE"))?;
        if out.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("--param {key} is given twice"));
        }
    }
    Ok(out)
}

/// Whether the endpoint is on this machine, so the local server's admin key may sign for it.
fn is_local(endpoint: &str) -> bool {
    let rest = endpoint.split("://").nth(1).unwrap_or(endpoint);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_key_value_pairs() {
        let p = parse_params(&["A=1".into(), "B=x=y".into(), "C=".into()]).unwrap();
        assert_eq!(p["B"], "x=y");
        assert_eq!(p["C"], "");
        assert!(parse_params(&["A".into()]).is_err());
        assert!(parse_params(&["=1".into()]).is_err());
        assert!(parse_params(&["A=1".into(), "A=2".into()])
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn the_default_endpoint_is_the_local_listener() {
        assert_eq!(local_endpoint("127.0.0.1:9229"), "http://127.0.0.1:9229");
        assert_eq!(local_endpoint("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(local_endpoint("[::]:9229"), "http://[::1]:9229");
    }

    #[test]
    fn local_endpoints_are_loopback_ones() {
        assert!(is_local("http://127.0.0.1:9229"));
        assert!(is_local("http://localhost:9229/"));
        assert!(is_local("http://[::1]:9229"));
        assert!(!is_local("https://cognito-idp.us-east-1.amazonaws.com"));
        assert!(!is_local("http://10.0.0.5:9229"));
    }
}
