//! What the request that fires a trigger tells its function besides the use case's own inputs: the caller's
//! `ClientMetadata` and the SDK it called with (`callerContext.awsSdkVersion`).
//!
//! Every Cognito operation that fires triggers takes `ClientMetadata` as a top-level member, and the SDK comes
//! from the request's `User-Agent`: both are request-wide, so the server sets them once around the operation
//! (`with_context`) instead of threading them through every use case's signature.

use std::collections::BTreeMap;
use std::future::Future;

/// The request-wide inputs of a trigger's event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerContext {
    /// The operation's `ClientMetadata`, passed to the functions it fires.
    pub client_metadata: BTreeMap<String, String>,
    /// Whether the operation's ClientMetadata reaches its functions' `clientMetadata`. (Admin)InitiateAuth's
    /// reaches only PreAuthentication's and UserMigration's `validationData` (as botocore's model documents).
    pub metadata_to_functions: bool,
    /// `callerContext.awsSdkVersion`: `aws-sdk-<language>-<version>` from the `User-Agent`, or
    /// `aws-sdk-unknown-unknown`.
    pub sdk_version: String,
}

tokio::task_local! {
    static CONTEXT: TriggerContext;
}

/// Runs `operation` with `context` available to the triggers it fires.
pub async fn with_context<F: Future>(context: TriggerContext, operation: F) -> F::Output {
    CONTEXT.scope(context, operation).await
}

impl TriggerContext {
    /// The context of the request being served (an empty one outside `with_context`: the hosted UI and
    /// OAuth endpoints, which carry no ClientMetadata).
    pub(crate) fn current() -> TriggerContext {
        CONTEXT.try_with(Clone::clone).unwrap_or_default()
    }

    /// `callerContext.awsSdkVersion`: the caller's SDK, and `aws-sdk-unknown-unknown` outside an AWS request.
    pub(crate) fn sdk_version_or_unknown(&self) -> String {
        if self.sdk_version.is_empty() {
            Self::sdk_version_of(None)
        } else {
            self.sdk_version.clone()
        }
    }

    /// `callerContext.awsSdkVersion` for a `User-Agent`: the AWS SDKs name themselves `aws-sdk-<lang>/<version>`
    /// (JavaScript v3, Go, Java, Rust, .NET), botocore `Botocore/<version>`, Amplify's bundled client
    /// `aws-amplify/<version>`; anything else is unknown, as Cognito reports it.
    pub fn sdk_version_of(user_agent: Option<&str>) -> String {
        let agent = user_agent.unwrap_or_default();
        for token in agent.split_whitespace() {
            let Some((name, version)) = token.split_once('/') else {
                continue;
            };
            let version = version.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-');
            let lang = match name.to_ascii_lowercase().as_str() {
                n if n.starts_with("aws-sdk-") => n["aws-sdk-".len()..].to_string(),
                "botocore" => "python".into(),
                "aws-amplify" => "js".into(),
                _ => continue,
            };
            if !version.is_empty() && !lang.is_empty() {
                return format!("aws-sdk-{lang}-{version}");
            }
        }
        "aws-sdk-unknown-unknown".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_versions_from_user_agents() {
        assert_eq!(
            TriggerContext::sdk_version_of(Some("aws-sdk-js/3.540.0 ua/2.1 os/linux lang/js")),
            "aws-sdk-js-3.540.0"
        );
        assert_eq!(
            TriggerContext::sdk_version_of(Some("Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 Botocore/1.35.0")),
            "aws-sdk-python-1.35.0"
        );
        assert_eq!(
            TriggerContext::sdk_version_of(Some("curl/8.0")),
            "aws-sdk-unknown-unknown"
        );
        assert_eq!(TriggerContext::sdk_version_of(None), "aws-sdk-unknown-unknown");
    }

    #[tokio::test]
    async fn the_context_is_the_requests_own() {
        assert_eq!(TriggerContext::current(), TriggerContext::default());
        let ctx = TriggerContext {
            client_metadata: BTreeMap::from([("k".into(), "v".into())]),
            metadata_to_functions: true,
            sdk_version: "aws-sdk-js-3".into(),
        };
        let seen = with_context(ctx.clone(), async { TriggerContext::current() }).await;
        assert_eq!(seen, ctx);
    }
}
