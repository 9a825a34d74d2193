//! Gateway routes from SAM and from plain API Gateway resources, API choice, and issuer lookup.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::{
    cognito_issuer_for_pool_arn, gateway_config, placeholder_outputs, pool_id_from_arn, Resolver,
    TemplateError,
};
use super::{bind, template};
use crate::gateway::config::{GatewayConfig, Integration};

fn config(text: &str, api: Option<&str>) -> Result<GatewayConfig, TemplateError> {
    let t = template(text);
    let p = bind(&t, &[]);
    let outputs = placeholder_outputs(&t, &p.pseudo);
    let resolver = Resolver::new(&t, &p, &outputs)?;
    gateway_config(&t, &resolver, api, &cognito_issuer_for_pool_arn)
}

const PLAIN: &str = r#"
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: plain}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  Item:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Items
      PathPart: "{id}"
  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: pool
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.X-Token
      ProviderARNs: [!GetAtt Pool.Arn]
  GetItem:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Item
      HttpMethod: GET
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Auth
      AuthorizationScopes: [items/read]
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Join ["", ["arn:aws:apigateway:", !Ref AWS::Region, ":lambda:path/2015-03-31/functions/", !GetAtt Handler.Arn, "/invocations"]]
  Preflight:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Item
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration: {Type: MOCK}
  Root:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: ANY
      AuthorizationType: NONE
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: ANY
        Uri: !Sub "http://backend.internal/${AWS::Region}"
  Named:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: post
      Integration:
        Type: AWS_PROXY
        Uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:literal-fn:live/invocations
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: items-handler
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: v1
"#;

#[test]
fn plain_api_gateway_resources_become_routes() {
    let c = config(PLAIN, None).unwrap();
    assert_eq!(c.stage.as_deref(), Some("v1"));
    assert_eq!(
        c.authorizers["Auth"].issuers,
        vec!["https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool"]
    );
    assert_eq!(c.authorizers["Auth"].identity_header, "X-Token");
    let routes: Vec<_> = c
        .routes
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.authorizer.as_deref()))
        .collect();
    assert_eq!(
        routes,
        vec![
            ("ANY", "/", None),
            ("POST", "/items", None),
            ("GET", "/items/{id}", Some("Auth"))
        ]
    );
    assert_eq!(c.routes[2].scopes, vec!["items/read"]);
    assert_eq!(
        c.routes[2].integration,
        Integration::Lambda {
            function: "items-handler".into()
        }
    );
    assert_eq!(
        c.routes[1].integration,
        Integration::Lambda {
            function: "literal-fn".into()
        }
    );
    assert_eq!(
        c.routes[0].integration,
        Integration::Http {
            url: "http://backend.internal/us-east-1".into(),
            claim_headers: BTreeMap::new()
        }
    );
}

#[test]
fn unsupported_method_settings_are_refused_with_the_route_named() {
    let iam = PLAIN.replace(
        "      AuthorizationType: NONE\n      Integration:\n        Type: HTTP_PROXY",
        "      AuthorizationType: AWS_IAM\n      Integration:\n        Type: HTTP_PROXY",
    );
    let err = config(&iam, None).unwrap_err().to_string();
    assert!(err.contains("ANY /") && err.contains("AWS_IAM"), "{err}");
    let mock = PLAIN.replace("HttpMethod: OPTIONS", "HttpMethod: GET");
    assert!(
        config(&mock, None).is_err(),
        "a mock integration on GET is not served"
    );
}

const SAM_TWO_APIS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Public:
    Type: AWS::Serverless::Api
    Properties:
      StageName: pub
  Private:
    Type: AWS::Serverless::Api
    Properties:
      StageName: priv
      Auth:
        DefaultAuthorizer: Cognito
        Authorizers:
          Cognito:
            UserPoolArn: !GetAtt Pool.Arn
            AuthorizationScopes: [a/default]
          Custom:
            FunctionArn: arn:aws:lambda:us-east-1:1:function:auth
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: index.handler
      Runtime: python3.12
      Events:
        Open:
          Type: Api
          Properties: {RestApiId: !Ref Public, Path: /open, Method: get}
        Closed:
          Type: Api
          Properties: {RestApiId: !Ref Private, Path: /closed, Method: get}
        Scoped:
          Type: Api
          Properties:
            RestApiId: !Ref Private
            Path: /scoped
            Method: post
            Auth: {Authorizer: Cognito, AuthorizationScopes: [a/write]}
        Free:
          Type: Api
          Properties:
            RestApiId: !Ref Private
            Path: /free
            Method: get
            Auth: {Authorizer: NONE}
"#;

#[test]
fn several_apis_are_chosen_by_logical_id() {
    let err = config(SAM_TWO_APIS, None).unwrap_err();
    assert_eq!(
        err,
        TemplateError::AmbiguousApi {
            apis: vec!["Private".into(), "Public".into()]
        }
    );
    let err = config(SAM_TWO_APIS, Some("Nope")).unwrap_err();
    assert!(err.to_string().contains("Private, Public"), "{err}");
    let public = config(SAM_TWO_APIS, Some("Public")).unwrap();
    assert_eq!(public.stage.as_deref(), Some("pub"));
    assert_eq!(public.routes.len(), 1);
    assert_eq!(public.routes[0].authorizer, None);
    let private = config(SAM_TWO_APIS, Some("Private")).unwrap();
    let routes: Vec<_> = private
        .routes
        .iter()
        .map(|r| (r.path.as_str(), r.authorizer.as_deref(), r.scopes.clone()))
        .collect();
    assert_eq!(
        routes,
        vec![
            ("/closed", Some("Cognito"), vec!["a/default".to_string()]),
            ("/free", None, vec![]),
            ("/scoped", Some("Cognito"), vec!["a/write".to_string()]),
        ]
    );
    assert_eq!(
        private.authorizers.keys().collect::<Vec<_>>(),
        vec!["Cognito"],
        "the Lambda authorizer is not served"
    );
}

#[test]
fn sam_auth_mistakes_are_refused_as_sam_does() {
    let custom = SAM_TWO_APIS.replace(
        "Auth: {Authorizer: Cognito, AuthorizationScopes",
        "Auth: {Authorizer: Custom, AuthorizationScopes",
    );
    assert!(config(&custom, Some("Private"))
        .unwrap_err()
        .to_string()
        .contains("not a Cognito user pool authorizer"));
    let scopes_alone = SAM_TWO_APIS.replace(
        "Auth: {Authorizer: Cognito, AuthorizationScopes",
        "Auth: {AuthorizationScopes",
    );
    assert!(config(&scopes_alone, Some("Private"))
        .unwrap_err()
        .to_string()
        .contains("AuthorizationScopes works only"));
    let none_without_default = SAM_TWO_APIS.replace(
        "Properties: {RestApiId: !Ref Public, Path: /open, Method: get}",
        "Properties: {RestApiId: !Ref Public, Path: /open, Method: get, Auth: {Authorizer: NONE}}",
    );
    assert!(config(&none_without_default, Some("Public"))
        .unwrap_err()
        .to_string()
        .contains("DefaultAuthorizer"));
    let undeclared = SAM_TWO_APIS.replace("DefaultAuthorizer: Cognito", "DefaultAuthorizer: Other");
    assert!(config(&undeclared, Some("Private"))
        .unwrap_err()
        .to_string()
        .contains("Other"));
}

#[test]
fn no_api_is_an_error() {
    assert_eq!(
        config("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n", None).unwrap_err(),
        TemplateError::NoApi
    );
}

#[test]
fn definition_body_routes_get_the_default_authorizer() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool: {Type: AWS::Cognito::UserPool}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      Auth:
        DefaultAuthorizer: Cognito
        Authorizers:
          Cognito: {UserPoolArn: !GetAtt Pool.Arn}
      DefinitionBody:
        swagger: "2.0"
        paths:
          /up:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, uri: "http://up.internal/", httpMethod: GET}
          /open:
            get:
              security: []
              x-amazon-apigateway-integration: {type: http_proxy, uri: "http://open.internal/", httpMethod: GET}
"#;
    let c = config(text, None).unwrap();
    let routes: Vec<_> = c
        .routes
        .iter()
        .map(|r| (r.path.as_str(), r.authorizer.as_deref()))
        .collect();
    assert_eq!(routes, vec![("/open", None), ("/up", Some("Cognito"))]);
}

#[test]
fn issuer_lookup_gets_each_pool_arn_and_its_errors_surface() {
    let t = template(SAM_TWO_APIS);
    let p = bind(&t, &[]);
    let outputs = placeholder_outputs(&t, &p.pseudo);
    let resolver = Resolver::new(&t, &p, &outputs).unwrap();
    let seen = std::cell::RefCell::new(Vec::new());
    let lookup = |arn: &str| {
        seen.borrow_mut().push(arn.to_string());
        Ok(format!(
            "http://localhost:9229/{}",
            pool_id_from_arn(arn).unwrap_or_default()
        ))
    };
    let c = gateway_config(&t, &resolver, Some("Private"), &lookup).unwrap();
    assert_eq!(
        seen.borrow().as_slice(),
        ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool"]
    );
    assert_eq!(
        c.authorizers["Cognito"].issuers,
        vec!["http://localhost:9229/us-east-1_Pool"]
    );
    let failing = |arn: &str| {
        Err(TemplateError::Issuer {
            arn: arn.to_string(),
            message: "no such pool".into(),
        })
    };
    assert!(gateway_config(&t, &resolver, Some("Private"), &failing)
        .unwrap_err()
        .to_string()
        .contains("no such pool"));
    // Without the pool's outputs the authorizer cannot be built, and the error says which resource is missing.
    let none = BTreeMap::new();
    let bare = Resolver::new(&t, &p, &none).unwrap();
    let err = gateway_config(&t, &bare, Some("Private"), &cognito_issuer_for_pool_arn).unwrap_err();
    assert!(err.to_string().contains("Pool has not been created"), "{err}");
}

#[test]
fn pool_arns_give_ids_and_cognito_issuers() {
    let arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC";
    assert_eq!(pool_id_from_arn(arn), Some("eu-west-1_AbC"));
    assert_eq!(
        cognito_issuer_for_pool_arn(arn).unwrap(),
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
    );
    assert_eq!(pool_id_from_arn("arn:aws:iam::1:role/x"), None);
    assert!(cognito_issuer_for_pool_arn("nonsense").is_err());
}

#[test]
fn placeholder_outputs_have_cognito_shapes() {
    let t = template("Resources:\n  Pool: {Type: AWS::Cognito::UserPool}\n  Client: {Type: AWS::Cognito::UserPoolClient}\n");
    let p = bind(&t, &[]);
    let outputs = placeholder_outputs(&t, &p.pseudo);
    assert_eq!(outputs["Pool"].ref_value, "us-east-1_Pool");
    assert_eq!(
        outputs["Pool"].attributes["ProviderURL"],
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool"
    );
    assert_eq!(
        json!(outputs["Client"].attributes.keys().collect::<Vec<_>>()),
        json!(["ClientId", "ClientSecret", "Name"])
    );
}
