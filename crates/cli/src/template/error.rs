//! The one error type of the template engine: every failure names what it is about (the parameter, resource,
//! attribute, function or condition), so `latchkey apply` can print it as is.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("the template is {size} bytes; templates larger than {limit} bytes are refused")]
    TooLarge { size: usize, limit: usize },

    #[error("the template expands to more than {limit} values (an alias bomb?)")]
    TooManyNodes { limit: usize },

    #[error("the template is not valid {format}: {message}")]
    Syntax { format: &'static str, message: String },

    #[error("unknown YAML tag {tag}: CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, !Select, !Split, !FindInMap, !Equals, !And, !Or, !Not, !Condition, !Base64, !GetAZs, !ImportValue and !Cidr")]
    UnknownTag { tag: String },

    #[error("resource {name}: {source}")]
    InResource {
        name: String,
        source: Box<TemplateError>,
    },

    #[error("output {name}: {source}")]
    InOutput {
        name: String,
        source: Box<TemplateError>,
    },

    #[error("{at}: {message}")]
    Invalid { at: String, message: String },

    #[error("parameter {name} has no value and no Default")]
    MissingParameter { name: String },

    #[error("parameter {name} is given but the template declares no such parameter")]
    UnknownParameter { name: String },

    #[error("parameter {name}: {message}")]
    ParameterValue { name: String, message: String },

    #[error("{function}: {message}")]
    Intrinsic { function: String, message: String },

    #[error("{function} is not supported by latchkey (it needs AWS services outside Cognito)")]
    Unsupported { function: String },

    #[error("Ref or GetAtt names {name}, which is neither a parameter nor a resource of the template")]
    UnknownReference { name: String },

    #[error("resource {name} has not been created yet, so its Ref or attributes are not known")]
    NotCreated { name: String },

    #[error("resource {name} is not created because its condition {condition} is false")]
    ConditionFalse { name: String, condition: String },

    #[error("resource {name} is of type {resource_type}, which latchkey does not create, so it cannot be referenced")]
    SkippedReference { name: String, resource_type: String },

    #[error("resource {name} ({resource_type}) has no attribute {attribute}; it has: {known}")]
    UnknownAttribute {
        name: String,
        resource_type: String,
        attribute: String,
        known: String,
    },

    #[error("attribute {attribute} of resource {name} is not known (the resource's outputs lack it)")]
    MissingAttribute { name: String, attribute: String },

    #[error("condition {name} is not declared in Conditions")]
    UnknownCondition { name: String },

    #[error("conditions refer to each other in a cycle: {}", names.join(" -> "))]
    ConditionCycle { names: Vec<String> },

    #[error("resources depend on each other in a cycle: {}", names.join(" -> "))]
    DependencyCycle { names: Vec<String> },

    #[error("the template declares no API (AWS::Serverless::Api, a function's Api event, or AWS::ApiGateway::RestApi)")]
    NoApi,

    #[error("the template declares several APIs ({}); choose one by logical id", apis.join(", "))]
    AmbiguousApi { apis: Vec<String> },

    #[error("{name} is not an API of this template; its APIs are: {}", apis.join(", "))]
    UnknownApi { name: String, apis: Vec<String> },

    #[error("route {route}: {message}")]
    Route { route: String, message: String },

    #[error("cannot find the issuer of user pool {arn}: {message}")]
    Issuer { arn: String, message: String },
}

impl TemplateError {
    pub(crate) fn invalid(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            at: at.into(),
            message: message.into(),
        }
    }

    pub(crate) fn intrinsic(function: &str, message: impl Into<String>) -> Self {
        Self::Intrinsic {
            function: function.to_string(),
            message: message.into(),
        }
    }
}
