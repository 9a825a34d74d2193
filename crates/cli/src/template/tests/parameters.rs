//! Parameter binding: defaults, constraints, list types, NoEcho, unknown and missing names, pseudo parameters.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::{ParameterValue, PseudoParameters, TemplateError};
use super::{bind, template};

const TEMPLATE: &str = r#"
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Name:
    Type: String
    AllowedPattern: "[a-z]+"
    MinLength: 2
    MaxLength: 8
    ConstraintDescription: lowercase letters
  Count:
    Type: Number
    Default: 3
    MinValue: 1
    MaxValue: 10
  Ports:
    Type: List<Number>
    Default: "80, 443"
  Zones:
    Type: CommaDelimitedList
    Default: a,b
  Secret:
    Type: String
    NoEcho: true
    Default: hunter22
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: s-1,s-2
Resources: {}
"#;

fn try_bind(given: &[(&str, &str)]) -> Result<super::super::Parameters, TemplateError> {
    let given: BTreeMap<String, String> = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    template(TEMPLATE).bind_parameters(&given)
}

#[test]
fn defaults_and_types_bind() {
    let p = bind(&template(TEMPLATE), &[("Name", "abc")]);
    assert!(p.get("Env") == Some(&ParameterValue::String("dev".into())));
    assert_eq!(p.get("Count").map(ParameterValue::to_json), Some(json!("3")));
    assert_eq!(
        p.get("Ports").map(ParameterValue::to_json),
        Some(json!(["80", "443"]))
    );
    assert_eq!(
        p.get("Zones").map(ParameterValue::to_json),
        Some(json!(["a", "b"]))
    );
    assert_eq!(
        p.get("Subnets").map(ParameterValue::to_json),
        Some(json!(["s-1", "s-2"]))
    );
}

#[test]
fn missing_parameter_is_named() {
    assert_eq!(
        try_bind(&[]).unwrap_err(),
        TemplateError::MissingParameter { name: "Name".into() }
    );
}

#[test]
fn unknown_parameter_is_named() {
    assert_eq!(
        try_bind(&[("Name", "abc"), ("Nmae", "x")]).unwrap_err(),
        TemplateError::UnknownParameter { name: "Nmae".into() }
    );
}

#[test]
fn constraints_are_enforced_with_the_parameter_named() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (&[("Name", "abc"), ("Env", "qa")], "Env", "AllowedValues"),
        (&[("Name", "ABC")], "Name", "AllowedPattern"),
        (&[("Name", "a")], "Name", "MinLength"),
        (&[("Name", "abcdefghij")], "Name", "MaxLength"),
        (&[("Name", "abc"), ("Count", "11")], "Count", "MaxValue"),
        (&[("Name", "abc"), ("Count", "many")], "Count", "not a number"),
        (&[("Name", "abc"), ("Ports", "80,http")], "Ports", "not a number"),
    ];
    for (given, name, needle) in cases {
        let err = try_bind(given).unwrap_err();
        let TemplateError::ParameterValue { name: got, message } = &err else {
            panic!("{err}")
        };
        assert_eq!(got, name);
        assert!(message.contains(needle), "{message:?} should mention {needle}");
    }
    // The pattern must match the whole value, and the constraint description is shown.
    let err = try_bind(&[("Name", "abc1")]).unwrap_err().to_string();
    assert!(err.contains("lowercase letters"), "{err}");
}

#[test]
fn no_echo_values_stay_out_of_debug_and_errors() {
    let p = bind(&template(TEMPLATE), &[("Name", "abc")]);
    assert!(p.is_no_echo("Secret"));
    let shown = format!("{p:?}");
    assert!(!shown.contains("hunter22") && shown.contains("****"), "{shown}");
    let t = template("Parameters:\n  S:\n    Type: String\n    NoEcho: true\n    AllowedPattern: '[0-9]+'\nResources: {}\n");
    let err = t
        .bind_parameters(&BTreeMap::from([("S".to_string(), "topsecret".to_string())]))
        .unwrap_err();
    assert!(!err.to_string().contains("topsecret"), "{err}");
}

#[test]
fn ssm_parameter_types_are_unsupported() {
    let t = template(
        "Parameters:\n  P:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /x\nResources: {}\n",
    );
    assert!(matches!(
        t.bind_parameters(&BTreeMap::new()),
        Err(TemplateError::Unsupported { .. })
    ));
}

#[test]
fn unknown_parameter_type_is_refused() {
    let err =
        crate::template::Template::parse("Parameters:\n  P:\n    Type: Strnig\nResources: {}\n").unwrap_err();
    assert!(err.to_string().contains("Strnig"), "{err}");
}

#[test]
fn pseudo_parameters_follow_the_region() {
    let china = PseudoParameters::new("cn-north-1", "111122223333", "s");
    assert_eq!(china.partition, "aws-cn");
    assert_eq!(china.url_suffix, "amazonaws.com.cn");
    assert_eq!(china.lookup("AWS::AccountId"), Some(json!("111122223333")));
    assert_eq!(
        china.lookup("AWS::StackId"),
        Some(json!(
            "arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/s/latchkey"
        ))
    );
    assert_eq!(
        PseudoParameters::default().lookup("AWS::Partition"),
        Some(json!("aws"))
    );
    assert_eq!(PseudoParameters::default().lookup("AWS::NoValue"), None);
}
