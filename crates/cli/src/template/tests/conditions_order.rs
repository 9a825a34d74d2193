//! Conditions and creation order.

use std::collections::BTreeMap;

use super::super::{Resolver, TemplateError};
use super::{bind, template};

fn conditions(text: &str, given: &[(&str, &str)]) -> Result<BTreeMap<String, bool>, TemplateError> {
    let t = template(text);
    let p = bind(&t, given);
    t.evaluate_conditions(&p)
}

const CONDITIONS: &str = r#"
Parameters:
  Env: {Type: String, Default: dev}
  Count: {Type: Number, Default: 1}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  CountIsOne: !Equals [!Ref Count, 1]
  Both: !And [!Condition IsDev, !Condition CountIsOne]
  Either: !Or [!Condition IsProd, !Equals [a, b]]
  InRegion: !Equals [!Ref AWS::Region, us-east-1]
Resources: {}
"#;

#[test]
fn conditions_evaluate() {
    let dev = conditions(CONDITIONS, &[]).unwrap();
    assert_eq!(
        dev,
        BTreeMap::from([
            ("IsProd".to_string(), false),
            ("IsDev".to_string(), true),
            ("CountIsOne".to_string(), true),
            ("Both".to_string(), true),
            ("Either".to_string(), false),
            ("InRegion".to_string(), true),
        ])
    );
    let prod = conditions(CONDITIONS, &[("Env", "prod"), ("Count", "2")]).unwrap();
    assert!(prod["IsProd"] && !prod["IsDev"] && !prod["Both"] && prod["Either"] && !prod["CountIsOne"]);
}

#[test]
fn condition_cycles_and_unknown_names_are_errors() {
    let cyclic = "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources: {}\n";
    let err = conditions(cyclic, &[]).unwrap_err();
    assert!(
        matches!(&err, TemplateError::ConditionCycle { names } if names.len() == 3),
        "{err}"
    );
    let unknown = "Conditions:\n  A: !Condition Nope\nResources: {}\n";
    assert_eq!(
        conditions(unknown, &[]).unwrap_err(),
        TemplateError::UnknownCondition { name: "Nope".into() }
    );
}

#[test]
fn conditions_cannot_name_resources_or_be_other_functions() {
    let on_resource =
        "Conditions:\n  A: !Equals [!Ref Pool, x]\nResources:\n  Pool: {Type: AWS::Cognito::UserPool}\n";
    assert!(conditions(on_resource, &[])
        .unwrap_err()
        .to_string()
        .contains("cannot refer to resource Pool"));
    let not_boolean = "Conditions:\n  A: !Ref AWS::Region\nResources: {}\n";
    assert!(conditions(not_boolean, &[]).is_err());
    let one_operand = "Conditions:\n  A: !And [!Equals [a, a]]\nResources: {}\n";
    assert!(conditions(one_operand, &[])
        .unwrap_err()
        .to_string()
        .contains("2 to 10"));
}

#[test]
fn long_condition_chains_are_refused_not_overflowing() {
    let mut text = String::from("Conditions:\n  C0: !Equals [a, a]\n");
    for i in 1..5000 {
        text.push_str(&format!("  C{i}: !Condition C{}\n", i - 1));
    }
    text.push_str("Resources: {}\n");
    // Evaluated in name order, C1000 needs C999, … down to C100: refused with a clear error, never a crash.
    let err = conditions(&text, &[]).unwrap_err();
    assert!(err.to_string().contains("more than 100 deep"), "{err}");
}

const ORDERED: &str = r#"
Parameters:
  WithDomain: {Type: String, Default: "no"}
Conditions:
  HasDomain: !Equals [!Ref WithDomain, "yes"]
Resources:
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      CallbackURLs:
        - !If [HasDomain, !Sub "https://${Domain}/cb", "https://localhost/cb"]
  Pool:
    Type: AWS::Cognito::UserPool
  Domain:
    Type: AWS::Cognito::UserPoolDomain
    Condition: HasDomain
    Properties:
      UserPoolId: !GetAtt Pool.UserPoolId
  Group:
    Type: AWS::Cognito::UserPoolGroup
    DependsOn: Client
    Properties:
      UserPoolId: !Sub "${Pool}"
  Identity:
    Type: AWS::Cognito::IdentityPool
    Properties:
      CognitoIdentityProviders:
        - ClientId: !Ref Client
          ProviderName: !GetAtt Pool.ProviderName
"#;

#[test]
fn creation_order_follows_references_and_skips_false_conditions() {
    let t = template(ORDERED);
    assert_eq!(
        t.creation_order(&bind(&t, &[])).unwrap(),
        vec!["Pool", "Client", "Group", "Identity"]
    );
    let with_domain = t.creation_order(&bind(&t, &[("WithDomain", "yes")])).unwrap();
    assert_eq!(with_domain, vec!["Pool", "Domain", "Client", "Group", "Identity"]);
}

#[test]
fn dependency_cycles_are_named() {
    let t = template(
        "Resources:\n  A:\n    Type: X\n    Properties: {P: !Ref B}\n  B:\n    Type: X\n    Properties: {P: !Sub '${C.Arn}'}\n  C:\n    Type: X\n    DependsOn: A\n",
    );
    let err = t.creation_order(&bind(&t, &[])).unwrap_err();
    assert_eq!(
        err,
        TemplateError::DependencyCycle {
            names: vec!["A".into(), "B".into(), "C".into(), "A".into()]
        }
    );
    let own = template("Resources:\n  A:\n    Type: X\n    Properties: {P: !GetAtt A.Arn}\n");
    assert!(matches!(
        own.creation_order(&bind(&own, &[])),
        Err(TemplateError::DependencyCycle { .. })
    ));
}

#[test]
fn order_checks_references() {
    let unknown = template("Resources:\n  A:\n    Type: X\n    Properties: {P: !Ref Nope}\n");
    let err = unknown.creation_order(&bind(&unknown, &[])).unwrap_err();
    assert!(
        matches!(&err, TemplateError::InResource { name, source } if name == "A"
        && **source == TemplateError::UnknownReference { name: "Nope".into() }),
        "{err}"
    );
    let depends = template("Resources:\n  A:\n    Type: X\n    DependsOn: [Nope]\n");
    assert!(depends
        .creation_order(&bind(&depends, &[]))
        .unwrap_err()
        .to_string()
        .contains("Nope"));
    let on_false = template(
        "Conditions:\n  Never: !Equals [a, b]\nResources:\n  A:\n    Type: X\n    Condition: Never\n  B:\n    Type: X\n    Properties: {P: !Ref A}\n",
    );
    let err = on_false.creation_order(&bind(&on_false, &[])).unwrap_err();
    assert!(err.to_string().contains("condition Never is false"), "{err}");
}

#[test]
fn resolver_reports_inclusion() {
    let t = template(ORDERED);
    let p = bind(&t, &[]);
    let none = BTreeMap::new();
    let resolver = Resolver::new(&t, &p, &none).unwrap();
    assert!(resolver.is_included("Pool").unwrap());
    assert!(!resolver.is_included("Domain").unwrap());
    assert!(resolver.is_included("Nope").is_err());
}
