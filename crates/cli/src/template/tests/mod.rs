//! Unit tests of the template engine, one file per concern.

mod conditions_order;
mod intrinsics;
mod parameters;
mod parsing;
mod routes;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Parameters, Resolver, ResourceOutputs, Template, TemplateError};

pub(super) fn template(text: &str) -> Template {
    Template::parse(text).unwrap_or_else(|e| panic!("template should parse: {e}"))
}

pub(super) fn bind(template: &Template, given: &[(&str, &str)]) -> Parameters {
    let given = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    template
        .bind_parameters(&given)
        .unwrap_or_else(|e| panic!("parameters should bind: {e}"))
}

/// A created resource: logical id, Ref value, attributes.
pub(super) type Created<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

pub(super) fn outputs(entries: &[Created]) -> BTreeMap<String, ResourceOutputs> {
    entries
        .iter()
        .map(|(name, ref_value, attributes)| {
            let attributes = attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (
                name.to_string(),
                ResourceOutputs {
                    ref_value: ref_value.to_string(),
                    attributes,
                },
            )
        })
        .collect()
}

/// Resolves `value` (YAML with short tags) against `template` with default parameters and the given outputs.
pub(super) fn resolve_in(
    template_text: &str,
    created: &BTreeMap<String, ResourceOutputs>,
    value_yaml: &str,
) -> Result<Value, TemplateError> {
    let template = template(template_text);
    let parameters = bind(&template, &[]);
    let resolver = Resolver::new(&template, &parameters, created)?;
    let value = super::source::parse_text(value_yaml)?;
    resolver.resolve(&value)
}
