//! Which resource types latchkey acts on: the Cognito types `latchkey apply` creates, the API types the gateway
//! serves, and everything else, which is skipped and listed (never silently dropped). Also each known type's
//! `Fn::GetAtt` attributes, so a misspelt attribute is caught before anything is created.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    UserPool,
    UserPoolClient,
    UserPoolDomain,
    UserPoolGroup,
    UserPoolUser,
    UserPoolResourceServer,
    UserPoolUICustomizationAttachment,
    UserPoolIdentityProvider,
    IdentityPool,
    IdentityPoolRoleAttachment,
    ServerlessApi,
    ServerlessFunction,
    RestApi,
    ApiResource,
    ApiMethod,
    ApiAuthorizer,
    ApiDeployment,
    ApiStage,
    /// Neither Cognito nor API: latchkey does not create it and says so.
    Skipped,
}

/// `(type, kind, GetAtt attributes)`; the attributes are CloudFormation's read-only properties of each type.
const KINDS: &[(&str, ResourceKind, &[&str])] = &[
    (
        "AWS::Cognito::UserPool",
        ResourceKind::UserPool,
        &["Arn", "ProviderName", "ProviderURL", "UserPoolId"],
    ),
    (
        "AWS::Cognito::UserPoolClient",
        ResourceKind::UserPoolClient,
        &["ClientId", "ClientSecret", "Name"],
    ),
    (
        "AWS::Cognito::UserPoolDomain",
        ResourceKind::UserPoolDomain,
        &["CloudFrontDistribution"],
    ),
    ("AWS::Cognito::UserPoolGroup", ResourceKind::UserPoolGroup, &[]),
    ("AWS::Cognito::UserPoolUser", ResourceKind::UserPoolUser, &[]),
    (
        "AWS::Cognito::UserPoolResourceServer",
        ResourceKind::UserPoolResourceServer,
        &[],
    ),
    (
        "AWS::Cognito::UserPoolUICustomizationAttachment",
        ResourceKind::UserPoolUICustomizationAttachment,
        &[],
    ),
    (
        "AWS::Cognito::UserPoolIdentityProvider",
        ResourceKind::UserPoolIdentityProvider,
        &[],
    ),
    (
        "AWS::Cognito::IdentityPool",
        ResourceKind::IdentityPool,
        &["Id", "Name"],
    ),
    (
        "AWS::Cognito::IdentityPoolRoleAttachment",
        ResourceKind::IdentityPoolRoleAttachment,
        &["Id"],
    ),
    (
        "AWS::Serverless::Api",
        ResourceKind::ServerlessApi,
        &["RootResourceId"],
    ),
    (
        "AWS::Serverless::Function",
        ResourceKind::ServerlessFunction,
        &["Arn"],
    ),
    (
        "AWS::ApiGateway::RestApi",
        ResourceKind::RestApi,
        &["RestApiId", "RootResourceId"],
    ),
    (
        "AWS::ApiGateway::Resource",
        ResourceKind::ApiResource,
        &["ResourceId"],
    ),
    ("AWS::ApiGateway::Method", ResourceKind::ApiMethod, &[]),
    (
        "AWS::ApiGateway::Authorizer",
        ResourceKind::ApiAuthorizer,
        &["AuthorizerId"],
    ),
    (
        "AWS::ApiGateway::Deployment",
        ResourceKind::ApiDeployment,
        &["DeploymentId"],
    ),
    ("AWS::ApiGateway::Stage", ResourceKind::ApiStage, &[]),
];

impl ResourceKind {
    /// Classifies a resource's `Type`.
    pub fn of_type(resource_type: &str) -> Self {
        KINDS
            .iter()
            .find(|(t, _, _)| *t == resource_type)
            .map_or(Self::Skipped, |(_, kind, _)| *kind)
    }

    /// A Cognito resource, which `latchkey apply` creates through the Cognito API.
    pub fn is_cognito(self) -> bool {
        matches!(
            self,
            Self::UserPool
                | Self::UserPoolClient
                | Self::UserPoolDomain
                | Self::UserPoolGroup
                | Self::UserPoolUser
                | Self::UserPoolResourceServer
                | Self::UserPoolUICustomizationAttachment
                | Self::UserPoolIdentityProvider
                | Self::IdentityPool
                | Self::IdentityPoolRoleAttachment
        )
    }

    /// An API resource, which `latchkey gateway` serves.
    pub fn is_api(self) -> bool {
        !self.is_cognito() && self != Self::Skipped
    }

    /// The `Fn::GetAtt` attributes of this kind; `None` for skipped types, whose attributes latchkey does not know.
    pub fn attributes(self) -> Option<&'static [&'static str]> {
        KINDS
            .iter()
            .find(|(_, kind, _)| *kind == self)
            .map(|(_, _, attributes)| *attributes)
    }

    /// The CloudFormation type this kind stands for; `None` for `Skipped`.
    pub fn type_name(self) -> Option<&'static str> {
        KINDS
            .iter()
            .find(|(_, kind, _)| *kind == self)
            .map(|(t, _, _)| *t)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name().unwrap_or("(skipped)"))
    }
}
