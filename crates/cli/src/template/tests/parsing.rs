//! Parsing: short-form tags, JSON, duplicate keys, size and alias bombs, unknown tags, template shape, Globals.

use serde_json::json;

use super::super::source::parse_text;
use super::super::{ResourceKind, Template, TemplateError, IMPLICIT_API};
use super::template;

#[test]
fn short_tags_become_long_forms() {
    let value = parse_text(
        r#"
a: !Ref Thing
b: !GetAtt Pool.Arn
c: !GetAtt [Pool, ProviderName]
d: !GetAtt Db.Endpoint.Address
e: !Sub "${AWS::Region}-x"
f: !Sub ["${A}", {A: !Ref B}]
g: !Join [",", [a, b]]
h: !If [Cond, x, !Ref AWS::NoValue]
i: !Select [0, !Split [",", "a,b"]]
j: !FindInMap [M, K, V]
k: !Equals [a, b]
l: !And [!Condition C1, !Not [!Condition C2]]
m: !Or [!Condition C1, !Condition C2]
n: !Base64 text
o: !GetAZs ""
p: !ImportValue Exported
q: !Cidr ["10.0.0.0/16", 2, 8]
"#,
    )
    .unwrap();
    assert_eq!(
        value,
        json!({
            "a": {"Ref": "Thing"},
            "b": {"Fn::GetAtt": ["Pool", "Arn"]},
            "c": {"Fn::GetAtt": ["Pool", "ProviderName"]},
            "d": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
            "e": {"Fn::Sub": "${AWS::Region}-x"},
            "f": {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]},
            "g": {"Fn::Join": [",", ["a", "b"]]},
            "h": {"Fn::If": ["Cond", "x", {"Ref": "AWS::NoValue"}]},
            "i": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
            "j": {"Fn::FindInMap": ["M", "K", "V"]},
            "k": {"Fn::Equals": ["a", "b"]},
            "l": {"Fn::And": [{"Condition": "C1"}, {"Fn::Not": [{"Condition": "C2"}]}]},
            "m": {"Fn::Or": [{"Condition": "C1"}, {"Condition": "C2"}]},
            "n": {"Fn::Base64": "text"},
            "o": {"Fn::GetAZs": ""},
            "p": {"Fn::ImportValue": "Exported"},
            "q": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
        })
    );
}

#[test]
fn json_templates_parse_and_equal_their_yaml() {
    let yaml = template("Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      UserPoolName: !Ref AWS::StackName\n");
    let json = template(
        r#"{"Resources": {"Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": {"Ref": "AWS::StackName"}}}}}"#,
    );
    assert_eq!(yaml, json);
    assert_eq!(json.resources["Pool"].kind, ResourceKind::UserPool);
}

#[test]
fn duplicate_keys_are_refused_in_yaml_and_json() {
    let yaml = parse_text("Resources:\n  A: 1\n  A: 2\n").unwrap_err();
    assert!(
        matches!(yaml, TemplateError::Syntax { format: "YAML", .. }),
        "{yaml}"
    );
    let json = parse_text(r#"{"Resources": {"A": 1, "A": 2}}"#).unwrap_err();
    assert!(
        matches!(&json, TemplateError::Syntax { format: "JSON", message } if message.contains("duplicate")),
        "{json}"
    );
}

#[test]
fn unknown_tags_are_named() {
    let err = parse_text("a: !Bogus x\n").unwrap_err();
    assert_eq!(
        err,
        TemplateError::UnknownTag {
            tag: "!Bogus".to_string()
        }
    );
    assert!(err.to_string().contains("!Bogus"));
}

#[test]
fn oversized_templates_are_refused_before_parsing() {
    let text = format!(
        "Description: \"{}\"\n",
        "x".repeat(super::super::MAX_TEMPLATE_BYTES)
    );
    assert!(matches!(parse_text(&text), Err(TemplateError::TooLarge { .. })));
}

#[test]
fn alias_bombs_are_refused() {
    // Ten levels of ten references each: 10^10 values once expanded.
    let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let refs = vec![format!("*l{}", level - 1); 10].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
    }
    let err = parse_text(&text).unwrap_err();
    assert!(
        matches!(
            err,
            TemplateError::Syntax { .. } | TemplateError::TooManyNodes { .. }
        ),
        "{err}"
    );
}

#[test]
fn hostile_shapes_are_errors_not_panics() {
    for text in [
        "",
        "[1, 2]",
        "Resources: 3",
        "Resources:\n  A: {}\n",
        "Resources:\n  a-b:\n    Type: X\n",
        "{",
        ": :",
    ] {
        assert!(Template::parse(text).is_err(), "{text:?} should be refused");
    }
    let deep = format!("Resources: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Template::parse(&deep).is_err());
}

#[test]
fn template_sections_are_read() {
    let t = template(
        r#"
AWSTemplateFormatVersion: "2010-09-09"
Description: d
Conditions:
  Yes: !Equals [a, a]
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    DeletionPolicy: Retain
    Condition: Yes
    DependsOn: Topic
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  PoolId:
    Value: !Ref Pool
    Condition: Yes
    Export:
      Name: !Sub "${AWS::StackName}-pool"
"#,
    );
    assert_eq!(t.format_version.as_deref(), Some("2010-09-09"));
    let pool = &t.resources["Pool"];
    assert_eq!(pool.deletion_policy.as_deref(), Some("Retain"));
    assert_eq!(pool.condition.as_deref(), Some("Yes"));
    assert_eq!(pool.depends_on, vec!["Topic".to_string()]);
    assert_eq!(t.skipped_resources(), vec![("Topic", "AWS::SNS::Topic")]);
    assert_eq!(
        t.outputs["PoolId"].export_name,
        Some(json!({"Fn::Sub": "${AWS::StackName}-pool"}))
    );
}

#[test]
fn shape_errors_name_what_is_wrong() {
    let cases = [
        ("Resources:\n  A:\n    Type: X\n    Condition: Nope\n", "Nope"),
        (
            "Resources:\n  A:\n    Type: X\n    DeletionPolicy: Keep\n",
            "DeletionPolicy",
        ),
        ("Resources:\n  A:\n    Properties: {}\n", "Resources.A.Type"),
        ("Bogus: 1\nResources: {}\n", "Bogus"),
        ("Transform: AWS::Include\nResources: {}\n", "AWS::Include"),
        (
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n",
            "Transform",
        ),
        ("Globals: {}\nResources: {}\n", "Globals"),
        (
            "Parameters:\n  A:\n    Type: String\nResources:\n  A:\n    Type: X\n",
            "parameter",
        ),
    ];
    for (text, needle) in cases {
        let err = Template::parse(text).unwrap_err().to_string();
        assert!(
            err.contains(needle),
            "{text:?}: {err:?} should mention {needle:?}"
        );
    }
}

#[test]
fn sam_globals_merge_as_sam_does() {
    let t = template(
        r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 3
    Layers: [g]
    Architectures: [x86_64]
    Environment:
      Variables: {A: global, B: global}
  Api:
    Auth:
      DefaultAuthorizer: Pool
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 9
      Layers: [l]
      Architectures: [arm64]
      Environment:
        Variables: {B: local}
      Events:
        E: {Type: Api, Properties: {Path: /x, Method: get}}
"#,
    );
    let f = &t.resources["F"].properties;
    assert_eq!(f["Runtime"], "python3.12");
    assert_eq!(f["Timeout"], 9);
    assert_eq!(f["Layers"], json!(["g", "l"]));
    assert_eq!(f["Architectures"], json!(["arm64"]));
    assert_eq!(
        f["Environment"]["Variables"],
        json!({"A": "global", "B": "local"})
    );
    // The implicit API exists and got Globals.Api.
    let api = &t.resources[IMPLICIT_API];
    assert!(api.implicit);
    assert_eq!(
        api.properties,
        json!({"StageName": "Prod", "Auth": {"DefaultAuthorizer": "Pool"}})
    );
}

#[test]
fn globals_refuse_what_sam_refuses() {
    let err = Template::parse(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Events: {}\nResources: {}\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("Globals.Function.Events"), "{err}");
    let err =
        Template::parse("Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Bogus: {}\nResources: {}\n")
            .unwrap_err();
    assert!(err.to_string().contains("Globals.Bogus"), "{err}");
}

#[test]
fn resource_kinds_classify_types() {
    assert_eq!(
        ResourceKind::of_type("AWS::Cognito::IdentityPoolRoleAttachment"),
        ResourceKind::IdentityPoolRoleAttachment
    );
    assert!(ResourceKind::of_type("AWS::Cognito::UserPoolClient").is_cognito());
    assert!(ResourceKind::of_type("AWS::ApiGateway::Method").is_api());
    assert!(ResourceKind::of_type("AWS::Serverless::Function").is_api());
    let skipped = ResourceKind::of_type("AWS::Lambda::Function");
    assert_eq!(skipped, ResourceKind::Skipped);
    assert!(!skipped.is_api() && !skipped.is_cognito());
    assert_eq!(skipped.attributes(), None);
    assert_eq!(
        ResourceKind::UserPool.attributes(),
        Some(&["Arn", "ProviderName", "ProviderURL", "UserPoolId"][..])
    );
}
