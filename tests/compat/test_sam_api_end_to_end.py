"""The whole story of issue 13 with real pieces: `latchkey apply` creates what a SAM template declares (a user pool,
its app client, an API with a Cognito authorizer and a function behind GET /foo) — twice, the second time changing
nothing —; an administrator's new user completes NEW_PASSWORD_REQUIRED and signs in with SRP through
amazon-cognito-identity-js; `latchkey gateway --template` serves the template's API in front of a
Lambda-Invoke-compatible runtime, where the function sees the caller's claims, and refuses what API Gateway refuses."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from conftest import LATCHKEY_BIN, clean_env, free_port
from gatewaylib import GatewayProcess
from lambda_runtime import LambdaRuntime, echo
from test_srp_node import JsApp, srp_node, value  # noqa: F401  (srp_node is a fixture)
from userlib import PASSWORD, jwt_claims

TEMPLATE = Path(__file__).resolve().parent / "templates" / "sam_cognito_api.yaml"
TEMPORARY = "Temp0rary!Pass"


def apply(kit, *args: str) -> dict:
    env = clean_env({"AWS_ACCESS_KEY_ID": kit.server.key_id, "AWS_SECRET_ACCESS_KEY": kit.server.secret,
                     "AWS_REGION": "us-east-1"})
    r = subprocess.run([str(LATCHKEY_BIN), "apply", str(TEMPLATE), "--endpoint-url", kit.endpoint,
                        "--output", "json", *args], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, f"latchkey apply failed ({r.returncode})\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return json.loads(r.stdout)


class TemplateGateway(GatewayProcess):
    """`latchkey gateway --template … --stack …` instead of a TOML file."""

    def __init__(self, kit, stack: str, lambda_endpoint: str, log_dir: Path):
        super().__init__("", log_dir=log_dir)
        self.kit, self.stack, self.lambda_endpoint = kit, stack, lambda_endpoint

    def argv(self):
        return [str(LATCHKEY_BIN), "gateway", "--template", str(TEMPLATE), "--stack", self.stack,
                "--endpoint-url", self.kit.endpoint, "--lambda-endpoint", self.lambda_endpoint,
                "--listen", f"127.0.0.1:{self.port}", "--log-format", "json"]

    def start(self, wait: bool = True):
        # The gateway reads the stack through the signed Cognito API, with the usual AWS credentials.
        sp = subprocess
        self._out = open(self.log_dir / "stdout.log", "wb")
        self._err = open(self.log_dir / "stderr.log", "wb")
        env = clean_env({"AWS_ACCESS_KEY_ID": self.kit.server.key_id,
                         "AWS_SECRET_ACCESS_KEY": self.kit.server.secret, "AWS_REGION": "us-east-1"})
        self.proc = sp.Popen(self.argv(), stdout=self._out, stderr=self._err, stdin=sp.DEVNULL, env=env,
                             cwd=str(self.log_dir))
        if wait:
            self.wait_ready()
        return self


def test_sam_template_applied_signed_in_with_srp_and_called_through_the_gateway(kit, srp_node, tmp_path):  # noqa: F811
    stack = f"seed-{uuid.uuid4().hex[:8]}"
    first = apply(kit, "--stack", stack)
    outputs = first["outputs"]
    pool, client = outputs["UserPoolId"], outputs["ClientId"]
    assert pool.startswith("us-east-1_") and client
    assert [c["action"] for c in first["changes"]] == ["create", "create"], first["changes"]
    assert {g["logical_id"] for g in first["gateway"]} == {"MyApi", "MyFunction"} and first["skipped"] == []
    assert first["routes"] == ["GET /foo (authorizer MyCognitoAuthorizer)"]

    # A second apply of the unchanged template changes nothing, and the outputs are the same ids.
    second = apply(kit, "--stack", stack)
    assert second["outputs"]["UserPoolId"] == pool and second["outputs"]["ClientId"] == client
    assert all(c["action"] == "unchanged" for c in second["changes"]), second["changes"]

    # The template's pool signs in with email addresses; the administrator invites one.
    email = f"{stack}@example.com"
    kit.idp.admin_create_user(UserPoolId=pool, Username=email, TemporaryPassword=TEMPORARY,
                              MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": email},
                                              {"Name": "email_verified", "Value": "true"}])
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, client)
    out = app.run({"op": "authenticate", "username": email, "password": TEMPORARY, "newPassword": PASSWORD})
    assert [c["target"] for c in out["calls"]][-1] == "RespondToAuthChallenge"
    assert out["calls"][0].get("authFlow") == "USER_SRP_AUTH"
    tokens = value(out, "authenticate")
    id_token, access_token = tokens["idToken"], tokens["accessToken"]
    assert kit.idp.admin_get_user(UserPoolId=pool, Username=email)["UserStatus"] == "CONFIRMED"

    runtime = LambdaRuntime(handlers={"MyFunction": echo}).start()
    gateway = TemplateGateway(kit, stack, runtime.endpoint, tmp_path).start()
    try:
        base = gateway.url
        r = requests.get(f"{base}/val/foo", headers={"Authorization": id_token}, timeout=10)
        assert r.status_code == 200, (r.status_code, r.text, gateway.stderr()[-3000:])
        event = r.json()
        claims = event["requestContext"]["authorizer"]["claims"]
        assert claims["sub"] == jwt_claims(id_token)["sub"] and claims["email"] == email
        assert claims["aud"] == client and claims["token_use"] == "id"
        assert event["resource"] == "/foo" and event["requestContext"]["stage"] == "val"
        assert event["httpMethod"] == "GET"
        assert len(runtime.events("MyFunction")) == 1

        r = requests.get(f"{base}/val/foo", headers={"Authorization": f"Bearer {id_token}"}, timeout=10)
        assert r.status_code == 200

        # What API Gateway refuses: no token, an access token where no scope is configured, an unknown route.
        r = requests.get(f"{base}/val/foo", timeout=10)
        assert (r.status_code, r.json()) == (401, {"message": "Unauthorized"})
        r = requests.get(f"{base}/val/foo", headers={"Authorization": access_token}, timeout=10)
        assert (r.status_code, r.json()) == (401, {"message": "Unauthorized"})
        r = requests.get(f"{base}/val/bar", headers={"Authorization": id_token}, timeout=10)
        assert (r.status_code, r.json()) == (403, {"message": "Missing Authentication Token"})
        r = requests.post(f"{base}/val/foo", headers={"Authorization": id_token}, timeout=10)
        assert (r.status_code, r.json()) == (403, {"message": "Missing Authentication Token"})
        assert len(runtime.events("MyFunction")) == 2, "refused calls must never reach the function"
    finally:
        gateway.stop()
        runtime.stop()

    # The stack deletes what it created.
    apply(kit, "--stack", stack, "--delete")
    with pytest.raises(kit.idp.exceptions.ResourceNotFoundException):
        kit.idp.describe_user_pool(UserPoolId=pool)
