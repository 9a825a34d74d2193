"""`latchkey template routes` against aws-sam-translator, the code AWS itself runs on SAM templates.

For each SAM template in templates/, aws-sam-translator writes the API as plain CloudFormation: an
AWS::ApiGateway::RestApi whose Body is an OpenAPI document with `x-amazon-apigateway-integration`, `security`
and `x-amazon-apigateway-authorizer`. The routes latchkey reads from the SAM template (method, path, authorizer
or none, scopes, function, the stage and each authorizer's pools and header) must be exactly those the
translator declares. Latchkey must also read the same routes from the translated template, which exercises its
plain API Gateway path. cfn-lint checks that the templates are valid in the first place.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from conftest import LATCHKEY_BIN

TEMPLATES = Path(__file__).resolve().parent / "templates"
REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "latchkey"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": STACK,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = object()

CASES = [
    ("sam_cognito_api.yaml", {}),
    ("sam_scopes_proxy.yaml", {}),
    ("sam_parameters.yaml", {}),
    ("sam_parameters.yaml", {"Stage": "prod", "Product": "market"}),
]


def latchkey_routes(path: Path, parameters: dict[str, str]) -> dict:
    args = [str(LATCHKEY_BIN), "template", "routes", str(path)]
    for name, value in parameters.items():
        args += ["--parameter", f"{name}={value}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def translate(path: Path, parameters: dict[str, str], monkeypatch) -> dict:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return transform(yaml_parse(path.read_text()), dict(parameters), None)


class Evaluator:
    """Just enough of CloudFormation to read the translated template: parameters (with defaults), pseudo
    parameters, mappings and conditions. References to resources are left as they are."""

    def __init__(self, template: dict, given: dict[str, str]):
        self.template = template
        self.params = {name: given.get(name, spec.get("Default")) for name, spec in template.get("Parameters", {}).items()}
        self.conditions: dict[str, bool] = {}
        for name in template.get("Conditions", {}):
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = self.truth(self.template["Conditions"][name])
        return self.conditions[name]

    def truth(self, expression: dict) -> bool:
        ((function, arg),) = expression.items()
        if function == "Fn::Equals":
            return str(self.value(arg[0])) == str(self.value(arg[1]))
        if function == "Fn::Not":
            return not self.truth(arg[0])
        if function == "Fn::And":
            return all(self.truth(a) for a in arg)
        if function == "Fn::Or":
            return any(self.truth(a) for a in arg)
        if function == "Condition":
            return self.condition(arg)
        raise AssertionError(f"unexpected condition {expression}")

    def value(self, value):
        if isinstance(value, dict) and len(value) == 1:
            ((function, arg),) = value.items()
            if function == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                if arg in self.params:
                    return self.params[arg]
                return PSEUDO.get(arg, value)
            if function == "Fn::If":
                return self.value(arg[1] if self.condition(arg[0]) else arg[2])
            if function == "Fn::FindInMap":
                m, top, second = (self.value(a) for a in arg)
                return self.template["Mappings"][m][top][second]
            if function == "Fn::Join":
                return self.value(arg[0]).join(self.value(a) for a in self.value(arg[1]))
            if function == "Fn::Sub" and isinstance(arg, str):
                names = {**PSEUDO, **self.params}
                text = re.sub(r"\$\{([^}.!]+)\}", lambda m: names.get(m.group(1), m.group(0)), arg)
                # What still names a resource stays a Fn::Sub.
                return {"Fn::Sub": text} if "${" in text else text
        if isinstance(value, dict):
            out = {k: self.value(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [v for v in (self.value(v) for v in value) if v is not NO_VALUE]
        return value


def translator_view(translated: dict, parameters: dict[str, str]) -> dict:
    """The stage, authorizers and routes the translated template's one RestApi declares."""
    ev = Evaluator(translated, parameters)
    resources = translated["Resources"]
    (api_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi"]
    body = ev.value(resources[api_id]["Properties"]["Body"])
    (stage,) = [
        ev.value(r["Properties"]["StageName"])
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::Stage" and r["Properties"]["RestApiId"] == {"Ref": api_id}
    ]
    authorizers = {}
    for name, scheme in body.get("securityDefinitions", {}).items():
        authorizer = scheme["x-amazon-apigateway-authorizer"]
        assert authorizer["type"] == "cognito_user_pools"
        pools = [arn["Fn::GetAtt"][0] for arn in authorizer["providerARNs"]]
        authorizers[name] = {
            "issuers": [f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_{pool}" for pool in pools],
            "identity_header": scheme["name"],
        }
    routes = set()
    for path, item in body["paths"].items():
        for key, operation in item.items():
            integration = operation["x-amazon-apigateway-integration"]
            if integration["type"] == "mock":
                assert key == "options", (path, key)
                continue
            assert integration["type"] == "aws_proxy"
            (function_id,) = re.findall(r"\$\{(\w+)\.Arn\}", integration["uri"]["Fn::Sub"])
            function_name = ev.value(resources[function_id]["Properties"].get("FunctionName", function_id))
            required = [s for s in operation.get("security", []) if "NONE" not in s]
            assert len(required) <= 1, operation["security"]
            authorizer, scopes = next(iter(required[0].items())) if required else (None, [])
            method = "ANY" if key == "x-amazon-apigateway-any-method" else key.upper()
            routes.add((method, path, authorizer, tuple(scopes), function_name))
    return {"stage": stage, "authorizers": authorizers, "routes": routes}


def latchkey_view(config: dict) -> dict:
    routes = {
        (r["method"], r["path"], r.get("authorizer"), tuple(r.get("scopes", [])), r["integration"]["function"])
        for r in config["route"]
    }
    assert all(r["integration"]["type"] == "lambda" for r in config["route"])
    return {"stage": config.get("stage"), "authorizers": config["authorizers"], "routes": routes}


def case_id(case):
    name, parameters = case
    return name + "".join(f"-{k}={v}" for k, v in parameters.items())


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_routes_agree_with_aws_sam_translator(case, monkeypatch):
    name, parameters = case
    ours = latchkey_view(latchkey_routes(TEMPLATES / name, parameters))
    theirs = translator_view(translate(TEMPLATES / name, parameters, monkeypatch), parameters)
    assert ours["routes"], "the template declares routes"
    assert ours == theirs


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_translated_template_gives_the_same_routes(case, monkeypatch, tmp_path):
    """The plain CloudFormation aws-sam-translator writes (RestApi Body, Stage, Lambda functions) reads as the
    same gateway as the SAM template, CORS aside: the translation answers preflights with mock methods."""
    name, parameters = case
    ours = latchkey_routes(TEMPLATES / name, parameters)
    translated = tmp_path / "translated.json"
    translated.write_text(json.dumps(translate(TEMPLATES / name, parameters, monkeypatch)))
    from_translation = latchkey_routes(translated, parameters)
    ours.pop("cors", None)
    assert from_translation == ours


def test_cognito_tutorial_routes():
    """The tutorial's API, spelled out: one protected route at stage `val`, tokens of the one pool."""
    config = latchkey_routes(TEMPLATES / "sam_cognito_api.yaml", {})
    assert config == {
        "stage": "val",
        "cors": {"allow_origin": "*", "allow_credentials": False},
        "authorizers": {
            "MyCognitoAuthorizer": {
                "issuers": [f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_MyCognitoUserPool"],
                "identity_header": "Authorization",
            }
        },
        "route": [
            {
                "method": "GET",
                "path": "/foo",
                "authorizer": "MyCognitoAuthorizer",
                "integration": {"type": "lambda", "function": "MyFunction"},
            }
        ],
    }


def test_bad_parameter_is_refused_with_its_name():
    done = subprocess.run(
        [str(LATCHKEY_BIN), "template", "routes", str(TEMPLATES / "sam_parameters.yaml"), "--parameter", "Stage=qa"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Stage" in done.stderr and "AllowedValues" in done.stderr


def test_templates_pass_cfn_lint():
    # W2531 (deprecated runtime) depends on today's date, not on the template's shape.
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run(
        [str(cfn_lint), "--regions", REGION, "--ignore-checks", "W2531", "--", *map(str, sorted(TEMPLATES.glob("*.yaml")))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
