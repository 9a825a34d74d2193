//! The resolver: every intrinsic function, `AWS::NoValue`, and the errors for references it cannot resolve.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::{Resolver, TemplateError};
use super::{bind, outputs, resolve_in, template};

const TEMPLATE: &str = r#"
Parameters:
  Env:
    Type: String
    Default: prod
  Zones:
    Type: CommaDelimitedList
    Default: "a, b, c"
Mappings:
  Sizes:
    prod: {Memory: 1024}
    dev: {Memory: 128}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
  Off:
    Type: AWS::Cognito::UserPoolGroup
    Condition: IsDev
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  PoolArn:
    Value: !GetAtt Pool.Arn
    Export:
      Name: !Sub "${AWS::StackName}-PoolArn"
  Never:
    Condition: IsDev
    Value: !Ref Off
"#;

fn template_text() -> String {
    TEMPLATE.to_string()
}

fn created() -> BTreeMap<String, super::super::ResourceOutputs> {
    outputs(&[(
        "Pool",
        "us-east-1_abc",
        &[("Arn", "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_abc")],
    )])
}

fn resolve(value: &str) -> Result<serde_json::Value, TemplateError> {
    resolve_in(&template_text(), &created(), value)
}

#[test]
fn ref_resolves_parameters_pseudo_parameters_and_resources() {
    assert_eq!(
        resolve(
            "[!Ref Env, !Ref Zones, !Ref AWS::Region, !Ref AWS::AccountId, !Ref AWS::StackName, !Ref Pool]"
        )
        .unwrap(),
        json!([
            "prod",
            ["a", "b", "c"],
            "us-east-1",
            "123456789012",
            "latchkey",
            "us-east-1_abc"
        ])
    );
    assert_eq!(
        resolve("[!Ref AWS::Partition, !Ref AWS::URLSuffix]").unwrap(),
        json!(["aws", "amazonaws.com"])
    );
}

#[test]
fn no_value_removes_keys_and_items() {
    assert_eq!(
        resolve("{a: 1, b: !Ref AWS::NoValue, c: [1, !Ref AWS::NoValue, 2], d: !If [IsProd, !Ref AWS::NoValue, x]}").unwrap(),
        json!({"a": 1, "c": [1, 2]})
    );
    assert_eq!(resolve("!Ref AWS::NoValue").unwrap(), serde_json::Value::Null);
}

#[test]
fn get_att_in_both_forms() {
    let arn = json!("arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_abc");
    assert_eq!(resolve("!GetAtt Pool.Arn").unwrap(), arn);
    assert_eq!(resolve("!GetAtt [Pool, Arn]").unwrap(), arn);
    assert_eq!(resolve(r#"{"Fn::GetAtt": "Pool.Arn"}"#).unwrap(), arn);
}

#[test]
fn get_att_of_an_attribute_the_type_lacks_is_named() {
    let err = resolve("!GetAtt Pool.Arm").unwrap_err();
    assert!(
        matches!(&err, TemplateError::UnknownAttribute { attribute, .. } if attribute == "Arm"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("Arn, ProviderName, ProviderURL, UserPoolId"),
        "{err}"
    );
}

#[test]
fn references_that_cannot_resolve_yet_are_named() {
    assert_eq!(
        resolve("!Ref Client").unwrap_err(),
        TemplateError::NotCreated {
            name: "Client".into()
        }
    );
    assert_eq!(
        resolve("!GetAtt Client.ClientId").unwrap_err(),
        TemplateError::NotCreated {
            name: "Client".into()
        }
    );
    assert_eq!(
        resolve("!Ref Nothing").unwrap_err(),
        TemplateError::UnknownReference {
            name: "Nothing".into()
        }
    );
    assert!(matches!(
        resolve("!Ref Topic").unwrap_err(),
        TemplateError::SkippedReference { .. }
    ));
    assert_eq!(
        resolve("!Ref Off").unwrap_err(),
        TemplateError::ConditionFalse {
            name: "Off".into(),
            condition: "IsDev".into()
        }
    );
    // The created attributes must hold the one asked for.
    assert_eq!(
        resolve("!GetAtt Pool.ProviderURL").unwrap_err(),
        TemplateError::MissingAttribute {
            name: "Pool".into(),
            attribute: "ProviderURL".into()
        }
    );
}

#[test]
fn sub_substitutes_parameters_attributes_and_literals() {
    assert_eq!(
        resolve(r#"!Sub "${Env}/${Pool}/${Pool.Arn}/${AWS::Region}/${!Literal}/${ Env }""#).unwrap(),
        json!("prod/us-east-1_abc/arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_abc/us-east-1/${Literal}/prod")
    );
    assert_eq!(
        resolve(r#"!Sub ["${A}-${Env}", {A: !Ref AWS::Region}]"#).unwrap(),
        json!("us-east-1-prod")
    );
    assert_eq!(
        resolve(r#"!Sub ["${Env}", {Env: shadowed}]"#).unwrap(),
        json!("shadowed")
    );
}

#[test]
fn sub_errors_are_clear() {
    assert!(resolve(r#"!Sub "${Env""#)
        .unwrap_err()
        .to_string()
        .contains("no }"));
    assert!(resolve(r#"!Sub "${Zones}""#)
        .unwrap_err()
        .to_string()
        .contains("not text"));
    assert_eq!(
        resolve(r#"!Sub "${Client.ClientId}""#).unwrap_err(),
        TemplateError::NotCreated {
            name: "Client".into()
        }
    );
    assert!(matches!(
        resolve(r#"!Sub "${Pool.Nope}""#).unwrap_err(),
        TemplateError::UnknownAttribute { .. }
    ));
    assert!(resolve("!Sub [a, b, c]").is_err());
}

#[test]
fn join_select_split() {
    assert_eq!(
        resolve(r#"!Join ["-", [a, !Ref Env, 3]]"#).unwrap(),
        json!("a-prod-3")
    );
    assert_eq!(resolve(r#"!Join [",", !Ref Zones]"#).unwrap(), json!("a,b,c"));
    assert_eq!(resolve(r#"!Join ["", []]"#).unwrap(), json!(""));
    assert_eq!(resolve("!Select [1, !Ref Zones]").unwrap(), json!("b"));
    assert_eq!(resolve(r#"!Select ["0", [x, y]]"#).unwrap(), json!("x"));
    assert_eq!(
        resolve(r#"!Split ["/", "a/b//c"]"#).unwrap(),
        json!(["a", "b", "", "c"])
    );
    assert_eq!(
        resolve(r#"!Select [2, !Split [",", "x,y,z"]]"#).unwrap(),
        json!("z")
    );
    assert!(resolve("!Select [3, [a]]")
        .unwrap_err()
        .to_string()
        .contains("out of range"));
    assert!(resolve("!Select [-1, [a]]").is_err());
    assert!(resolve(r#"!Join [",", [[nested]]]"#).is_err());
    assert!(resolve(r#"!Split ["", abc]"#).is_err());
    assert!(resolve("!Join [a]")
        .unwrap_err()
        .to_string()
        .contains("2 operands"));
}

#[test]
fn find_in_map() {
    assert_eq!(
        resolve("!FindInMap [Sizes, !Ref Env, Memory]").unwrap(),
        json!(1024)
    );
    assert!(resolve("!FindInMap [Sizes, qa, Memory]")
        .unwrap_err()
        .to_string()
        .contains("\"qa\""));
    assert!(resolve("!FindInMap [Nope, prod, Memory]")
        .unwrap_err()
        .to_string()
        .contains("no mapping"));
    assert_eq!(
        resolve("!FindInMap [Sizes, qa, Memory, {DefaultValue: 64}]").unwrap(),
        json!(64)
    );
}

#[test]
fn if_and_base64() {
    assert_eq!(resolve("!If [IsProd, big, small]").unwrap(), json!("big"));
    assert_eq!(resolve("!If [IsDev, big, small]").unwrap(), json!("small"));
    assert_eq!(
        resolve("!If [Nope, a, b]").unwrap_err(),
        TemplateError::UnknownCondition { name: "Nope".into() }
    );
    assert_eq!(resolve("Fn::Base64: !Sub '${Env}'").unwrap(), json!("cHJvZA=="));
    assert_eq!(resolve("!Base64 plain").unwrap(), json!("cGxhaW4="));
}

#[test]
fn functions_latchkey_cannot_resolve_are_named() {
    for (text, function) in [
        ("!ImportValue Shared", "Fn::ImportValue"),
        ("!GetAZs ''", "Fn::GetAZs"),
        ("!Cidr [10.0.0.0/16, 2, 8]", "Fn::Cidr"),
    ] {
        assert_eq!(
            resolve(text).unwrap_err(),
            TemplateError::Unsupported {
                function: function.into()
            }
        );
    }
    assert!(resolve(r#"{"Fn::Bogus": 1}"#)
        .unwrap_err()
        .to_string()
        .contains("Fn::Bogus"));
    assert!(resolve("!Equals [a, a]")
        .unwrap_err()
        .to_string()
        .contains("only in Conditions"));
    assert!(resolve(r#"{"Ref": [x]}"#).is_err());
}

#[test]
fn objects_with_several_keys_are_data_not_functions() {
    assert_eq!(
        resolve(r#"{"Ref": "Env", "Other": 1}"#).unwrap(),
        json!({"Ref": "Env", "Other": 1})
    );
}

#[test]
fn outputs_and_properties_resolve_with_context() {
    let t = template(&template_text());
    let p = bind(&t, &[]);
    let created = created();
    let resolver = Resolver::new(&t, &p, &created).unwrap();
    let resolved = resolver.outputs().unwrap();
    assert_eq!(
        resolved.keys().collect::<Vec<_>>(),
        vec!["PoolArn"],
        "outputs whose condition is false are left out"
    );
    assert_eq!(
        resolved["PoolArn"].export_name.as_deref(),
        Some("latchkey-PoolArn")
    );
    assert_eq!(resolver.resource_properties("Pool").unwrap(), json!({}));
    let t =
        template("Resources:\n  A:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      X: !Ref B\n");
    let p = bind(&t, &[]);
    let none = BTreeMap::new();
    let err = Resolver::new(&t, &p, &none)
        .unwrap()
        .resource_properties("A")
        .unwrap_err();
    assert!(err.to_string().starts_with("resource A: "), "{err}");
}
